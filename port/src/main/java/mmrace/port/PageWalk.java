package mmrace.port;

import mmrace.runtime.Page;
import mmrace.runtime.Probes;
import mmrace.runtime.Report;
import mmrace.runtime.SpinLock;
import mmrace.runtime.Task;
import mmrace.runtime.Trace;

/**
 * mm/pagewalk.c (not stored at c17ee635; read from stored id 49669971, the folio_walk version
 * with FW_MIGRATION) and include/linux/pagewalk.h: folio_walk_start /
 * folio_walk_end, with FW_VMA_LOCKED from the patch "mm/pagewalk: let folio_walk_start() run under
 * the per-VMA lock" (Rik van Riel, 2/3 of "mm: __access_remote_vm with per-VMA lock", v1 16 June
 * 2026 and v2 24 June 2026). vma_pgtable_walk_begin/end live in mm/memory.c, so they are in {@link Memory}.
 *
 * <p>FW_VMA_LOCKED: the caller holds the VMA read lock instead of the mmap lock. v1: assert the VMA
 * lock, require CONFIG_MMU_GATHER_RCU_TABLE_FREE, refuse hugetlb. v2: the same, and assert that
 * interrupts are disabled (the caller keeps them off until folio_walk_end).
 *
 * <p>model: FW_MIGRATION is left out (the 2026 mm tree drops it and the patch numbers FW_ZEROPAGE
 * BIT(0), FW_VMA_LOCKED BIT(1)); which version of FW_VMA_LOCKED is meant is chosen per call with
 * the model-only flag {@link #FW_VMA_LOCKED_V2}. No huge PUD/PMD leaves are ever created in the
 * model: where the kernel returns the folio of a present PUD or PMD leaf (vm_normal_page_pud /
 * vm_normal_page_pmd), the model's walk drops the lock and returns "not found", as it does for a
 * non-present leaf (a PMD migration entry).
 */
public final class PageWalk {
    private PageWalk() {}

    /** FW_ZEROPAGE: also return the shared zero page (fw->page = NULL). */
    public static final int FW_ZEROPAGE = 1 << 0;
    /** FW_VMA_LOCKED (the patch): the caller holds the per-VMA lock, not mmap_lock. */
    public static final int FW_VMA_LOCKED = 1 << 1;
    /** model: with FW_VMA_LOCKED, the v2 semantics (also lockdep_assert_irqs_disabled). */
    public static final int FW_VMA_LOCKED_V2 = 1 << 30;
    /** CONFIG_MMU_GATHER_RCU_TABLE_FREE: x86 selects it. */
    public static final boolean CONFIG_MMU_GATHER_RCU_TABLE_FREE = true;

    static final int P_NOT_FOUND = Probes.register("folio_walk_start: not found");
    static final int P_FOUND = Probes.register("folio_walk_start: found a normal folio");
    static final int P_ZERO = Probes.register("folio_walk_start: found the zero page (FW_ZEROPAGE)");
    static final int P_HUGETLB = Probes.register("folio_walk_start: FW_VMA_LOCKED refuses hugetlb");
    static final int P_NO_TABLE = Probes.register("folio_walk_start: pte_offset_map_lock found no PTE table");
    static final int P_PTE_NONE = Probes.register("folio_walk_start: pte none or not present");

