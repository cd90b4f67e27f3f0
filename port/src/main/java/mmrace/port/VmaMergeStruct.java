package mmrace.port;

/**
 * struct vma_merge_struct and enum vma_merge_state (mm/vma.h at
 * c17ee635fd3a482b2ad2bf5e269755c2eae5f25e), with the VMG_STATE and VMG_VMA_STATE initialisers.
 *
 * <p>model: no NUMA policy, userfaultfd context or anon_vma_name fields (the model has none of
 * them, so they always compare equal).
 */
public final class VmaMergeStruct {
    /** enum vma_merge_state. */
    public enum State { START, ERROR_NOMEM, NOMERGE, SUCCESS }

    public MmStruct mm;
    public VmaIter vmi;
    /** |prev|middle|next|: adjacent VMAs, any may be null. */
    public VmAreaStruct prev, middle, next;
    /** The VMA that ultimately becomes the merged VMA. */
    public VmAreaStruct target;
    public long start, end, pgoff;
    public long vmFlags;
    public File file;
    public AnonVma anonVma;
    public State state = State.START;
    /** If copied from (mremap), the VMA copied from. */
    public VmAreaStruct copiedFrom;
    public boolean justExpand, giveUpOnOom, skipVmaUprobe;
    // internal flags set during the merge
    boolean adjustMiddleStart, adjustNextStart, removeMiddle, removeNext;

    /** VMG_VMA_STATE(name, vmi, prev, vma, start, end): a merge that modifies {@code vma}. */
    static VmaMergeStruct vmgVmaState(VmaIter vmi, VmAreaStruct prev, VmAreaStruct vma, long start, long end) {
        VmaMergeStruct v = new VmaMergeStruct();
        v.mm = vma.vmMm.get();
        v.vmi = vmi;
        v.prev = prev;
        v.middle = vma;
        v.next = null;
        v.start = start;
        v.end = end;
        v.vmFlags = vma.vmFlags.get();
        v.pgoff = Vma.vmaPgoffOffset(vma, start);
        v.file = vma.vmFile.get();
        v.anonVma = vma.anonVma.get();
        return v;
    }

    /** vmg_nomem(vmg). */
    boolean vmgNomem() {
        return state == State.ERROR_NOMEM;
    }

    @Override
    public String toString() {
        return "vmg{" + Long.toHexString(start) + "-" + Long.toHexString(end) + " prev=" + prev + " middle=" + middle
                + " next=" + next + " target=" + target + " " + state + "}";
    }
}
