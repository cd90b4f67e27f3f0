package mmrace.port;

import mmrace.runtime.Field;
import mmrace.runtime.KObject;
import mmrace.runtime.Kernel;
import mmrace.runtime.KmemCache;
import mmrace.runtime.RcuNode;
import mmrace.runtime.Ref;
import mmrace.runtime.Word;

/**
 * struct maple_node as a maple_range_64 / maple_leaf_64 node (include/linux/maple_tree.h, read at
 * the stored 3bf3e21c15d4386a5f15118ec39bbc1b67ea5759, not stored at the port's commit c17ee635;
 * lib/maple_tree.c as {@link MapleTree} reads it uses the same fields): a parent pointer, pivots, slots and the metadata end.
 * A leaf's slots hold entries (VMAs, or NULL for a gap); an internal node's slots hold its
 * children. Slot i covers [pivot[i-1] + 1, pivot[i]] (the node's min for slot 0, its max for the
 * last slot). A node that has been replaced is dead: its parent points to itself.
 *
 * <p>model: MAPLE_RANGE64_SLOTS is 4 (the kernel has 16), so that a handful of VMAs with the gaps
 * between them make trees of two and three levels. The node type, which the kernel keeps in the
 * low bits of the encoded pointer (maple_enode), and the parent's slot number, which it keeps in
 * the low bits of node->parent, are words of the node here; both are set before the node is
 * published and change only with the parent pointer. Internal nodes are maple_range_64: the gap
 * tracking of maple_arange_64 (MT_FLAGS_ALLOC_RANGE) is not modelled. Nodes come from the
 * "maple_node" slab cache (maple_tree_init), so a node read after it was freed is a KASAN report.
 */
public final class MapleNode extends KObject {
    /** MAPLE_RANGE64_SLOTS (model: 4). */
    static final int SLOTS = 4;
    /** mt_pivots[maple_leaf_64]: pivots are one fewer than slots; the last slot ends at the node's max. */
    static final int PIVOTS = SLOTS - 1;
    /** enum maple_type values the model uses. */
    static final long MAPLE_LEAF_64 = 1, MAPLE_RANGE_64 = 2;

    // word layout: pivot[0..PIVOTS), then meta.end, the type and the parent slot
    static final int W_END = PIVOTS, W_TYPE = PIVOTS + 1, W_PARENT_SLOT = PIVOTS + 2;
    // pointer layout: slot[0..SLOTS), then parent
    static final int P_PARENT = SLOTS;

    /** What KASAN's freed memory holds, as the pivots of a freed node read it (POISON_FREE bytes). */
    static final long POISON = 0x6b6b6b6b6b6b6b6bL;

    private static final Field NODE = new Field("maple_node");
    private static final Field[] WORD_FIELDS = new Field[PIVOTS + 3];
    private static final Field[] PTR_FIELDS = new Field[SLOTS + 1];
    static {
        for (int i = 0; i < PIVOTS; i++)
            WORD_FIELDS[i] = new Field("pivot[" + i + "]");
        WORD_FIELDS[W_END] = new Field("meta.end");
        WORD_FIELDS[W_TYPE] = new Field("type");
        WORD_FIELDS[W_PARENT_SLOT] = new Field("parent_slot");
        for (int i = 0; i < SLOTS; i++)
            PTR_FIELDS[i] = new Field("slot[" + i + "]");
        PTR_FIELDS[P_PARENT] = new Field("parent");
    }

    /** pivot[i], meta.end, type, parent slot. */
    final Word[] words = new Word[WORD_FIELDS.length];
    /** slot[i], parent (a MapleNode, the MapleTree for the root, or this node when dead). */
    @SuppressWarnings("unchecked")
    final Ref<Object>[] ptrs = new Ref[PTR_FIELDS.length];
    /** The whole node as a reader visits it. */
    final RcuNode mem;

    public MapleNode() {
        for (int i = 0; i < words.length; i++)
            words[i] = new Word(this, WORD_FIELDS[i], 0);
        for (int i = 0; i < ptrs.length; i++)
            ptrs[i] = new Ref<>(this, PTR_FIELDS[i], null);
        mem = new RcuNode(this, NODE, words, ptrs);
    }

    /** maple_node_cache: kmem_cache_create("maple_node", ...) in maple_tree_init(). */
    static KmemCache<MapleNode> mapleNodeCache(Kernel k) {
        return k.cache("maple_node", false, MapleNode::new);
    }

    @Override
    public String name() {
        return "maple_node#" + index();
    }

    /**
     * Freed memory: the pivots read as poison, the slots as NULL; the parent keeps pointing at the
     * node itself (it was marked dead before the free), so a reader that reads it anyway restarts.
     */
    @Override
    protected void poison() {
        for (int i = 0; i < PIVOTS; i++)
            words[i].poke(POISON);
        words[W_END].poke(0);
        for (int i = 0; i < SLOTS; i++)
            ptrs[i].poke(null);
        ptrs[P_PARENT].poke(this);
    }
}
