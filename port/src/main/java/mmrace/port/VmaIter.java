package mmrace.port;

import mmrace.runtime.Report;
import mmrace.runtime.Task;

/**
 * struct vma_iterator and the struct ma_state inside it (include/linux/mm_types.h,
 * include/linux/maple_tree.h), with the iterator helpers of include/linux/mm.h (vma_find,
 * vma_next, vma_prev, vma_iter_set, vma_iter_init, vma_iter_clear_gfp) and mm/vma.h at
 * c17ee635fd3a482b2ad2bf5e269755c2eae5f25e (vma_iter_config, vma_iter_prealloc, vma_iter_clear,
 * vma_iter_load, vma_iter_store_overwrite, vma_iter_store_new, vma_iter_addr, vma_iter_end,
 * vma_iter_prev_range, vma_iter_next_range, vma_iter_next_rewind, vma_iter_*_range_limit).
 *
 * <p>The cursor semantics are lib/maple_tree.c's, as far as callers can tell: a position is a
 * range [index, last] that holds an entry or is a gap; mas_find returns the entry at the position
 * or the next one, mas_next/mas_prev step over gaps, mas_next_range/mas_prev_range stop at gaps;
 * the status (start, active, underflow, overflow, pause) decides whether an operation first
 * re-walks at index, exactly as mas_*_setup do.
 *
 * <p>model: one class for both vma_iterator and ma_state (also used for the private maple tree
 * of detached VMAs, mt_detach). Every cursor operation loads the tree root once (one point) and
 * works on that immutable node; writers hold mmap_lock for write, so no writer runs in between.
 * mas_preallocate can be made to fail by injecting a failure at site "maple:prealloc" (a rule for
 * "maple" also matches); a store after a preallocation cannot fail, a *_gfp store can ("maple").
 */
public final class VmaIter {
    /** enum maple_status, the values callers can observe. */
    enum Status { START, ACTIVE, NONE, PAUSE, UNDERFLOW, OVERFLOW }

    static final long ULONG_MAX = -1L;

    /** The mm whose mm_mt this walks, or null for a private tree (mt_detach). */
    public final MmStruct mm;
    final MapleTree tree;
    long index, last;
    Status status = Status.START;
    /** Nodes preallocated by mas_preallocate and not yet used or freed. */
    boolean preallocated;

    private VmaIter(MmStruct mm, MapleTree tree, long addr) {
        this.mm = mm;
        this.tree = tree;
        this.index = addr;
        this.last = addr;
    }

    /** VMA_ITERATOR(name, mm, addr) / vma_iter_init(vmi, mm, addr). */
    public static VmaIter of(MmStruct mm, long addr) {
        return new VmaIter(mm, mm.mmMt, addr);
    }

    /** MA_STATE(mas, tree, 0, 0) on a private tree (mt_detach in munmap). */
    static VmaIter onTree(MapleTree tree) {
        return new VmaIter(null, tree, 0);
    }

    /** What one position of the tree holds: an entry or a gap, and its range. */
    record Range(long index, long last, Object entry) {}

    static boolean ule(long a, long b) {
        return Long.compareUnsigned(a, b) <= 0;
    }

    static boolean uge(long a, long b) {
        return Long.compareUnsigned(a, b) >= 0;
    }

    /** The entry or gap of node {@code n} that contains {@code a}. */
    static Range rangeAt(MapleTree.Node n, long a) {
        int i = n.lowerBound(a);
        if (i < n.size() && ule(n.index(i), a))
            return new Range(n.index(i), n.last(i), n.entry(i));
        long lo = i > 0 ? n.last(i - 1) + 1 : 0;
        long hi = i < n.size() ? n.index(i) - 1 : ULONG_MAX;
        return new Range(lo, hi, null);
    }

    private Object set(Range r) {
        index = r.index;
        last = r.last;
        status = Status.ACTIVE;
        return r.entry;
    }

    // ------------------------------------------------------------ lib/maple_tree.c cursor

