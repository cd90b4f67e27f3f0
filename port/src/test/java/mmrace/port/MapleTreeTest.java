package mmrace.port;

import mmrace.runtime.Kernel;
import mmrace.runtime.Task;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static mmrace.port.MapleNode.MAPLE_LEAF_64;
import static mmrace.port.MapleNode.PIVOTS;
import static mmrace.port.MapleNode.P_PARENT;
import static mmrace.port.MapleNode.SLOTS;
import static mmrace.port.MapleNode.W_END;
import static mmrace.port.MapleNode.W_PARENT_SLOT;
import static mmrace.port.MapleNode.W_TYPE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The maple tree (lib/maple_tree.c) single-threaded, as a map: after every store of a seeded
 * random sequence (entries and NULL erases over ranges that overlap, split and merge the ones
 * there), the tree holds exactly what a simple reference map of addresses holds, each lookup
 * (mas_walk, mtree_load, mt_find) and each cursor step (mas_find forwards, mas_prev backwards)
 * answers as the reference does, the nodes keep the maple tree's shape rules, and every node
 * that left the tree went back to the maple_node cache once its grace period ended. Run on an
 * RCU tree (mm_mt) and a non-RCU one (mt_detach, whose stores append and rewrite in place).
 */
class MapleTreeTest {
    /** Addresses are pages 1..PAGES; the reference holds one entry (or null) per page. */
    static final int PAGES = 48;
    static final long P = 0x1000;

    final Kernel k = new Kernel();
    final Task t = k.enter("t0");

    @AfterEach
    void tearDown() {
        Task.unbind();
    }

    @Test
    void randomStoresMatchAReferenceMapInRcuMode() {
        for (int seed = 1; seed <= 40; seed++)
            randomStores(new MapleTree(null, true), seed);
    }

    @Test
    void randomStoresMatchAReferenceMapInNonRcuMode() {
        for (int seed = 1; seed <= 40; seed++)
            randomStores(new MapleTree(null, false), seed);
    }

