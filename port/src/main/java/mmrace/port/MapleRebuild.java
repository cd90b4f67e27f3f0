package mmrace.port;

import mmrace.runtime.Errno;
import mmrace.runtime.Task;
import mmrace.runtime.Trace;

import java.util.ArrayList;
import java.util.List;

import static mmrace.port.MapleNode.MAPLE_LEAF_64;
import static mmrace.port.MapleNode.MAPLE_RANGE_64;
import static mmrace.port.MapleNode.PIVOTS;
import static mmrace.port.MapleNode.P_PARENT;
import static mmrace.port.MapleNode.SLOTS;
import static mmrace.port.MapleNode.W_PARENT_SLOT;
import static mmrace.port.MapleTree.ULONG_MAX;

/**
 * Not a kernel file: the model of the stores of lib/maple_tree.c (as read at the stored
 * 002ebb925e2fcf150b0e346a960060ea4789ff01, see {@link MapleTree}) that change the shape of the
 * tree (mas_wr_spanning_store, mas_split, mas_rebalance with mas_spanning_rebalance and
 * mas_topiary_replace). The kernel builds the new nodes bottom-up in a maple_big_node, pushes
 * data to neighbours, reuses untouched children (adopting them) and swaps the new subtree in with
 * one rcu_assign_pointer. The model keeps the swap and the freeing and simplifies the building:
 * starting at the node the store spans (or the leaf that over- or under-flows), it takes the
 * lowest node A whose range can hold the new contents in a subtree of A's height (2 to 4 slots
 * per node below the root; no node but the rightmost ends in a NULL, so a NULL never borders a
 * NULL in the next node), builds that whole subtree anew, publishes it where A was, and frees all
 * of A's old nodes: readers still inside A see the old contents until their grace period ends.
 */
public final class MapleRebuild {
    private MapleRebuild() {}

    /** The ranges a subtree holds, in order, with the subtree's nodes and height. */
    private static final class Contents {
        final List<long[]> ranges = new ArrayList<>();
        final List<Object> entries = new ArrayList<>();
        final List<MapleNode> nodes = new ArrayList<>();
        int height;
        /** The top node's parent pointer and parent slot, as its visit read them. */
        Object parent;
        int parentSlot;
    }

    /**
     * The store of [index, last] -> entry, from the node {@code mas} stopped at. 0, or -ENOMEM
     * (nothing changed). The state ends at the slot holding index, as mtree_range_walk leaves it.
     */
    static int rebuild(MaState mas, long index, long last, Object entry) {
        MaState a = new MaState(mas.tree, index, last);
        a.node = mas.node;
        a.min = mas.min;
        a.max = mas.max;
        a.status = MaState.Status.ACTIVE;
        for (;;) {
            Contents c = new Contents();
            c.height = collect(a.node, a.min, a.max, c);
            boolean root = c.parent instanceof MapleTree;
            List<long[]> ranges = new ArrayList<>();
            List<Object> entries = new ArrayList<>();
            long lo = MapleTree.ult(index, a.min) ? a.min : index, hi = MapleTree.ult(a.max, last) ? a.max : last;
            overlay(c, lo, hi, entry, ranges, entries);
            int[][] plan = plan(entries, root ? 0 : c.height, a.max == ULONG_MAX);
            if (plan != null)
                return replace(mas, c, ranges, entries, plan, index, last);
            if (root || MapleTree.masAscend(a)) // the root always fits; a writer never sees a dead node
                throw new IllegalStateException("maple tree rebuild found no place for " + mas);
        }
    }

    /** The ranges of the subtree at n (visiting each node), its nodes and its height. */
    private static int collect(MapleNode n, long min, long max, Contents c) {
        n.mem.visit();
        if (c.nodes.isEmpty()) {
            c.parent = n.mem.ptr(P_PARENT);
            c.parentSlot = (int) n.mem.word(W_PARENT_SLOT);
        }
        c.nodes.add(n);
        boolean leaf = MapleTree.isLeaf(n);
        int end = MapleTree.maDataEnd(n, max);
        long[] piv = new long[PIVOTS];
        Object[] slots = new Object[SLOTS];
        for (int i = 0; i < PIVOTS; i++)
            piv[i] = MapleTree.pivot(n, i);
        for (int i = 0; i < SLOTS; i++)
            slots[i] = MapleTree.slot(n, i);
        int height = 1;
        long lo = min;
        for (int i = 0; i <= end; i++) {
            long hi = i < end ? piv[i] : max;
            if (leaf) {
                c.ranges.add(new long[] {lo, hi});
                c.entries.add(slots[i]);
            } else {
                height = 1 + collect((MapleNode) slots[i], lo, hi, c);
            }
            lo = hi + 1;
        }
        return height;
    }

