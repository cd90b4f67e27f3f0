package mmrace.port;

import mmrace.runtime.Report;
import mmrace.runtime.Task;

/**
 * struct vma_iterator (include/linux/mm_types.h): a struct ma_state on mm->mm_mt, with the
 * iterator helpers of include/linux/mm.h (vma_find, vma_next, vma_prev, vma_iter_set,
 * vma_iter_init, vma_iter_clear_gfp) and mm/vma.h at c17ee635fd3a482b2ad2bf5e269755c2eae5f25e
 * (vma_iter_config, vma_iter_prealloc, vma_iter_clear, vma_iter_load, vma_iter_store_overwrite,
 * vma_iter_store_new, vma_iter_addr, vma_iter_end, vma_iter_prev_range, vma_iter_next_range,
 * vma_iter_next_rewind, vma_iter_*_range_limit), each a thin wrapper over the mas_* function of
 * lib/maple_tree.c ({@link MapleTree}) it calls in the kernel.
 *
 * <p>The callers hold mmap_lock (read or write), so the node the state holds stays in the tree
 * between operations, except across the caller's own stores, which leave the state at the slot
 * they wrote. model: also used for the private tree of detached VMAs (mt_detach in munmap), where
 * the kernel uses a bare ma_state; mas_preallocate can be made to fail by injecting a failure at
 * site "maple:prealloc" (a rule for "maple" also matches); a store after a preallocation cannot
 * fail, a *_gfp store can ("maple").
 */
public final class VmaIter {
    static final long ULONG_MAX = MapleTree.ULONG_MAX;

    /** The mm whose mm_mt this walks, or null for a private tree (mt_detach). */
    public final MmStruct mm;
    final MapleTree tree;
    /** vmi->mas. */
    final MaState mas;

    private VmaIter(MmStruct mm, MapleTree tree, long addr) {
        this.mm = mm;
        this.tree = tree;
        this.mas = new MaState(tree, addr, addr);
    }

    /** VMA_ITERATOR(name, mm, addr) / vma_iter_init(vmi, mm, addr). */
    public static VmaIter of(MmStruct mm, long addr) {
        return new VmaIter(mm, mm.mmMt, addr);
    }

    /** MA_STATE(mas, tree, 0, 0) on a private tree (mt_detach in munmap). */
    static VmaIter onTree(MapleTree tree) {
        return new VmaIter(null, tree, 0);
    }

    // ------------------------------------------------------------ the ma_state, for the mt_detach users

    /** mas_find(mas, max). */
    Object masFind(long max) {
        return MapleTree.masFind(mas, max);
    }

    /** mas_set(mas, addr). */
    void masSet(long addr) {
        MapleTree.masSet(mas, addr);
    }

    /** mas_set_range(mas, start, last). */
    void masSetRange(long start, long lastAddr) {
        MapleTree.masSetRange(mas, start, lastAddr);
    }

    /** mas_store_gfp(mas, entry, gfp): 0, or -ENOMEM where a test injected "maple". */
    int masStoreGfp(Object entry) {
        return MapleTree.masStoreGfp(mas, entry);
    }

    /** mas_store_gfp(..., __GFP_NOFAIL). */
    void masStoreNofail(Object entry) {
        if (MapleTree.masWrStore(mas, entry) != 0) {
            Task t = Task.current();
            t.kernel.reports.file(t, Report.Kind.BUG, "mas_store_gfp(__GFP_NOFAIL) failed", mas.toString());
        }
    }

    /** mas_store_prealloc(mas, entry): uses the preallocated nodes, then mas_destroy. */
    void masStorePrealloc(Object entry) {
        MapleTree.masStorePrealloc(mas, entry);
    }

    /** __mt_destroy(mas->tree). */
    void mtDestroy() {
        MapleTree.__mtDestroy(tree);
    }

    // ------------------------------------------------------------ include/linux/mm.h, mm/vma.h

