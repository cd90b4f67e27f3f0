package mmrace.port;

/**
 * mm/mmap.c. STUB: being ported (owner: the mutation port). Signatures other files rely on.
 */
public final class Mmap {
    private Mmap() {}

    /** find_vma(mm, addr): the first VMA ending after addr, or null. Needs mmap_lock. */
    public static VmAreaStruct findVma(MmStruct mm, long addr) {
        throw new UnsupportedOperationException("not ported yet: find_vma");
    }

    /** vma_lookup(mm, addr): the VMA containing addr, or null. Needs mmap_lock. */
    public static VmAreaStruct vmaLookup(MmStruct mm, long addr) {
        throw new UnsupportedOperationException("not ported yet: vma_lookup");
    }

    /** expand_stack(mm, addr): called with mmap read held; returns the VMA (mmap read held again) or null (no lock held). */
    public static VmAreaStruct expandStack(MmStruct mm, long addr) {
        throw new UnsupportedOperationException("not ported yet: expand_stack");
    }
}