    /** The contents with [index, last] -> entry written over them, adjacent NULL ranges merged. */
    private static void overlay(Contents c, long index, long last, Object entry, List<long[]> ranges, List<Object> entries) {
        boolean placed = false;
        for (int i = 0; i < c.ranges.size(); i++) {
            long lo = c.ranges.get(i)[0], hi = c.ranges.get(i)[1];
            Object e = c.entries.get(i);
            if (MapleTree.ult(hi, index) || MapleTree.ult(last, lo)) {
                add(ranges, entries, lo, hi, e);
                continue;
            }
            if (MapleTree.ult(lo, index))
                add(ranges, entries, lo, index - 1, e);
            if (!placed) {
                add(ranges, entries, index, last, entry);
                placed = true;
            }
            if (MapleTree.ult(last, hi))
                add(ranges, entries, last + 1, hi, e);
        }
    }

    private static void add(List<long[]> ranges, List<Object> entries, long lo, long hi, Object e) {
        int n = entries.size();
        if (e == null && n > 0 && entries.get(n - 1) == null) {
            ranges.get(n - 1)[1] = hi;
            return;
        }
        ranges.add(new long[] {lo, hi});
        entries.add(e);
    }

    /**
     * How to lay the ranges out: the slot counts of each level's nodes, leaves first, or null if
     * they do not fit a subtree of that height. {@code height} 0: the root, any height.
     */
    private static int[][] plan(List<Object> entries, int height, boolean rightmost) {
        int n = entries.size();
        if (height == 0 && n == 1 && entries.get(0) == null)
            return new int[0][]; // the tree is empty again
        if (height != 0 && entries.get(n - 1) == null && !rightmost)
            return null; // a node other than the rightmost may not end in a NULL
        // can[i][k]: ranges [i, n) split into k leaves, each of 2..SLOTS ranges ending in an entry
        int maxLeaves = n / 2;
        boolean[][] can = new boolean[n + 1][maxLeaves + 1];
        can[n][0] = true;
        for (int i = n - 2; i >= 0; i--)
            for (int s = 2; s <= SLOTS && i + s <= n; s++)
                if (endOk(entries, i + s, rightmost))
                    for (int k = 1, kmax = (n - i) / 2; k <= kmax; k++)
                        can[i][k] |= can[i + s][k - 1];
        for (int h = height == 0 ? 1 : height; h <= (height == 0 ? 32 : height); h++) {
            if (h == 1) {
                int min = height == 0 ? 1 : 2;
                if (n >= min && n <= SLOTS && endOk(entries, n, rightmost))
                    return new int[][] {{n}};
                continue;
            }
            long lo = 1L << (h - 1), hi = pow4(h - 1);
            for (int m = (int) Math.min(lo, n + 1); m <= Math.min(hi, maxLeaves); m++)
                if (m >= lo && can[0][m])
                    return levels(entries, rightmost, can, m, h);
        }
        return null;
    }

    private static long pow4(int e) {
        return e >= 31 ? Long.MAX_VALUE : 1L << (2 * e);
    }

    private static boolean endOk(List<Object> entries, int j, boolean rightmost) {
        return entries.get(j - 1) != null || (j == entries.size() && rightmost);
    }

