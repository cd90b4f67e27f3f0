package mmrace.port;

/**
 * struct unmap_desc (mm/vma.h, read at c17ee635fd3a482b2ad2bf5e269755c2eae5f25e): what
 * unmap_region() hands unmap_vmas() and free_pgtables().
 * {@code mas} is the tree to walk from {@code first}: the private tree of detached VMAs (munmap)
 * or mm->mm_mt (an mmap error path).
 */
public final class UnmapDesc {
    public MapleTree mas;
    public VmAreaStruct first;
    /** The first and last page-table address that may be freed (floor, ceiling). */
    public long pgStart, pgEnd;
    /** The min and max VMA address to unmap. */
    public long vmaStart, vmaEnd;
    /** Maximum for the VMA tree search; where to reset the tree walk. */
    public long treeEnd, treeReset;
    /** Whether the mmap lock is held for write. */
    public boolean mmWrLocked;
}
