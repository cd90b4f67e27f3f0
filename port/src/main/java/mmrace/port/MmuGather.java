package mmrace.port;

/**
 * struct mmu_gather and mm/mmu_gather.c. STUB: being ported (owner: the read-path port).
 */
public final class MmuGather {
    public final MmStruct mm;

    private MmuGather(MmStruct mm) {
        this.mm = mm;
    }

    /** tlb_gather_mmu(tlb, mm). */
    public static MmuGather tlbGatherMmu(MmStruct mm) {
        throw new UnsupportedOperationException("not ported yet: tlb_gather_mmu");
    }

    /** tlb_finish_mmu(tlb). */
    public static void tlbFinishMmu(MmuGather tlb) {
        throw new UnsupportedOperationException("not ported yet: tlb_finish_mmu");
    }
}
