package mmrace.port;

import mmrace.port.Memory.ReadPath;
import mmrace.port.Memory.WalkMode;
import mmrace.runtime.Errno;
import mmrace.runtime.Kernel;
import mmrace.runtime.Page;
import mmrace.runtime.Task;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static mmrace.port.Mm.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Page reclaim of one folio ({@link Daemons#reclaimPage}, shrink_folio_list for one isolated
 * folio): anonymous folios go to swap and come back through do_swap_page; clean file folios are
 * dropped from the page cache and re-read from disk; dirty ones are written back first; a folio
 * someone else holds a reference to is kept (pageout's is_page_cache_freeable check, or
 * __remove_mapping's folio_ref_freeze), and its contents stay valid for that holder.
 */
class VmscanTest {
    static final long P = Page.PAGE_SIZE;
    static final long A = 0x10000;
    static final int RW = PROT_READ | PROT_WRITE;
    static final int ANON = MAP_PRIVATE | MAP_ANONYMOUS;

    static void mmapFixed(MmStruct mm, long addr, long len, int prot, int flags, File f, String label) {
        assertEquals(addr, Syscalls.mmap(mm, addr, len, prot, flags | MAP_FIXED, f, 0, label), "mmap " + label);
    }

    /** No report, nothing held, no RCU section, interrupts on, mmap_lock free. */
    static void assertQuiet(Kernel k, Task t, MmStruct... mms) {
        assertEquals(List.of(), k.reports.all(), "reports");
        assertEquals(List.of(), k.lockdep.heldBy(t), "locks held");
        assertFalse(t.inRcuReadSection(), "RCU read section");
        assertFalse(t.irqsDisabled(), "interrupts");
        for (MmStruct mm : mms)
            assertFalse(mm.mmapLock.isLocked(), "mmap_lock of " + mm);
    }

    static byte[] contents(Page page, int off, int n) {
        byte[] b = new byte[n];
        page.peekBytes(off, b, 0, n);
        return b;
    }

    /**
     * An anonymous page that reclaim swapped out (folio_alloc_swap, try_to_unmap installs the swap
     * PTE, pageout writes the slot, __remove_mapping drops it from the swap cache, the folio is
     * freed) reads back the same bytes on every read path and walk mode: the fast paths find no
     * present PTE and fall back, the slow path faults the page back in with do_swap_page. Every
     * page and swap slot is released after munmap.
     */
    @Test
    void anonReclaimThenReadOnEveryPath() {
        for (ReadPath p : ReadPath.values())
            for (WalkMode w : WalkMode.values()) {
                Kernel k = new Kernel();
                Task t = k.enter("t0");
                MmStruct mm = TestMm.mm(k);
                int baseline = k.pages.inUse();
                mmapFixed(mm, A, 2 * P, RW, ANON, null, "A");
                byte[] data = TestMm.pattern((int) P, 7);
                assertEquals(0, Fault.userStore(mm, A + 0x800, data)); // both pages
                Page f0 = TestMm.pageAt(mm, A), f1 = TestMm.pageAt(mm, A + P);
                assertEquals(Vmscan.RECLAIMED, Daemons.reclaimPage(mm, A));
                assertTrue(f0.freed, "freed (the next allocation may reuse it)");
                assertEquals(Vmscan.RECLAIMED, Daemons.reclaimPage(mm, A + P));
                assertTrue(f1.freed);
                long pte = TestMm.pteAt(mm, A);
                assertTrue(Pgtable.isSwapPte(pte), "swap entry installed by try_to_unmap");
                assertEquals(1, SwapState.swapCount(k, Pgtable.swpOffset(pte)));
                assertQuiet(k, t, mm);

                assertArrayEquals(data, ReadPathTest.read(k, t, mm, A + 0x800, data.length, 0, p, w, data.length));
                assertTrue(Pgtable.ptePresent(TestMm.pteAt(mm, A)), "swapped back in");
                assertArrayEquals(data, ReadPathTest.read(k, t, mm, A + 0x800, data.length, 0, p, w, data.length));
                assertQuiet(k, t, mm);

                assertEquals(0, Syscalls.munmap(mm, A, 2 * P));
                assertEquals(baseline, k.pages.inUse(), "no page, table or swap block leaked");
                assertEquals(0, k.rcu.pendingCallbacks());
                assertQuiet(k, t, mm);
            }
    }

    /**
     * A clean page-cache folio mapped read-only: try_to_unmap clears the PTE, __remove_mapping
     * freezes the refcount at 2 (isolation + page cache) and deletes it from the page cache, and it
     * is freed. The next read faults the file page in again from disk.
     */
    @Test
    void cleanFileFolioIsDropped() {
        Kernel k = new Kernel();
        Task t = k.enter("t0");
        MmStruct mm = TestMm.mm(k);
        byte[] contents = TestMm.pattern(2 * (int) P, 11);
        File f = Filemap.init(new File("f", contents));
        mmapFixed(mm, A, 2 * P, PROT_READ, MAP_PRIVATE, f, "F");
        assertArrayEquals(contents, ReadPathTest.read(k, t, mm, A, 2 * (int) P, 0, ReadPath.SLOW, WalkMode.RCU, 2 * (int) P));
        Page folio = TestMm.pageAt(mm, A);
        assertSame(folio, f.iPages.get(0).peek());
        assertEquals(2, folio.refcount.peek(), "page cache + the PTE");

        assertEquals(Vmscan.RECLAIMED, Daemons.reclaimPage(mm, A));
        assertTrue(folio.freed);
        assertNull(f.iPages.get(0).peek(), "gone from the page cache");
        assertEquals(0, TestMm.pteAt(mm, A));
        assertNotNull(f.iPages.get(1).peek(), "the other page is untouched");
        assertQuiet(k, t, mm);

        for (ReadPath p : ReadPath.values())
            for (WalkMode w : WalkMode.values())
                assertArrayEquals(contents, ReadPathTest.read(k, t, mm, A, 2 * (int) P, 0, p, w, 2 * (int) P));
        assertQuiet(k, t, mm);
    }

    /**
     * A dirty page-cache folio (a store through a MAP_SHARED mapping): the first pass unmaps it
     * and, finding it dirty, activates it for the flusher (reclaim no longer writes file folios
     * itself); the flusher writes it to disk; the second pass frees it. The disk now holds the
     * store, and a read faults it back from there.
     */
    @Test
    void dirtyFileFolioIsWrittenBackThenDropped() {
        Kernel k = new Kernel();
        Task t = k.enter("t0");
        MmStruct mm = TestMm.mm(k);
        byte[] contents = TestMm.pattern(2 * (int) P, 13);
        File f = Filemap.init(new File("f", contents));
        mmapFixed(mm, A, 2 * P, RW, MAP_SHARED, f, "F");
        byte[] data = TestMm.pattern(100, 99);
        assertEquals(0, Fault.userStore(mm, A + 50, data)); // do_shared_fault: folio_mark_dirty
        Page folio = TestMm.pageAt(mm, A);
        assertTrue((folio.flags.peek() & Page.PG_DIRTY) != 0, "dirty after the store");

        assertEquals(Vmscan.RECLAIMED, Daemons.reclaimPage(mm, A));
        assertTrue(folio.freed);
        assertNull(f.iPages.get(0).peek());
        byte[] disk = new byte[100];
        f.readDisk(50, disk, 0, 100);
        assertArrayEquals(data, disk, "written back before it was dropped");
        assertQuiet(k, t, mm);

        byte[] expect = contents.clone();
        System.arraycopy(data, 0, expect, 50, data.length);
        for (ReadPath p : ReadPath.values())
            for (WalkMode w : WalkMode.values())
                assertArrayEquals(expect, ReadPathTest.read(k, t, mm, A, 2 * (int) P, 0, p, w, 2 * (int) P));
        assertQuiet(k, t, mm);
    }

    /**
     * A reader holding a reference on a clean file folio (the fast path's folio_get between
     * folio_walk_end and its copy): reclaim unmaps the folio but __remove_mapping's
     * folio_ref_freeze(folio, 1 + 1) finds 3 and gives up; the folio stays in the page cache with
     * the file's bytes, so the reader copies valid data. Once the reader drops its reference the
     * folio can be reclaimed.
     */
    @Test
    void fileReclaimRefusedWhileAReaderHoldsAReference() {
        Kernel k = new Kernel();
        Task t = k.enter("t0");
        MmStruct mm = TestMm.mm(k);
        byte[] contents = TestMm.pattern((int) P, 17);
        File f = Filemap.init(new File("f", contents));
        mmapFixed(mm, A, P, PROT_READ, MAP_SHARED, f, "F");
        ReadPathTest.read(k, t, mm, A, 16, 0, ReadPath.SLOW, WalkMode.RCU, 16);
        Page folio = TestMm.pageAt(mm, A);

        Swap.folioGet(folio); // the reader's reference
        assertEquals(Vmscan.KEEP_BUSY, Daemons.reclaimPage(mm, A));
        assertFalse(folio.freed);
        assertEquals(0, TestMm.pteAt(mm, A), "try_to_unmap ran before __remove_mapping failed");
        assertSame(folio, f.iPages.get(0).peek(), "still in the page cache");
        assertArrayEquals(contents, contents(folio, 0, (int) P), "the reader's copy is valid");
        assertEquals(2, folio.refcount.peek(), "page cache + reader: the freeze was undone");
        assertQuiet(k, t, mm);
        Swap.folioPut(folio); // the reader is done

        byte[] buf = new byte[(int) P]; // faults the page back in: refcounts change, so no balance check
        assertEquals((int) P, Memory.accessRemoteVm(mm, A, buf, (int) P, 0, ReadPath.FAST_ONE_VMA, WalkMode.IRQ_OFF));
        assertArrayEquals(contents, buf);
        assertSame(folio, TestMm.pageAt(mm, A), "refaulted from the page cache");
        assertEquals(Vmscan.RECLAIMED, Daemons.reclaimPage(mm, A));
        assertTrue(folio.freed);
        assertQuiet(k, t, mm);
    }

    /**
     * The same for an anonymous folio: after folio_alloc_swap and try_to_unmap, pageout() sees a
     * reference besides the isolation and the swap cache (is_page_cache_freeable) and keeps the
     * folio, in the swap cache, behind the swap PTE. The reader's copy is valid; a later read
     * finds the folio in the swap cache (no I/O), and once mapped again it can be reclaimed.
     */
    @Test
    void anonReclaimRefusedWhileAReaderHoldsAReference() {
        Kernel k = new Kernel();
        Task t = k.enter("t0");
        MmStruct mm = TestMm.mm(k);
        int baseline = k.pages.inUse();
        mmapFixed(mm, A, P, RW, ANON, null, "A");
        byte[] data = TestMm.pattern((int) P, 23);
        assertEquals(0, Fault.userStore(mm, A, data));
        Page folio = TestMm.pageAt(mm, A);

        Swap.folioGet(folio); // the reader's reference
        assertEquals(Vmscan.KEEP_PAGEOUT, Daemons.reclaimPage(mm, A));
        assertFalse(folio.freed);
        assertTrue(Pgtable.isSwapPte(TestMm.pteAt(mm, A)));
        assertTrue(SwapState.folioTestSwapcache(folio), "kept in the swap cache");
        assertArrayEquals(data, contents(folio, 0, (int) P), "the reader's copy is valid");
        assertQuiet(k, t, mm);
        Swap.folioPut(folio);

        assertArrayEquals(data, ReadPathTest.read(k, t, mm, A, (int) P, 0, ReadPath.SLOW, WalkMode.RCU, (int) P));
        assertSame(folio, TestMm.pageAt(mm, A), "swap cache hit: the same folio is mapped again");
        assertEquals(Vmscan.RECLAIMED, Daemons.reclaimPage(mm, A));
        assertTrue(folio.freed);
        assertArrayEquals(data, ReadPathTest.read(k, t, mm, A, (int) P, 0, ReadPath.FAST_V1, WalkMode.RCU, (int) P));
        assertEquals(0, Syscalls.munmap(mm, A, P));
        assertEquals(baseline, k.pages.inUse());
        assertQuiet(k, t, mm);
    }

    /**
     * What reclaim does not touch: no VMA (-EFAULT), nothing present (-ENOENT: a none PTE, the
     * zero page), a folio someone else isolated (-EBUSY: folio_isolate_lru fails), a locked folio
     * (KEEP_LOCKED: folio_trylock fails), and no swap slot (KEEP_NO_SWAP). Each leaves the folio
     * mapped with its contents and every reference as it was.
     */
    @Test
    void reclaimKeepsWhatItCannotTake() {
        Kernel k = new Kernel();
        Task t = k.enter("t0");
        MmStruct mm = TestMm.mm(k);
        mmapFixed(mm, A, 4 * P, RW, ANON, null, "A");
        assertEquals(-Errno.EFAULT, Daemons.reclaimPage(mm, 0x100000));
        assertEquals(-Errno.ENOENT, Daemons.reclaimPage(mm, A));
        ReadPathTest.read(k, t, mm, A + P, 8, 0, ReadPath.SLOW, WalkMode.RCU, 8); // maps the zero page
        assertEquals(-Errno.ENOENT, Daemons.reclaimPage(mm, A + P));
        byte[] data = TestMm.pattern(64, 5);
        assertEquals(0, Fault.userStore(mm, A + 2 * P, data));
        Page folio = TestMm.pageAt(mm, A + 2 * P);
        TestMm.Balance before = TestMm.balance(k, mm);

        assertTrue(Vmscan.folioIsolateLru(folio)); // khugepaged or another reclaimer has it
        assertEquals(-Errno.EBUSY, Daemons.reclaimPage(mm, A + 2 * P));
        Vmscan.folioPutbackLru(folio);

        assertTrue(Filemap.folioTrylock(folio));
        assertEquals(Vmscan.KEEP_LOCKED, Daemons.reclaimPage(mm, A + 2 * P));
        Filemap.folioUnlock(folio);

        k.faults.failNth("swap_slot", "*", 1);
        assertEquals(Vmscan.KEEP_NO_SWAP, Daemons.reclaimPage(mm, A + 2 * P));

        assertSame(folio, TestMm.pageAt(mm, A + 2 * P));
        assertArrayEquals(data, contents(folio, 0, 64));
        TestMm.assertBalanced(k, t, before);
        assertEquals(0L, folio.flags.peek() & (Vmscan.PG_ISOLATED | Page.PG_LOCKED));
    }
}
