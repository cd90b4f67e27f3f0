package mmrace.port;

import mmrace.port.Khugepaged.ScanResult;
import mmrace.port.Memory.ReadPath;
import mmrace.port.Memory.WalkMode;
import mmrace.runtime.Kernel;
import mmrace.runtime.Page;
import mmrace.runtime.Report;
import mmrace.runtime.Task;
import mmrace.runtime.TestThreads;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static mmrace.port.Mm.*;
import static mmrace.port.Pgtable.HPAGE_PMD_NR;
import static mmrace.port.Pgtable.HPAGE_PMD_ORDER;
import static mmrace.port.Pgtable.PMD_SIZE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * khugepaged collapsing a PMD range ({@link Daemons#collapse}): anonymous collapse under
 * mmap_lock + the VMA write lock, copying into an order-9 folio (the old table is deposited, in the
 * model reused for the PTE-mapped THP); file collapse replacing the page cache's small folios and
 * retracting the PTE tables of every VMA mapping the range, without their VMA locks, freeing each
 * with pte_free_defer. What a walker that holds a pointer into a retracted table meets: nothing
 * freed while it is inside RCU (or has interrupts off); with the pre-6.5 IPI-then-free, a walker
 * relying on RCU alone touches freed memory.
 */
class KhugepagedTest {
    static final long P = Page.PAGE_SIZE;
    static final long H = 0x200000, H2 = 0x600000, H3 = 0xa00000;
    static final int RW = PROT_READ | PROT_WRITE;
    static final int ANON = MAP_PRIVATE | MAP_ANONYMOUS;

    static void mmapFixed(MmStruct mm, long addr, long len, int prot, int flags, File f, String label) {
        assertEquals(addr, Syscalls.mmap(mm, addr, len, prot, flags | MAP_FIXED, f, 0, label), "mmap " + label);
    }

    static Ptep pmdOf(MmStruct mm, long addr) {
        return Rmap.mmFindPmd(mm, addr);
    }

    static byte[] read(MmStruct mm, long addr, int len, ReadPath p, WalkMode w) {
        byte[] buf = new byte[len];
        assertEquals(len, Memory.accessRemoteVm(mm, addr, buf, len, 0, p, w), p + "/" + w + " at " + Long.toHexString(addr));
        return buf;
    }

    static void assertQuiet(Kernel k, Task t, MmStruct... mms) {
        VmscanTest.assertQuiet(k, t, mms);
        for (MmStruct mm : mms)
            assertEquals(0, mm.mmLockSeq.peek() & 1, "no VMA left write-locked");
    }

    /** The folio mapped at each page of [addr, addr + n pages), head pages only. */
    static List<Page> folios(MmStruct mm, long addr, int n) {
        List<Page> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Page p = TestMm.pageAt(mm, addr + i * P);
            if (p != null && (p.flags.peek() & Page.PG_RESERVED) == 0 && !l.contains(p.head)) // not the zero page
                l.add(p.head);
        }
        return l;
    }

    /**
     * Anonymous collapse: the range's bytes (stored pages, a zero-page read, never-touched pages)
     * read back identically on every path and walk mode from an order-9 folio mapped by 512 PTEs
     * (one reference and one mapcount each); the old folios are freed; the old PTE table is the
     * one mapping the THP (deposited, then withdrawn by the model's split); nothing is locked or
     * write-locked afterwards. A second collapse sees a THP already; reclaim keeps it (model);
     * stores after the collapse land in it; munmap frees every page and table.
     */
    @Test
    void anonCollapseKeepsContents() {
        Kernel k = new Kernel();
        Task t = k.enter("t0");
        MmStruct mm = TestMm.mm(k);
        int baseline = k.pages.inUse();
        mmapFixed(mm, H, PMD_SIZE, RW, ANON, null, "A");
        byte[] expect = new byte[(int) PMD_SIZE];
        long[] at = { 0, 0x5000, 0x10ff0, 0x1ff000 };
        for (int i = 0; i < at.length; i++) {
            byte[] d = TestMm.pattern(i == 2 ? 32 : (int) P, 3 + i);
            assertEquals(0, Fault.userStore(mm, H + at[i], d));
            System.arraycopy(d, 0, expect, (int) at[i], d.length);
        }
        read(mm, H + 0x20000, 8, ReadPath.SLOW, WalkMode.RCU); // a zero-page PTE
        List<Page> old = folios(mm, H, HPAGE_PMD_NR);
        assertEquals(5, old.size());
        Ptep pmd = pmdOf(mm, H);
        long pmdBefore = pmd.peek();
        Page table = Pgtable.tablePage(pmdBefore);

        assertEquals(0, Daemons.collapse(mm, H + 0x1234));
        assertQuiet(k, t, mm);
        for (Page f : old)
            assertTrue(f.freed, f + " freed after the copy");
        assertEquals(pmdBefore, pmd.peek(), "the deposited (old) table maps the THP");
        assertFalse(table.freed);
        Page thp = TestMm.pageAt(mm, H);
        assertEquals(HPAGE_PMD_ORDER, thp.order);
        for (int i = 0; i < HPAGE_PMD_NR; i += 37)
            assertEquals(thp.pfn + i, TestMm.pageAt(mm, H + i * P).pfn);
        assertEquals(HPAGE_PMD_NR, thp.refcount.peek(), "one reference per PTE");
        assertEquals(HPAGE_PMD_NR - 1, thp.mapcount.peek(), "one mapping per PTE");

        for (ReadPath p : ReadPath.values())
            for (WalkMode w : WalkMode.values()) {
                assertArrayEquals(Arrays.copyOfRange(expect, 0, 0x11010), read(mm, H, 0x11010, p, w));
                assertArrayEquals(Arrays.copyOfRange(expect, 0x1fe000, 0x200000), read(mm, H + 0x1fe000, 0x2000, p, w));
            }
        assertEquals(HPAGE_PMD_NR, thp.refcount.peek(), "reads left the references as they were");

        assertEquals(ScanResult.SCAN_PMD_MAPPED.code(), Daemons.collapse(mm, H));
        assertEquals(Vmscan.KEEP_LARGE, Daemons.reclaimPage(mm, H + 0x3000));
        byte[] more = TestMm.pattern(64, 77);
        assertEquals(0, Fault.userStore(mm, H + 0x7000, more));
        assertArrayEquals(more, read(mm, H + 0x7000, 64, ReadPath.FAST_ONE_VMA, WalkMode.IRQ_OFF));
        assertSame(thp, TestMm.pageAt(mm, H + 0x7000).head, "the store went to the THP");
        assertQuiet(k, t, mm);

        assertEquals(0, Syscalls.munmap(mm, H, PMD_SIZE));
        assertTrue(thp.freed);
        assertEquals(baseline, k.pages.inUse(), "no page or table leaked");
        assertEquals(0, k.rcu.pendingCallbacks());
        assertQuiet(k, t, mm);
    }

    /**
     * Anonymous collapse that the kernel refuses leaves everything as it was: a locked folio
     * (SCAN_PAGE_LOCK in the scan), a folio someone holds a reference on (SCAN_PAGE_COUNT:
     * is_refcount_suitable), only zero-page and none PTEs (SCAN_EXCEED_NONE_PTE), a VMA not
     * covering a whole aligned PMD range (SCAN_VMA_CHECK).
     */
    @Test
    void anonCollapseRefused() {
        Kernel k = new Kernel();
        Task t = k.enter("t0");
        MmStruct mm = TestMm.mm(k);
        mmapFixed(mm, H, PMD_SIZE, RW, ANON, null, "A");
        read(mm, H + 0x1000, 8, ReadPath.SLOW, WalkMode.RCU);
        assertEquals(ScanResult.SCAN_EXCEED_NONE_PTE.code(), Daemons.collapse(mm, H));
        byte[] d = TestMm.pattern(100, 1);
        assertEquals(0, Fault.userStore(mm, H + 0x3000, d));
        Page folio = TestMm.pageAt(mm, H + 0x3000);
        long pmdBefore = pmdOf(mm, H).peek();
        TestMm.Balance before = TestMm.balance(k, mm);

        assertTrue(Filemap.folioTrylock(folio));
        assertEquals(ScanResult.SCAN_PAGE_LOCK.code(), Daemons.collapse(mm, H));
        Filemap.folioUnlock(folio);
        Swap.folioGet(folio); // a GUP or fast-path reference
        assertEquals(ScanResult.SCAN_PAGE_COUNT.code(), Daemons.collapse(mm, H));
        Swap.folioPut(folio);
        TestMm.assertBalanced(k, t, before);
        assertEquals(pmdBefore, pmdOf(mm, H).peek());
        assertSame(folio, TestMm.pageAt(mm, H + 0x3000));

        mmapFixed(mm, H2, PMD_SIZE / 2, RW, ANON, null, "B");
        assertEquals(0, Fault.userStore(mm, H2, d));
        assertEquals(ScanResult.SCAN_VMA_CHECK.code(), Daemons.collapse(mm, H2));
        assertEquals(ScanResult.SCAN_VMA_NULL.code(), Daemons.collapse(mm, 0x40000000L));
        assertQuiet(k, t, mm);
    }

    /**
     * File collapse: the page cache's 512 small folios become one order-9 folio; the tables of
     * the two VMAs (two processes) mapping the range at aligned addresses are retracted (pmd
     * cleared, table freed once the grace period is over), while a private mapping that was
     * written to (it has an anon_vma) keeps its table and its private copy. Every mapping reads
     * the file's bytes afterwards on every path, now from pages of the THP. A second collapse
     * finds the THP in the page cache and retracts the re-populated table again
     * (try_collapse_pte_mapped_thp). After munmap only the page cache holds the THP.
     */
    @Test
    void fileCollapseRetractsTheTablesOfEveryMapping() {
        Kernel k = new Kernel();
        Task t = k.enter("t0");
        MmStruct mmA = MmStruct.mmAlloc(k, "A"), mmB = MmStruct.mmAlloc(k, "B");
        byte[] contents = TestMm.pattern((int) PMD_SIZE, 31);
        File f = Filemap.init(new File("f", contents));
        int baseline = k.pages.inUse();
        mmapFixed(mmA, H, PMD_SIZE, PROT_READ, MAP_SHARED, f, "FA");
        mmapFixed(mmB, H2, PMD_SIZE, PROT_READ, MAP_SHARED, f, "FB");
        mmapFixed(mmB, H3, PMD_SIZE, RW, MAP_PRIVATE, f, "FC");
        for (long off : new long[] { 0, 0x3000, 0x1ff000 }) {
            assertArrayEquals(Arrays.copyOfRange(contents, (int) off, (int) off + 64), read(mmA, H + off, 64, ReadPath.SLOW, WalkMode.RCU));
            read(mmB, H2 + off, 64, ReadPath.SLOW, WalkMode.RCU);
            read(mmB, H3 + off, 64, ReadPath.SLOW, WalkMode.RCU);
        }
        byte[] cow = TestMm.pattern(32, 5);
        assertEquals(0, Fault.userStore(mmB, H3 + 0x5000, cow)); // do_cow_fault: FC gets an anon_vma
        List<Page> old = new ArrayList<>();
        for (int i = 0; i < HPAGE_PMD_NR; i++)
            if (f.iPages.get(i).peek() != null)
                old.add(f.iPages.get(i).peek());
        assertEquals(4, old.size());
        Ptep pmdA = pmdOf(mmA, H), pmdB = pmdOf(mmB, H2), pmdC = pmdOf(mmB, H3);
        Page tA = Pgtable.tablePage(pmdA.peek()), tB = Pgtable.tablePage(pmdB.peek());
        long pmdCBefore = pmdC.peek();

        assertEquals(0, Daemons.collapse(mmA, H));
        assertQuiet(k, t, mmA, mmB);
        Page thp = f.iPages.get(0).peek();
        assertEquals(HPAGE_PMD_ORDER, thp.order);
        for (int i = 0; i < HPAGE_PMD_NR; i++)
            assertSame(thp, f.iPages.get(i).peek());
        for (Page o : old)
            assertTrue(o.freed, o + " freed");
        assertEquals(HPAGE_PMD_NR, thp.refcount.peek(), "the page cache's references only: every PTE was unmapped");
        assertEquals(0, pmdA.peek(), "A's table retracted");
        assertEquals(0, pmdB.peek(), "B's table retracted");
        assertTrue(tA.freed && tB.freed, "freed with pte_free_defer (no reader: at once)");
        assertEquals(pmdCBefore, pmdC.peek(), "a VMA with an anon_vma keeps its table");
        assertEquals(0, k.rcu.pendingCallbacks());

        for (ReadPath p : ReadPath.values())
            for (WalkMode w : WalkMode.values()) {
                assertArrayEquals(Arrays.copyOfRange(contents, 0x2f00, 0x4100), read(mmA, H + 0x2f00, 0x1200, p, w));
                assertArrayEquals(Arrays.copyOfRange(contents, 0x1ff000, 0x200000), read(mmB, H2 + 0x1ff000, 0x1000, p, w));
                assertArrayEquals(cow, read(mmB, H3 + 0x5000, 32, p, w));
                assertArrayEquals(Arrays.copyOfRange(contents, 0x3000, 0x3040), read(mmB, H3 + 0x3000, 64, p, w));
            }
        assertEquals(thp.pfn + 3, TestMm.pageAt(mmA, H + 0x3000).pfn, "refaulted as a page of the THP");
        assertQuiet(k, t, mmA, mmB);

        // khugepaged again: the range is a PMD-order folio already; retract A's new table.
        Page tA2 = Pgtable.tablePage(pmdA.peek());
        int mappedByA = 0;
        for (int i = 0; i < HPAGE_PMD_NR; i++)
            if (Pgtable.ptePresent(TestMm.pteAt(mmA, H + i * P)))
                mappedByA++;
        assertEquals(3, mappedByA, "pages 2, 3 and 4 were refaulted by the reads");
        int refsBefore = thp.refcount.peek(), mapsBefore = thp.mapcount.peek();
        assertEquals(0, Daemons.collapse(mmA, H));
        assertEquals(0, pmdA.peek());
        assertTrue(tA2.freed);
        assertEquals(refsBefore - mappedByA, thp.refcount.peek(), "the retracted PTEs' references dropped");
        assertEquals(mapsBefore - mappedByA, thp.mapcount.peek(), "and their rmap");
        assertArrayEquals(Arrays.copyOfRange(contents, 0x3000, 0x3100), read(mmA, H + 0x3000, 0x100, ReadPath.FAST_V1, WalkMode.IRQ_OFF));
        assertQuiet(k, t, mmA, mmB);

        assertEquals(0, Syscalls.munmap(mmA, H, PMD_SIZE));
        assertEquals(0, Syscalls.munmap(mmB, H2, PMD_SIZE));
        assertEquals(0, Syscalls.munmap(mmB, H3, PMD_SIZE));
        assertEquals(HPAGE_PMD_NR, thp.refcount.peek());
        assertEquals(baseline + HPAGE_PMD_NR, k.pages.inUse(), "only the page cache's THP is left");
        assertQuiet(k, t, mmA, mmB);
    }

    /** A 2 MiB file mapped MAP_SHARED read-only at H, its first page faulted in. */
    static MmStruct fileMapped(Kernel k, File[] file) {
        MmStruct mm = TestMm.mm(k);
        file[0] = Filemap.init(new File("f", TestMm.pattern((int) PMD_SIZE, 41)));
        mmapFixed(mm, H, PMD_SIZE, PROT_READ, MAP_SHARED, file[0], "F");
        read(mm, H, 8, ReadPath.SLOW, WalkMode.RCU);
        return mm;
    }

    /**
     * The question the patch's v2 raised (must a VMA-locked walker keep interrupts off because a
     * table can be freed under it?): a VMA-locked walker that has mapped the PTE table
     * (pte_offset_map: inside RCU, before it takes the PTL) while khugepaged retracts that table
     * without the VMA's lock. pte_free_defer waits: the table stays allocated until the walker
     * leaves its RCU section, the walker's pmd re-check under the PTL sees the change, and no
     * report is filed; the table is freed when the walker ends its RCU section. The same with the
     * walker's interrupts off (v2): the grace period waits for it too.
     */
    @Test
    void retractWaitsForAWalkerInsideRcu() {
        for (WalkMode mode : WalkMode.values()) {
            Kernel k = new Kernel();
            Task t = k.enter("t0");
            File[] f = new File[1];
            MmStruct mm = fileMapped(k, f);
            Ptep pmd = pmdOf(mm, H);
            long pmdval = pmd.peek();
            Page table = Pgtable.tablePage(pmdval);

            Task w = k.newTask("walker", null);
            w.bind();
            VmAreaStruct vma = MmapLock.lockVmaUnderRcu(mm, H); // the fast path's VMA lock
            assertNotNull(vma);
            if (mode == WalkMode.IRQ_OFF)
                k.irq.disable();
            PgtableGeneric.PteMap walker = PgtableGeneric.pteOffsetMap(pmd, H);
            assertNotNull(walker);
            t.bind();

            assertEquals(0, Daemons.collapse(mm, H)); // no VMA lock needed, none taken
            assertEquals(0, pmd.peek(), "retracted under the walker's feet");
            assertFalse(table.freed, "pte_free_defer: not while the walker is inside RCU");
            assertEquals(1, k.rcu.pendingCallbacks());

            w.bind();
            assertEquals(0, walker.pte().readOnce(), "valid (emptied) memory"); // no KASAN
            // __pte_offset_map_lock: lock the PTL, then the pmd re-check fails: unlock and retry
            var ptl = PgtableGeneric.pteLockptr(mm, walker.pmdval());
            ptl.lock();
            assertTrue(walker.pmdval() != pmd.readOnce());
            PgtableGeneric.pteUnmapUnlock(walker.pte(), ptl);
            if (mode == WalkMode.IRQ_OFF) {
                assertFalse(table.freed, "interrupts still off: the grace period is not over");
                k.irq.enable();
                k.rcu.runReadyCallbacks(w);
            }
            assertTrue(table.freed, "freed once the walker left");
            assertEquals(null, PgtableGeneric.pteOffsetMap(pmd, H), "a new walk finds no table");
            MmapLock.vmaEndRead(vma);
            t.bind();
            assertEquals(List.of(), k.reports.all(), mode + ": no report");
            assertEquals(0, k.rcu.pendingCallbacks());
            assertQuiet(k, t, mm);
        }
    }

    /**
     * The difference: with the table freed as collapse_and_free_pmd did before 6.5 (the IPI of
     * tlb_remove_table_sync_one, then pte_free at once), a walker relying on RCU alone (v1's
     * FW_VMA_LOCKED walk) is not waited for, the table is freed while it holds a pointer into it,
     * and its next read of the table is a KASAN use-after-free.
     */
    @Test
    void ipiOnlyFreeingHurtsAnRcuOnlyWalker() {
        Khugepaged.RetractFree saved = Khugepaged.retractTableFree;
        Khugepaged.retractTableFree = Khugepaged.RetractFree.SYNC_ONE_THEN_PTE_FREE;
        try {
            Kernel k = new Kernel();
            Task t = k.enter("t0");
            File[] f = new File[1];
            MmStruct mm = fileMapped(k, f);
            Ptep pmd = pmdOf(mm, H);
            Page table = Pgtable.tablePage(pmd.peek());
            Task w = k.newTask("walker", null);
            w.bind();
            PgtableGeneric.PteMap walker = PgtableGeneric.pteOffsetMap(pmd, H);
            t.bind();

            assertEquals(0, Daemons.collapse(mm, H));
            assertTrue(table.freed, "freed at once: the IPI does not wait for RCU readers");
            w.bind();
            walker.pte().readOnce();
            PgtableGeneric.pteUnmap(walker.pte());
            t.bind();
            List<Report> r = k.reports.all();
            assertEquals(1, r.size(), r.toString());
            assertEquals(Report.Kind.KASAN, r.get(0).kind());
            assertEquals("walker", r.get(0).task());
        } finally {
            Khugepaged.retractTableFree = saved;
        }
    }

    /**
     * ...while an interrupts-off walker is protected by that IPI (real threads): khugepaged's
     * tlb_remove_table_sync_one() waits until the walker re-enables interrupts, so its reads of the
     * table come before the free. No report.
     */
    @Test
    void ipiOnlyFreeingWaitsForAnInterruptsOffWalker() throws Exception {
        Khugepaged.RetractFree saved = Khugepaged.retractTableFree;
        Khugepaged.retractTableFree = Khugepaged.RetractFree.SYNC_ONE_THEN_PTE_FREE;
        try {
            Kernel k = new Kernel();
            Task t = k.enter("t0");
            File[] f = new File[1];
            MmStruct mm = fileMapped(k, f);
            Ptep pmd = pmdOf(mm, H);
            Page table = Pgtable.tablePage(pmd.peek());
            Task w = k.newTask("walker", null);
            CountDownLatch mapped = new CountDownLatch(1);
            AtomicLong seen = new AtomicLong(-1);
            AtomicBoolean cleared = new AtomicBoolean(), ipiWaits = new AtomicBoolean();
            Thread khugepaged = Thread.currentThread();
            Thread walker = new Thread(() -> {
                w.bind();
                k.irq.disable();
                PgtableGeneric.PteMap m = PgtableGeneric.pteOffsetMap(pmd, H);
                mapped.countDown();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (pmd.peek() != 0 && System.nanoTime() < deadline) // khugepaged clears the pmd, then IPIs
                    Thread.onSpinWait();
                cleared.set(pmd.peek() == 0);
                // khugepaged waits for our interrupt acknowledgement (tlb_remove_table_sync_one)
                ipiWaits.set(TestThreads.awaitWaiting(khugepaged, Duration.ofSeconds(10)));
                seen.set(table.freed ? 1 : 0);
                m.pte().readOnce();
                PgtableGeneric.pteUnmap(m.pte());
                k.irq.enable();
                Task.unbind();
            });
            walker.start();
            assertTrue(mapped.await(10, TimeUnit.SECONDS));
            assertEquals(0, Daemons.collapse(mm, H));
            TestThreads.joinOrFail(List.of(walker), Duration.ofSeconds(30)); // more than its own waits
            assertTrue(cleared.get(), "the walker saw khugepaged clear the pmd");
            assertTrue(ipiWaits.get(), "khugepaged waited for the walker's interrupt acknowledgement");
            assertEquals(0, seen.get(), "not freed while the walker had interrupts off");
            assertTrue(table.freed);
            assertEquals(List.of(), k.reports.all());
        } finally {
            Khugepaged.retractTableFree = saved;
        }
    }

    /**
     * Anonymous collapse takes the VMA's write lock (vma_start_write after mmap_write_lock), so it
     * waits for a VMA-locked reader (real threads): while the reader holds its lock, khugepaged
     * holds mmap_lock for writing and the pmd still points at the old table; when the reader
     * leaves, the collapse completes.
     */
    @Test
    void anonCollapseWaitsForAVmaLockedReader() throws Exception {
        Kernel k = new Kernel();
        Task t = k.enter("t0");
        MmStruct mm = TestMm.mm(k);
        mmapFixed(mm, H, PMD_SIZE, RW, ANON, null, "A");
        byte[] d = TestMm.pattern(128, 9);
        assertEquals(0, Fault.userStore(mm, H + 0x4000, d));
        Ptep pmd = pmdOf(mm, H);
        long pmdBefore = pmd.peek();
        Page oldFolio = TestMm.pageAt(mm, H + 0x4000);

        VmAreaStruct vma = MmapLock.lockVmaUnderRcu(mm, H); // t is the reader
        assertNotNull(vma);
        Task c = k.newTask("khugepaged", null);
        AtomicLong result = new AtomicLong(-1);
        Thread collapser = new Thread(() -> {
            c.bind();
            result.set(Daemons.collapse(mm, H));
            Task.unbind();
        });
        collapser.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!mm.mmapLock.isWriteLockedBy(c) && System.nanoTime() < deadline)
            Thread.onSpinWait();
        assertTrue(mm.mmapLock.isWriteLockedBy(c), "khugepaged holds mmap_lock for writing");
        assertTrue(TestThreads.awaitWaiting(collapser, Duration.ofSeconds(10)), "and waits in vma_start_write");
        assertEquals(pmdBefore, pmd.peek(), "the pmd is untouched while the reader is inside");
        assertSame(oldFolio, TestMm.pageAt(mm, H + 0x4000));
        MmapLock.vmaEndRead(vma);
        TestThreads.joinOrFail(List.of(collapser), Duration.ofSeconds(10));
        assertEquals(0, result.get());
        assertTrue(oldFolio.freed);
        assertArrayEquals(d, read(mm, H + 0x4000, 128, ReadPath.FAST_ONE_VMA, WalkMode.RCU));
        assertQuiet(k, t, mm);
    }

    /**
     * MADV_DONTNEED under the VMA lock against anonymous collapse (366a4532d96f). khugepaged takes
     * mmap_lock for writing, then vma_start_write, and only then checks the pmd again
     * (check_pmd_still_valid). A MADV_DONTNEED that holds the VMA's read lock (the test thread,
     * doing what madvise_dontneed_single_vma does: zap the whole range with reclaim_pt) empties
     * the PTE table and frees it while khugepaged waits in vma_start_write. When it leaves,
     * khugepaged finds no PTE table and gives up (SCAN_NO_PTE_TABLE), leaving the pmd none.
     * Before 366a4532d96f the check came before vma_start_write: khugepaged had already passed it,
     * so it went on to pmdp_collapse_flush a none pmd, found no table to isolate, and on its
     * failure path pmd_populate()d pmd_pgtable() of that none pmd: a pmd pointing at page 0, the
     * table DONTNEED freed never put back.
     */
    @Test
    void anonCollapseChecksThePmdAfterDontneedUnderTheVmaLock() throws Exception {
        Kernel k = new Kernel();
        Task t = k.enter("t0");
        MmStruct mm = TestMm.mm(k);
        mmapFixed(mm, H, PMD_SIZE, RW, ANON, null, "A");
        assertEquals(0, Fault.userStore(mm, H + 0x4000, TestMm.pattern(128, 9)));
        Ptep pmd = pmdOf(mm, H);
        Page table = Pgtable.tablePage(pmd.peek());
        Page oldFolio = TestMm.pageAt(mm, H + 0x4000);

        VmAreaStruct vma = MmapLock.lockVmaUnderRcu(mm, H); // madvise: try_vma_read_lock
        assertNotNull(vma);
        Task c = k.newTask("khugepaged", null);
        AtomicLong result = new AtomicLong(-1);
        Thread collapser = new Thread(() -> {
            c.bind();
            result.set(Daemons.collapse(mm, H));
            Task.unbind();
        });
        collapser.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while ((vma.vmRefcnt.peek() & MmTypes.VM_REFCNT_EXCLUDE_READERS_FLAG) == 0 && System.nanoTime() < deadline)
            Thread.onSpinWait();
        assertTrue(mm.mmapLock.isWriteLockedBy(c), "khugepaged holds mmap_lock for writing");
        assertTrue(collapser.isAlive(), "and waits in vma_start_write for the VMA-locked MADV_DONTNEED");

        ZapDetails details = new ZapDetails(); // madvise_dontneed_single_vma
        details.reclaimPt = true;
        details.evenCows = true;
        MmuGather tlb = MmuGather.tlbGatherMmu(mm);
        Memory.zapPageRangeSingleBatched(tlb, vma, H, PMD_SIZE, details);
        MmuGather.tlbFinishMmu(tlb);
        assertEquals(0, pmd.peek(), "the empty PTE table was reclaimed under the VMA lock");
        MmapLock.vmaEndRead(vma);

        collapser.join(10_000);
        assertFalse(collapser.isAlive());
        assertEquals(ScanResult.SCAN_NO_PTE_TABLE.code(), result.get(), "check_pmd_still_valid sees the table gone");
        assertEquals(0, pmd.peek(), "no table put back");
        assertTrue(oldFolio.freed);
        assertTrue(table.freed, "the table DONTNEED reclaimed is freed (RCU), not reused");
        assertQuiet(k, t, mm);
    }
}