    /** mas_walk(): the entry (or gap) containing index; the position becomes its range. */
    Object masWalk() {
        return set(rangeAt(tree.load(), index));
    }

    /** mas_next_slot(mas, max, empty). */
    private Object masNextSlot(MapleTree.Node n, long max, boolean empty) {
        for (;;) {
            if (uge(last, max)) {
                status = Status.OVERFLOW;
                return null;
            }
            Object e = set(rangeAt(n, last + 1));
            if (e != null || empty)
                return e;
        }
    }

    /** mas_prev_slot(mas, min, empty). */
    private Object masPrevSlot(MapleTree.Node n, long min, boolean empty) {
        for (;;) {
            if (ule(index, min)) {
                status = Status.UNDERFLOW;
                return null;
            }
            Object e = set(rangeAt(n, index - 1));
            if (e != null || empty)
                return e;
        }
    }

    /**
     * What a mas_*_setup returns when the operation is not answered yet and the caller must step
     * to the next or previous slot (the C functions return false and leave *entry alone).
     */
    private static final Object STEP = new Object();

    /**
     * mas_find_setup(mas, max, &entry): re-walk at index where the status asks for it; the answer
     * (an entry or null), or {@link #STEP}. model: the tree is always a node (never empty or a
     * single root pointer), so the ma_none, ma_root and pointer cases after the walk do not arise.
     */
    private Object masFindSetup(MapleTree.Node n, long max) {
        switch (status) {
            case ACTIVE:
                if (Long.compareUnsigned(last, max) < 0)
                    return STEP;
                return null;
            case START:
                break;
            case PAUSE:
                if (uge(last, max))
                    return null;
                index = ++last;
                status = Status.START;
                break;
            case NONE:
                if (uge(last, max))
                    return null;
                index = last;
                status = Status.START;
                break;
            case UNDERFLOW: // mas is pointing at entry before unable to go lower
                if (uge(index, max)) {
                    status = Status.OVERFLOW;
                    return null;
                }
                Object u = set(rangeAt(n, index));
                if (u != null)
                    return u;
                break;
            case OVERFLOW:
                if (uge(last, max))
                    return null;
                Object o = set(rangeAt(n, index));
                if (o != null)
                    return o;
                break;
        }
        if (status == Status.START) { // first run or continue
            if (Long.compareUnsigned(index, max) > 0)
                return null;
            Object e = set(rangeAt(n, index));
            if (e != null)
                return e;
        }
        if (index == max)
            return null;
        return STEP;
    }

    /** mas_find(mas, max): the entry at the position, or the next one starting at or before max. */
    Object masFind(long max) {
        MapleTree.Node n = tree.load();
        Object e = masFindSetup(n, max);
        if (e != STEP)
            return e;
        e = masNextSlot(n, max, false);
        status = Status.ACTIVE; // "Ignore overflow"
        return e;
    }

    /**
     * mas_next_setup(mas, max, &entry): the answer (an entry or null), or {@link #STEP}.
     * model: the tree is always a node (see {@link #masFindSetup}).
     */
    private Object masNextSetup(MapleTree.Node n, long max) {
        if (uge(last, max)) {
            status = Status.OVERFLOW;
            return null;
        }
        switch (status) {
            case ACTIVE:
                return STEP;
            case NONE:
            case PAUSE:
                status = Status.START;
                // fallthrough
            case START:
                set(rangeAt(n, index)); // mas_walk
                break;
            case OVERFLOW: // overflowed before, but the max changed
                status = Status.ACTIVE;
                break;
            case UNDERFLOW: // the user expects the mas to be one before where it is
                Object u = set(rangeAt(n, index));
                if (u != null)
                    return u;
                break;
        }
        return STEP;
    }

