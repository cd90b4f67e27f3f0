package mmrace.port;

import mmrace.runtime.Errno;
import mmrace.runtime.Field;
import mmrace.runtime.KObject;
import mmrace.runtime.Kernel;
import mmrace.runtime.Barrier;
import mmrace.runtime.Probes;
import mmrace.runtime.Ref;
import mmrace.runtime.Report;
import mmrace.runtime.Task;
import mmrace.runtime.Trace;

import java.util.ArrayList;
import java.util.List;

import static mmrace.port.MapleNode.MAPLE_LEAF_64;
import static mmrace.port.MapleNode.PIVOTS;
import static mmrace.port.MapleNode.P_PARENT;
import static mmrace.port.MapleNode.SLOTS;
import static mmrace.port.MapleNode.W_END;
import static mmrace.port.MapleNode.W_PARENT_SLOT;
import static mmrace.port.MapleNode.W_TYPE;

/**
 * struct maple_tree and lib/maple_tree.c: mm->mm_mt, the tree of VMAs, and the private tree of
 * detached VMAs munmap builds (mt_detach). A map from ranges [index, last] to entries (NULL: a
 * gap), made of {@link MapleNode}s and walked with a {@link MaState}.
 *
 * <p>Read at: lib/maple_tree.c is not stored at the port's commit (c17ee635); this follows the
 * stored 002ebb925e2fcf150b0e346a960060ea4789ff01 (ma_status, store_type), with two June 2025
 * fixes that commit predates: "maple_tree: restart walk on correct status" (mas_walk() walks on
 * from the node of an active state instead of always restarting) and "maple_tree: Fix status
 * setup on restore to active" (mas_may_activate). The first is why mm/mmap_lock.c at c17ee635
 * resets the state before lock_vma_under_rcu retries.
 *
 * <p>mm_mt is in RCU mode (MT_FLAGS_USE_RCU): readers walk it under rcu_read_lock while a writer
 * holding mmap_lock for write changes it. A writer never changes a node a reader may be walking
 * except by single stores (wr_exact_fit, wr_slot_store); otherwise it builds new nodes, publishes
 * them with one rcu_assign_pointer into the parent's slot (or ma_root), marks the old ones dead
 * (parent pointing to itself) and frees them with call_rcu. A reader that sees a dead node
 * restarts from the root; a reader that kept a node past its RCU section reads freed memory.
 *
 * <p>model: a reader reads one node at one point (a visit of its RcuNode), and nodes have 4 slots
 * (see {@link MapleNode}). The read side is the kernel's. Of the write side, the store
 * classification (mas_wr_store_type) and the stores that touch one node (exact fit, slot store,
 * append, node store, new root, root expansion) are the kernel's; a split, rebalance or spanning
 * store is modelled as a rebuild: the lowest node whose range can take the new contents (with a
 * subtree of its height, 2 to 4 slots per node below the root, no node but the rightmost ending
 * in a NULL) gets a new subtree, published in one rcu_assign_pointer, and all its old nodes are
 * freed. The kernel reuses the children that did not change, so more nodes die here than there.
 * Stores always walk from the root (the kernel's preallocated stores resume from the state
 * mas_preallocate() left). No single-entry root (an entry at index 0 in ma_root) and no gap
 * tracking. In non-RCU mode (mt_detach) node stores copy-on-write too, and old nodes are freed at
 * once instead of being copied over.
 */
public final class MapleTree {
    static final long ULONG_MAX = -1L;
    /** MAPLE_NODE_SLOTS: the offset mas_start() leaves in a state that found no node. */
    static final int MAPLE_NODE_SLOTS = 31;
    /** mt_min_slots[] (model: a node other than the root keeps at least 2 slots, end >= 1). */
    static final int MT_MIN_SLOTS = 1;

    private static final Field MM_MT_ROOT = new Field("mm_mt.ma_root", true);
    private static final Field DETACH_ROOT = new Field("mt_detach.ma_root", true);

    static final int P_WALK_DEAD = Probes.register("mtree_range_walk: dead node (replaced under the walker), restart from the root");
    static final int P_WALK_ACTIVE = Probes.register("mas_walk: active state, walks on from the node it holds");
    static final int P_WALK_RESET = Probes.register("mas_walk: state reset (mas_set/mas_reset) after a walk, walks from the root");
    static final int P_LOOKUP_DEAD = Probes.register("mtree_lookup_walk: dead node, retry from the root");
    static final int P_NEXT_DEAD = Probes.register("mas_next_slot: dead node, mas_rewalk");
    static final int P_PREV_DEAD = Probes.register("mas_prev_slot: dead node, mas_rewalk");
    static final int P_FREED = Probes.register("mt_free_rcu: replaced node freed after its grace period");
    static final int P_EXACT_FIT = Probes.register("mas_wr_store_entry: wr_exact_fit, slot rewritten in place");
    static final int P_SLOT_STORE = Probes.register("mas_wr_store_entry: wr_slot_store, slot and pivot rewritten in place");
    static final int P_APPEND = Probes.register("mas_wr_store_entry: wr_append in place (non-RCU tree)");
    static final int P_NODE_STORE = Probes.register("mas_wr_store_entry: wr_node_store, node copied and replaced");
    static final int P_NEW_ROOT = Probes.register("mas_wr_store_entry: wr_new_root");
    static final int P_STORE_ROOT = Probes.register("mas_wr_store_entry: wr_store_root, empty tree gets a leaf");
    static final int P_SPANNING = Probes.register("mas_wr_store_entry: wr_spanning_store, subtree rebuilt");
    static final int P_SPLIT = Probes.register("mas_wr_store_entry: wr_split_store, subtree rebuilt");
    static final int P_REBALANCE = Probes.register("mas_wr_store_entry: wr_rebalance, subtree rebuilt");

    /** ma_root: the root node, or NULL for an empty tree. */
    final Ref<MapleNode> maRoot;
    /** MT_FLAGS_USE_RCU in ma_flags. */
    final boolean inRcu;

    /** mt_init_flags(&mm->mm_mt, MM_MT_FLAGS): RCU mode, locked by mmap_lock. */
    public MapleTree(KObject owner) {
        this(owner, true);
    }

    /** mt_init_flags(mt, inRcu ? MT_FLAGS_USE_RCU : 0); mt_detach is not in RCU mode. */
    public MapleTree(KObject owner, boolean inRcu) {
        this.maRoot = new Ref<>(owner, inRcu ? MM_MT_ROOT : DETACH_ROOT, null);
        this.inRcu = inRcu;
    }

    static boolean ult(long a, long b) {
        return Long.compareUnsigned(a, b) < 0;
    }

    static boolean ule(long a, long b) {
        return Long.compareUnsigned(a, b) <= 0;
    }

    static boolean uge(long a, long b) {
        return Long.compareUnsigned(a, b) >= 0;
    }

    // ------------------------------------------------------------ a node, as the last visit read it

    static long pivot(MapleNode n, int i) {
        return n.mem.word(i);
    }

    static Object slot(MapleNode n, int i) {
        return n.mem.ptr(i);
    }

    static boolean isLeaf(MapleNode n) {
        return n.mem.word(W_TYPE) == MAPLE_LEAF_64;
    }

    /** ma_dead_node(node): smp_rmb, then parent == node. */
    static boolean maDeadNode(MapleNode n) {
        return n.mem.ptr(P_PARENT) == n;
    }

