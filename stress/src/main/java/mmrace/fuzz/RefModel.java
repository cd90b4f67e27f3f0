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
 * A plain reference model of one address space: a sorted map of mappings with their contents and
 * protections, to which scenario operations are applied one at a time with the kernel's semantics
 * (single-threaded: no locks, no page tables, no VMA merging). The model-based test compares the
 * port with it after every operation.
 *
 * <p>What it models, and the kernel code it follows (mm/mmap.c do_mmap, mm/vma.c, mm/mprotect.c
 * do_mprotect_pkey, mm/madvise.c, mm/mremap.c as reworked in 6.16: check_mremap_params,
 * check_prep_vma, mremap_to/mremap_at, mm/gup.c check_vma_flags, mm/memory.c __access_remote_vm):
 * <ul>
 * <li>Private memory (anonymous pages and private COW copies of file pages) is kept per page by
 *     address: it moves with mremap, goes with munmap, DONTNEED and DONTUNMAP (the source then
 *     reads zero, or the file again), and reads as zero (anonymous) or as the file (private file
 *     mappings) where there is none. Shared memory (files, shared anonymous shmem) lives in its
 *     object by page offset, shared by every mapping of it.</li>
 * <li>mmap: EINVAL for length 0 or an unaligned MAP_FIXED address, ENOMEM past TASK_SIZE, EPERM
 *     below mmap_min_addr; MAP_FIXED unmaps what was there; without it the page-aligned hint is
 *     used if the range is free, otherwise the kernel chooses ({@link #apply(Op, Long)} accepts the
 *     kernel's choice if it is a free range, else picks one itself).</li>
 * <li>munmap: EINVAL for an unaligned address or length 0; holes are fine.</li>
 * <li>mprotect: EINVAL unaligned; 0 for length 0; applies VMA by VMA from the start and stops with
 *     ENOMEM at the first hole (changes made before it stay), ENOMEM if the start is unmapped.</li>
 * <li>madvise(DONTNEED): EINVAL unaligned or on a VM_PFNMAP (device) mapping; zaps every mapped
 *     part; ENOMEM if any part of the range was unmapped.</li>
 * <li>mremap: the flag checks of check_mremap_params (EINVAL), EFAULT if no VMA at the address, or
 *     (when expanding or moving) if the old range leaves the VMA; shrink in place; expand in place
 *     if the VMA ends at the old range's end and the space after it is free, else move with
 *     MAYMOVE or ENOMEM; MREMAP_FIXED unmaps the target first; DONTUNMAP leaves the source mapped
 *     and empty.</li>
 * <li>A user store: page by page, SIGSEGV (-EFAULT) at the first page not mapped writable (or
 *     beyond a file's end); the pages before it are stored.</li>
 * <li>A remote read (__access_remote_vm): stops at the first unmapped address; VM_IO/VM_PFNMAP
 *     (device) mappings are read through vm_ops->access up to the end of the mapping;
 *     FOLL_ANON stops at anything but private anonymous memory; without FOLL_FORCE it stops at a
 *     mapping without PROT_READ (with it, PROT_NONE memory is read: VM_MAYREAD is always set);
 *     beyond a file's end it stops (SIGBUS).</li>
 * <li>reclaim and collapse change no contents: 0.</li>
 * </ul>
 * Not modelled: stack growth (MAP_GROWSDOWN is kept as a flag only), mremap with old length 0,
 * fault injection, VMA merging (compare {@link #layout()}, which joins compatible neighbours).
 */
public final class RefModel {
    public static final long PAGE = 4096, TASK_SIZE = (1L << 47) - 4096, MMAP_MIN_ADDR = 0x10000;
    public static final int EPERM = 1, ENOMEM = 12, EACCES = 13, EFAULT = 14, EINVAL = 22;
    /** Where the model places mappings the kernel would place (top-down below this). */
    static final long MODEL_BASE = 0x7f00_0000_0000L;

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

    /** A mapping: range, protection, flags, and its shared object (null: private anonymous) at page offset pgoff. */
    public record Vma(long start, long end, int prot, boolean shared, boolean growsdown, boolean device, Obj obj, long pgoff, String name) {
        Vma range(long s, long e) {
            return new Vma(s, e, prot, shared, growsdown, device, obj, obj == null ? 0 : pgoff + (s - start) / PAGE, name);
        }

        boolean anonymous() {
            return obj == null;
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
    private int objects;
    private byte[] lastRead = new byte[0];

    /** The initial layout of {@code s}, set up as the scenario runner does (MAP_FIXED, then stores of the fill, then the final protection). */
    public RefModel(Scenario s) {
        for (Scenario.FileSpec f : s.files)
            files.put(f.name(), new Obj("file:" + f.name(), f.size() / PAGE, f.fill().none() ? 0 : f.fill().value()));
        for (Scenario.MapSpec m : s.maps) {
            Obj o = m.device() ? new Obj("dev#" + (objects++), m.len() / PAGE, m.fill().none() ? 0 : m.fill().value())
                    : m.file() != null ? files.get(m.file()) : m.shared() ? new Obj("shm#" + (objects++), m.len() / PAGE, (byte) 0) : null;
            insert(new Vma(m.addr(), m.addr() + m.len(), m.prot(), m.shared() || m.device(), m.growsdown(), m.device(), o,
                    o == null ? 0 : m.off() / PAGE, m.name()));
            if (!m.fill().none() && !m.device())
                for (long a = m.addr(); a < m.addr() + m.len(); a += PAGE)
                    store(a, PAGE, m.fill().value(), true);
        }
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

    /** The layout with compatible neighbours joined (how the kernel merges VMAs does not matter). */
    public List<Region> layout() {
        List<Region> out = new ArrayList<>();
        for (Vma v : vmas.values())
            out.add(new Region(v.start, v.end, v.prot, v.shared, v.kind().startsWith("file:") ? v.kind() : v.anonymous() ? "anon" : "other",
                    v.kind().startsWith("file:") ? v.pgoff : 0));
        return normalise(out);
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
            case Op.Write w -> store(w.addr(), w.len(), w.fill().value(), false);
            case Op.Reclaim r -> 0;
            case Op.Collapse c -> 0;
        };
    }

    static long alignUp(long len) {
        return (len + PAGE - 1) & -PAGE;
    }

    long mmap(long addr, long len, int prot, boolean fixed, boolean shared, String file, long off, boolean growsdown, String name, Long chosen) {
        if (len == 0)
            return -EINVAL;
        len = alignUp(len);
        if (len <= 0 || len > TASK_SIZE - MMAP_MIN_ADDR)
            return -ENOMEM;
        if (shared && growsdown && file == null)
            return -EINVAL;
        long at;
        if (fixed) {
            if (addr % PAGE != 0)
                return -EINVAL;
            if (addr > TASK_SIZE - len)
                return -ENOMEM;
            if (addr < MMAP_MIN_ADDR)
                return -EPERM;
            at = addr;
        } else {
            long hint = alignUp(Math.max(addr, 0));
            if (hint != 0 && hint < MMAP_MIN_ADDR)
                hint = MMAP_MIN_ADDR;
            at = hint != 0 && free(hint, len) ? hint : place(len, chosen);
            if (at < 0)
                return at;
        }
        Obj o = file != null ? files.get(file) : shared ? new Obj("shm#" + (objects++), len / PAGE, (byte) 0) : null;
        unmap(at, at + len);
        insert(new Vma(at, at + len, prot, shared, growsdown, false, o, o == null ? 0 : off >>> 12, name));
        return at;
    }

    /** An address for a new mapping of len bytes: the kernel's choice if legal, else top-down from MODEL_BASE. */
    private long place(long len, Long chosen) {
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

    long mprotect(long start, long len, int prot) {
        if (start % PAGE != 0)
            return -EINVAL;
        if (len == 0)
            return 0;
        len = alignUp(len);
        long end = start + len;
        if (end <= start)
            return -ENOMEM;
        Map.Entry<Long, Vma> first = vmas.floorEntry(start);
        Vma v = first != null && first.getValue().end > start ? first.getValue() : null;
        if (v == null)
            return -ENOMEM;
        long tmp = start;
        while (tmp < end) {
            Vma cur = find(tmp);
            if (cur == null)
                return -ENOMEM;
            long e = Math.min(cur.end, end);
            split(tmp);
            split(e);
            Vma piece = vmas.get(tmp);
            vmas.put(tmp, new Vma(piece.start, piece.end, prot, piece.shared, piece.growsdown, piece.device, piece.obj, piece.pgoff, piece.name));
            tmp = e;
        }
        return 0;
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
            if (v.device)
                return -EINVAL;
            long e = Math.min(v.end, end);
            if (!v.shared)
                priv.subMap(tmp, true, e, false).clear();
            tmp = e;
        }
        return hole || !any ? -ENOMEM : 0;
    }

    long mremap(long addr, long oldLen, long newLen, boolean maymove, Long fixedTo, boolean dontunmap, Long chosen) {
        boolean fixed = fixedTo != null;
        long newAddr = fixed ? fixedTo : 0;
        if (addr % PAGE != 0)
            return -EINVAL;
        oldLen = alignUp(oldLen);
        newLen = alignUp(newLen);
        if (newLen == 0)
            return -EINVAL;
        if (newLen > TASK_SIZE || newAddr > TASK_SIZE - newLen)
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
        Vma v = find(addr);
        if (v == null)
            return -EFAULT;
        boolean expand = newLen > oldLen;
        if (expand || impliesNew) {
            if (oldLen == 0)
                throw new UnsupportedOperationException("mremap with old length 0 is not modelled");
            if (dontunmap && v.device)
                return -EINVAL;
            if (oldLen > v.end - addr)
                return -EFAULT;
            if (newLen != oldLen && v.device)
                return -EFAULT;
        }
        if (impliesNew) {
            if (fixed) {
                unmap(newAddr, newAddr + newLen);
                v = find(addr);
                if (v == null)
                    return -EFAULT;
            }
            if (newLen < oldLen) {
                unmap(addr + newLen, addr + oldLen);
                oldLen = newLen;
            }
            long dest = fixed ? newAddr : place(newLen, chosen);
            if (dest < 0)
                return dest;
            move(addr, oldLen, dest, newLen, dontunmap);
            return dest;
        }
        if (newLen == oldLen)
            return addr;
        if (newLen < oldLen) {
            unmap(addr + newLen, addr + oldLen);
            return addr;
        }
        long delta = newLen - oldLen;
        if (v.end - addr == oldLen && v.end <= TASK_SIZE - delta && free(v.end, delta)) {
            vmas.put(v.start, new Vma(v.start, v.end + delta, v.prot, v.shared, v.growsdown, v.device, v.obj, v.pgoff, v.name));
            return addr;
        }
        if (!maymove)
            return -ENOMEM;
        long dest = place(newLen, chosen);
        if (dest < 0)
            return dest;
        move(addr, oldLen, dest, newLen, false);
        return dest;
    }

    /** Moves [addr, addr+oldLen) of one VMA to dest (newLen long); the source is unmapped, or (DONTUNMAP) emptied. */
    private void move(long addr, long oldLen, long dest, long newLen, boolean dontunmap) {
        split(addr);
        split(addr + oldLen);
        Vma src = vmas.get(addr);
        NavigableMap<Long, byte[]> pages = priv.subMap(addr, true, addr + oldLen, false);
        Map<Long, byte[]> moved = new TreeMap<>();
        for (Map.Entry<Long, byte[]> e : pages.entrySet())
            moved.put(e.getKey() - addr + dest, e.getValue());
        pages.clear();
        if (!dontunmap)
            vmas.remove(addr);
        unmap(dest, dest + newLen);
        insert(new Vma(dest, dest + newLen, src.prot, src.shared, src.growsdown, src.device, src.obj, src.pgoff, src.name));
        priv.putAll(moved);
    }

    long store(long addr, long len, byte fill, boolean setup) {
        long a = addr, end = addr + len;
        while (a < end) {
            Vma v = find(a);
            if (v == null || !setup && (v.prot & Prot.WRITE) == 0)
                return -EFAULT;
            long page = a & -PAGE;
            int off = (int) (a - page), n = (int) Math.min(end - a, PAGE - off);
            byte[] b;
            if (v.shared || v.device) {
                b = v.obj.page(v.pgoff + (page - v.start) / PAGE);
                if (b == null)
                    return -EFAULT;
            } else {
                b = priv.get(page);
                if (b == null) {
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

    /** __access_remote_vm for a read, single-threaded: the bytes it returns. */
    public byte[] read(long addr, int len, int flags) {
        byte[] out = new byte[Math.max(0, len)];
        int n = 0;
        while (n < len) {
            long a = addr + n;
            Vma v = find(a);
            if (v == null)
                break;
            if (v.device) {
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
            if ((v.prot & Prot.READ) == 0 && (flags & Op.Foll.FORCE) == 0)
                break;
            long page = a & -PAGE;
            int off = (int) (a - page), chunk = (int) Math.min(len - n, PAGE - off);
            byte[] b = v.shared ? v.obj.page(v.pgoff + (page - v.start) / PAGE) : priv.get(page);
            if (b == null && !v.shared)
                b = v.anonymous() ? null : v.obj.page(v.pgoff + (page - v.start) / PAGE);
            if (b == null && (v.shared || !v.anonymous()))
                break; // beyond the end of the file: SIGBUS
            if (b != null)
                System.arraycopy(b, off, out, n, chunk);
            n += chunk;
        }
        return Arrays.copyOf(out, n);
    }

    // ------------------------------------------------------------------ layout helpers

    private void insert(Vma v) {
        unmap(v.start, v.end);
        vmas.put(v.start, v);
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