    /** The leaves (m of them, sizes as even as the NULL rule allows), then the internal levels. */
    private static int[][] levels(List<Object> entries, boolean rightmost, boolean[][] can, int m, int h) {
        int n = entries.size();
        int[][] lv = new int[h][];
        lv[0] = new int[m];
        for (int i = 0, k = m, leaf = 0; k > 0; leaf++, k--) {
            int target = (n - i + k - 1) / k;
            int size = 0;
            for (int d = 0; d <= SLOTS && size == 0; d++)
                for (int s : new int[] {target + d, target - d})
                    if (size == 0 && s >= 2 && s <= SLOTS && i + s <= n && endOk(entries, i + s, rightmost) && can[i + s][k - 1])
                        size = s;
            lv[0][leaf] = size;
            i += size;
        }
        int count = m;
        for (int l = 1; l < h; l++) {
            int groups = (int) Math.max((count + SLOTS - 1) / SLOTS, 1L << (h - 1 - l));
            lv[l] = new int[groups];
            for (int g = 0; g < groups; g++)
                lv[l][g] = count / groups + (g < count % groups ? 1 : 0);
            count = groups;
        }
        return lv;
    }

    /** Builds the planned subtree, swaps it in where a.node was, frees the old nodes. */
    private static int replace(MaState mas, Contents old, List<long[]> ranges, List<Object> entries,
                               int[][] plan, long index, long last) {
        MapleTree mt = mas.tree;
        Object parent = old.parent;
        int parentSlot = old.parentSlot;
        int total = 0;
        for (int[] l : plan)
            total += l.length;
        MapleNode[] fresh = new MapleNode[total];
        for (int i = 0; i < total; i++) {
            fresh[i] = MapleTree.mtAllocOne();
            if (fresh[i] == null) {
                for (int j = 0; j < i; j++)
                    MapleNode.mapleNodeCache(Task.current().kernel).free(fresh[j]);
                return -Errno.ENOMEM;
            }
        }
        MapleNode top = plan.length == 0 ? null : build(fresh, ranges, entries, plan, parent, parentSlot);
        // mas_put_in_tree: the new subtree in one store, then the old nodes dead and freed
        if (parent instanceof MapleNode p)
            p.ptrs[parentSlot].rcuAssignPointer(top);
        else
            mt.maRoot.rcuAssignPointer(top);
        Trace.note("maple tree: %s and the %d node(s) below it replaced by a new subtree of %d", old.nodes.get(0),
                old.nodes.size() - 1, total);
        MapleTree.freeDeadNodes(mt, old.nodes);
        // mtree_range_walk(mas): the state at the slot holding index
        MapleTree.masSetRange(mas, index, index);
        if (top == null) {
            mas.node = null;
            mas.last = last;
            return 0;
        }
        do {
            MapleTree.masStateWalk(mas);
        } while (mas.status == MaState.Status.START);
        return 0;
    }

    /** Fills the fresh nodes level by level (no points: nobody sees them yet); returns the top. */
    private static MapleNode build(MapleNode[] fresh, List<long[]> ranges, List<Object> entries, int[][] plan,
                                   Object parent, int parentSlot) {
        int next = 0, r = 0;
        MapleNode[] below = null;
        long[] belowMax = null;
        for (int l = 0; l < plan.length; l++) {
            int[] sizes = plan[l];
            MapleNode[] level = new MapleNode[sizes.length];
            long[] levelMax = new long[sizes.length];
            int child = 0;
            for (int g = 0; g < sizes.length; g++) {
                MapleNode node = fresh[next++];
                long[] piv = new long[PIVOTS];
                Object[] slots = new Object[SLOTS];
                for (int i = 0; i < sizes[g]; i++) {
                    long hi;
                    if (l == 0) {
                        slots[i] = entries.get(r);
                        hi = ranges.get(r++)[1];
                    } else {
                        slots[i] = below[child];
                        hi = belowMax[child];
                        below[child].words[W_PARENT_SLOT].poke(i);
                        below[child++].ptrs[P_PARENT].poke(node);
                    }
                    if (i < PIVOTS)
                        piv[i] = hi;
                    levelMax[g] = hi;
                }
                MapleTree.nodeInit(node, l == 0 ? MAPLE_LEAF_64 : MAPLE_RANGE_64, piv, slots, sizes[g] - 1, null, 0);
                level[g] = node;
            }
            below = level;
            belowMax = levelMax;
        }
        MapleNode top = below[0];
        top.ptrs[P_PARENT].poke(parent);
        top.words[W_PARENT_SLOT].poke(parentSlot);
        return top;
    }
}
