package mmrace.port;

/**
 * mm/memory.c. STUB: being ported (owner: the read-path port). Signatures other files rely on.
 */
public final class Memory {
    private Memory() {}

    /** unmap_vmas(tlb, unmap). */
    public static void unmapVmas(MmuGather tlb, UnmapDesc unmap) {
        throw new UnsupportedOperationException("not ported yet: unmap_vmas");
    }

    /** free_pgtables(tlb, desc). */
    public static void freePgtables(MmuGather tlb, UnmapDesc desc) {
        throw new UnsupportedOperationException("not ported yet: free_pgtables");
    }

    /** zap_page_range_single_batched(tlb, vma, address, size, details). */
    public static void zapPageRangeSingleBatched(MmuGather tlb, VmAreaStruct vma, long address, long size, ZapDetails details) {
        throw new UnsupportedOperationException("not ported yet: zap_page_range_single_batched");
    }

    /** handle_mm_fault(vma, address, flags, regs=NULL): a vm_fault_t. */
    public static int handleMmFault(VmAreaStruct vma, long address, int flags) {
        throw new UnsupportedOperationException("not ported yet: handle_mm_fault");
    }

    /** pmd_alloc(mm, pud, address) (with __pud_alloc/__pmd_alloc behind it): null on -ENOMEM. */
    public static Ptep pmdAlloc(MmStruct mm, long address) {
        throw new UnsupportedOperationException("not ported yet: pmd_alloc");
    }

    /** pte_alloc(mm, pmd) / __pte_alloc: 0 or -ENOMEM. */
    public static int pteAlloc(MmStruct mm, Ptep pmd) {
        throw new UnsupportedOperationException("not ported yet: __pte_alloc");
    }
}