    /** ma_is_root(node): the parent pointer is the tree (MA_ROOT_PARENT). */
    static boolean maIsRoot(MapleNode n) {
        return n.mem.ptr(P_PARENT) instanceof MapleTree;
    }

    /** ma_data_end(node, type, pivots, max): the last slot with data. */
    static int maDataEnd(MapleNode n, long max) {
        int offset = PIVOTS - 1;
        long p = pivot(n, offset);
        if (p == 0)
            return (int) n.mem.word(W_END); // ma_meta_end
        if (p == max)
            return offset;
        return PIVOTS;
    }

    /** mas_data_end(mas): ma_data_end of the state's node, visited now. */
    static int masDataEnd(MaState mas) {
        mas.node.mem.visit();
        if (maDeadNode(mas.node))
            return 0;
        return maDataEnd(mas.node, mas.max);
    }

    /** mas_safe_pivot(mas, pivots, piv, type). */
    static long masSafePivot(MaState mas, MapleNode n, int piv) {
        return piv >= PIVOTS ? mas.max : pivot(n, piv);
    }

    /** mas_safe_min(mas, pivots, offset). */
    static long masSafeMin(MaState mas, MapleNode n, int offset) {
        return offset != 0 ? pivot(n, offset - 1) + 1 : mas.min;
    }

    // ------------------------------------------------------------ include/linux/maple_tree.h

    /** mas_reset(mas): the next operation walks from the root. */
    static void masReset(MaState mas) {
        mas.status = MaState.Status.START;
    }

    /** __mas_set_range(mas, start, last). */
    static void __masSetRange(MaState mas, long start, long last) {
        mas.index = start;
        mas.last = last;
    }

    /** mas_set_range(mas, start, last). */
    static void masSetRange(MaState mas, long start, long last) {
        __masSetRange(mas, start, last);
        masReset(mas);
    }

    /** mas_set(mas, index). */
    public static void masSet(MaState mas, long index) {
        masSetRange(mas, index, index);
    }

    /** mas_pause(mas): the lock is about to be dropped; the next operation re-walks. */
    static void masPause(MaState mas) {
        mas.status = MaState.Status.PAUSE;
        mas.node = null;
    }

    // ------------------------------------------------------------ walking

    /** mas_root(mas): rcu_dereference_check(mas->tree->ma_root). */
    static MapleNode masRoot(MaState mas) {
        return mas.tree.maRoot.rcuDereference();
    }

    /**
     * mas_start(mas): from ma_start, load the root. model: the root's dead check (mte_dead_node,
     * goto retry) is left to the walk's first visit of the root, which finds the same and restarts
     * from the root the same way.
     */
    static void masStart(MaState mas) {
        if (mas.status != MaState.Status.START)
            return;
        mas.min = 0;
        mas.max = ULONG_MAX;
        mas.depth = 0;
        MapleNode root = masRoot(mas);
        if (root != null) { // tree with nodes
            mas.depth = 1;
            mas.status = MaState.Status.ACTIVE;
            mas.node = root;
            mas.offset = 0;
            return;
        }
        mas.node = null; // empty tree
        mas.status = MaState.Status.NONE;
        mas.offset = MAPLE_NODE_SLOTS;
    }

    /**
     * mtree_range_walk(mas): from mas->node down to the leaf slot holding mas->index, one visit
     * per node; the state gets the slot's range. A dead node resets the state (NULL, ma_start).
     */
    static Object mtreeRangeWalk(MaState mas) {
        MapleNode next = mas.node, last;
        long min = mas.min, max = mas.max, prevMin, prevMax;
        int offset, end;
        Object entry;
        boolean leaf;
        do {
            last = next;
            MapleNode node = next;
            node.mem.visit();
            leaf = isLeaf(node);
            end = maDataEnd(node, max);
            prevMin = min;
            prevMax = max;
            if (uge(pivot(node, 0), mas.index)) {
                offset = 0;
                max = pivot(node, 0);
            } else {
                offset = 1;
                while (offset < end) {
                    if (uge(pivot(node, offset), mas.index)) {
                        max = pivot(node, offset);
                        break;
                    }
                    offset++;
                }
                min = pivot(node, offset - 1) + 1;
            }
            entry = slot(node, offset);
            if (maDeadNode(node) || (!leaf && !(entry instanceof MapleNode))) {
                // dead_node (model: a child that is not a node can only come from freed memory)
                Probes.hit(P_WALK_DEAD);
                masReset(mas);
                return null;
            }
            if (!leaf)
                next = (MapleNode) entry;
        } while (!leaf);
        mas.end = end;
        mas.offset = offset;
        mas.index = min;
        mas.last = max;
        mas.min = prevMin;
        mas.max = prevMax;
        mas.node = last;
        return entry;
    }

    /** mas_state_walk(mas). */
    static Object masStateWalk(MaState mas) {
        masStart(mas);
        if (mas.status == MaState.Status.NONE)
            return null;
        return mtreeRangeWalk(mas);
    }

    /**
     * mas_walk(mas): the entry at mas->index (index and last become its range). An active state
     * walks on from the node it holds: the caller must still be in the RCU section (or hold the
     * lock) the node was found under, or have reset the state.
     */
    public static Object masWalk(MaState mas) {
        if (mas.status != MaState.Status.ACTIVE && mas.status != MaState.Status.START)
            mas.status = MaState.Status.START;
        else if (mas.status == MaState.Status.ACTIVE)
            Probes.hit(P_WALK_ACTIVE);
        else if (mas.node != null)
            Probes.hit(P_WALK_RESET);
        for (;;) { // retry:
            Object entry = masStateWalk(mas);
            if (mas.status == MaState.Status.START)
                continue;
            if (mas.status == MaState.Status.NONE) {
                mas.index = 0;
                mas.last = ULONG_MAX;
            }
            return entry;
        }
    }

    /** mtree_lookup_walk(mas): a lookup that keeps no state; NULL and ma_start on a dead node. */
    static Object mtreeLookupWalk(MaState mas) {
        MapleNode next = mas.node;
        Object entry;
        boolean leaf;
        do {
            MapleNode node = next;
            node.mem.visit();
            leaf = isLeaf(node);
            int offset = 0;
            do {
                if (uge(pivot(node, offset), mas.index))
                    break;
            } while (++offset < PIVOTS);
            entry = slot(node, offset);
            if (maDeadNode(node) || (!leaf && !(entry instanceof MapleNode))) {
                Probes.hit(P_LOOKUP_DEAD);
                masReset(mas);
                return null;
            }
            if (!leaf)
                next = (MapleNode) entry;
        } while (!leaf);
        return entry;
    }

    /** mtree_load(mt, index): the entry at index, looked up under rcu_read_lock. */
    public static Object mtreeLoad(MapleTree mt, long index) {
        Task t = Task.current();
        MaState mas = new MaState(mt, index, index);
        Object entry;
        t.kernel.rcu.readLock();
        for (;;) { // retry:
            masStart(mas);
            if (mas.status == MaState.Status.NONE) {
                entry = null;
                break;
            }
            entry = mtreeLookupWalk(mas);
            if (entry == null && mas.status == MaState.Status.START)
                continue;
            break;
        }
        t.kernel.rcu.readUnlock();
        return entry;
    }

