package mmrace.oracle;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import mmrace.scenario.Op;
import mmrace.scenario.Prot;
import mmrace.scenario.Scenario;

/**
 * A plain reference model of one address space: a sorted list of VMAs with their flags, file
 * offsets and anon_vma identities, and the contents of memory, to which scenario operations are
 * applied one at a time with the kernel's semantics (single-threaded: no locks, no page tables).
 * The model-based test compares the port with it after every operation, and the oracle checks
 * the post-conditions of completed operations against it ({@link Contracts}). It is split over
 * three files along the kernel's: {@link RefVmas} (mm/vma.c: the VMA tree, merging, anon_vma),
 * {@link RefSyscalls} (mmap, munmap, mprotect, madvise, mremap) and this class (set-up, queries,
 * user stores and remote reads).
 *
 * <p>What it models, and the kernel code it follows (mm/mmap.c do_mmap, mm/vma.c at
 * eeccf287a2a5: __mmap_region, vma_merge_new_range, vma_merge_existing_range, vma_modify, copy_vma,
 * vma_merge_extend, find_mergeable_anon_vma; mm/mprotect.c mprotect_fixup and do_mprotect_pkey,
 * mm/madvise.c, mm/mremap.c as reworked in 6.16: check_mremap_params, check_prep_vma,
 * remap_is_valid, mremap_to/mremap_at, move_vma, dontunmap_complete; mm/gup.c check_vma_flags,
 * mm/memory.c __access_remote_vm and the fault paths that call anon_vma_prepare):
 * <ul>
 * <li>VMAs, because where one ends changes what mremap does (EFAULT when the old range leaves
 *     its VMA, expansion in place only at a VMA's end): each has the kernel's vm_flags that matter
 *     for merging (VM_READ/WRITE/EXEC, VM_MAY*, VM_SHARED/MAYSHARE, VM_GROWSDOWN, VM_ACCOUNT, the
 *     VM_SPECIAL bits of a device), its file and vm_pgoff (a private anonymous mapping's pgoff is
 *     addr >> PAGE_SHIFT where it was created; copy_vma moves it with the VMA once it has an
 *     anon_vma, and resets it to the new address while it has none) and an anon_vma identity (0:
 *     none yet). VMAs merge as the kernel merges them: a new range with a compatible neighbour
 *     (mmap, mremap's copy and in-place expansion: vma_merge_new_range), a changed range with
 *     compatible neighbours (mprotect: vma_merge_existing_range), else the VMA is split.
 *     Compatible: same flags (VM_SOFTDIRTY is not modelled; it is VM_IGNORE_MERGE), same file,
 *     contiguous vm_pgoff, anon_vmas that are equal or not both set (and prev and next not with
 *     different anon_vmas when both merge), nothing VM_SPECIAL.</li>
 * <li>anon_vma: a VMA gets one at its first private write fault (do_anonymous_page,
 *     do_cow_fault before the file is read, wp_page_copy), reusing a compatible neighbour's as
 *     find_mergeable_anon_vma does; splits and mremap copies share it; a merge takes the one of the
 *     side that has one (dup_anon_vma); MREMAP_DONTUNMAP of a whole VMA drops it.</li>
 * <li>VM_ACCOUNT: set at mmap for private writable mappings (accountable_mapping), by mprotect when
 *     a private mapping first becomes writable, cleared by mprotect when an anonymous mapping
 *     without an anon_vma loses PROT_WRITE, and cleared on the source VMA of MREMAP_DONTUNMAP.</li>
 * <li>Private memory (anonymous pages and private COW copies of file pages) is kept per page by
 *     address: it moves with mremap, goes with munmap, DONTNEED and DONTUNMAP (the source then
 *     reads zero, or the file again), and reads as zero (anonymous) or as the file (private file
 *     mappings) where there is none. Shared memory (files, devices) lives in its object by page
 *     offset, shared by every mapping of it.</li>
 * <li>mmap: EINVAL for length 0 or an unaligned MAP_FIXED address, ENOMEM past TASK_SIZE, EPERM
 *     below mmap_min_addr; MAP_FIXED unmaps what was there; without it the hint is rounded down to
 *     a page (round_hint_to_min) and used if the range is free, otherwise the kernel chooses
 *     ({@link #apply(Op, Long)} accepts the kernel's choice if it is a free range, else picks one
 *     itself: which gap get_unmapped_area takes is the port's documented choice, not the kernel's
 *     contract). A shared anonymous mapping fails with EOPNOTSUPP after MAP_FIXED has unmapped the
 *     range (model: no shmem in the port, shmem_zero_setup fails).</li>
 * <li>munmap: EINVAL for an unaligned address or length 0; holes are fine.</li>
 * <li>mprotect: EINVAL unaligned; 0 for length 0; applies VMA by VMA from the start and stops with
 *     ENOMEM at the first hole (changes made before it stay), ENOMEM if the start is unmapped.</li>
 * <li>madvise(DONTNEED): EINVAL unaligned or on a VM_PFNMAP (device) mapping; zaps every mapped
 *     part; ENOMEM if any part of the range was unmapped.</li>
 * <li>mremap: the flag checks of check_mremap_params (EINVAL), EFAULT if no VMA at the address, or
 *     (when expanding or moving) if the old range leaves the VMA; shrink in place; expand in place
 *     (vma_merge_extend, which may merge with the next VMA) if the old range ends at the VMA's end
 *     and the space after it is free, else move with MAYMOVE or ENOMEM; MREMAP_FIXED unmaps the
 *     target first (EPERM below mmap_min_addr, after that); DONTUNMAP leaves the source mapped and
 *     empty.</li>
 * <li>A user store: page by page, SIGSEGV (-EFAULT) at the first page not mapped writable (or
 *     beyond a file's end); the pages before it are stored.</li>
 * <li>A remote read (__access_remote_vm): stops at the first unmapped address; VM_IO/VM_PFNMAP
 *     (device) mappings are read through vm_ops->access up to the end of the mapping;
 *     FOLL_ANON stops at anything but private anonymous memory; without FOLL_FORCE it stops at a
 *     mapping without PROT_READ (with it, PROT_NONE memory is read: VM_MAYREAD is always set);
 *     beyond a file's end it stops (SIGBUS).</li>
 * <li>A remote write (__access_remote_vm with FOLL_WRITE): page by page like a read, stopping at
 *     the first unmapped address, at a mapping without PROT_WRITE unless FOLL_FORCE and private
 *     (check_vma_flags: FOLL_FORCE writes only where is_cow_mapping), and beyond a file's end; a
 *     private page gets its COW copy (and the VMA its anon_vma) as a store does; shared file
 *     pages are written in the file. Returns the bytes written.</li>
 * <li>reclaim and collapse change no contents and no VMA: 0.</li>
 * </ul>
 * Not modelled: stack growth (MAP_GROWSDOWN is kept as a flag only), mremap with old length 0,
 * fault injection, accounting limits, mlock. The layout compared is {@link #layout()}, which joins
 * compatible neighbours, so only VMA boundaries that change a later result are tested.
 */
