package mmrace.port;

import mmrace.runtime.Mutant;
import mmrace.runtime.Page;
import mmrace.runtime.Probes;
import mmrace.runtime.Report;
import mmrace.runtime.Task;
import mmrace.runtime.Trace;

import java.util.ArrayList;
import java.util.List;

/**
 * struct mmu_gather (include/asm-generic/tlb.h) and mm/mmu_gather.c, as configured on x86-64:
 * CONFIG_MMU_GATHER_TABLE_FREE, CONFIG_MMU_GATHER_RCU_TABLE_FREE and CONFIG_PT_RECLAIM set,
 * CONFIG_MMU_GATHER_MERGE_VMAS not set. Read: mm/mmu_gather.c at
 * a940daa52167e9db8ecce82213813b735a9d9f23 and an annotated copy of the 2026 file (stored id
 * 67116763006) that carries Lance Yang's change (1fb3d8c20bfa): when the table batch cannot be
 * allocated, a single table is no longer freed after an IPI broadcast; with CONFIG_PT_RECLAIM it is
 * freed through call_rcu on the ptdesc's own rcu_head, without it after synchronize_rcu
 * (tlb_remove_table_sync_rcu). tlb_remove_table_sync_one() (the IPI) stays for its other users
 * (khugepaged after pmdp_collapse_flush, hugetlb PMD unsharing).
 *
 * <p>The gather is an on-stack structure of the task doing the unmap: its fields are private to that
 * task and are plain Java fields.
 *
 * <p>model: mm->tlb_flush_pending and mm_tlb_flush_nested() are not modelled (the x86 flush is of
 * the whole range either way); the batch pages for folios are counted, not allocated (site
 * "tlb_page_batch" can fail tlb_next_batch); the table batch is a real page from the allocator
 * (site "tlb_batch").
 */
public final class MmuGather {
    /** CONFIG_PT_RECLAIM (x86-64: ARCH_SUPPORTS_PT_RECLAIM, with MMU_GATHER_RCU_TABLE_FREE). */
    public static boolean CONFIG_PT_RECLAIM = true;

    /** MMU_GATHER_BUNDLE: the pages the on-stack local batch holds. */
    static final int MMU_GATHER_BUNDLE = 8;
    /** MAX_GATHER_BATCH: (PAGE_SIZE - sizeof(struct mmu_gather_batch)) / sizeof(void *). */
    static final int MAX_GATHER_BATCH = (Page.PAGE_SIZE - 16) / 8;
    /** MAX_GATHER_BATCH_COUNT: 10000UL / MAX_GATHER_BATCH. */
    static final int MAX_GATHER_BATCH_COUNT = 10000 / MAX_GATHER_BATCH;
    /** MAX_TABLE_BATCH: (PAGE_SIZE - sizeof(struct mmu_table_batch)) / sizeof(void *). */
    static final int MAX_TABLE_BATCH = (Page.PAGE_SIZE - 24) / 8;

    static final int P_BATCH_FULL = Probes.register("__tlb_remove_folio_pages: batch full, force flush");
    static final int P_TABLE_BATCH_FAIL = Probes.register("tlb_remove_table: batch allocation failed, tlb_remove_table_one");
    static final int P_TABLE_ONE_RCU = Probes.register("__tlb_remove_table_one: call_rcu on ptdesc (PT_RECLAIM)");
    static final int P_TABLE_ONE_SYNC = Probes.register("__tlb_remove_table_one: synchronize_rcu then free");
    static final int P_SYNC_ONE = Probes.register("tlb_remove_table_sync_one: IPI broadcast");

    /** One gathered page: encoded_page with ENCODED_PAGE_BIT_DELAY_RMAP. */
    record EncodedPage(Page page, boolean delayRmap) {}

    public final MmStruct mm;
    boolean fullmm;
    /** The range to flush (__tlb_adjust_range): start = ~0 and end = 0 when empty. */
    long start, end;
    boolean freedTables, clearedPtes, clearedPmds, clearedPuds, needFlushAll;
    boolean delayedRmap;
    /** The gathered pages: local batch plus allocated batches (one list; capacity counted). */
    final List<EncodedPage> pages = new ArrayList<>();
    int capacity;
    int batchCount;
    /** tlb->batch: the table batch, and the page that holds it. */
    List<Page> tableBatch;
    Page tableBatchPage;
    boolean finished;