    /** vma_iter_set(vmi, addr): mas_set. */
    public void vmaIterSet(long addr) {
        MapleTree.masSet(mas, addr);
    }

    /** vma_iter_config(vmi, index, last): __mas_set_range(mas, index, last - 1), status kept. */
    public void vmaIterConfig(long start, long end) {
        MapleTree.__masSetRange(mas, start, end - 1);
    }

    /** vma_iter_invalidate(vmi): mas_pause. */
    void vmaIterInvalidate() {
        MapleTree.masPause(mas);
    }

    /** vma_iter_addr(vmi). */
    public long vmaIterAddr() {
        return mas.index;
    }

    /** vma_iter_end(vmi). */
    public long vmaIterEnd() {
        return mas.last + 1;
    }

    /** vma_iter_load(vmi): mas_walk. */
    public VmAreaStruct vmaIterLoad() {
        return (VmAreaStruct) MapleTree.masWalk(mas);
    }

    /** vma_find(vmi, max): mas_find(&vmi->mas, max - 1). */
    public VmAreaStruct vmaFind(long max) {
        return (VmAreaStruct) MapleTree.masFind(mas, max - 1);
    }

    /** vma_next(vmi): mas_find(&vmi->mas, ULONG_MAX). */
    public VmAreaStruct vmaNext() {
        return (VmAreaStruct) MapleTree.masFind(mas, ULONG_MAX);
    }

    /** vma_prev(vmi): mas_prev(&vmi->mas, 0). */
    public VmAreaStruct vmaPrev() {
        return (VmAreaStruct) MapleTree.masPrev(mas, 0);
    }

    /** vma_iter_next_range(vmi): mas_next_range(&vmi->mas, ULONG_MAX). */
    public VmAreaStruct vmaIterNextRange() {
        return (VmAreaStruct) MapleTree.masNextRange(mas, ULONG_MAX);
    }

    /** vma_iter_prev_range(vmi): mas_prev_range(&vmi->mas, 0). */
    public VmAreaStruct vmaIterPrevRange() {
        return (VmAreaStruct) MapleTree.masPrevRange(mas, 0);
    }

    /** vma_iter_next_range_limit(vmi, max). */
    public VmAreaStruct vmaIterNextRangeLimit(long max) {
        return (VmAreaStruct) MapleTree.masNextRange(mas, max);
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
        return MapleTree.masPreallocate(mas, vma);
    }

    /** vma_iter_free(vmi): mas_destroy, frees unused preallocated nodes. */
    public void vmaIterFree() {
        MapleTree.masDestroy(mas);
    }

    /** vma_iter_clear_gfp(vmi, start, end, gfp): 0 or -ENOMEM. */
    public int vmaIterClearGfp(long start, long end) {
        MapleTree.__masSetRange(mas, start, end - 1);
        return MapleTree.masStoreGfp(mas, null) == 0 ? 0 : -mmrace.runtime.Errno.ENOMEM;
    }

    /** vma_iter_store_overwrite(vmi, vma): store a VMA over its range with preallocated nodes. */
    public void vmaIterStoreOverwrite(VmAreaStruct vma) {
        MmapLock.vmaAssertAttached(vma);
        long start = vma.vmStart.get(), end = vma.vmEnd.get();
        if (mas.status != MaState.Status.START
                && (Long.compareUnsigned(mas.index, start) > 0 || Long.compareUnsigned(mas.last, start) < 0))
            vmaIterInvalidate();
        MapleTree.__masSetRange(mas, start, end - 1);
        MapleTree.masStorePrealloc(mas, vma);
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
        MapleTree.__masSetRange(mas, vma.vmStart.get(), vma.vmEnd.get() - 1); // vmi->mas.index, vmi->mas.last
        masStoreNofail(vma); // mas_store
        MmapLock.vmaMarkAttached(vma);
    }

    @Override
    public String toString() {
        return "vmi" + mas;
    }
}