public final class RefModel extends RefSyscalls {
    /** One region of the normalised layout: compatible neighbours joined. {@code off}: page offset for files, else 0. */
    public record Region(long start, long end, int prot, boolean shared, String kind, long off) {
        @Override
        public String toString() {
            return String.format("[%#x-%#x %s%s %s%s]", start, end, Prot.text(prot), shared ? " shared" : "", kind,
                    kind.startsWith("file:") ? "@" + off : "");
        }
    }

    private byte[] lastRead = new byte[0];

    /**
     * The initial layout of {@code s}, set up as the scenario runner does: mmap(MAP_FIXED) with
     * PROT_READ|PROT_WRITE added if there is a fill, stores of the fill, then mprotect to the final
     * protection; then the init operations.
     */
    public RefModel(Scenario s) {
        for (Scenario.FileSpec f : s.files)
            files.put(f.name(), new Obj("file:" + f.name(), f.size() / PAGE, f.fill().none() ? 0 : f.fill().value()));
        for (Scenario.MapSpec m : s.maps) {
            if (m.device()) {
                // The driver's ->mmap sets VM_IO | VM_PFNMAP | VM_DONTEXPAND; its file is its own, so nothing merges.
                Obj o = new Obj("dev#" + (objects++), m.len() / PAGE, m.fill().none() ? 0 : m.fill().value());
                long f = vmFlags(m.prot(), m.shared(), false) | VM_SPECIAL;
                unmap(m.addr(), m.addr() + m.len());
                vmas.put(m.addr(), new Vma(m.addr(), m.addr() + m.len(), f, o, m.off() / PAGE, 0, m.name()));
                continue;
            }
            int fill = m.fill().none() ? 0 : Prot.READ | Prot.WRITE;
            if (m.shared() && m.file() == null) { // model: no shmem in the port; the runner cannot set this up
                Obj o = new Obj("shm#" + (objects++), m.len() / PAGE, (byte) 0);
                unmap(m.addr(), m.addr() + m.len());
                vmas.put(m.addr(), new Vma(m.addr(), m.addr() + m.len(), vmFlags(m.prot() | fill, true, m.growsdown()), o, 0, 0, m.name()));
            } else {
                mmap(m.addr(), m.len(), m.prot() | fill, true, m.shared(), m.file(), m.off(), m.growsdown(), m.name(), null);
            }
            if (fill != 0) {
                for (long a = m.addr(); a < m.addr() + m.len(); a += PAGE)
                    store(a, PAGE, m.fill().value());
                if ((m.prot() | fill) != m.prot())
                    mprotect(m.addr(), m.len(), m.prot());
            }
        }
        for (Op op : s.init)
            apply(op);
    }

