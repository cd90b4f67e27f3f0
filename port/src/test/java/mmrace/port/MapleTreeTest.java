package mmrace.port;

import mmrace.runtime.Kernel;
import mmrace.runtime.Report;
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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
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
        for (int seed = 1; seed <= 30; seed++)
            randomStores(new MapleTree(null, true), seed);
    }

    @Test
    void randomStoresMatchAReferenceMapInNonRcuMode() {
        for (int seed = 1; seed <= 30; seed++)
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

    /** A tree of ten entries of two pages with a page of gap between them (three levels). */
    private MapleTree tenEntries() {
        MapleTree mt = new MapleTree(null, true);
        for (int i = 0; i < 10; i++)
            assertTrue(mt.store((1 + 3 * i) * P, (3 + 3 * i) * P - 1, "e" + i));
        assertEquals(3, mt.peekHeight());
        return mt;
    }

    private static List<Object> contents(MapleNode n) {
        List<Object> l = new ArrayList<>();
        for (int i = 0; i < PIVOTS; i++)
            l.add(n.words[i].peek());
        for (int i = 0; i < SLOTS; i++)
            l.add(n.ptrs[i].peek());
        return l;
    }

    /**
     * Copy-on-write: a store that replaces the leaf a reader is in (inside its RCU read section)
     * leaves the old leaf as it was, only marked dead (parent pointing at itself), and does not
     * free it while the reader is inside. The reader's next walk from that leaf sees it dead and
     * restarts from the root, finding the new contents; the old leaf is freed when the reader
     * leaves its section.
     */
    @Test
    void aReplacedNodeStaysIntactAndAliveUntilTheReaderLeaves() {
        MapleTree mt = tenEntries();
        Interleave il = new Interleave(s -> false);
        Task reader = k.newTask("reader", il), writer = k.newTask("writer", il);
        long addr = 13 * P; // e4 [d000-efff]
        reader.bind();
        k.rcu.readLock();
        MaState mas = new MaState(mt, addr, addr);
        assertEquals("e4", MapleTree.masWalk(mas));
        MapleNode old = mas.node;
        List<Object> before = contents(old);
        writer.bind();
        assertTrue(mt.store(addr, addr + P - 1, "x"), "e4's first page becomes x: the leaf is copied");
        assertSame(old, old.ptrs[P_PARENT].peek(), "the old leaf is dead");
        assertEquals(before, contents(old), "and unchanged: the writer built a new node");
        assertFalse(old.freed, "not freed while a reader is inside its RCU section");
        assertTrue(k.rcu.pendingCallbacks() > 0);
        reader.bind();
        assertEquals("x", MapleTree.masWalk(mas), "the walk on from the dead leaf restarts from the root");
        assertTrue(il.hit("reader", "mtree_range_walk: dead node (replaced under the walker), restart from the root"));
        k.rcu.readUnlock();
        assertTrue(old.freed, "freed once the reader left");
        assertTrue(il.hit("reader", "mt_free_rcu: replaced node freed after its grace period"));
        t.bind();
        assertTrue(k.reports.isEmpty(), k.reports.all().toString());
    }

    /**
     * A state kept past its RCU read section (a stale cursor): the store replaces its leaf, no
     * reader is inside a section, so the grace period is over at once and the leaf is freed. The
     * next walk from the state reads freed memory: KASAN reports it. The freed node still reads as
     * dead, so the walk then restarts from the root and gets the right answer.
     */
    @Test
    void aFreedNodeReadFromAStaleStateIsAUseAfterFree() {
        MapleTree mt = tenEntries();
        Task reader = k.newTask("reader", null), writer = k.newTask("writer", null);
        long addr = 13 * P;
        reader.bind();
        k.rcu.readLock();
        MaState mas = new MaState(mt, addr, addr);
        assertEquals("e4", MapleTree.masWalk(mas));
        k.rcu.readUnlock();
        MapleNode old = mas.node;
        writer.bind();
        assertTrue(mt.store(addr, addr + P - 1, "x"));
        assertTrue(old.freed, "no reader inside: freed after the (empty) grace period");
        reader.bind();
        k.rcu.readLock();
        assertEquals("x", MapleTree.masWalk(mas));
        k.rcu.readUnlock();
        t.bind();
        List<Report> r = k.reports.all();
        assertEquals(1, r.size(), r.toString());
        assertEquals(Report.Kind.KASAN, r.get(0).kind());
        assertEquals("use-after-free read of maple_node", r.get(0).title());
        assertEquals(old.name() + " in freed " + old.name(), r.get(0).detail());
        assertEquals("reader", r.get(0).task());
    }

    /**
     * wr_slot_store in RCU mode changes a live node with two stores: the slot (rcu_assign_pointer),
     * then the pivot that moves the boundary. A reader between the two sees the node in flux: the
     * new entry, still with the old end, so the page it grew into still reads as the gap.
     */
    @Test
    void aReaderCanSeeASlotStoreInFlux() {
        MapleTree mt = new MapleTree(null, true);
        assertTrue(mt.store(0x10 * P, 0x12 * P - 1, "a"));
        assertTrue(mt.store(0x20 * P, MapleTree.ULONG_MAX, "b"));
        assertEquals(1, mt.peekHeight(), "one leaf: gap, a, gap, b");
        MapleNode leaf = mt.maRoot.peek();
        Object[] seen = new Object[2];
        Interleave il = new Interleave(s -> s == leaf.words[1]); // the store of pivot[1]
        Task reader = k.newTask("reader", il), writer = k.newTask("writer", il);
        il.then(reader, () -> {
            seen[0] = MapleTree.mtreeLoad(mt, 0x10 * P);
            seen[1] = MapleTree.mtreeLoad(mt, 0x12 * P);
        });
        writer.bind();
        assertTrue(mt.store(0x10 * P, 0x13 * P - 1, "a2"), "a2 takes a's range and one more page of the gap");
        t.bind();
        assertTrue(il.fired());
        assertTrue(il.hit("writer", "mas_wr_store_entry: wr_slot_store, slot and pivot rewritten in place"), il.probes.toString());
        assertEquals("a2", seen[0], "the slot is already a2");
        assertNull(seen[1], "but its end is still a's: the page a2 grew into reads as the gap");
        assertEquals("a2", MapleTree.mtreeLoad(mt, 0x12 * P));
        assertSame(leaf, mt.maRoot.peek(), "no new node");
        assertTrue(k.reports.isEmpty(), k.reports.all().toString());
    }

    private void randomStores(MapleTree mt, int seed) {
        Random rng = new Random(seed);
        Object[] ref = new Object[PAGES + 2];
        int names = 0;
        for (int op = 0; op < 120; op++) {
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
