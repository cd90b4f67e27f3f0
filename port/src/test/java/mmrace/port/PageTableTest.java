package mmrace.port;

import mmrace.port.Memory.ReadPath;
import mmrace.port.Memory.WalkMode;
import mmrace.runtime.Kernel;
import mmrace.runtime.Page;
import mmrace.runtime.Report;
import mmrace.runtime.Task;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Page tables: allocation, freeing with floor/ceiling, RCU-safe table freeing by the mmu_gather,
 * and what the sanitizers say when a walker touches a table freed without RCU. Also the probes and
 * tracepoints a read emits.
 */
class PageTableTest {

    /** munmap-style teardown of one VMA: zap, then free_pgtables between its neighbours. */
    static void unmapRegion(MmStruct mm, VmAreaStruct vma, long prevEnd, long nextStart) {
        MmapLock.mmapWriteLock(mm);
        MmapLock.vmaStartWrite(vma);
        MmapLock.vmaMarkDetached(vma);
        assertTrue(mm.mmMt.store(vma.vmStart.get(), vma.vmEnd.get() - 1, null));
        MapleTree detached = new MapleTree(null, false); // mt_detach
        assertTrue(detached.store(vma.vmStart.peek(), vma.vmEnd.peek() - 1, vma));
        UnmapDesc d = new UnmapDesc();
        d.mas = detached;
        d.first = vma;
        d.pgStart = prevEnd; // prev ? prev->vm_end : FIRST_USER_ADDRESS
        d.pgEnd = nextStart; // next ? next->vm_start : USER_PGTABLES_CEILING
        d.vmaStart = vma.vmStart.get();
        d.vmaEnd = vma.vmEnd.get();
        d.treeEnd = vma.vmEnd.get();
        d.treeReset = vma.vmEnd.get();
        d.mmWrLocked = true;
        MmuGather tlb = MmuGather.tlbGatherMmu(mm);
        Memory.unmapVmas(tlb, d);
        Memory.freePgtables(tlb, d);
        MmuGather.tlbFinishMmu(tlb);
        MmapLock.mmapWriteUnlock(mm);
        VmaInit.vmAreaFree(vma);
    }

    /**
     * free_pgtables honours floor and ceiling: unmapping B next to A in the same 2 MiB range keeps
     * the PTE table A uses (so a VMA-locked walker of A keeps its table); unmapping a VMA alone in
     * its PMD range frees its PTE table, and the PMD table only when nothing else is in its 1 GiB.
     */
    @Test
    void freePgtablesKeepsTablesNeighboursUse() {
        Kernel k = new Kernel();
        Task t = k.enter("t0");
        MmStruct mm = TestMm.mm(k);
        VmAreaStruct a = TestMm.anon(mm, 0x10000, 0x12000, TestMm.RW, "A");
        VmAreaStruct b = TestMm.anon(mm, 0x12000, 0x14000, TestMm.RW, "B");
        VmAreaStruct c = TestMm.anon(mm, 0x600000, 0x601000, TestMm.RW, "C");
        assertEquals(0, Fault.userStore(mm, 0x11000, new byte[] { 1 }));
        assertEquals(0, Fault.userStore(mm, 0x12000, new byte[] { 2 }));
        assertEquals(0, Fault.userStore(mm, 0x600000, new byte[] { 3 }));
        Ptep pmdA = Rmap.mmFindPmd(mm, 0x10000), pmdC = Rmap.mmFindPmd(mm, 0x600000);
        Page tableA = Pgtable.tablePage(pmdA.peek()), tableC = Pgtable.tablePage(pmdC.peek());
        Page pmdTable = pmdA.table();

        unmapRegion(mm, b, a.vmEnd.peek(), c.vmStart.peek());
        assertFalse(tableA.freed, "A's PTE table survives an adjacent munmap");
        assertEquals(1, TestMm.pageAt(mm, 0x11000).peekByte(0));
        assertEquals(0, TestMm.pteAt(mm, 0x12000));

        unmapRegion(mm, c, a.vmEnd.peek(), 0);
        assertTrue(tableC.freed, "C's PTE table is freed (RCU callback ran: no readers)");
        assertFalse(pmdTable.freed, "the PMD table still maps A");
        assertEquals(0, pmdC.peek());
        assertTrue(k.reports.all().isEmpty(), () -> k.reports.all().toString());

        unmapRegion(mm, a, 0, 0);
        assertTrue(tableA.freed);
        assertTrue(pmdTable.freed, "nothing left below the ceiling: the PMD table goes too");
        assertTrue(k.reports.all().isEmpty(), () -> k.reports.all().toString());
        assertEquals(List.of(), k.lockdep.heldBy(t));
    }