    // ------------------------------------------------------------------ queries

    public List<Vma> vmas() {
        return List.copyOf(vmas.values());
    }

    /** The bytes the last read returned. */
    public byte[] lastRead() {
        return lastRead.clone();
    }

    /** The layout with compatible neighbours joined (how the kernel merges VMAs does not matter here). */
    public List<Region> layout() {
        List<Region> out = new ArrayList<>();
        for (Vma v : vmas.values())
            out.add(new Region(v.start(), v.end(), v.prot(), v.shared(), v.kind().startsWith("file:") ? v.kind() : v.anonymous() ? "anon" : "other",
                    v.kind().startsWith("file:") ? v.pgoff() : 0));
        return normalise(out);
    }

    /**
     * The VMAs one by one: range, vm_flags, vm_pgoff and which anon_vma (numbered in order of first
     * appearance; "-" for none), as the kernel would have them.
     */
    public List<String> vmaList() {
        Map<Integer, Integer> ids = new HashMap<>();
        List<String> out = new ArrayList<>();
        for (Vma v : vmas.values()) {
            String a = v.anon() == 0 ? "-" : "a" + ids.computeIfAbsent(v.anon(), x -> ids.size() + 1);
            out.add(String.format("[%#x-%#x %#x @%#x %s]", v.start(), v.end(), v.flags(), v.pgoff(), a));
        }
        return out;
    }

    /** Joins neighbours with the same protection, sharing and kind (and, for files, contiguous offsets). */
    public static List<Region> normalise(List<Region> in) {
        List<Region> out = new ArrayList<>();
        for (Region r : in) {
            if (!out.isEmpty()) {
                Region p = out.get(out.size() - 1);
                if (p.end() == r.start() && p.prot == r.prot && p.shared == r.shared && p.kind.equals(r.kind)
                        && (!r.kind.startsWith("file:") || p.off + (p.end() - p.start()) / PAGE == r.off)) {
                    out.set(out.size() - 1, new Region(p.start(), r.end(), p.prot, p.shared, p.kind, p.off));
                    continue;
                }
            }
            out.add(r);
        }
        return out;
    }
    // ------------------------------------------------------------------ operations

    /** Applies {@code op}; returns what the syscall returns (an address, 0 or -errno), a read's byte count, 0 for reclaim/collapse. */
    public long apply(Op op) {
        return apply(op, null);
    }

    /**
     * As {@link #apply(Op)}; {@code chosen} is the address the kernel chose where the kernel
     * chooses one (mmap without a usable hint, mremap moving without MREMAP_FIXED): the model
     * takes it if it is a free range, else picks its own.
     */
    public long apply(Op op, Long chosen) {
        return switch (op) {
            case Op.Read r -> {
                lastRead = read(r.addr(), r.len(), r.flags());
                yield lastRead.length;
            }
            case Op.Mmap m -> mmap(m.addr(), m.len(), m.prot(), m.fixed(), m.shared(), m.file(), m.off(), m.growsdown(), m.name(), chosen);
            case Op.Munmap m -> munmap(m.addr(), m.len());
            case Op.Mremap m -> mremap(m.addr(), m.oldLen(), m.newLen(), m.maymove(), m.fixedTo(), m.dontunmap(), chosen);
            case Op.Mprotect m -> mprotect(m.addr(), m.len(), m.prot());
            case Op.Madvise m -> madvise(m.addr(), m.len());
            case Op.Write w -> store(w.addr(), w.len(), w.fill().value());
            case Op.Poke p -> poke(p.addr(), p.len(), p.fill().value(), p.flags());
            case Op.Reclaim r -> 0;
            case Op.Collapse c -> 0;
            // fork leaves the parent's address space as it was (dup_mmap only write-protects its
            // private PTEs; the child is another address space, which this model does not follow)
            case Op.Fork f -> 0;
            // exit_mm: the thread drops the mm; the model stops following it (its ops are not run)
            case Op.Exit e -> 0;
        };
    }

