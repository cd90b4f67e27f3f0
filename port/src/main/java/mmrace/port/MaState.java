package mmrace.port;

/**
 * struct ma_state, the maple tree cursor (include/linux/maple_tree.h, not stored at the port's
 * commit c17ee635; the stored 3bf3e21c15d4386a5f15118ec39bbc1b67ea5759 predates the status field,
 * which follows lib/maple_tree.c as {@link MapleTree} reads it): the range [index, last] of interest, the node the cursor is in with that
 * node's implied [min, max], the offset of the slot, the data end of the node, and the status.
 * It lives on the caller's stack: plain fields. Its node is only safe to use while the RCU read
 * section (or the tree's lock) it was found under is held; mas_set()/mas_reset() make the next
 * operation walk from the root again.
 *
 * <p>model: no alloc list (preallocation is a reservation, see {@link MapleTree#masPreallocate})
 * and no store_type (every store classifies itself again, see {@link MapleTree}).
 */
public final class MaState {
    /** enum maple_status; ma_root (a single entry in the root pointer) and ma_error are not modelled. */
    enum Status { START, ACTIVE, NONE, PAUSE, OVERFLOW, UNDERFLOW }

    /** MA_STATE_PREALLOC: nodes were preallocated for the next store. */
    static final int MA_STATE_PREALLOC = 4;

    final MapleTree tree;
    long index, last;
    MapleNode node;
    long min, max;
    int depth, offset, end;
    Status status = Status.START;
    int masFlags;

    /** MA_STATE(name, mt, first, end). */
    MaState(MapleTree tree, long first, long end) {
        this.tree = tree;
        this.index = first;
        this.last = end;
        this.min = 0;
        this.max = MapleTree.ULONG_MAX;
    }

    @Override
    public String toString() {
        return "mas{" + Long.toHexString(index) + "-" + Long.toHexString(last) + " " + status
                + (node != null ? " " + node.name() + "[" + offset + "]" : "") + "}";
    }
}
