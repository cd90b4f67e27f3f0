package mmrace.port;

import mmrace.runtime.Page;

/**
 * mm/rmap.c. STUB: being ported (owner: the read-path port). Signatures other files rely on.
 */
public final class Rmap {
    private Rmap() {}

    /** anon_vma_prepare(vma): 0 or -ENOMEM. */
    public static int anonVmaPrepare(VmAreaStruct vma) {
        throw new UnsupportedOperationException("not ported yet: anon_vma_prepare");
    }

    /** anon_vma_clone(dst, src): 0 or -ENOMEM. */
    public static int anonVmaClone(VmAreaStruct dst, VmAreaStruct src) {
        throw new UnsupportedOperationException("not ported yet: anon_vma_clone");
    }

    /** unlink_anon_vmas(vma). */
    public static void unlinkAnonVmas(VmAreaStruct vma) {
        throw new UnsupportedOperationException("not ported yet: unlink_anon_vmas");
    }

    /** folio_add_new_anon_rmap(folio, vma, address, flags). */
    public static void folioAddNewAnonRmap(Page folio, VmAreaStruct vma, long address) {
        throw new UnsupportedOperationException("not ported yet: folio_add_new_anon_rmap");
    }
}