    private MmuGather(MmStruct mm) {
        this.mm = mm;
    }

    @Override
    public String toString() {
        return "mmu_gather(" + mm + ")";
    }

    // ---------------------------------------------------------------- include/asm-generic/tlb.h

    /** __tlb_reset_range(tlb). */
    void __tlbResetRange() {
        if (fullmm) {
            start = end = ~0L;
        } else {
            start = Mm.TASK_SIZE;
            end = 0;
        }
        freedTables = false;
        clearedPtes = clearedPmds = clearedPuds = false;
    }

    /** __tlb_adjust_range(tlb, address, range_size). */
    void __tlbAdjustRange(long address, long rangeSize) {
        if (Long.compareUnsigned(address, start) < 0) // min(tlb->start, address): unsigned long
            start = address;
        if (Long.compareUnsigned(address + rangeSize, end) > 0)
            end = address + rangeSize;
    }

    /** tlb_flush_pte_range(tlb, address, size). */
    public void tlbFlushPteRange(long address, long size) {
        __tlbAdjustRange(address, size);
        clearedPtes = true;
    }

    /** tlb_flush_pmd_range(tlb, address, size). */
    void tlbFlushPmdRange(long address, long size) {
        __tlbAdjustRange(address, size);
        clearedPmds = true;
    }

    /** tlb_flush_pud_range(tlb, address, size). */
    void tlbFlushPudRange(long address, long size) {
        __tlbAdjustRange(address, size);
        clearedPuds = true;
    }

    /** tlb_remove_tlb_entry(tlb, ptep, address). */
    public static void tlbRemoveTlbEntry(MmuGather tlb, Ptep ptep, long address) {
        tlb.tlbFlushPteRange(address, Page.PAGE_SIZE);
    }

    /** tlb_remove_tlb_entries(tlb, ptep, nr, address). */
    public static void tlbRemoveTlbEntries(MmuGather tlb, Ptep ptep, int nr, long address) {
        tlb.tlbFlushPteRange(address, (long) Page.PAGE_SIZE * nr);
    }

    /** tlb_flush_mmu_tlbonly(tlb): the TLB flush (x86 tlb_flush: flush_tlb_mm_range). */
    public static void tlbFlushMmuTlbonly(MmuGather tlb) {
        if (!(tlb.freedTables || tlb.clearedPtes || tlb.clearedPmds || tlb.clearedPuds))
            return;
        long s = tlb.fullmm ? 0 : tlb.start, e = tlb.fullmm ? Mm.TASK_SIZE : tlb.end;
        Tlb.flushTlbMmRange(tlb.mm, s, e, tlb.freedTables);
        tlb.__tlbResetRange();
    }

    /**
     * tlb_change_page_size(tlb, page_size) (include/asm-generic/tlb.h): only acts with
     * CONFIG_MMU_GATHER_PAGE_SIZE, which x86 does not select.
     */
    public static void tlbChangePageSize(MmuGather tlb, long pageSize) {}

    /** tlb_start_vma(tlb, vma): flush_cache_range is a no-op on x86. */
    public static void tlbStartVma(MmuGather tlb, VmAreaStruct vma) {
        if (tlb.fullmm)
            return;
    }

    /** tlb_end_vma(tlb, vma): without MMU_GATHER_MERGE_VMAS, flush at the end of every VMA. */
    public static void tlbEndVma(MmuGather tlb, VmAreaStruct vma) {
        if (tlb.fullmm)
            return;
        tlbFlushMmuTlbonly(tlb);
    }

    /** tlb_delay_rmap(tlb): true on SMP. */
    static boolean tlbDelayRmap(MmuGather tlb) {
        return true;
    }

    /** pte_free_tlb(tlb, ptep, address): the PTE table page is freed RCU-safely. */
    public static void pteFreeTlb(MmuGather tlb, Page pte, long address) {
        tlb.tlbFlushPmdRange(address, Page.PAGE_SIZE);
        tlb.freedTables = true;
        Trace.note("pte_free_tlb(%s, %#x)", pte, address);
        tlbRemoveTable(tlb, pte); // x86 ___pte_free_tlb -> tlb_remove_ptdesc
    }

