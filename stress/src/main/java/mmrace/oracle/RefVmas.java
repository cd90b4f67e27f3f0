package mmrace.oracle;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The VMA tree of the reference model ({@link RefModel}): the VMAs, the private pages and the
 * shared objects, and what mm/vma.c does to them: splitting, merging (vma_merge_new_range,
 * vma_merge_existing_range), unmapping, and anon_vma_prepare / find_mergeable_anon_vma. The
 * system calls that use them are in {@link RefSyscalls}; the whole model and its semantics are
 * described on {@link RefModel}.
 */
public abstract class RefVmas {
    public static final long PAGE = 4096, TASK_SIZE = (1L << 47) - 4096, MMAP_MIN_ADDR = 0x10000;
    public static final int EPERM = 1, ENOMEM = 12, EACCES = 13, EFAULT = 14, EINVAL = 22, EOPNOTSUPP = 95;
    /** Where the model places mappings the kernel would place (top-down below this). */
    public static final long MODEL_BASE = 0x7f00_0000_0000L;

    /** vm_flags bits (include/linux/mm.h values). */
    public static final long VM_READ = 0x1, VM_WRITE = 0x2, VM_EXEC = 0x4, VM_SHARED = 0x8, VM_MAYREAD = 0x10, VM_MAYWRITE = 0x20,
            VM_MAYEXEC = 0x40, VM_MAYSHARE = 0x80, VM_GROWSDOWN = 0x100, VM_PFNMAP = 0x400, VM_IO = 0x4000,
            VM_DONTEXPAND = 0x40000, VM_ACCOUNT = 0x100000;
    public static final long VM_ACCESS_FLAGS = VM_READ | VM_WRITE | VM_EXEC;
    public static final long VM_SPECIAL = VM_IO | VM_DONTEXPAND | VM_PFNMAP;

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

        /** A page of the fill byte: every page not written yet reads as it ({@link #peek}). */
        private byte[] fillPage;

        /** The page at offset idx to read only (an untouched one is not stored: a shared page of the fill), or null beyond the end. */
        byte[] peek(long idx) {
            if (idx < 0 || idx >= pages)
                return null;
            byte[] b = data.get(idx);
            if (b != null)
                return b;
            if (fillPage == null) {
                fillPage = new byte[(int) PAGE];
                Arrays.fill(fillPage, fill);
            }
            return fillPage;
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

    final TreeMap<Long, Vma> vmas = new TreeMap<>();
    /** Private pages (anonymous, or COW copies of file pages) by address. */
    final TreeMap<Long, byte[]> priv = new TreeMap<>();
    final Map<String, Obj> files = new HashMap<>();
    int objects, anonVmas;

    RefVmas() {}

    public Vma find(long a) {
        Map.Entry<Long, Vma> e = vmas.floorEntry(a);
        return e != null && a < e.getValue().end ? e.getValue() : null;
    }

    /** Is [s, s+len) free, aligned and inside the user address space? */
    public boolean free(long s, long len) {
        if (s % PAGE != 0 || len <= 0 || s < MMAP_MIN_ADDR || s > TASK_SIZE - len)
            return false;
        Map.Entry<Long, Vma> e = vmas.lowerEntry(s + len);
        return e == null || e.getValue().end <= s;
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

    // ------------------------------------------------------------------ anon_vma

    /** anon_vma_prepare: a VMA without an anon_vma reuses a neighbour's (find_mergeable_anon_vma) or gets a new one. */
    Vma anonVmaPrepare(Vma v) {
        if (v.anon != 0)
            return v;
        int a = findMergeableAnonVma(v);
        Vma r = v.withAnon(a != 0 ? a : ++anonVmas);
        vmas.put(r.start, r);
        return r;
    }

    /** find_mergeable_anon_vma: the next VMA's anon_vma first, then the previous one's, if anon_vma_compatible. */
    int findMergeableAnonVma(Vma v) {
        Vma next = vmas.get(v.end);
        if (next != null && anonVmaCompatible(v, next) && next.anon != 0)
            return next.anon; // reusable_anon_vma: no fork, so the chain is always singular
        Vma prev = before(v.start);
        if (prev != null && anonVmaCompatible(prev, v) && prev.anon != 0)
            return prev.anon;
        return 0;
    }

    /** anon_vma_compatible(a, b): adjacent, same file, flags equal but for the access bits, contiguous pgoff. */
    static boolean anonVmaCompatible(Vma a, Vma b) {
        return a.end == b.start && a.obj == b.obj && ((a.flags ^ b.flags) & ~VM_ACCESS_FLAGS) == 0
                && b.pgoff == a.pgoff + (b.start - a.start) / PAGE;
    }

    // ------------------------------------------------------------------ merging

    /** is_mergeable_vma + is_mergeable_anon_vma: may a range with these properties join {@code tgt}? (No fork children in the model.) */
    static boolean mergeable(Vma tgt, long flags, Obj obj, int anon) {
        return tgt.flags == flags && tgt.obj == obj && (tgt.anon == 0 || anon == 0 || tgt.anon == anon);
    }

    /**
     * vma_merge_new_range (and, with {@code copiedAnon}, vma_merge_copied_range; vma_expand's
     * dup_anon_vma): the free range [start, end) with these properties joins its previous and/or
     * next VMA if they are adjacent and compatible. Returns the merged VMA, or null (nothing changed).
     */
    Vma mergeNewRange(long start, long end, long flags, Obj obj, long pgoff, int anon, int copiedAnon) {
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
    Vma mergeExistingRange(Vma prev, Vma middle, long start, long end, long newflags) {
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
    Vma before(long a) {
        Map.Entry<Long, Vma> e = vmas.lowerEntry(a);
        return e == null ? null : e.getValue();
    }

    /** The first VMA that starts at or after {@code a}. */
    Vma ceiling(long a) {
        Map.Entry<Long, Vma> e = vmas.ceilingEntry(a);
        return e == null ? null : e.getValue();
    }

    /** The VMA containing {@code a}, else the first one after it. */
    Vma ceilingOrContaining(long a) {
        Vma v = find(a);
        return v != null ? v : ceiling(a);
    }

    /** Splits the VMA containing a (if a is strictly inside one) into [start, a) and [a, end). */
    void split(long a) {
        Vma v = find(a);
        if (v == null || v.start == a)
            return;
        vmas.put(v.start, v.range(v.start, a));
        vmas.put(a, v.range(a, v.end));
    }

    /** Removes [s, e) from the layout and its private pages. */
    void unmap(long s, long e) {
        if (e <= s)
            return;
        split(s);
        split(e);
        vmas.subMap(s, true, e, false).clear();
        priv.subMap(s, true, e, false).clear();
    }
}