    /**
     * mt_find(mt, &index, max): the first entry at or after index[0] starting at or before max,
     * under rcu_read_lock; index[0] moves past it.
     */
    public static Object mtFind(MapleTree mt, long[] index, long max) {
        Task t = Task.current();
        MaState mas = new MaState(mt, index[0], index[0]);
        if (Long.compareUnsigned(index[0], max) > 0)
            return null;
        t.kernel.rcu.readLock();
        Object entry;
        do { // retry:
            entry = masStateWalk(mas);
        } while (mas.status == MaState.Status.START);
        if (entry == null) {
            while (mas.status == MaState.Status.ACTIVE && ult(mas.last, max)) {
                entry = masNextSlot(mas, max, false);
                if (entry != null)
                    break;
            }
        }
        t.kernel.rcu.readUnlock();
        if (entry != null)
            index[0] = mas.last + 1;
        return entry;
    }

    /** mas_rewalk(mas, index). */
    static void masRewalk(MaState mas, long index) {
        do { // retry:
            masSet(mas, index);
            masStateWalk(mas);
        } while (mas.status == MaState.Status.START);
    }

    /** mas_rewalk_if_dead(mas, node, index). */
    static boolean masRewalkIfDead(MaState mas, MapleNode node, long index, int probe) {
        if (maDeadNode(node)) {
            Probes.hit(probe);
            masRewalk(mas, index);
            return true;
        }
        return false;
    }

    /** mas_ascend(mas): to the parent, with its min and max; true (1) on a dead node. */
    static boolean masAscend(MaState mas) {
        MapleNode aNode = mas.node;
        aNode.mem.visit();
        if (maIsRoot(aNode)) {
            mas.offset = 0;
            return false;
        }
        Object p = aNode.mem.ptr(P_PARENT);
        if (p == aNode || !(p instanceof MapleNode))
            return true;
        MapleNode pNode = (MapleNode) p;
        mas.offset = (int) aNode.mem.word(W_PARENT_SLOT);
        mas.node = pNode;
        pNode.mem.visit();
        if (maIsRoot(pNode)) {
            mas.max = ULONG_MAX;
            mas.min = 0;
            return false;
        }
        long min = 0, max = ULONG_MAX;
        boolean setMin = false, setMax = false;
        if (mas.offset == 0) {
            min = mas.min;
            setMin = true;
        }
        if (mas.max == ULONG_MAX)
            setMax = true;
        MapleNode pEnode = pNode;
        do {
            Object ap = pEnode.mem.ptr(P_PARENT);
            int aSlot = (int) pEnode.mem.word(W_PARENT_SLOT);
            if (!(ap instanceof MapleNode))
                return true;
            aNode = (MapleNode) ap;
            aNode.mem.visit();
            if (maDeadNode(aNode))
                return true;
            if (!setMin && aSlot != 0) {
                setMin = true;
                min = pivot(aNode, aSlot - 1) + 1;
            }
            if (!setMax && aSlot < PIVOTS) {
                setMax = true;
                max = pivot(aNode, aSlot);
            }
            if (maIsRoot(aNode))
                break;
            pEnode = aNode;
        } while (!setMin || !setMax);
        mas.max = max;
        mas.min = min;
        return false;
    }

    /** mas_prev_node(mas, min): the previous node at the same level; true (1) on a dead node. */
    static boolean masPrevNode(MaState mas, long min) {
        MapleNode node = mas.node;
        node.mem.visit();
        int offset;
        long max;
        noEntry:
        {
            if (mas.min == 0)
                break noEntry;
            max = mas.min - 1;
            if (ult(max, min))
                break noEntry;
            int level = 0;
            do {
                if (maIsRoot(node))
                    break noEntry;
                if (masAscend(mas)) // walk up
                    return true;
                offset = mas.offset;
                level++;
                node = mas.node;
            } while (offset == 0);
            offset--;
            while (level > 1) {
                level--;
                Object child = slot(node, offset);
                if (maDeadNode(node) || !(child instanceof MapleNode))
                    return true;
                mas.node = (MapleNode) child;
                node = mas.node;
                node.mem.visit();
                offset = maDataEnd(node, max);
                if (maDeadNode(node))
                    return true;
            }
            Object child = slot(node, offset);
            if (maDeadNode(node) || !(child instanceof MapleNode))
                return true;
            mas.node = (MapleNode) child;
            if (offset != 0)
                mas.min = pivot(node, offset - 1) + 1;
            mas.max = max;
            mas.offset = masDataEnd(mas);
            if (maDeadNode(mas.node))
                return true;
            mas.end = mas.offset;
            return false;
        }
        // no_entry:
        if (maDeadNode(node))
            return true;
        mas.status = MaState.Status.UNDERFLOW;
        return false;
    }

    /** mas_prev_slot(mas, min, empty): the entry (or, if empty, the range) before the state's. */
    static Object masPrevSlot(MaState mas, long min, boolean empty) {
        long savePoint = mas.index;
        retry:
        for (;;) {
            MapleNode node = mas.node;
            node.mem.visit();
            if (masRewalkIfDead(mas, node, savePoint, P_PREV_DEAD))
                continue;
            if (ule(mas.min, min)) {
                long pivot = masSafeMin(mas, node, mas.offset);
                if (ule(pivot, min)) {
                    mas.status = MaState.Status.UNDERFLOW;
                    return null;
                }
            }
            for (;;) { // again:
                if (mas.offset != 0) {
                    mas.offset--;
                    mas.last = mas.index - 1;
                    mas.index = masSafeMin(mas, node, mas.offset);
                } else {
                    if (ule(mas.index, min)) {
                        mas.status = MaState.Status.UNDERFLOW;
                        return null;
                    }
                    if (masPrevNode(mas, min)) {
                        masRewalk(mas, savePoint);
                        continue retry;
                    }
                    if (mas.status == MaState.Status.UNDERFLOW) // WARN_ON_ONCE
                        return null;
                    mas.last = mas.max;
                    node = mas.node;
                    node.mem.visit();
                    mas.index = masSafeMin(mas, node, mas.offset);
                }
                Object entry = slot(node, mas.offset);
                if (masRewalkIfDead(mas, node, savePoint, P_PREV_DEAD))
                    continue retry;
                if (entry != null)
                    return entry;
                if (!empty) {
                    if (ule(mas.index, min)) {
                        mas.status = MaState.Status.UNDERFLOW;
                        return null;
                    }
                    continue; // goto again
                }
                return null;
            }
        }
    }

    /**
     * mas_next_node(mas, node, max): the next node at the same level (node was visited by the
     * caller); true (1) on a dead node.
     */
    static boolean masNextNode(MaState mas, MapleNode node, long max) {
        overflow:
        {
            if (uge(mas.max, max))
                break overflow;
            long min = mas.max + 1;
            int level = 0, nodeEnd;
            do {
                if (maIsRoot(node))
                    break overflow;
                if (masAscend(mas)) // walk up
                    return true;
                level++;
                node = mas.node;
                nodeEnd = maDataEnd(node, mas.max);
                if (maDeadNode(node))
                    return true;
            } while (mas.offset == nodeEnd);
            mas.offset++;
            Object enode = slot(node, mas.offset);
            if (maDeadNode(node) || !(enode instanceof MapleNode))
                return true;
            if (level > 1)
                mas.offset = 0;
            while (level > 1) {
                level--;
                mas.node = (MapleNode) enode;
                node = mas.node;
                node.mem.visit();
                enode = slot(node, 0);
                if (maDeadNode(node) || !(enode instanceof MapleNode))
                    return true;
            }
            mas.max = masSafePivot(mas, node, mas.offset);
            MapleNode tmp = (MapleNode) enode;
            tmp.mem.visit();
            mas.end = maDataEnd(tmp, mas.max);
            if (maDeadNode(node))
                return true;
            mas.node = tmp;
            mas.min = min;
            return false;
        }
        // overflow:
        if (maDeadNode(node))
            return true;
        mas.status = MaState.Status.OVERFLOW;
        return false;
    }