    /** pmd_free_tlb(tlb, pmdp, address). */
    public static void pmdFreeTlb(MmuGather tlb, Page pmd, long address) {
        tlb.tlbFlushPudRange(address, Page.PAGE_SIZE);
        tlb.freedTables = true;
        Trace.note("pmd_free_tlb(%s, %#x)", pmd, address);
        tlbRemoveTable(tlb, pmd);
    }

    /** pud_free_tlb(tlb, pudp, address). */
    public static void pudFreeTlb(MmuGather tlb, Page pud, long address) {
        tlb.__tlbAdjustRange(address, Page.PAGE_SIZE); // tlb_flush_p4d_range
        tlb.freedTables = true;
        Trace.note("pud_free_tlb(%s, %#x)", pud, address);
        tlbRemoveTable(tlb, pud);
    }

    // ---------------------------------------------------------------- mm/mmu_gather.c

    /** tlb_next_batch(tlb): room for another batch of pages, or false (force a flush). */
    boolean tlbNextBatch() {
        Task t = Task.current();
        if (delayedRmap && capacity > MMU_GATHER_BUNDLE)
            return false; // limit batching if we have delayed rmaps pending
        if (batchCount == MAX_GATHER_BATCH_COUNT)
            return false;
        if (t.kernel.faults.shouldFail(t, "tlb_page_batch")) // __get_free_page(GFP_NOWAIT)
            return false;
        batchCount++;
        capacity += MAX_GATHER_BATCH;
        return true;
    }

    /** tlb_flush_rmaps(tlb, vma): the delayed rmap removals, after the TLB flush. */
    public static void tlbFlushRmaps(MmuGather tlb, VmAreaStruct vma) {
        if (!tlb.delayedRmap)
            return;
        for (int i = 0; i < tlb.pages.size(); i++) {
            EncodedPage e = tlb.pages.get(i);
            if (e.delayRmap) {
                Rmap.folioRemoveRmapPtes(e.page.head, e.page, 1, vma);
                tlb.pages.set(i, new EncodedPage(e.page, false));
            }
        }
        tlb.delayedRmap = false;
    }

    /** tlb_batch_pages_flush(tlb): free_pages_and_swap_cache on everything gathered. */
    void tlbBatchPagesFlush() {
        List<Page> l = new ArrayList<>(pages.size());
        for (EncodedPage e : pages)
            l.add(e.page);
        pages.clear();
        SwapState.freePagesAndSwapCache(l);
    }

    /** __tlb_remove_folio_pages(tlb, page, nr_pages, delay_rmap): true when the caller must flush. */
    public static boolean __tlbRemoveFolioPages(MmuGather tlb, Page page, int nrPages, boolean delayRmap) {
        if (tlb.finished)
            warn("__tlb_remove_folio_pages on a finished mmu_gather");
        tlb.pages.add(new EncodedPage(page, delayRmap));
        if (delayRmap)
            tlb.delayedRmap = true;
        if (tlb.pages.size() >= tlb.capacity) {
            if (!tlb.tlbNextBatch()) {
                Probes.hit(P_BATCH_FULL);
                return true;
            }
        }
        return false;
    }

    /** __tlb_remove_table(table): pagetable_dtor_free(ptdesc). */
    static void __tlbRemoveTable(Page table) {
        Trace.note("__tlb_remove_table(%s): freed", table);
        Task.current().kernel.pages.free(table);
    }

    /** __tlb_remove_table_free(batch): every table, then the batch page. */
    static void __tlbRemoveTableFree(List<Page> batch, Page batchPage) {
        for (Page p : batch)
            __tlbRemoveTable(p);
        Task.current().kernel.pages.free(batchPage);
    }

    /**
     * tlb_remove_table_sync_one(): an IPI to every other CPU, waited for. "This isn't an RCU grace
     * period": it only excludes walkers that run with interrupts disabled.
     */
    public static void tlbRemoveTableSyncOne() {
        Probes.hit(P_SYNC_ONE);
        Trace.note("tlb_remove_table_sync_one()");
        Task.current().kernel.irq.smpCallFunctionWait("tlb_remove_table_sync_one");
    }

    /** tlb_remove_table_sync_rcu(): synchronize_rcu(), which also waits for interrupts-off walkers. */
    public static void tlbRemoveTableSyncRcu() {
        Task.current().kernel.rcu.synchronize();
    }