    /**
     * A PTE table freed through the mmu_gather waits for RCU readers: while a walker is inside
     * pte_offset_map's RCU section the table stays allocated, and it is freed once the walker
     * leaves. With the table batch allocation failing (site "tlb_batch"), the current kernel frees
     * the single table through call_rcu on the ptdesc (CONFIG_PT_RECLAIM) or after synchronize_rcu.
     */
    @Test
    void tableFreeWaitsForRcuReaders() {
        for (boolean batchFails : new boolean[] { false, true }) {
            Kernel k = new Kernel();
            Task t = k.enter("t0");
            MmStruct mm = TestMm.mm(k);
            VmAreaStruct a = TestMm.anon(mm, 0x200000, 0x400000, TestMm.RW, "A");
            assertEquals(0, Fault.userStore(mm, 0x200000, new byte[] { 1 }));
            Ptep pmd = Rmap.mmFindPmd(mm, 0x200000);
            Page table = Pgtable.tablePage(pmd.peek());
            Task w = k.newTask("walker", null); // another CPU, inside pte_offset_map's RCU section
            w.bind();
            PgtableGeneric.PteMap walker = PgtableGeneric.pteOffsetMap(pmd, 0x200000);
            t.bind();
            assertNotNull(walker);
            if (batchFails)
                k.faults.failNth("tlb_batch", "*", 1);
            MmapLock.mmapReadLock(mm);
            MmuGather tlb = MmuGather.tlbGatherMmu(mm);
            ZapDetails details = new ZapDetails();
            details.reclaimPt = true;
            details.evenCows = true;
            Memory.zapPageRangeSingleBatched(tlb, a, 0x200000, 0x200000, details);
            MmuGather.tlbFinishMmu(tlb);
            MmapLock.mmapReadUnlock(mm);
            assertEquals(0, pmd.peek(), "the table was unlinked");
            assertFalse(table.freed, "but not freed while the walker is in its RCU section");
            w.bind();
            walker.pte().readOnce(); // still valid memory
            PgtableGeneric.pteUnmap(walker.pte());
            t.bind();
            assertTrue(table.freed, "freed after the grace period");
            assertEquals(batchFails ? 1 : 0, k.faults.injected());
            assertTrue(k.reports.all().isEmpty(), () -> k.reports.all().toString());
        }
    }

    /** Without CONFIG_PT_RECLAIM a failed batch allocation frees the table after synchronize_rcu. */
    @Test
    void tableBatchFailureWithoutPtReclaimSynchronizes() {
        boolean saved = MmuGather.CONFIG_PT_RECLAIM;
        MmuGather.CONFIG_PT_RECLAIM = false;
        try {
            Kernel k = new Kernel();
            Task t = k.enter("t0");
            MmStruct mm = TestMm.mm(k);
            Page table = k.pages.allocTable("pte");
            k.faults.failNth("tlb_batch", "*", 1);
            MmuGather tlb = MmuGather.tlbGatherMmu(mm);
            MmuGather.pteFreeTlb(tlb, table, 0x200000);
            assertTrue(table.freed, "synchronize_rcu returned at once (no readers), then freed");
            MmuGather.tlbFinishMmu(tlb);
            assertTrue(k.reports.all().isEmpty(), () -> k.reports.all().toString());
        } finally {
            MmuGather.CONFIG_PT_RECLAIM = saved;
        }
    }

    /**
     * KASAN: a walker that mapped a PTE table and then touches it after the table was freed without
     * waiting for RCU (a bug the model must catch) gets a use-after-free report.
     */
    @Test
    void walkerTouchingATableFreedWithoutRcuGetsKasan() {
        Kernel k = new Kernel();
        Task t = k.enter("t0");
        MmStruct mm = TestMm.mm(k);
        TestMm.anon(mm, 0x200000, 0x400000, TestMm.RW, "A");
        assertEquals(0, Fault.userStore(mm, 0x200000, new byte[] { 1 }));
        Ptep pmd = Rmap.mmFindPmd(mm, 0x200000);
        Page table = Pgtable.tablePage(pmd.peek());
        PgtableGeneric.PteMap walker = PgtableGeneric.pteOffsetMap(pmd, 0x200000);
        pmd.set(0);
        k.pages.free(table); // the buggy free: no RCU, no IPI
        walker.pte().readOnce();
        PgtableGeneric.pteUnmap(walker.pte());
        List<Report> r = k.reports.all();
        assertFalse(r.isEmpty());
        assertEquals(Report.Kind.KASAN, r.get(0).kind(), r.toString());
    }