    /** mas_next_slot(mas, max, empty): the entry (or, if empty, the range) after the state's. */
    static Object masNextSlot(MaState mas, long max, boolean empty) {
        long savePoint = mas.last;
        retry:
        for (;;) {
            MapleNode node = mas.node;
            node.mem.visit();
            if (masRewalkIfDead(mas, node, savePoint, P_NEXT_DEAD))
                continue;
            if (uge(mas.max, max)) {
                long pivot = mas.offset < mas.end ? pivot(node, mas.offset) : mas.max;
                if (uge(pivot, max)) { // was at the limit, next will extend beyond
                    mas.status = MaState.Status.OVERFLOW;
                    return null;
                }
            }
            boolean again;
            if (mas.offset < mas.end) {
                mas.index = pivot(node, mas.offset) + 1;
                again = true;
            } else {
                if (uge(mas.last, max)) {
                    mas.status = MaState.Status.OVERFLOW;
                    return null;
                }
                if (masNextNode(mas, node, max)) {
                    masRewalk(mas, savePoint);
                    continue;
                }
                if (mas.status == MaState.Status.OVERFLOW) // WARN_ON_ONCE
                    return null;
                mas.offset = 0;
                mas.index = mas.min;
                node = mas.node; // visited by mas_next_node
                mas.last = pivot(node, 0);
                again = false;
            }
            for (;;) {
                if (again) { // again:
                    mas.offset++;
                    mas.last = mas.offset < mas.end ? pivot(node, mas.offset) : mas.max;
                }
                Object entry = slot(node, mas.offset);
                if (masRewalkIfDead(mas, node, savePoint, P_NEXT_DEAD))
                    continue retry;
                if (entry != null)
                    return entry;
                if (!empty) {
                    if (uge(mas.last, max)) {
                        mas.status = MaState.Status.OVERFLOW;
                        return null;
                    }
                    mas.index = mas.last + 1;
                    again = true;
                    continue;
                }
                return null;
            }
        }
    }

    // ------------------------------------------------------------ the advanced API callers use

    /**
     * mas_may_activate(mas) ("maple_tree: Fix status setup on restore to active", June 2025, with
     * the mas_walk fix): back to ma_active only if the state still has a node whose range holds
     * index, else ma_start.
     */
    static void masMayActivate(MaState mas) {
        if (mas.node == null)
            mas.status = MaState.Status.START;
        else if (Long.compareUnsigned(mas.index, mas.max) > 0 || ult(mas.index, mas.min))
            mas.status = MaState.Status.START;
        else
            mas.status = MaState.Status.ACTIVE;
    }

    /** The answer of a mas_*_setup, or NOT_DONE when the caller must step to the next/previous slot. */
    private static final Object NOT_DONE = new Object();

    /** mas_find_setup(mas, max, &entry). model: no ma_root, no ma_error. */
    private static Object masFindSetup(MaState mas, long max) {
        Object entry = null;
        switch (mas.status) {
            case ACTIVE:
                if (ult(mas.last, max))
                    return NOT_DONE;
                return null;
            case START:
                break;
            case PAUSE:
                if (uge(mas.last, max))
                    return null;
                mas.index = ++mas.last;
                mas.status = MaState.Status.START;
                break;
            case NONE:
                if (uge(mas.last, max))
                    return null;
                mas.index = mas.last;
                mas.status = MaState.Status.START;
                break;
            case UNDERFLOW: // mas is pointing at entry before unable to go lower
                if (uge(mas.index, max)) {
                    mas.status = MaState.Status.OVERFLOW;
                    return null;
                }
                masMayActivate(mas);
                entry = masWalk(mas);
                if (entry != null)
                    return entry;
                break;
            case OVERFLOW:
                if (uge(mas.last, max))
                    return null;
                masMayActivate(mas);
                entry = masWalk(mas);
                if (entry != null)
                    return entry;
                break;
        }
        if (mas.status == MaState.Status.START) { // first run or continue
            if (Long.compareUnsigned(mas.index, max) > 0)
                return null;
            entry = masWalk(mas);
            if (entry != null)
                return entry;
        }
        if (mas.status == MaState.Status.NONE)
            return null;
        if (mas.index == max)
            return null;
        return NOT_DONE;
    }

    /** mas_find(mas, max): the entry at or after the state (first call), else the next one. */
    public static Object masFind(MaState mas, long max) {
        Object entry = masFindSetup(mas, max);
        if (entry != NOT_DONE)
            return entry;
        entry = masNextSlot(mas, max, false); // retries on dead nodes handled by mas_next_slot
        mas.status = MaState.Status.ACTIVE; // ignore overflow
        return entry;
    }

    /** mas_next_setup(mas, max, &entry). model: no ma_root, no ma_error. */
    private static Object masNextSetup(MaState mas, long max) {
        if (uge(mas.last, max)) {
            mas.status = MaState.Status.OVERFLOW;
            return null;
        }
        switch (mas.status) {
            case ACTIVE:
                return NOT_DONE;
            case NONE:
            case PAUSE:
                mas.status = MaState.Status.START;
                masWalk(mas); // retries on dead nodes handled by mas_walk
                break;
            case START:
                masWalk(mas);
                break;
            case OVERFLOW: // overflowed before, but the max changed
                masMayActivate(mas);
                break;
            case UNDERFLOW: { // the user expects the mas to be one before where it is
                masMayActivate(mas);
                Object entry = masWalk(mas);
                if (entry != null)
                    return entry;
                break;
            }
        }
        if (mas.status == MaState.Status.ACTIVE) // fast path
            return NOT_DONE;
        if (mas.status == MaState.Status.NONE)
            return null;
        return NOT_DONE;
    }

    /** mas_next(mas, max): the next entry. */
    public static Object masNext(MaState mas, long max) {
        Object entry = masNextSetup(mas, max);
        return entry != NOT_DONE ? entry : masNextSlot(mas, max, false);
    }

    /** mas_next_range(mas, max): the next range, entry or gap. */
    public static Object masNextRange(MaState mas, long max) {
        Object entry = masNextSetup(mas, max);
        return entry != NOT_DONE ? entry : masNextSlot(mas, max, true);
    }

    /** mas_prev_setup(mas, min, &entry). model: no ma_root (an empty tree stays ma_none), no ma_error. */
    private static Object masPrevSetup(MaState mas, long min) {
        if (ule(mas.index, min)) {
            mas.status = MaState.Status.UNDERFLOW;
            return null;
        }
        switch (mas.status) {
            case ACTIVE:
                return NOT_DONE;
            case START:
                break;
            case NONE:
            case PAUSE:
                mas.status = MaState.Status.START;
                break;
            case UNDERFLOW: // underflowed before but the min changed
                masMayActivate(mas);
                break;
            case OVERFLOW: { // user expects mas to be one after where it is
                masMayActivate(mas);
                Object entry = masWalk(mas);
                if (entry != null)
                    return entry;
                break;
            }
        }
        if (mas.status == MaState.Status.START)
            masWalk(mas);
        if (mas.status == MaState.Status.NONE) {
            if (mas.index != 0) // walked to out-of-range pointer?
                mas.index = mas.last = 0;
            return null;
        }
        return NOT_DONE;
    }