    /** tlb_remove_table_free(batch): call_rcu(&batch->rcu, tlb_remove_table_rcu). */
    static void tlbRemoveTableFree(List<Page> batch, Page batchPage) {
        if (Mutant.on(Mutant.TABLE_FREE_NO_RCU))
            __tlbRemoveTableFree(batch, batchPage); // no grace period
        else
            Task.current().kernel.rcu.call(() -> __tlbRemoveTableFree(batch, batchPage), "tlb_remove_table_rcu " + batch);
    }

    /** tlb_table_invalidate(tlb): tlb_needs_table_invalidate() is false on x86 (the TLB flush did it). */
    static void tlbTableInvalidate(MmuGather tlb) {}

    /** __tlb_remove_table_one(table): the PT_RECLAIM form, or the synchronize_rcu form. */
    static void __tlbRemoveTableOne(Page table) {
        if (CONFIG_PT_RECLAIM) {
            Probes.hit(P_TABLE_ONE_RCU);
            Task.current().kernel.rcu.call(() -> __tlbRemoveTable(table), "__tlb_remove_table_one_rcu " + table);
        } else {
            Probes.hit(P_TABLE_ONE_SYNC);
            tlbRemoveTableSyncRcu();
            __tlbRemoveTable(table);
        }
    }

    /** tlb_remove_table_one(table). */
    static void tlbRemoveTableOne(Page table) {
        __tlbRemoveTableOne(table);
    }

    /** tlb_table_flush(tlb). */
    static void tlbTableFlush(MmuGather tlb) {
        if (tlb.tableBatch != null) {
            tlbTableInvalidate(tlb);
            tlbRemoveTableFree(tlb.tableBatch, tlb.tableBatchPage);
            tlb.tableBatch = null;
            tlb.tableBatchPage = null;
        }
    }

    /** tlb_remove_table(tlb, table). */
    public static void tlbRemoveTable(MmuGather tlb, Page table) {
        if (tlb.tableBatch == null) {
            Page b = Task.current().kernel.pages.alloc("tlb_batch"); // __get_free_page(GFP_NOWAIT)
            if (b == null) {
                Probes.hit(P_TABLE_BATCH_FAIL);
                tlbTableInvalidate(tlb);
                tlbRemoveTableOne(table);
                return;
            }
            tlb.tableBatchPage = b;
            tlb.tableBatch = new ArrayList<>();
        }
        tlb.tableBatch.add(table);
        if (tlb.tableBatch.size() == MAX_TABLE_BATCH)
            tlbTableFlush(tlb);
    }

    /** tlb_flush_mmu_free(tlb). */
    static void tlbFlushMmuFree(MmuGather tlb) {
        tlbTableFlush(tlb);
        tlb.tlbBatchPagesFlush();
    }

    /** tlb_flush_mmu(tlb): the TLB flush, then the frees. */
    public static void tlbFlushMmu(MmuGather tlb) {
        tlbFlushMmuTlbonly(tlb);
        tlbFlushMmuFree(tlb);
    }

    /** __tlb_gather_mmu(tlb, mm, fullmm). */
    static MmuGather __tlbGatherMmu(MmStruct mm, boolean fullmm) {
        MmuGather tlb = new MmuGather(mm);
        tlb.fullmm = fullmm;
        tlb.needFlushAll = false;
        tlb.capacity = MMU_GATHER_BUNDLE;
        tlb.batchCount = 0;
        tlb.delayedRmap = false;
        tlb.tableBatch = null; // tlb_table_init
        tlb.__tlbResetRange();
        return tlb;
    }

    /** tlb_gather_mmu(tlb, mm). */
    public static MmuGather tlbGatherMmu(MmStruct mm) {
        return __tlbGatherMmu(mm, false);
    }

    /** tlb_gather_mmu_fullmm(tlb, mm). */
    public static MmuGather tlbGatherMmuFullmm(MmStruct mm) {
        return __tlbGatherMmu(mm, true);
    }

    /** tlb_finish_mmu(tlb): flush the TLB, free gathered folios, queue page tables for RCU freeing. */
    public static void tlbFinishMmu(MmuGather tlb) {
        if (tlb.finished) {
            warn("tlb_finish_mmu twice");
            return;
        }
        tlbFlushMmu(tlb);
        tlb.finished = true; // tlb_batch_list_free; dec_tlb_flush_pending
    }

    private static void warn(String what) {
        Task t = Task.current();
        t.kernel.reports.file(t, Report.Kind.WARN, what, "");
    }
}