    /**
     * mas_prev_setup(mas, min, &entry): the answer (an entry or null), or {@link #STEP}.
     * model: the tree is always a node (see {@link #masFindSetup}).
     */
    private Object masPrevSetup(MapleTree.Node n, long min) {
        if (ule(index, min)) {
            status = Status.UNDERFLOW;
            return null;
        }
        switch (status) {
            case ACTIVE:
                return STEP;
            case START:
            case NONE:
            case PAUSE:
                set(rangeAt(n, index)); // mas_walk from ma_start
                break;
            case UNDERFLOW: // underflowed before but the min changed
                status = Status.ACTIVE;
                break;
            case OVERFLOW: // user expects mas to be one after where it is
                Object o = set(rangeAt(n, index));
                if (o != null)
                    return o;
                break;
        }
        return STEP;
    }

    /** mas_prev(mas, min): the entry before the position (gaps skipped). */
    Object masPrev(long min) {
        MapleTree.Node n = tree.load();
        Object e = masPrevSetup(n, min);
        return e != STEP ? e : masPrevSlot(n, min, false);
    }

    /** mas_next_range(mas, max): the next range, entry or gap. */
    Object masNextRange(long max) {
        MapleTree.Node n = tree.load();
        Object e = masNextSetup(n, max);
        return e != STEP ? e : masNextSlot(n, max, true);
    }

    /** mas_prev_range(mas, min): the previous range, entry or gap. */
    Object masPrevRange(long min) {
        MapleTree.Node n = tree.load();
        Object e = masPrevSetup(n, min);
        return e != STEP ? e : masPrevSlot(n, min, true);
    }

    /** mas_set(mas, addr). */
    void masSet(long addr) {
        index = last = addr;
        status = Status.START;
    }

    /** mas_set_range(mas, start, last). */
    void masSetRange(long start, long lastAddr) {
        index = start;
        last = lastAddr;
        status = Status.START;
    }

    /** mas_store_gfp(mas, entry, gfp): may fail (-ENOMEM) where a test injected "maple". */
    int masStoreGfp(Object entry) {
        if (!tree.store(index, last, entry))
            return -mmrace.runtime.Errno.ENOMEM;
        status = Status.ACTIVE;
        return 0;
    }

    /** mas_store_gfp(..., __GFP_NOFAIL). */
    void masStoreNofail(Object entry) {
        tree.storePrealloc(index, last, entry);
        status = Status.ACTIVE;
    }

    /** mas_store_prealloc(mas, entry): uses the preallocated nodes, then mas_destroy. */
    void masStorePrealloc(Object entry) {
        if (!preallocated) {
            Task t = Task.current();
            t.kernel.reports.file(t, Report.Kind.BUG, "mas_store_prealloc without mas_preallocate",
                    "[" + Long.toHexString(index) + "-" + Long.toHexString(last) + "]");
        }
        tree.storePrealloc(index, last, entry);
        status = Status.ACTIVE;
        preallocated = false;
    }

    // ------------------------------------------------------------ include/linux/mm.h, mm/vma.h

    /** vma_iter_set(vmi, addr). */
    public void vmaIterSet(long addr) {
        masSet(addr);
    }

    /** vma_iter_config(vmi, index, last): __mas_set_range(mas, index, last - 1), status kept. */
    public void vmaIterConfig(long start, long end) {
        index = start;
        last = end - 1;
    }

    /** vma_iter_invalidate(vmi): mas_pause. */
    void vmaIterInvalidate() {
        status = Status.PAUSE;
    }

    /** vma_iter_addr(vmi). */
    public long vmaIterAddr() {
        return index;
    }

    /** vma_iter_end(vmi). */
    public long vmaIterEnd() {
        return last + 1;
    }

    /** vma_iter_load(vmi): mas_walk. */
    public VmAreaStruct vmaIterLoad() {
        return (VmAreaStruct) masWalk();
    }

    /** vma_find(vmi, max): mas_find(&vmi->mas, max - 1). */
    public VmAreaStruct vmaFind(long max) {
        return (VmAreaStruct) masFind(max - 1);
    }