    /** mas_prev(mas, min): the previous entry. */
    public static Object masPrev(MaState mas, long min) {
        Object entry = masPrevSetup(mas, min);
        return entry != NOT_DONE ? entry : masPrevSlot(mas, min, false);
    }

    /** mas_prev_range(mas, min): the previous range, entry or gap. */
    public static Object masPrevRange(MaState mas, long min) {
        Object entry = masPrevSetup(mas, min);
        return entry != NOT_DONE ? entry : masPrevSlot(mas, min, true);
    }

    // ------------------------------------------------------------ stores

    /** struct ma_wr_state. */
    static final class MaWrState {
        final MaState mas;
        MapleNode node;
        long rMin, rMax;
        int offsetEnd;
        long endPiv;
        final Object entry;
        Object content;

        MaWrState(MaState mas, Object entry) { // MA_WR_STATE(name, mas, entry)
            this.mas = mas;
            this.entry = entry;
        }
    }

    /** enum store_type. */
    enum StoreType { NEW_ROOT, STORE_ROOT, EXACT_FIT, SPANNING_STORE, SPLIT_STORE, REBALANCE, APPEND, NODE_STORE, SLOT_STORE }

    /**
     * mas_preallocate(mas, entry, gfp): 0 or -ENOMEM (a test injects the failure at
     * "maple:prealloc"). model: a reservation; the nodes are taken from the cache by the store.
     */
    static int masPreallocate(MaState mas, Object entry) {
        Task t = Task.current();
        if (t.kernel.faults.shouldFail(t, "maple:prealloc")) {
            masReset(mas);
            return -Errno.ENOMEM;
        }
        mas.masFlags |= MaState.MA_STATE_PREALLOC;
        return 0;
    }

    /** mas_destroy(mas): drops the preallocation. */
    static void masDestroy(MaState mas) {
        mas.masFlags &= ~MaState.MA_STATE_PREALLOC;
    }

    /**
     * mas_store_gfp(mas, entry, gfp): 0, or -ENOMEM with the tree unchanged (model: the node
     * allocation fails where a test injected "maple", or the maple_node cache runs dry).
     */
    static int masStoreGfp(MaState mas, Object entry) {
        Task t = Task.current();
        if (t.kernel.faults.shouldFail(t, "maple")) {
            masDestroy(mas);
            return -Errno.ENOMEM;
        }
        int ret = masWrStore(mas, entry);
        masDestroy(mas);
        return ret;
    }

    /** mas_store_prealloc(mas, entry): a store that cannot fail (mas_preallocate reserved its nodes). */
    static void masStorePrealloc(MaState mas, Object entry) {
        Task t = Task.current();
        if ((mas.masFlags & MaState.MA_STATE_PREALLOC) == 0)
            t.kernel.reports.file(t, Report.Kind.BUG, "mas_store_prealloc without mas_preallocate",
                    "[" + Long.toHexString(mas.index) + "-" + Long.toHexString(mas.last) + "]");
        if (masWrStore(mas, entry) != 0) // MAS_WR_BUG_ON(&wr_mas, mas_is_err(mas))
            t.kernel.reports.file(t, Report.Kind.BUG, "mas_store_prealloc: no node for the store", mas.toString());
        masDestroy(mas);
    }

    /** mtree_store_range(mt, index, last, entry, GFP_KERNEL) == 0 (the caller holds the tree's lock). */
    public boolean store(long index, long last, Object entry) {
        return masStoreGfp(new MaState(this, index, last), entry) == 0;
    }

    /**
     * The store: mas_wr_prealloc_setup from the root, mas_wr_store_type, then mas_wr_store_entry.
     * 0, or -ENOMEM when a node could not be allocated (nothing changed).
     */
    static int masWrStore(MaState mas, Object entry) {
        MaWrState wr = new MaWrState(mas, entry);
        long index = mas.index, last = mas.last;
        masReset(mas); // model: every store walks from the root
        masStart(mas);
        StoreType type = masWrStoreType(wr);
        int newEnd = type == StoreType.STORE_ROOT || type == StoreType.SPANNING_STORE ? 0 : masWrNewEnd(wr);
        switch (type) {
            case NEW_ROOT:
                Probes.hit(P_NEW_ROOT);
                return masNewRoot(mas, entry);
            case STORE_ROOT:
                Probes.hit(P_STORE_ROOT);
                return masStoreRoot(mas, entry);
            case EXACT_FIT:
                Probes.hit(P_EXACT_FIT);
                mas.node.ptrs[mas.offset].rcuAssignPointer(entry);
                return 0;
            case APPEND:
                Probes.hit(P_APPEND);
                masWrAppend(wr, newEnd);
                return 0;
            case SLOT_STORE:
                Probes.hit(P_SLOT_STORE);
                masWrSlotStore(wr);
                return 0;
            case NODE_STORE:
                Probes.hit(P_NODE_STORE);
                return masWrNodeStore(wr, newEnd);
            case SPANNING_STORE:
                Probes.hit(P_SPANNING);
                break;
            case SPLIT_STORE:
                Probes.hit(P_SPLIT);
                break;
            case REBALANCE:
                Probes.hit(P_REBALANCE);
                break;
        }
        return MapleRebuild.rebuild(mas, index, last, entry);
    }

    /** mas_wr_store_type(wr_mas): walks to the leaf (or the node the store spans) and classifies. */
    static StoreType masWrStoreType(MaWrState wr) {
        MaState mas = wr.mas;
        if (mas.status == MaState.Status.NONE)
            return StoreType.STORE_ROOT;
        if (!masWrWalk(wr))
            return StoreType.SPANNING_STORE;
        // at this point, we are at the leaf node that needs to be altered
        masWrEndPiv(wr);
        if (wr.entry == null)
            masWrExtendNull(wr);
        if (wr.rMin == mas.index && wr.rMax == mas.last)
            return StoreType.EXACT_FIT;
        if (mas.index == 0 && mas.last == ULONG_MAX)
            return StoreType.NEW_ROOT;
        int newEnd = masWrNewEnd(wr);
        // potential spanning rebalance collapsing a node
        if (newEnd < MT_MIN_SLOTS) {
            if (!maIsRoot(mas.node))
                return StoreType.REBALANCE;
            return StoreType.NODE_STORE;
        }
        if (newEnd >= SLOTS)
            return StoreType.SPLIT_STORE;
        if (!mas.tree.inRcu && mas.offset == mas.end)
            return StoreType.APPEND;
        if (newEnd == mas.end && (!mas.tree.inRcu || wr.offsetEnd - mas.offset == 1))
            return StoreType.SLOT_STORE;
        return StoreType.NODE_STORE;
    }

    /** mas_wr_walk(wr_mas): false when the store spans nodes (mas stays at the spanning node). */
    static boolean masWrWalk(MaWrState wr) {
        MaState mas = wr.mas;
        for (;;) {
            masWrNodeWalk(wr); // mas_wr_walk_descend
            if (masIsSpanWr(wr))
                return false;
            wr.content = slot(mas.node, mas.offset);
            if (isLeaf(mas.node))
                return true;
            // mas_wr_walk_traverse
            mas.max = wr.rMax;
            mas.min = wr.rMin;
            mas.node = (MapleNode) wr.content;
            mas.offset = 0;
            mas.depth++;
        }
    }

