package mmrace.port;

/**
 * struct vma_prepare (mm/vma.h at c17ee635fd3a482b2ad2bf5e269755c2eae5f25e): which VMAs a
 * split/merge changes, inserts and removes, and which rmap locks it takes around that.
 *
 * <p>model: the file is its own address_space (mapping == file).
 */
final class VmaPrepare {
    VmAreaStruct vma;
    VmAreaStruct adjNext;
    File file;
    /** vp->mapping. */
    File mapping;
    AnonVma anonVma;
    VmAreaStruct insert;
    VmAreaStruct remove;
    VmAreaStruct remove2;
    boolean skipVmaUprobe;
}
