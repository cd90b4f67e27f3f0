package mmrace.fuzz;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import mmrace.scenario.Op;
import mmrace.scenario.Prot;
import mmrace.scenario.Scenario;

/**
 * A plain reference model of one address space: a sorted list of VMAs with their flags, file
 * offsets and anon_vma identities, and the contents of memory, to which scenario operations are
 * applied one at a time with the kernel's semantics (single-threaded: no locks, no page tables).
 * The model-based test compares the port with it after every operation.
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
public final class RefModel {
    public static final long PAGE = 4096, TASK_SIZE = (1L << 47) - 4096, MMAP_MIN_ADDR = 0x10000;
    public static final int EPERM = 1, ENOMEM = 12, EACCES = 13, EFAULT = 14, EINVAL = 22, EOPNOTSUPP = 95;
    /** Where the model places mappings the kernel would place (top-down below this). */
    static final long MODEL_BASE = 0x7f00_0000_0000L;

    /** vm_flags bits (include/linux/mm.h values). */
    static final long VM_READ = 0x1, VM_WRITE = 0x2, VM_EXEC = 0x4, VM_SHARED = 0x8, VM_MAYREAD = 0x10, VM_MAYWRITE = 0x20,
            VM_MAYEXEC = 0x40, VM_MAYSHARE = 0x80, VM_GROWSDOWN = 0x100, VM_PFNMAP = 0x400, VM_IO = 0x4000,
            VM_DONTEXPAND = 0x40000, VM_ACCOUNT = 0x100000;
    static final long VM_ACCESS_FLAGS = VM_READ | VM_WRITE | VM_EXEC;
    static final long VM_SPECIAL = VM_IO | VM_DONTEXPAND | VM_PFNMAP;

    /** Shared memory: a file, a shmem object or a device, by page offset. */
    static final class Obj {
        final String kind;
        final long pages;
        final byte fill;
        final Map<Long, byte[]> data = new HashMap<>();

        Obj(String kind, long pages, byte fill) {
            this.kind = kind;
            this.pages = pages;
            this.fill = fill;
        }

        /** The page at offset idx (a copy-free view), or null beyond the end. */
        byte[] page(long idx) {
            if (idx < 0 || idx >= pages)
                return null;
            return data.computeIfAbsent(idx, i -> {
                byte[] b = new byte[(int) PAGE];
                Arrays.fill(b, fill);
                return b;
            });
        }
    }

    /**
     * A VMA: range, vm_flags, its file or device (null: anonymous) at page offset pgoff (for
     * anonymous memory the kernel's vm_pgoff too), and its anon_vma (0: none yet).
     */
    public record Vma(long start, long end, long flags, Obj obj, long pgoff, int anon, String name) {
        public int prot() {
            return (int) (flags & VM_ACCESS_FLAGS);
        }

        public boolean shared() {
            return (flags & VM_SHARED) != 0;
        }

        public boolean growsdown() {
            return (flags & VM_GROWSDOWN) != 0;
        }

        public boolean device() {
            return (flags & VM_PFNMAP) != 0;
        }

        /** Memory that lives in the object, not in private pages. */
        boolean inObject() {
            return shared() || device();
        }

        /** vma_is_anonymous: no vm_ops (files and devices have them). */
        boolean anonymous() {
            return obj == null;
        }

        long pages() {
            return (end - start) / PAGE;
        }

        /** The part [s, e) of this VMA (as __split_vma makes it: same flags and anon_vma, pgoff moved along). */
        Vma range(long s, long e) {
            return new Vma(s, e, flags, obj, pgoff + (s - start) / PAGE, anon, name);
        }

        Vma withFlags(long f) {
            return new Vma(start, end, f, obj, pgoff, anon, name);
        }

        Vma withAnon(int a) {
            return new Vma(start, end, flags, obj, pgoff, a, name);
        }

        String kind() {
            return obj == null ? "anon" : obj.kind;
        }
    }

    /** One region of the normalised layout: compatible neighbours joined. {@code off}: page offset for files, else 0. */
    public record Region(long start, long end, int prot, boolean shared, String kind, long off) {
        @Override
        public String toString() {
            return String.format("[%#x-%#x %s%s %s%s]", start, end, Prot.text(prot), shared ? " shared" : "", kind,
                    kind.startsWith("file:") ? "@" + off : "");
        }
    }

    private final TreeMap<Long, Vma> vmas = new TreeMap<>();
    /** Private pages (anonymous, or COW copies of file pages) by address. */
    private final TreeMap<Long, byte[]> priv = new TreeMap<>();
    private final Map<String, Obj> files = new HashMap<>();
    private int objects, anonVmas;
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

    public Vma find(long a) {
        Map.Entry<Long, Vma> e = vmas.floorEntry(a);
        return e != null && a < e.getValue().end ? e.getValue() : null;
    }

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
            out.add(new Region(v.start, v.end, v.prot(), v.shared(), v.kind().startsWith("file:") ? v.kind() : v.anonymous() ? "anon" : "other",
                    v.kind().startsWith("file:") ? v.pgoff : 0));
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
            String a = v.anon == 0 ? "-" : "a" + ids.computeIfAbsent(v.anon, x -> ids.size() + 1);
            out.add(String.format("[%#x-%#x %#x @%#x %s]", v.start, v.end, v.flags, v.pgoff, a));
        }
        return out;
    }

    /** Joins neighbours with the same protection, sharing and kind (and, for files, contiguous offsets). */
    public static List<Region> normalise(List<Region> in) {
        List<Region> out = new ArrayList<>();
        for (Region r : in) {
            if (!out.isEmpty()) {
                Region p = out.get(out.size() - 1);
                if (p.end == r.start && p.prot == r.prot && p.shared == r.shared && p.kind.equals(r.kind)
                        && (!r.kind.startsWith("file:") || p.off + (p.end - p.start) / PAGE == r.off)) {
                    out.set(out.size() - 1, new Region(p.start, r.end, p.prot, p.shared, p.kind, p.off));
                    continue;
                }
            }
            out.add(r);
        }
        return out;
    }

    /** Is [s, s+len) free, aligned and inside the user address space? */
    public boolean free(long s, long len) {
        if (s % PAGE != 0 || len <= 0 || s < MMAP_MIN_ADDR || s > TASK_SIZE - len)
            return false;
        Map.Entry<Long, Vma> e = vmas.lowerEntry(s + len);
        return e == null || e.getValue().end <= s;
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

    static long alignUp(long len) {
        return (len + PAGE - 1) & -PAGE;
    }

    /** The vm_flags do_mmap and __mmap_setup give a mapping (calc_vm_prot_bits, VM_MAY*, accountable_mapping -> VM_ACCOUNT). */
    static long vmFlags(int prot, boolean shared, boolean growsdown) {
        long f = (prot & VM_ACCESS_FLAGS) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
        if (shared)
            f |= VM_SHARED | VM_MAYSHARE;
        if (growsdown)
            f |= VM_GROWSDOWN;
        if ((f & (VM_SHARED | VM_WRITE)) == VM_WRITE)
            f |= VM_ACCOUNT;
        return f;
    }

    long mmap(long addr, long len, int prot, boolean fixed, boolean shared, String file, long off, boolean growsdown, String name, Long chosen) {
        if (len == 0)
            return -EINVAL;
        if (!fixed) { // round_hint_to_min: the hint is rounded down, and raised to mmap_min_addr
            addr &= -PAGE;
            if (addr != 0 && Long.compareUnsigned(addr, MMAP_MIN_ADDR) < 0)
                addr = MMAP_MIN_ADDR;
        }
        len = alignUp(len);
        if (len <= 0 || len > TASK_SIZE - MMAP_MIN_ADDR)
            return -ENOMEM;
        long at;
        if (fixed) {
            if (addr % PAGE != 0)
                return -EINVAL;
            if (addr < 0 || addr > TASK_SIZE - len)
                return -ENOMEM;
            if (addr < MMAP_MIN_ADDR)
                return -EPERM;
            at = addr;
        } else {
            at = addr != 0 && free(addr, len) ? addr : place(len, chosen);
            if (at < 0)
                return at;
        }
        if (growsdown && (shared || file != null))
            return -EINVAL; // do_mmap: VM_GROWSDOWN with a file, or shared anonymous
        long flags = vmFlags(prot, shared, growsdown);
        unmap(at, at + len); // __mmap_setup: MAP_FIXED replaces what was there
        if (shared && file == null)
            return -EOPNOTSUPP; // model: shmem_zero_setup fails (no shmem); the replaced range stays unmapped
        Obj o = file != null ? files.get(file) : null;
        long pgoff = o != null ? off >>> 12 : at >>> 12; // anonymous: pgoff = addr >> PAGE_SHIFT, for anon_vma merging
        if (mergeNewRange(at, at + len, flags, o, pgoff, 0, 0) == null)
            vmas.put(at, new Vma(at, at + len, flags, o, pgoff, 0, name));
        return at;
    }

    /** An address for a new mapping of len bytes: the kernel's choice if legal, else top-down from MODEL_BASE. */
    private long place(long len, Long chosen) {
        if (len > TASK_SIZE - MMAP_MIN_ADDR)
            return -ENOMEM;
        if (chosen != null && chosen >= 0 && free(chosen, len))
            return chosen;
        long a = Math.min(MODEL_BASE, TASK_SIZE) - len;
        a &= -PAGE;
        while (a >= MMAP_MIN_ADDR) {
            Map.Entry<Long, Vma> e = vmas.lowerEntry(a + len);
            if (e == null || e.getValue().end <= a)
                return a;
            a = (e.getValue().start - len) & -PAGE;
        }
        return -ENOMEM;
    }

    long munmap(long addr, long len) {
        if (addr % PAGE != 0 || len == 0)
            return -EINVAL;
        len = alignUp(len);
        if (len <= 0 || addr > TASK_SIZE || len > TASK_SIZE - addr)
            return -EINVAL;
        unmap(addr, addr + len);
        return 0;
    }

    /** do_mprotect_pkey: VMA by VMA, each through mprotect_fixup. */
    long mprotect(long start, long len, int prot) {
        if (start % PAGE != 0)
            return -EINVAL;
        if (len == 0)
            return 0;
        len = alignUp(len);
        long end = start + len;
        if (Long.compareUnsigned(end, start) <= 0)
            return -ENOMEM;
        Map.Entry<Long, Vma> fe = vmas.floorEntry(start);
        Vma vma = fe != null && fe.getValue().end > start ? fe.getValue() : ceiling(start); // vma_find(vmi, end)
        if (vma == null || vma.start >= end || vma.start > start)
            return -ENOMEM;
        Vma prev = start > vma.start ? vma : before(vma.start);
        long nstart = start, tmp = vma.start;
        while (true) {
            Vma cur = ceilingOrContaining(nstart);
            if (cur == null || cur.start >= end)
                break;
            if (cur.start != tmp)
                return -ENOMEM;
            long newflags = (prot & VM_ACCESS_FLAGS) | (cur.flags & ~VM_ACCESS_FLAGS);
            // newflags >> 4 shifts VM_MAY% in place of VM_%: never refused here, VM_MAY* are always set
            tmp = Math.min(cur.end, end);
            Vma r = mprotectFixup(prev, cur, nstart, tmp, newflags);
            prev = r;
            tmp = r.end; // vma_iter_end(&vmi)
            nstart = tmp;
        }
        if (tmp < end)
            return -ENOMEM;
        return 0;
    }

    /** mprotect_fixup: the VM_ACCOUNT rules, then vma_modify_flags (merge, else split). Returns the VMA now holding [start, end). */
    private Vma mprotectFixup(Vma prev, Vma vma, long start, long end, long newflags) {
        long oldflags = vma.flags;
        if (newflags == oldflags)
            return vma;
        if ((newflags & VM_WRITE) != 0) {
            if ((oldflags & (VM_ACCOUNT | VM_WRITE | VM_SHARED)) == 0)
                newflags |= VM_ACCOUNT; // a private mapping turning writable is charged
        } else if ((oldflags & VM_ACCOUNT) != 0 && vma.anonymous() && vma.anon == 0) {
            newflags &= ~VM_ACCOUNT; // an unfaulted anonymous mapping turning read-only is uncharged
        }
        Vma r = mergeExistingRange(prev, vma, start, end, newflags);
        if (r == null) {
            split(start);
            split(end);
            r = vmas.get(start);
        }
        r = r.withFlags(newflags); // vm_flags_reset_once
        vmas.put(r.start, r);
        return r;
    }

    long madvise(long start, long lenIn) {
        if (start % PAGE != 0)
            return -EINVAL;
        long len = alignUp(lenIn);
        if (lenIn != 0 && len == 0)
            return -EINVAL;
        long end = start + len;
        if (end < start)
            return -EINVAL;
        if (end == start)
            return 0;
        boolean hole = false, any = false;
        long tmp = start;
        while (tmp < end) {
            Vma v = find(tmp);
            if (v == null) {
                hole = true;
                Map.Entry<Long, Vma> next = vmas.higherEntry(tmp);
                if (next == null || next.getKey() >= end)
                    break;
                tmp = next.getKey();
                continue;
            }
            any = true;
            if (v.device())
                return -EINVAL;
            long e = Math.min(v.end, end);
            if (!v.inObject())
                priv.subMap(tmp, true, e, false).clear();
            tmp = e;
        }
        return hole || !any ? -ENOMEM : 0;
    }

    /** do_mremap: check_mremap_params, check_prep_vma/remap_is_valid, then mremap_to or mremap_at. */
    long mremap(long addr, long oldLen, long newLen, boolean maymove, Long fixedTo, boolean dontunmap, Long chosen) {
        boolean fixed = fixedTo != null;
        long newAddr = fixed ? fixedTo : 0;
        oldLen = alignUp(oldLen);
        newLen = alignUp(newLen);
        // check_mremap_params
        if (addr % PAGE != 0)
            return -EINVAL;
        if (newLen == 0)
            return -EINVAL;
        if (Long.compareUnsigned(newLen, TASK_SIZE) > 0 || Long.compareUnsigned(newAddr, TASK_SIZE - newLen) > 0)
            return -EINVAL;
        boolean impliesNew = fixed || dontunmap;
        if (impliesNew) {
            if (newAddr % PAGE != 0 || !maymove)
                return -EINVAL;
            if (dontunmap && oldLen != newLen)
                return -EINVAL;
            if (addr + oldLen > newAddr && newAddr + newLen > addr)
                return -EINVAL;
        }
        // check_prep_vma
        Vma v = find(addr);
        if (v == null)
            return -EFAULT;
        boolean expand = newLen > oldLen, shrink = newLen < oldLen;
        if (expand || impliesNew) { // remap_is_valid
            if (oldLen == 0 && (v.flags & (VM_SHARED | VM_MAYSHARE)) == 0)
                return -EINVAL;
            if (oldLen == 0)
                throw new UnsupportedOperationException("mremap with old length 0 (duplicating a shared mapping) is not modelled");
            if (dontunmap && (v.flags & (VM_DONTEXPAND | VM_PFNMAP)) != 0)
                return -EINVAL;
            long ol = shrink ? newLen : oldLen; // crossing boundaries is allowed for the part a shrink unmaps
            if (ol > v.end - addr)
                return -EFAULT;
            if (newLen != ol && (v.flags & (VM_DONTEXPAND | VM_PFNMAP)) != 0)
                return -EFAULT;
        }
        if (impliesNew) { // mremap_to
            if (fixed) {
                unmap(newAddr, newAddr + newLen);
                if (find(addr) == null)
                    return -EFAULT;
            }
            if (shrink) {
                unmap(addr + newLen, addr + oldLen);
                if (find(addr) == null)
                    return -EFAULT;
                oldLen = newLen;
            }
            long dest;
            if (fixed) { // get_unmapped_area(MAP_FIXED): the length and mmap_min_addr checks
                if (newLen > TASK_SIZE - MMAP_MIN_ADDR)
                    return -ENOMEM;
                if (newAddr < MMAP_MIN_ADDR)
                    return -EPERM;
                dest = newAddr;
            } else {
                dest = place(newLen, chosen);
            }
            if (dest < 0)
                return dest;
            return moveVma(addr, oldLen, dest, newLen, dontunmap);
        }
        // mremap_at
        if (newLen == oldLen)
            return addr;
        if (shrink) {
            unmap(addr + newLen, addr + oldLen);
            return addr;
        }
        long delta = newLen - oldLen;
        if (v.end - addr == oldLen && expandable(v, delta)) {
            // expand_vma_in_place: vma_merge_extend expands the VMA over the new range (and maybe merges next)
            if (mergeNewRange(v.end, v.end + delta, v.flags, v.obj, v.pgoff + v.pages(), v.anon, 0) == null)
                return -ENOMEM;
            return addr;
        }
        if (!maymove)
            return -ENOMEM;
        long dest = place(newLen, chosen);
        if (dest < 0)
            return dest;
        return moveVma(addr, oldLen, dest, newLen, false);
    }

    /** vma_expandable: nothing in [vm_end, vm_end + delta), and get_unmapped_area(MAP_FIXED) accepts [vm_start, vm_end + delta). */
    private boolean expandable(Vma v, long delta) {
        long end = v.end + delta;
        if (end < v.end)
            return false;
        Vma n = ceiling(v.end);
        if (n != null && n.start < end)
            return false;
        long len = end - v.start;
        return len <= TASK_SIZE - MMAP_MIN_ADDR && v.start <= TASK_SIZE - len;
    }

    /**
     * move_vma: copy_vma (merging the destination with its neighbours if it can), move the private
     * pages, then unmap the source (its VM_ACCOUNT dance leaves the flags as they were) or, with
     * DONTUNMAP, dontunmap_complete. Returns dest.
     */
    private long moveVma(long addr, long oldLen, long dest, long newLen, boolean dontunmap) {
        Vma v = find(addr);
        // copy_vma_and_data -> copy_vma
        long pgoff = v.pgoff + (addr - v.start) / PAGE;
        if (v.anonymous() && v.anon == 0)
            pgoff = dest >>> 12; // unfaulted anonymous: take the new location's pgoff, to merge more easily
        Vma nv = mergeNewRange(dest, dest + newLen, v.flags, v.obj, pgoff, v.anon, v.anon);
        if (nv == null) {
            nv = new Vma(dest, dest + newLen, v.flags, v.obj, pgoff, v.anon, v.name); // anon_vma_clone shares the anon_vma
            vmas.put(dest, nv);
        }
        // move_page_tables
        NavigableMap<Long, byte[]> pages = priv.subMap(addr, true, addr + oldLen, false);
        Map<Long, byte[]> moved = new TreeMap<>();
        for (Map.Entry<Long, byte[]> e : pages.entrySet())
            moved.put(e.getKey() - addr + dest, e.getValue());
        pages.clear();
        priv.putAll(moved);
        if (dontunmap) {
            // dontunmap_complete on vrm->vma (the source VMA, or what copy_vma merged it into)
            Vma src = find(addr);
            boolean self = nv.start <= src.start && src.start < nv.end;
            src = src.withFlags(src.flags & ~VM_ACCOUNT);
            if (!self && addr == src.start && addr + oldLen == src.end)
                src = src.withAnon(0); // unlink_anon_vmas
            vmas.put(src.start, src);
        } else {
            unmap(addr, addr + oldLen); // unmap_source_vma
        }
        return dest;
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
                b = v.obj.page(v.pgoff + (page - v.start) / PAGE);
                if (b == null)
                    return -EFAULT;
            } else {
                b = priv.get(page);
                if (b == null) {
                    // do_anonymous_page / do_cow_fault: anon_vma_prepare comes before the file is read
                    v = anonVmaPrepare(v);
                    byte[] src = v.anonymous() ? new byte[(int) PAGE] : v.obj.page(v.pgoff + (page - v.start) / PAGE);
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
            if ((v.prot() & Prot.WRITE) == 0 && ((flags & Op.Foll.FORCE) == 0 || (v.flags & VM_SHARED) != 0))
                break; // check_vma_flags: FOLL_FORCE overrides !VM_WRITE only in a COW mapping
            long page = a & -PAGE;
            int off = (int) (a - page), chunk = (int) Math.min(len - n, PAGE - off);
            byte[] b;
            if (v.inObject()) {
                b = v.obj.page(v.pgoff + (page - v.start) / PAGE);
            } else {
                b = priv.get(page);
                if (b == null) {
                    // do_anonymous_page, do_cow_fault or wp_page_copy: anon_vma_prepare before the file is read
                    v = anonVmaPrepare(v);
                    byte[] src = v.anonymous() ? new byte[(int) PAGE] : v.obj.page(v.pgoff + (page - v.start) / PAGE);
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
                int chunk = (int) Math.min(len - n, v.end - a);
                for (int i = 0; i < chunk; i++) {
                    long pa = a + i;
                    byte[] b = v.obj.page(v.pgoff + ((pa & -PAGE) - v.start) / PAGE);
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
            byte[] b = v.inObject() ? v.obj.page(v.pgoff + (page - v.start) / PAGE) : priv.get(page);
            if (b == null && !v.inObject())
                b = v.anonymous() ? null : v.obj.page(v.pgoff + (page - v.start) / PAGE);
            if (b == null && (v.inObject() || !v.anonymous()))
                break; // beyond the end of the file: SIGBUS
            if (b != null)
                System.arraycopy(b, off, out, n, chunk);
            n += chunk;
        }
        return Arrays.copyOf(out, n);
    }

    // ------------------------------------------------------------------ anon_vma

    /** anon_vma_prepare: a VMA without an anon_vma reuses a neighbour's (find_mergeable_anon_vma) or gets a new one. */
    private Vma anonVmaPrepare(Vma v) {
        if (v.anon != 0)
            return v;
        int a = findMergeableAnonVma(v);
        Vma r = v.withAnon(a != 0 ? a : ++anonVmas);
        vmas.put(r.start, r);
        return r;
    }

    /** find_mergeable_anon_vma: the next VMA's anon_vma first, then the previous one's, if anon_vma_compatible. */
    private int findMergeableAnonVma(Vma v) {
        Vma next = vmas.get(v.end);
        if (next != null && anonVmaCompatible(v, next) && next.anon != 0)
            return next.anon; // reusable_anon_vma: no fork, so the chain is always singular
        Vma prev = before(v.start);
        if (prev != null && anonVmaCompatible(prev, v) && prev.anon != 0)
            return prev.anon;
        return 0;
    }

    /** anon_vma_compatible(a, b): adjacent, same file, flags equal but for the access bits, contiguous pgoff. */
    private static boolean anonVmaCompatible(Vma a, Vma b) {
        return a.end == b.start && a.obj == b.obj && ((a.flags ^ b.flags) & ~VM_ACCESS_FLAGS) == 0
                && b.pgoff == a.pgoff + (b.start - a.start) / PAGE;
    }

    // ------------------------------------------------------------------ merging

    /** is_mergeable_vma + is_mergeable_anon_vma: may a range with these properties join {@code tgt}? (No fork children in the model.) */
    private static boolean mergeable(Vma tgt, long flags, Obj obj, int anon) {
        return tgt.flags == flags && tgt.obj == obj && (tgt.anon == 0 || anon == 0 || tgt.anon == anon);
    }

    /**
     * vma_merge_new_range (and, with {@code copiedAnon}, vma_merge_copied_range; vma_expand's
     * dup_anon_vma): the free range [start, end) with these properties joins its previous and/or
     * next VMA if they are adjacent and compatible. Returns the merged VMA, or null (nothing changed).
     */
    private Vma mergeNewRange(long start, long end, long flags, Obj obj, long pgoff, int anon, int copiedAnon) {
        if ((flags & VM_SPECIAL) != 0)
            return null;
        Vma prev = before(start), next = ceiling(end);
        if (prev == null && next == null)
            return null;
        boolean left = prev != null && prev.end == start && mergeable(prev, flags, obj, anon) && prev.pgoff + prev.pages() == pgoff;
        boolean right = next != null && next.start == end && mergeable(next, flags, obj, anon) && next.pgoff == pgoff + (end - start) / PAGE
                && (!left || prev.anon == 0 || next.anon == 0 || prev.anon == next.anon);
        if (!left && !right)
            return null;
        Vma target = left ? prev : next;
        int a = target.anon;
        if (left && right && a == 0)
            a = next.anon; // dup_anon_vma(target, next)
        if (a == 0)
            a = copiedAnon; // dup_anon_vma(target, copied_from)
        Vma m = new Vma(left ? prev.start : start, right ? next.end : end, target.flags, obj, left ? prev.pgoff : pgoff, a, target.name);
        if (left)
            vmas.remove(prev.start);
        if (right)
            vmas.remove(next.start);
        vmas.put(m.start, m);
        return m;
    }

    /**
     * vma_merge_existing_range: [start, end) of {@code middle} is to get {@code newflags}; merge it
     * with prev and/or next if it touches the VMA's edge and they are compatible. Returns the VMA
     * that now holds [start, end), or null (nothing changed).
     */
    private Vma mergeExistingRange(Vma prev, Vma middle, long start, long end, long newflags) {
        if ((newflags & VM_SPECIAL) != 0)
            return null;
        boolean leftSide = start == middle.start, rightSide = end == middle.end;
        if (!leftSide && !rightSide)
            return null;
        long pgoff = middle.pgoff + (start - middle.start) / PAGE;
        int anon = middle.anon;
        Obj obj = middle.obj;
        boolean left = leftSide && prev != null && prev.end == start && mergeable(prev, newflags, obj, anon)
                && prev.pgoff + prev.pages() == pgoff;
        Vma next = rightSide ? ceiling(middle.end) : null;
        boolean right = next != null && end == next.start && mergeable(next, newflags, obj, anon) && next.pgoff == pgoff + (end - start) / PAGE
                && (!left || prev.anon == 0 || next.anon == 0 || prev.anon == next.anon);
        if (!left && !right)
            return null;
        boolean removeMiddle = leftSide && rightSide;
        Vma r;
        vmas.remove(middle.start);
        if (left && right) {
            int a = prev.anon != 0 ? prev.anon : next.anon != 0 ? next.anon : middle.anon;
            vmas.remove(next.start);
            r = new Vma(prev.start, next.end, prev.flags, obj, prev.pgoff, a, prev.name);
        } else if (left) {
            int a = prev.anon != 0 ? prev.anon : middle.anon;
            if (!removeMiddle)
                vmas.put(end, middle.range(end, middle.end));
            r = new Vma(prev.start, end, prev.flags, obj, prev.pgoff, a, prev.name);
        } else {
            int a = next.anon != 0 ? next.anon : middle.anon;
            vmas.remove(next.start);
            if (!removeMiddle)
                vmas.put(middle.start, middle.range(middle.start, start));
            r = new Vma(start, next.end, next.flags, obj, next.pgoff - (next.start - start) / PAGE, a, next.name);
        }
        vmas.put(r.start, r);
        return r;
    }

    // ------------------------------------------------------------------ layout helpers

    /** The last VMA that starts before {@code a}. */
    private Vma before(long a) {
        Map.Entry<Long, Vma> e = vmas.lowerEntry(a);
        return e == null ? null : e.getValue();
    }

    /** The first VMA that starts at or after {@code a}. */
    private Vma ceiling(long a) {
        Map.Entry<Long, Vma> e = vmas.ceilingEntry(a);
        return e == null ? null : e.getValue();
    }

    /** The VMA containing {@code a}, else the first one after it. */
    private Vma ceilingOrContaining(long a) {
        Vma v = find(a);
        return v != null ? v : ceiling(a);
    }

    /** Splits the VMA containing a (if a is strictly inside one) into [start, a) and [a, end). */
    private void split(long a) {
        Vma v = find(a);
        if (v == null || v.start == a)
            return;
        vmas.put(v.start, v.range(v.start, a));
        vmas.put(a, v.range(a, v.end));
    }

    /** Removes [s, e) from the layout and its private pages. */
    private void unmap(long s, long e) {
        if (e <= s)
            return;
        split(s);
        split(e);
        vmas.subMap(s, true, e, false).clear();
        priv.subMap(s, true, e, false).clear();
    }
}