    /** mas_wr_node_walk(wr_mas): the offset for mas->index in the (visited) node, and its range. */
    static void masWrNodeWalk(MaWrState wr) {
        MaState mas = wr.mas;
        wr.node = mas.node;
        wr.node.mem.visit();
        int count = mas.end = maDataEnd(wr.node, mas.max);
        int offset = mas.offset;
        while (offset < count && Long.compareUnsigned(mas.index, pivot(wr.node, offset)) > 0)
            offset++;
        wr.rMax = offset < count ? pivot(wr.node, offset) : mas.max;
        wr.rMin = masSafeMin(mas, wr.node, offset);
        wr.offsetEnd = mas.offset = offset;
    }

    /** mas_is_span_wr(wr_mas): the store ends beyond this slot (or writes NULL up to a node's end). */
    static boolean masIsSpanWr(MaWrState wr) {
        long max = wr.rMax, last = wr.mas.last;
        if (ult(last, max)) // contained in this pivot, fast path
            return false;
        if (isLeaf(wr.node)) {
            max = wr.mas.max;
            if (ult(last, max))
                return false;
        }
        if (last == max) {
            // the last entry of leaf node cannot be NULL unless it is the rightmost node
            if (wr.entry != null || last == ULONG_MAX)
                return false;
        }
        return true;
    }

    /** mas_wr_end_piv(wr_mas). */
    static void masWrEndPiv(MaWrState wr) {
        MaState mas = wr.mas;
        while (wr.offsetEnd < mas.end && Long.compareUnsigned(mas.last, pivot(wr.node, wr.offsetEnd)) > 0)
            wr.offsetEnd++;
        wr.endPiv = wr.offsetEnd < mas.end ? pivot(wr.node, wr.offsetEnd) : mas.max;
    }

    /** mas_wr_extend_null(wr_mas): a NULL store takes in the NULL ranges around it. */
    static void masWrExtendNull(MaWrState wr) {
        MaState mas = wr.mas;
        MapleNode n = wr.node;
        if (slot(n, wr.offsetEnd) == null) {
            mas.last = wr.endPiv; // if this one is null, the next and prev are not
        } else if (mas.last == wr.endPiv && mas.end != wr.offsetEnd && slot(n, wr.offsetEnd + 1) == null) {
            // check next slot(s) if we are overwriting the end
            wr.offsetEnd++;
            mas.last = wr.offsetEnd == mas.end ? mas.max : pivot(n, wr.offsetEnd);
            wr.endPiv = mas.last;
        }
        if (wr.content == null) {
            mas.index = wr.rMin;
        } else if (mas.index == wr.rMin && mas.offset != 0 && slot(n, mas.offset - 1) == null) {
            // check prev slot if we are overwriting the start
            mas.offset--;
            wr.rMin = mas.index = masSafeMin(mas, n, mas.offset);
            wr.rMax = pivot(n, mas.offset);
        }
    }

    /** mas_wr_new_end(wr_mas): the node's end after the store. */
    static int masWrNewEnd(MaWrState wr) {
        MaState mas = wr.mas;
        int newEnd = mas.end + 2;
        newEnd -= wr.offsetEnd - mas.offset;
        if (wr.rMin == mas.index)
            newEnd--;
        if (wr.endPiv == mas.last)
            newEnd--;
        return newEnd;
    }

    /** mas_wr_slot_store(wr_mas): the new range moves one boundary between two slots, in place. */
    static void masWrSlotStore(MaWrState wr) {
        MaState mas = wr.mas;
        MapleNode n = mas.node;
        int offset = mas.offset;
        if (wr.offsetEnd - offset == 1) {
            if (mas.index == wr.rMin) { // overwriting the range and a part of the next one
                n.ptrs[offset].rcuAssignPointer(wr.entry);
                n.words[offset].set(mas.last);
            } else { // overwriting a part of the range and the next one
                n.ptrs[offset + 1].rcuAssignPointer(wr.entry);
                n.words[offset].set(mas.index - 1);
                mas.offset++; // keep mas accurate
            }
        } else {
            if (mas.tree.inRcu) { // WARN_ON_ONCE(mt_in_rcu(mas->tree))
                Task t = Task.current();
                t.kernel.reports.file(t, Report.Kind.WARN, "mas_wr_slot_store: expanding in place in RCU mode", mas.toString());
            }
            // expand the range, only partially overwriting the previous and next ranges
            n.ptrs[offset + 1].rcuAssignPointer(wr.entry);
            n.words[offset].set(mas.index - 1);
            n.words[offset + 1].set(mas.last);
            mas.offset++; // keep mas accurate
        }
    }

    /** mas_wr_append(wr_mas, new_end): appends at the end of the node in place (non-RCU only). */
    static void masWrAppend(MaWrState wr, int newEnd) {
        MaState mas = wr.mas;
        MapleNode n = mas.node;
        int end = mas.end;
        if (newEnd < PIVOTS) {
            n.words[newEnd].set(end < PIVOTS ? pivot(n, end) : mas.max);
            n.words[W_END].set(newEnd); // ma_set_meta
        }
        if (newEnd == end + 1) {
            if (mas.last == wr.rMax) { // append to end of range
                n.ptrs[newEnd].rcuAssignPointer(wr.entry);
                n.words[end].set(mas.index - 1);
                mas.offset = newEnd;
            } else { // append to start of range
                n.ptrs[newEnd].rcuAssignPointer(wr.content);
                n.words[end].set(mas.last);
                n.ptrs[end].rcuAssignPointer(wr.entry);
            }
        } else { // append to the range without touching any boundaries
            n.ptrs[newEnd].rcuAssignPointer(wr.content);
            n.words[end + 1].set(mas.last);
            n.ptrs[end + 1].rcuAssignPointer(wr.entry);
            n.words[end].set(mas.index - 1);
            mas.offset = end + 1;
        }
        mas.end = newEnd;
    }

    /**
     * mas_wr_node_store(wr_mas, new_end): the leaf's new contents in a new node that replaces it
     * (mas_replace_node). -ENOMEM if the node cannot be allocated.
     */
    static int masWrNodeStore(MaWrState wr, int newEnd) {
        MaState mas = wr.mas;
        MapleNode old = mas.node;
        int offsetEnd = wr.offsetEnd;
        if (mas.last == wr.endPiv)
            offsetEnd++; // don't copy this offset
        long[] piv = new long[PIVOTS];
        Object[] slots = new Object[SLOTS];
        int offset = mas.offset;
        for (int i = 0; i < offset; i++) { // copy from start to insert point
            if (i < PIVOTS)
                piv[i] = pivot(old, i);
            slots[i] = slot(old, i);
        }
        if (ult(wr.rMin, mas.index)) { // handle insert of new range starting after old range
            slots[offset] = wr.content;
            piv[offset++] = mas.index - 1;
        }
        if (offset < PIVOTS) // store the new entry and range end
            piv[offset] = mas.last;
        slots[offset] = wr.entry;
        if (offsetEnd <= mas.end) { // copy to the end of node if necessary
            int dst = offset + 1, copy = mas.end - offsetEnd + 1;
            for (int i = 0; i < copy; i++) {
                slots[dst + i] = slot(old, offsetEnd + i);
                if (i < copy - 1)
                    piv[dst + i] = pivot(old, offsetEnd + i);
            }
            if (newEnd < PIVOTS)
                piv[newEnd] = mas.max;
        }
        MapleNode nu = mtAllocOne();
        if (nu == null)
            return -Errno.ENOMEM;
        nodeInit(nu, MAPLE_LEAF_64, piv, slots, newEnd, old.mem.ptr(P_PARENT), (int) old.mem.word(W_PARENT_SLOT));
        mas.node = nu;
        mas.offset = offset;
        masReplaceNode(mas, old);
        mas.end = newEnd;
        return 0;
    }