    /** mt_detach's use: VMAs stored at 0, 1, 2, ... (appends), then read back and destroyed. */
    @Test
    void detachedTreeOfConsecutiveIndexes() {
        MapleTree mt = new MapleTree(null, false);
        List<Object> vmas = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Object v = "vma" + i;
            vmas.add(v);
            MaState mas = new MaState(mt, i, i); // mas_set(mas_detach, vms->vma_count++)
            assertEquals(0, MapleTree.masStoreGfp(mas, v));
        }
        MaState mas = new MaState(mt, 0, 0);
        List<Object> got = new ArrayList<>();
        for (Object v; (v = MapleTree.masFind(mas, MapleTree.ULONG_MAX)) != null; )
            got.add(v);
        assertEquals(vmas, got, "mas_for_each returns the VMAs in the order they were stored");
        assertTrue(mt.peekHeight() >= 3, "20 entries make a three-level tree at 4 slots per node");
        MapleTree.__mtDestroy(mt);
        assertEquals(0, mt.peek().size());
        assertEquals(0, MapleNode.mapleNodeCache(k).live(), "__mt_destroy frees every node of a non-RCU tree at once");
        assertTrue(k.reports.isEmpty(), k.reports.all().toString());
    }

    private void randomStores(MapleTree mt, int seed) {
        Random rng = new Random(seed);
        Object[] ref = new Object[PAGES + 2];
        int names = 0;
        for (int op = 0; op < 150; op++) {
            int a = 1 + rng.nextInt(PAGES), len = 1 + rng.nextInt(rng.nextInt(4) == 0 ? 12 : 3);
            int b = Math.min(PAGES, a + len - 1);
            Object e = rng.nextInt(3) == 0 ? null : "e" + names++;
            boolean ok = mt.store(a * P, (b + 1) * P - 1, e);
            assertTrue(ok, "seed " + seed + " op " + op);
            for (int i = a; i <= b; i++)
                ref[i] = e;
            check(mt, ref, rng, "seed " + seed + " op " + op);
        }
        k.rcu.barrier();
        assertEquals(liveNodes(mt), MapleNode.mapleNodeCache(k).live(), "nodes out of the tree were freed");
        MapleTree.__mtDestroy(mt);
        k.rcu.barrier();
        assertEquals(0, MapleNode.mapleNodeCache(k).live(), "__mt_destroy freed every node");
        assertTrue(k.reports.isEmpty(), k.reports.all().toString());
    }

    /** The tree against the reference, through the snapshot, lookups and cursor walks, and its shape. */
    private void check(MapleTree mt, Object[] ref, Random rng, String where) {
        // the snapshot: maximal runs of one entry
        MapleTree.Node n = mt.peek();
        List<String> want = new ArrayList<>(), got = new ArrayList<>();
        for (int i = 1; i <= PAGES; ) {
            int j = i;
            while (j + 1 <= PAGES && ref[j + 1] == ref[i])
                j++;
            if (ref[i] != null)
                want.add(Long.toHexString(i * P) + "-" + Long.toHexString((j + 1) * P - 1) + "=" + ref[i]);
            i = j + 1;
        }
        for (int i = 0; i < n.size(); i++)
            got.add(Long.toHexString(n.index(i)) + "-" + Long.toHexString(n.last(i)) + "=" + n.entry(i));
        assertEquals(want, got, where + ": contents");
        shape(mt, where);
        // lookups
        for (int q = 0; q < 6; q++) {
            int i = rng.nextInt(PAGES + 2);
            long addr = i * P + rng.nextInt((int) P);
            assertSame(ref[i], MapleTree.mtreeLoad(mt, addr), where + ": mtree_load " + Long.toHexString(addr));
            MaState mas = new MaState(mt, addr, addr);
            assertSame(ref[i], MapleTree.masWalk(mas), where + ": mas_walk " + Long.toHexString(addr));
            long[] index = {addr};
            int f = i;
            while (f <= PAGES && ref[f] == null)
                f++;
            Object first = f <= PAGES ? ref[f] : null;
            assertSame(first, MapleTree.mtFind(mt, index, MapleTree.ULONG_MAX), where + ": mt_find " + Long.toHexString(addr));
        }
        // mas_find from a random start to the end, then mas_prev back to the start
        int from = rng.nextInt(PAGES + 1);
        MaState mas = new MaState(mt, from * P, from * P);
        List<Object> fwd = new ArrayList<>(), wantFwd = new ArrayList<>();
        for (Object e; (e = MapleTree.masFind(mas, MapleTree.ULONG_MAX)) != null; )
            fwd.add(e);
        for (int i = Math.max(from, 1); i <= PAGES; i++)
            if (ref[i] != null && (i == Math.max(from, 1) || ref[i] != ref[i - 1]))
                wantFwd.add(ref[i]);
        assertEquals(wantFwd, fwd, where + ": mas_find from page " + from);
        MaState back = new MaState(mt, (PAGES + 1) * P, (PAGES + 1) * P);
        List<Object> rev = new ArrayList<>(), wantRev = new ArrayList<>();
        for (Object e; (e = MapleTree.masPrev(back, 0)) != null; )
            rev.add(e);
        for (int i = PAGES; i >= 1; i--)
            if (ref[i] != null && (i == PAGES || ref[i] != ref[i + 1]))
                wantRev.add(ref[i]);
        assertEquals(wantRev, rev, where + ": mas_prev from the top");
    }

    /**
     * The maple tree's rules, read with no points: every leaf at the same depth; pivots increase
     * within [min, max]; a node other than the root holds 2..4 slots; no node but the rightmost
     * ends in NULL and no two NULL ranges touch; each child points back at its parent and slot.
     */
    static void shape(MapleTree mt, String where) {
        MapleNode root = mt.maRoot.peek();
        if (root == null)
            return;
        assertSame(mt, root.ptrs[P_PARENT].peek(), where + ": the root's parent is the tree");
        int[] leafDepth = {-1};
        Object[] lastEntry = {"start"};
        node(root, 0, MapleTree.ULONG_MAX, 1, true, leafDepth, lastEntry, where);
    }

    private static void node(MapleNode n, long min, long max, int depth, boolean root, int[] leafDepth,
                             Object[] lastEntry, String where) {
        boolean leaf = n.words[W_TYPE].peek() == MAPLE_LEAF_64;
        int end = (int) n.words[W_END].peek();
        if (n.words[PIVOTS - 1].peek() != 0)
            end = n.words[PIVOTS - 1].peek() == max ? PIVOTS - 1 : PIVOTS;
        assertTrue(end < SLOTS, where + ": end " + end);
        assertTrue(root || end >= 1, where + ": " + n.name() + " below the root has " + (end + 1) + " slot(s)");
        long lo = min;
        for (int i = 0; i <= end; i++) {
            long hi = i < end ? n.words[i].peek() : max;
            assertTrue(Long.compareUnsigned(lo, hi) <= 0, where + ": pivots out of order in " + n.name());
            Object s = n.ptrs[i].peek();
            if (leaf) {
                assertTrue(s != null || lastEntry[0] != null, where + ": two NULL ranges touch at " + Long.toHexString(lo));
                lastEntry[0] = s;
            } else {
                MapleNode c = (MapleNode) s;
                assertSame(n, c.ptrs[P_PARENT].peek(), where + ": parent of " + c.name());
                assertEquals(i, c.words[W_PARENT_SLOT].peek(), where + ": parent slot of " + c.name());
                node(c, lo, hi, depth + 1, false, leafDepth, lastEntry, where);
            }
            lo = hi + 1;
        }
        if (leaf) {
            if (leafDepth[0] < 0)
                leafDepth[0] = depth;
            assertEquals(leafDepth[0], depth, where + ": leaves at different depths");
            assertTrue(max == MapleTree.ULONG_MAX || n.ptrs[end].peek() != null,
                    where + ": " + n.name() + " ends in NULL and is not the rightmost");
        }
    }

    static int liveNodes(MapleTree mt) {
        List<MapleNode> l = new ArrayList<>();
        MapleNode root = mt.maRoot.peek();
        if (root != null)
            collect(root, l);
        return l.size();
    }

    private static void collect(MapleNode n, List<MapleNode> l) {
        l.add(n);
        if (n.words[W_TYPE].peek() == MAPLE_LEAF_64)
            return;
        int end = (int) n.words[W_END].peek();
        for (int i = 0; i <= end; i++)
            collect((MapleNode) n.ptrs[i].peek(), l);
    }
}