    /** pte_free_defer frees a PTE table only after RCU readers are gone. */
    @Test
    void pteFreeDeferWaitsForReaders() {
        Kernel k = new Kernel();
        Task t = k.enter("t0");
        MmStruct mm = TestMm.mm(k);
        Page table = k.pages.allocTable("pte");
        k.rcu.readLock();
        PgtableGeneric.pteFreeDefer(mm, table);
        assertFalse(table.freed);
        k.rcu.readUnlock();
        assertTrue(table.freed);
    }

    /**
     * Page-table allocation: pmdAlloc builds the PUD and PMD tables, pteAlloc the PTE table, each
     * published once; an injected failure is -ENOMEM / NULL, as pte_alloc_one/pud_alloc_one failing.
     */
    @Test
    void pageTableAllocation() {
        Kernel k = new Kernel();
        Task t = k.enter("t0");
        MmStruct mm = TestMm.mm(k);
        Ptep pmd = Memory.pmdAlloc(mm, 0x10000);
        assertNotNull(pmd);
        assertEquals(0, Memory.pteAlloc(mm, pmd));
        long e = pmd.peek();
        assertTrue(Pgtable.tablePage(e).isTable());
        assertEquals(0, Memory.pteAlloc(mm, pmd)); // already there: nothing allocated
        assertEquals(e, pmd.peek());
        k.faults.failNth("pgtable", "*", 1);
        assertEquals(null, Memory.pmdAlloc(mm, 1L << 39)); // new pgd slot: the PUD allocation fails
        Ptep pmd2 = Memory.pmdAlloc(mm, 0x40000000L);
        k.faults.failNth("pgtable", "*", 1);
        assertEquals(-mmrace.runtime.Errno.ENOMEM, Memory.pteAlloc(mm, pmd2));
        assertTrue(k.reports.all().isEmpty(), () -> k.reports.all().toString());
    }

    /**
     * The probes, trace lines and tracepoints of a read: READ_BEGIN/READ_END around every read,
     * READ_LOCK_DROPPED only when expand_stack dropped mmap_lock between bytes already copied and
     * bytes still to copy (a failed expansion ends the read, so no layout break), the fast path's copies and its
     * fallback reasons in kernel words.
     */
    @Test
    void readsEmitProbesAndTracepoints() {
        Kernel k = new Kernel();
        Recorder rec = new Recorder();
        Task t = k.newTask("t0", rec);
        t.bind();
        MmStruct mm = TestMm.mm(k);
        TestMm.anon(mm, 0x10000, 0x12000, TestMm.RW, "A");
        TestMm.anon(mm, 0x12000, 0x14000, TestMm.RW, "B");
        assertEquals(0, Fault.userStore(mm, 0x11ff8, new byte[16]));
        rec.clear();
        byte[] buf = new byte[16];
        assertEquals(16, Memory.accessRemoteVm(mm, 0x11ff8, buf, 16, 0, ReadPath.FAST_V1, WalkMode.IRQ_OFF));
        assertEquals(List.of("READ_BEGIN " + 0x11ff8, "READ_END 16"), rec.tracepoints);
        assertTrue(rec.hit("access_remote_vm_fast: copied a page under the VMA lock"), rec.probes::toString);
        assertTrue(rec.hit("access_remote_vm_fast (v1): moves on into the next VMA"), rec.probes::toString);
        assertTrue(rec.notes.contains("copy 8 bytes from folio " + TestMm.pageAt(mm, 0x11ff8).pfn + " at 0x11ff8"), rec.notes::toString);
        rec.clear();
        assertEquals(16, Memory.accessRemoteVm(mm, 0x11ff8, buf, 16, 0, ReadPath.FAST_ONE_VMA, WalkMode.RCU));
        assertTrue(rec.hit("access_remote_vm_fast: range not within one VMA, whole request slow"), rec.probes::toString);
        rec.clear();
        assertEquals(16, Memory.accessRemoteVm(mm, 0x13000, buf, 16, 0, ReadPath.FAST_ONE_VMA_REDO, WalkMode.RCU));
        assertTrue(rec.notes.contains("fast path falls back at 0x13000: not present"), rec.notes::toString);
        assertTrue(rec.hit("access_remote_vm_fast: fallback discards the copy, redo slow"), rec.probes::toString);
        rec.clear();
        assertEquals(8, Memory.accessRemoteVm(mm, 0x13ff8, buf, 16, 0, ReadPath.SLOW, WalkMode.RCU));
        assertTrue(rec.tracepoints.stream().noneMatch(tp -> tp.startsWith("READ_LOCK_DROPPED")), rec.tracepoints::toString);
        assertTrue(k.reports.all().isEmpty(), () -> k.reports.all().toString());
    }