    /** mas_new_root(mas, entry): the store covers [0, ULONG_MAX]. */
    static int masNewRoot(MaState mas, Object entry) {
        MapleNode root = mas.tree.maRoot.get(); // mas_root_locked
        if (entry == null) {
            mas.depth = 0;
            mas.tree.maRoot.rcuAssignPointer(null);
            mas.status = MaState.Status.START;
            mas.node = null;
        } else {
            MapleNode node = mtAllocOne();
            if (node == null)
                return -Errno.ENOMEM;
            long[] piv = new long[PIVOTS];
            Object[] slots = new Object[SLOTS];
            slots[0] = entry;
            piv[0] = mas.last;
            nodeInit(node, MAPLE_LEAF_64, piv, slots, 0, mas.tree, 0);
            mas.node = node;
            mas.status = MaState.Status.ACTIVE;
            mas.offset = 0;
            mas.end = 0;
            mas.depth = 1;
            mas.tree.maRoot.rcuAssignPointer(node);
        }
        if (root != null)
            mteDestroyWalk(root, mas.tree);
        return 0;
    }

    /** mas_store_root(mas, entry): the tree is empty. model: no single-entry root. */
    static int masStoreRoot(MaState mas, Object entry) {
        if (entry == null)
            return 0;
        return masRootExpand(mas, entry);
    }

    /** mas_root_expand(mas, entry): the first leaf of an empty tree. */
    static int masRootExpand(MaState mas, Object entry) {
        MapleNode node = mtAllocOne();
        if (node == null)
            return -Errno.ENOMEM;
        long[] piv = new long[PIVOTS];
        Object[] slots = new Object[SLOTS];
        int slot = 0;
        if (mas.index != 0)
            piv[slot++] = mas.index - 1;
        slots[slot] = entry;
        mas.offset = slot;
        piv[slot] = mas.last;
        if (mas.last != ULONG_MAX)
            piv[++slot] = ULONG_MAX;
        nodeInit(node, MAPLE_LEAF_64, piv, slots, slot, mas.tree, 0);
        mas.node = node;
        mas.status = MaState.Status.ACTIVE;
        mas.depth = 1;
        mas.end = slot;
        mas.tree.maRoot.rcuAssignPointer(node); // swap the new root into the tree
        return 0;
    }

    // ------------------------------------------------------------ nodes in and out of the tree

    /** mt_alloc_one(gfp): a node from maple_node_cache, or null. */
    static MapleNode mtAllocOne() {
        return MapleNode.mapleNodeCache(Task.current().kernel).alloc();
    }

    /**
     * Fills a node that is not in the tree yet (mas_pop_node's memset, then the copy into it):
     * no points, nobody else can see it until it is published.
     */
    static void nodeInit(MapleNode n, long type, long[] piv, Object[] slots, int end, Object parent, int parentSlot) {
        for (int i = 0; i < PIVOTS; i++)
            n.words[i].poke(piv[i]);
        n.words[W_END].poke(end);
        n.words[W_TYPE].poke(type);
        n.words[W_PARENT_SLOT].poke(parentSlot);
        for (int i = 0; i < SLOTS; i++)
            n.ptrs[i].poke(slots[i]);
        n.ptrs[P_PARENT].poke(parent);
    }

    /**
     * mas_put_in_tree(mas, old) + mas_free(mas, old) (mas_replace_node): publish mas->node where
     * old was, mark old dead and free it (after a grace period in RCU mode).
     */
    static void masReplaceNode(MaState mas, MapleNode old) {
        MapleNode nu = mas.node;
        Object parent = nu.ptrs[P_PARENT].peek(); // set by us before publication
        if (parent instanceof MapleTree) {
            mas.tree.maRoot.rcuAssignPointer(nu);
        } else {
            int offset = (int) nu.words[W_PARENT_SLOT].peek();
            ((MapleNode) parent).ptrs[offset].rcuAssignPointer(nu);
        }
        Trace.note("mas_replace_node: %s replaces %s", nu, old);
        mteSetNodeDead(old);
        masFree(mas.tree, old);
    }

    /** mte_set_node_dead(mn): parent = the node itself, smp_wmb. */
    static void mteSetNodeDead(MapleNode n) {
        n.ptrs[P_PARENT].set(n);
        Barrier.smpWmb();
    }

    /**
     * mas_free(mas, used): ma_free_rcu in RCU mode, else (model: at once, where the kernel keeps
     * the node for reuse with mas_push_node) back to the cache.
     */
    static void masFree(MapleTree mt, MapleNode used) {
        Kernel k = Task.current().kernel;
        if (!mt.inRcu) {
            MapleNode.mapleNodeCache(k).free(used);
            return;
        }
        // ma_free_rcu(node): WARN_ON(node->parent != node); call_rcu(&node->rcu, mt_free_rcu)
        k.rcu.call(() -> mtFreeRcu(used), "mt_free_rcu(" + used.name() + ")");
    }

    /** mt_free_rcu(head): the RCU callback. */
    static void mtFreeRcu(MapleNode node) {
        Probes.hit(P_FREED);
        Trace.note("mt_free_rcu(%s)", node);
        MapleNode.mapleNodeCache(Task.current().kernel).free(node);
    }

    /**
     * mte_destroy_walk(enode, mt): every node of a subtree that left the tree, dead and freed
     * (after a grace period in RCU mode).
     */
    static void mteDestroyWalk(MapleNode enode, MapleTree mt) {
        List<MapleNode> nodes = new ArrayList<>();
        subtreeNodes(enode, nodes);
        freeDeadNodes(mt, nodes);
    }

    /**
     * Marks each node dead (mte_set_node_dead), then frees them: in RCU mode with one call_rcu
     * after which mt_free_walk frees them all, else at once.
     */
    static void freeDeadNodes(MapleTree mt, List<MapleNode> nodes) {
        for (MapleNode n : nodes)
            mteSetNodeDead(n);
        Kernel k = Task.current().kernel;
        if (!mt.inRcu) {
            for (MapleNode n : nodes)
                MapleNode.mapleNodeCache(k).free(n);
            return;
        }
        k.rcu.call(() -> {
            for (MapleNode n : nodes)
                mtFreeRcu(n);
        }, "mt_free_walk(" + nodes.get(0).name() + ")");
    }

    /** The nodes of a subtree, visited (writer side, under the tree's lock). */
    static void subtreeNodes(MapleNode n, List<MapleNode> out) {
        n.mem.visit();
        out.add(n);
        if (isLeaf(n))
            return;
        int end = (int) n.mem.word(W_END);
        List<MapleNode> kids = new ArrayList<>(end + 1);
        for (int i = 0; i <= end && i < SLOTS; i++)
            if (slot(n, i) instanceof MapleNode c)
                kids.add(c);
        for (MapleNode c : kids)
            subtreeNodes(c, out);
    }

    /** __mt_destroy(mt): empty the tree and free its nodes (the caller holds its lock). */
    static void __mtDestroy(MapleTree mt) {
        MapleNode root = mt.maRoot.get(); // mt_root_locked
        mt.maRoot.rcuAssignPointer(null);
        if (root != null)
            mteDestroyWalk(root, mt);
    }