    /**
     * folio_walk_start(fw, vma, addr, flags): the folio mapped at addr with the page-table lock
     * held (not referenced: take a reference before folio_walk_end if it is used after), or null
     * with nothing held.
     */
    public static Page folioWalkStart(FolioWalk fw, VmAreaStruct vma, long addr, int flags) {
        Task t = Task.current();
        MmStruct mm = vma.vmMm.get();
        boolean exposePage = true;
        Page page = null;
        SpinLock ptl = null;

        if ((flags & FW_VMA_LOCKED) != 0) {
            MmapLock.vmaAssertLocked(vma);
            if ((flags & FW_VMA_LOCKED_V2) != 0 && !t.irqsDisabled()) // lockdep_assert_irqs_disabled
                t.kernel.reports.file(t, Report.Kind.LOCKDEP, "lockdep_assert_irqs_disabled failed", "folio_walk_start(FW_VMA_LOCKED)");
            if (!CONFIG_MMU_GATHER_RCU_TABLE_FREE)
                return null;
            if (Mm.isVmHugetlbPage(vma)) {
                Probes.hit(P_HUGETLB);
                t.kernel.reports.file(t, Report.Kind.WARN, "WARN_ON_ONCE(FW_VMA_LOCKED on hugetlb)", vma.describe());
                return null;
            }
        } else {
            MmapLock.mmapAssertLocked(mm);
        }
        Memory.vmaPgtableWalkBegin(vma);

        notFound:
        {
            if (addr < vma.vmStart.get() || addr >= vma.vmEnd.get()) {
                t.kernel.reports.file(t, Report.Kind.WARN, "WARN_ON_ONCE(addr outside vma)", vma.describe() + " @" + Long.toHexString(addr));
                break notFound;
            }
            Ptep pgdp = Pgtable.pgdOffset(mm, addr);
            Ptep p4dp = Pgtable.p4dOffset(pgdp, addr); // pgd_none_or_clear_bad: folded, never none
            if (Memory.p4dNoneOrClearBad(p4dp))
                break notFound;
            Ptep pudp = Pgtable.pudOffset(p4dp.load(), addr);
            long pud = pudp.readOnce(); // pudp_get
            if (Pgtable.pudNone(pud))
                break notFound;
            if (!Pgtable.pudPresent(pud) || Pgtable.pudLeaf(pud)) { // CONFIG_PGTABLE_HAS_HUGE_LEAVES
                ptl = Memory.pudLock(mm, pudp);
                pud = pudp.readOnce();
                fw.level = FolioWalk.Level.PUD;
                fw.ptep = pudp;
                fw.entry = pud;
                if (Pgtable.pudNone(pud) || !Pgtable.pudPresent(pud) || Pgtable.pudLeaf(pud)) {
                    // present leaves: vm_normal_page_pud; the model never makes any
                    ptl.unlock();
                    break notFound;
                }
                ptl.unlock(); // present, not a leaf: pmd_table
            }
            Ptep pmdp = Pgtable.pmdOffset(pud, addr);
            long pmd = pmdp.readOnce(); // pmdp_get_lockless
            if (Pgtable.pmdNone(pmd))
                break notFound;
            if (!Pgtable.pmdPresent(pmd) || Pgtable.pmdLeaf(pmd)) {
                ptl = Memory.pmdLock(mm, pmdp);
                pmd = pmdp.readOnce();
                fw.level = FolioWalk.Level.PMD;
                fw.ptep = pmdp;
                fw.entry = pmd;
                if (Pgtable.pmdNone(pmd) || !Pgtable.pmdPresent(pmd) || Pgtable.pmdLeaf(pmd)) {
                    ptl.unlock();
                    break notFound;
                }
                ptl.unlock(); // pte_table
            }
            PgtableGeneric.PteMap m = PgtableGeneric.pteOffsetMapLock(mm, pmdp, addr);
            if (m == null) {
                Probes.hit(P_NO_TABLE);
                break notFound;
            }
            ptl = m.ptl();
            Ptep ptep = m.pte();
            long pte = ptep.readOnce(); // ptep_get
            fw.level = FolioWalk.Level.PTE;
            fw.ptep = ptep;
            fw.entry = pte;
            if (Pgtable.ptePresent(pte)) {
                page = Memory.vmNormalPage(vma, addr, pte);
                if (page != null) {
                    Probes.hit(P_FOUND);
                } else if ((flags & FW_ZEROPAGE) != 0 && Memory.isZeroPfn(Pgtable.ptePfn(pte))) {
                    page = t.kernel.pages.pfnToPage(Pgtable.ptePfn(pte));
                    exposePage = false;
                    Probes.hit(P_ZERO);
                }
            }
            if (page == null) {
                Probes.hit(P_PTE_NONE);
                PgtableGeneric.pteUnmapUnlock(ptep, ptl);
                break notFound;
            }
            // found:
            fw.page = exposePage ? page : null; // offset within the entry: entries are one page
            fw.ptl = ptl;
            fw.vma = vma;
            Trace.note("folio_walk_start(%s, %#x) -> %s", vma, addr, page.head);
            return page.head;
        }
        Probes.hit(P_NOT_FOUND);
        Memory.vmaPgtableWalkEnd(vma);
        Trace.note("folio_walk_start(%s, %#x) -> NULL", vma, addr);
        return null;
    }

    /** folio_walk_end(fw, vma): drop the lock; at PTE level also the pte map (its RCU section). */
    public static void folioWalkEnd(FolioWalk fw, VmAreaStruct vma) {
        if (fw.level == FolioWalk.Level.PTE)
            PgtableGeneric.pteUnmapUnlock(fw.ptep, fw.ptl);
        else
            fw.ptl.unlock();
        Memory.vmaPgtableWalkEnd(vma);
    }
}
