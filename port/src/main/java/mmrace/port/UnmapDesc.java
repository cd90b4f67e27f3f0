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

    /** FIRST_USER_ADDRESS and USER_PGTABLES_CEILING on x86 (0: the top of the address space). */
    public static final long FIRST_USER_ADDRESS = 0, USER_PGTABLES_CEILING = 0;

    /** unmap_all_init(unmap, vmi, vma): remove every VMA from vma on, page tables in a safe range. */
    public static UnmapDesc unmapAllInit(MapleTree mas, VmAreaStruct vma) {
        UnmapDesc u = new UnmapDesc();
        u.mas = mas;
        u.first = vma;
        u.pgStart = FIRST_USER_ADDRESS;
        u.pgEnd = USER_PGTABLES_CEILING;
        u.vmaStart = 0;
        u.vmaEnd = -1L; // ULONG_MAX
        u.treeEnd = -1L;
        u.treeReset = vma.vmEnd.get();
        u.mmWrLocked = false;
        return u;
    }

    /** unmap_pgtable_init(unmap, vmi): remove every page table of the user range. */
    public void unmapPgtableInit() {
        // vma_iter_set(vmi, unmap->tree_reset): free_pgtables walks from treeReset
        vmaStart = FIRST_USER_ADDRESS;
        vmaEnd = USER_PGTABLES_CEILING;
        treeEnd = USER_PGTABLES_CEILING;
    }

    /** UNMAP_STATE(name, vmi, vma, vma_start, vma_end, prev, next). */
    public static UnmapDesc unmapState(MapleTree mas, VmAreaStruct vma, long vmaStart, long vmaEnd, VmAreaStruct prev,
                                       VmAreaStruct next) {
        UnmapDesc u = new UnmapDesc();
        u.mas = mas;
        u.first = vma;
        u.pgStart = prev != null ? prev.vmEnd.get() : FIRST_USER_ADDRESS;
        u.pgEnd = next != null ? next.vmStart.get() : USER_PGTABLES_CEILING;
        u.vmaStart = vmaStart;
        u.vmaEnd = vmaEnd;
        u.treeEnd = next != null ? next.vmStart.get() : USER_PGTABLES_CEILING;
        u.treeReset = vma.vmEnd.get();
        u.mmWrLocked = true;
        return u;
    }
}