    /**
     * The v2 walker (FW_VMA_LOCKED with interrupts off) asserts that interrupts are disabled: a
     * caller that forgets gets a lockdep report; and the interrupts-off walker holds off an RCU grace
     * period, as synchronize_rcu does for such sections in the kernel.
     */
    @Test
    void v2WalkerAssertsInterruptsOff() {
        Kernel k = new Kernel();
        Task t = k.enter("t0");
        MmStruct mm = TestMm.mm(k);
        TestMm.anon(mm, 0x10000, 0x12000, TestMm.RW, "A");
        assertEquals(0, Fault.userStore(mm, 0x10000, new byte[] { 5 }));
        VmAreaStruct vma = MmapLock.lockVmaUnderRcu(mm, 0x10000);
        FolioWalk fw = new FolioWalk();
        Page folio = PageWalk.folioWalkStart(fw, vma, 0x10000, PageWalk.FW_VMA_LOCKED | PageWalk.FW_VMA_LOCKED_V2);
        assertNotNull(folio);
        PageWalk.folioWalkEnd(fw, vma);
        MmapLock.vmaEndRead(vma);
        List<Report> r = k.reports.all();
        assertEquals(1, r.size());
        assertEquals(Report.Kind.LOCKDEP, r.get(0).kind());
    }

    /**
     * pte_wrprotect (fork's copy_present_pte write-protects both the parent's and the child's PTE
     * of a private writable page, so the first write after fork copies): only _PAGE_RW goes; the
     * pfn, present, dirty and accessed bits stay.
     */
    @Test
    void pteWrprotectClearsOnlyTheWriteBit() {
        long pte = Pgtable.pteMkdirty(Pgtable.pteMkyoung(Pgtable.pteMkwrite(Pgtable.pfnPte(0x1234, Pgtable.PAGE_READONLY))));
        long ro = Pgtable.pteWrprotect(pte);
        assertFalse(Pgtable.pteWrite(ro));
        assertTrue(Pgtable.ptePresent(ro));
        assertTrue(Pgtable.pteDirty(ro));
        assertTrue(Pgtable.pteYoung(ro));
        assertEquals(0x1234, Pgtable.ptePfn(ro));
        assertEquals(ro, Pgtable.pteWrprotect(ro), "idempotent");
    }

    /**
     * tlb_gather_mmu_fullmm (exit_mmap tears the whole address space down with it): the range is
     * ~0 (nothing to narrow), tlb_end_vma does not flush between VMAs, and the flush at
     * tlb_finish_mmu covers the whole address space, once.
     */
    @Test
    void fullmmGatherFlushesOnceAtTheEnd() {
        Kernel k = new Kernel();
        Recorder rec = new Recorder();
        Task t = k.newTask("t0", rec);
        t.bind();
        MmStruct mm = TestMm.mm(k);
        VmAreaStruct a = TestMm.anon(mm, 0x10000, 0x12000, TestMm.RW, "A");
        MmuGather tlb = MmuGather.tlbGatherMmuFullmm(mm);
        assertEquals(~0L, tlb.start);
        assertEquals(~0L, tlb.end);
        MmuGather.tlbStartVma(tlb, a);
        MmuGather.tlbRemoveTlbEntry(tlb, new Ptep(mm.pgd, 0), 0x10000);
        rec.clear();
        MmuGather.tlbEndVma(tlb, a);
        assertTrue(rec.notes.stream().noneMatch(n -> n.startsWith("flush_tlb_mm_range")), rec.notes::toString);
        MmuGather.tlbFinishMmu(tlb);
        assertEquals(List.of("flush_tlb_mm_range(" + mm + ", 0x0, " + String.format("%#x", Mm.TASK_SIZE) + ", freed_tables=false)"),
                rec.notes.stream().filter(n -> n.startsWith("flush_tlb_mm_range")).toList());
        assertTrue(k.reports.all().isEmpty(), () -> k.reports.all().toString());
    }
}