    // ------------------------------------------------------------ a new mm's tree (fork, exit)

    /** mt_init_flags(&mm->mm_mt, MM_MT_FLAGS): an empty tree (a new mm's mm_mt; the mm is not shared yet). */
    public void mtInit() {
        maRoot.set(null);
    }

    /**
     * __mt_dup(mt, new, gfp) (mas_dup_build): {@code nu} becomes a copy of {@code mt}, node for
     * node, the same entries in the same slots (dup_mmap then replaces each entry in place). 0, or
     * -ENOMEM with {@code nu} left empty and the nodes it got freed (mas_dup_free): a test injects
     * the failure at "maple", or the maple_node cache runs dry. The caller holds both trees' locks;
     * nobody else can see {@code nu} until its root is published.
     * The copy is built in DFS preorder, as mas_dup_build builds it. model: a node's copy is
     * allocated when it is made (mas_dup_alloc allocates all the children of a node at once, so
     * an injected failure may leave a different number of nodes to free); each source node is
     * read at one point, as a writer's walk reads it; the copies are filled before they are
     * published, with no points. Read at lib/maple_tree.c as the class names (its __mt_dup,
     * mas_dup_build, mas_dup_free).
     */
    public static int __mtDup(MapleTree mt, MapleTree nu) {
        Task t = Task.current();
        if (t.kernel.faults.shouldFail(t, "maple"))
            return -Errno.ENOMEM;
        MapleNode root = mt.maRoot.get(); // mas_start(mas)
        MapleNode copy = null;
        if (root != null) {
            List<MapleNode> made = new ArrayList<>();
            copy = masDupNode(root, nu, 0, made);
            if (copy == null) {
                for (MapleNode n : made) // mas_dup_free(new_mas)
                    MapleNode.mapleNodeCache(t.kernel).free(n);
                return -Errno.ENOMEM;
            }
        }
        // set_new_tree: the root's parent is the tree; rcu_assign_pointer(new_mas->tree->ma_root, root)
        nu.maRoot.rcuAssignPointer(copy);
        return 0;
    }

    /**
     * mas_copy_node(mas, new_mas, parent) for {@code src}, then (mas_dup_alloc) the copies of its
     * children in its slots; null if a node could not be allocated.
     */
    private static MapleNode masDupNode(MapleNode src, Object parent, int parentSlot, List<MapleNode> made) {
        MapleNode n = mtAllocOne();
        if (n == null)
            return null;
        made.add(n);
        src.mem.visit();
        long[] piv = new long[PIVOTS];
        Object[] slots = new Object[SLOTS];
        for (int i = 0; i < PIVOTS; i++)
            piv[i] = src.mem.word(i);
        for (int i = 0; i < SLOTS; i++)
            slots[i] = src.mem.ptr(i);
        long type = src.mem.word(W_TYPE);
        int end = (int) src.mem.word(W_END);
        if (type != MAPLE_LEAF_64) {
            for (int i = 0; i <= end && i < SLOTS; i++) {
                if (!(slots[i] instanceof MapleNode child))
                    continue;
                MapleNode c = masDupNode(child, n, i, made);
                if (c == null)
                    return null;
                slots[i] = c;
            }
        }
        nodeInit(n, type, piv, slots, end, parent, parentSlot);
        return n;
    }

    /** __mt_destroy(&mm->mm_mt): every entry dropped and every node freed (exit_mmap, a failed dup_mmap). */
    public void mtDestroy() {
        __mtDestroy(this);
    }

    // ------------------------------------------------------------ point-free views (oracle, tests)

    /**
     * A flat snapshot of the tree's entries in address order, taken with no points (not a struct
     * maple_node: those are {@link MapleNode}). For sanitizers, the oracle, set-up and tests.
     */
    public static final class Node {
        final long[] index, last;
        final Object[] entry;

        Node(long[] index, long[] last, Object[] entry) {
            this.index = index;
            this.last = last;
            this.entry = entry;
        }

        public int size() {
            return index.length;
        }

        public long index(int i) {
            return index[i];
        }

        public long last(int i) {
            return last[i];
        }

        public Object entry(int i) {
            return entry[i];
        }
    }

    /** The entries and their ranges, read with no points: for sanitizers, the oracle and set-up. */
    public Node peek() {
        List<long[]> ranges = new ArrayList<>();
        List<Object> entries = new ArrayList<>();
        MapleNode root = maRoot.peek();
        if (root != null)
            peekNode(root, 0, ULONG_MAX, ranges, entries);
        int n = ranges.size();
        long[] ix = new long[n], ls = new long[n];
        for (int i = 0; i < n; i++) {
            ix[i] = ranges.get(i)[0];
            ls[i] = ranges.get(i)[1];
        }
        return new Node(ix, ls, entries.toArray());
    }

    private static void peekNode(MapleNode n, long min, long max, List<long[]> ranges, List<Object> entries) {
        boolean leaf = n.words[W_TYPE].peek() == MAPLE_LEAF_64;
        long[] piv = new long[PIVOTS];
        for (int i = 0; i < PIVOTS; i++)
            piv[i] = n.words[i].peek();
        int end = peekDataEnd(n, piv, max);
        long lo = min;
        for (int i = 0; i <= end; i++) {
            long hi = i < PIVOTS && i < end ? piv[i] : max;
            Object s = n.ptrs[i].peek();
            if (leaf) {
                if (s != null) {
                    ranges.add(new long[] {lo, hi});
                    entries.add(s);
                }
            } else if (s instanceof MapleNode c) {
                peekNode(c, lo, hi, ranges, entries);
            }
            lo = hi + 1;
        }
    }

    private static int peekDataEnd(MapleNode n, long[] piv, long max) {
        long p = piv[PIVOTS - 1];
        if (p == 0)
            return (int) n.words[W_END].peek();
        if (p == max)
            return PIVOTS - 1;
        return PIVOTS;
    }

    /** How many nodes the tree is made of, counted with no points: for sanitizers and tests. */
    public int peekNodes() {
        MapleNode root = maRoot.peek();
        return root == null ? 0 : peekNodes(root);
    }

    private static int peekNodes(MapleNode n) {
        if (n.words[W_TYPE].peek() == MAPLE_LEAF_64)
            return 1;
        int count = 1, end = (int) n.words[W_END].peek();
        for (int i = 0; i <= end; i++)
            count += peekNodes((MapleNode) n.ptrs[i].peek());
        return count;
    }

    /** The tree's height (1 for a single leaf, 0 when empty), with no points: for tests. */
    public int peekHeight() {
        int h = 0;
        for (MapleNode n = maRoot.peek(); n != null; h++)
            n = n.words[W_TYPE].peek() == MAPLE_LEAF_64 ? null : (MapleNode) n.ptrs[0].peek();
        return h;
    }

    /**
     * mas_find(mas, max) from a state set at {@code from}: the first entry whose range ends at or
     * after from and starts at or before max; {@code lastOut[0]} gets the end of its range, so the
     * next call continues at lastOut[0] + 1 (free_pgtables' walk of unmap->mas).
     * model: a new state per call, walked from the root.
     */
    public Object find(long from, long max, long[] lastOut) {
        MaState mas = new MaState(this, from, from);
        Object e = masFind(mas, max);
        if (e != null)
            lastOut[0] = mas.last;
        return e;
    }
}
