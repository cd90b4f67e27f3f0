package mmrace.port;

/**
 * struct vma_munmap_struct (mm/vma.h at c17ee635fd3a482b2ad2bf5e269755c2eae5f25e): the state of
 * one munmap (or of the unmap part of a MAP_FIXED mmap) between gathering and completing.
 *
 * <p>model: no userfaultfd list (uf).
 */
public final class VmaMunmapStruct {
    public VmaIter vmi;
    /** The first VMA to munmap. */
    public VmAreaStruct vma;
    /** The VMAs before and after the munmap area. */
    public VmAreaStruct prev, next;
    /** Aligned start (inclusive) and end (exclusive). */
    public long start, end;
    /** Where PTEs (page tables) may be freed: the floor and ceiling for free_pgtables. */
    public long unmapStart, unmapEnd;
    /** Number of VMAs to remove. */
    public int vmaCount;
    /** Unlock (downgrade, then drop) mmap_lock when completing. */
    public boolean unlock;
    /** PTEs are still to be cleared. */
    public boolean clearPtes;
    public long nrPages, lockedVm, nrAccounted, execVm, stackVm, dataVm;
}