    /** A user store: page by page; a private page's first write fault prepares the VMA's anon_vma. */
    long store(long addr, long len, byte fill) {
        long a = addr, end = addr + len;
        while (a < end) {
            Vma v = find(a);
            if (v == null || (v.prot() & Prot.WRITE) == 0)
                return -EFAULT;
            long page = a & -PAGE;
            int off = (int) (a - page), n = (int) Math.min(end - a, PAGE - off);
            byte[] b;
            if (v.inObject()) {
                b = v.obj().page(v.pgoff() + (page - v.start()) / PAGE);
                if (b == null)
                    return -EFAULT;
            } else {
                b = priv.get(page);
                if (b == null) {
                    // do_anonymous_page / do_cow_fault: anon_vma_prepare comes before the file is read
                    v = anonVmaPrepare(v);
                    byte[] src = v.anonymous() ? new byte[(int) PAGE] : v.obj().page(v.pgoff() + (page - v.start()) / PAGE);
                    if (src == null)
                        return -EFAULT;
                    b = src.clone();
                    priv.put(page, b);
                }
            }
            Arrays.fill(b, off, off + n, fill);
            a += n;
        }
        return 0;
    }

    /** __access_remote_vm for a write (FOLL_WRITE | flags), single-threaded: the bytes it wrote. */
    long poke(long addr, int len, byte fill, int flags) {
        int n = 0;
        while (n < len) {
            long a = addr + n;
            Vma v = find(a);
            if (v == null || v.device())
                break; // no stack growth; devices (vm_ops->access) are not generated for the model
            if ((v.prot() & Prot.WRITE) == 0 && ((flags & Op.Foll.FORCE) == 0 || v.shared()))
                break; // check_vma_flags: FOLL_FORCE overrides !VM_WRITE only in a COW mapping
            long page = a & -PAGE;
            int off = (int) (a - page), chunk = (int) Math.min(len - n, PAGE - off);
            byte[] b;
            if (v.inObject()) {
                b = v.obj().page(v.pgoff() + (page - v.start()) / PAGE);
            } else {
                b = priv.get(page);
                if (b == null) {
                    // do_anonymous_page, do_cow_fault or wp_page_copy: anon_vma_prepare before the file is read
                    v = anonVmaPrepare(v);
                    byte[] src = v.anonymous() ? new byte[(int) PAGE] : v.obj().page(v.pgoff() + (page - v.start()) / PAGE);
                    b = src == null ? null : src.clone();
                    if (b != null)
                        priv.put(page, b);
                }
            }
            if (b == null)
                break; // beyond the end of the file: SIGBUS
            Arrays.fill(b, off, off + chunk, fill);
            n += chunk;
        }
        return n;
    }

    /**
     * What a FOLL_FORCE read of the (non-device) page at {@code page} returns, without a copy (the
     * caller must not change it): null where nothing is mapped or beyond a file's end.
     */
    byte[] peekPage(long page) {
        Vma v = find(page);
        if (v == null)
            return null;
        long idx = v.pgoff() + (page - v.start()) / PAGE;
        byte[] b = v.inObject() ? v.obj().peek(idx) : priv.get(page);
        if (b == null && !v.inObject())
            return v.anonymous() ? ZERO : v.obj().peek(idx);
        return b;
    }

    private static final byte[] ZERO = new byte[(int) PAGE];

    /** __access_remote_vm for a read, single-threaded: the bytes it returns. */
    public byte[] read(long addr, int len, int flags) {
        byte[] out = new byte[Math.max(0, len)];
        int n = 0;
        while (n < len) {
            long a = addr + n;
            Vma v = find(a);
            if (v == null)
                break;
            if (v.device()) {
                int chunk = (int) Math.min(len - n, v.end() - a);
                for (int i = 0; i < chunk; i++) {
                    long pa = a + i;
                    byte[] b = v.obj().page(v.pgoff() + ((pa & -PAGE) - v.start()) / PAGE);
                    out[n + i] = b == null ? 0 : b[(int) (pa & (PAGE - 1))];
                }
                n += chunk;
                continue;
            }
            if ((flags & Op.Foll.ANON) != 0 && !v.anonymous())
                break;
            if ((v.prot() & Prot.READ) == 0 && (flags & Op.Foll.FORCE) == 0)
                break;
            long page = a & -PAGE;
            int off = (int) (a - page), chunk = (int) Math.min(len - n, PAGE - off);
            byte[] b = v.inObject() ? v.obj().page(v.pgoff() + (page - v.start()) / PAGE) : priv.get(page);
            if (b == null && !v.inObject())
                b = v.anonymous() ? null : v.obj().page(v.pgoff() + (page - v.start()) / PAGE);
            if (b == null && (v.inObject() || !v.anonymous()))
                break; // beyond the end of the file: SIGBUS
            if (b != null)
                System.arraycopy(b, off, out, n, chunk);
            n += chunk;
        }
        return Arrays.copyOf(out, n);
    }
}