    /** vma_next(vmi): mas_find(&vmi->mas, ULONG_MAX). */
    public VmAreaStruct vmaNext() {
        return (VmAreaStruct) masFind(ULONG_MAX);
    }

    /** vma_prev(vmi): mas_prev(&vmi->mas, 0). */
    public VmAreaStruct vmaPrev() {
        return (VmAreaStruct) masPrev(0);
    }

    /** vma_iter_next_range(vmi): mas_next_range(&vmi->mas, ULONG_MAX). */
    public VmAreaStruct vmaIterNextRange() {
        return (VmAreaStruct) masNextRange(ULONG_MAX);
    }

    /** vma_iter_prev_range(vmi): mas_prev_range(&vmi->mas, 0). */
    public VmAreaStruct vmaIterPrevRange() {
        return (VmAreaStruct) masPrevRange(0);
    }

    /** vma_iter_next_range_limit(vmi, max). */
    public VmAreaStruct vmaIterNextRangeLimit(long max) {
        return (VmAreaStruct) masNextRange(max);
    }

    /**
     * vma_iter_next_rewind(vmi, pprev): the next VMA, with the iterator rewound to the gap after
     * the previous VMA (or to index 0). {@code pprev} (may be null) gets the previous VMA.
     */
    public VmAreaStruct vmaIterNextRewind(VmAreaStruct[] pprev) {
        VmAreaStruct next = vmaNext();
        VmAreaStruct prev = vmaPrev();
        if (prev != null)
            vmaIterNextRange();
        if (pprev != null)
            pprev[0] = prev;
        return next;
    }

    /** vma_iter_prealloc(vmi, vma): mas_preallocate; 0 or -ENOMEM. */
    public int vmaIterPrealloc(VmAreaStruct vma) {
        Task t = Task.current();
        if (t.kernel.faults.shouldFail(t, "maple:prealloc"))
            return -mmrace.runtime.Errno.ENOMEM;
        preallocated = true;
        return 0;
    }

    /** vma_iter_free(vmi): mas_destroy, frees unused preallocated nodes. */
    public void vmaIterFree() {
        preallocated = false;
    }

    /** vma_iter_clear_gfp(vmi, start, end, gfp): 0 or -ENOMEM. */
    public int vmaIterClearGfp(long start, long end) {
        index = start;
        last = end - 1; // __mas_set_range
        return masStoreGfp(null) == 0 ? 0 : -mmrace.runtime.Errno.ENOMEM;
    }

    /** vma_iter_store_overwrite(vmi, vma): store a VMA over its range with preallocated nodes. */
    public void vmaIterStoreOverwrite(VmAreaStruct vma) {
        MmapLock.vmaAssertAttached(vma);
        long start = vma.vmStart.get(), end = vma.vmEnd.get();
        if (status != Status.START && (Long.compareUnsigned(index, start) > 0 || Long.compareUnsigned(last, start) < 0))
            vmaIterInvalidate();
        index = start;
        last = end - 1; // __mas_set_range
        masStorePrealloc(vma);
    }

    /** vma_iter_store_new(vmi, vma): vma_mark_attached, then vma_iter_store_overwrite. */
    public void vmaIterStoreNew(VmAreaStruct vma) {
        MmapLock.vmaMarkAttached(vma);
        vmaIterStoreOverwrite(vma);
    }

    /**
     * vma_iter_bulk_store(vmi, vma) (mm/vma.h as dup_mmap uses it in the v7.0 window, with
     * vma_mark_attached): store a new VMA
     * over its range in a tree __mt_dup() built, where the store needs no allocation and cannot
     * fail (dup_mmap), then attach it.
     */
    public void vmaIterBulkStore(VmAreaStruct vma) {
        index = vma.vmStart.get();
        last = vma.vmEnd.get() - 1;
        masStoreNofail(vma); // mas_store
        MmapLock.vmaMarkAttached(vma);
    }

    @Override
    public String toString() {
        return "vmi{" + Long.toHexString(index) + "-" + Long.toHexString(last) + " " + status + "}";
    }
}
