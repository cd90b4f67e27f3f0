package mmrace.port;

import mmrace.runtime.Kasan;
import mmrace.runtime.Mutant;
import mmrace.runtime.Page;
import mmrace.runtime.SpinLock;
import mmrace.runtime.Task;

/**
 * mm/pgtable-generic.c (read at 2c1ed907520c50326b8f604907a8478b27881a2e): mapping a PTE table
 * for a walker. __pte_offset_map enters an RCU read section and keeps it until pte_unmap, so a
 * table removed concurrently stays valid (though disconnected) memory; __pte_offset_map_lock
 * re-checks the pmd under the table's lock and retries if it changed.
 */
public final class PgtableGeneric {
    private PgtableGeneric() {}

    /** The result of a pte map: the pte pointer, the pmd value it came from, and (if locked) the lock. */
    public record PteMap(Ptep pte, long pmdval, SpinLock ptl) {}

    /** ___pte_offset_map(pmd, addr, &pmdval): null (RCU released) if there is no PTE table. */
    public static PteMap pteOffsetMap(Ptep pmd, long addr) {
        Task.current().kernel.rcu.readLock();
        long pmdval = pmd.readOnce(); // pmdp_get_lockless
        return pteOffsetMapValue(pmdval, addr);
    }

    /**
     * The steps of ___pte_offset_map after it read the pmd, with the RCU read section entered:
     * null (RCU released) if {@code pmdval} maps no PTE table.
     */
    private static PteMap pteOffsetMapValue(long pmdval, long addr) {
        Task t = Task.current();
        if (Pgtable.pmdNone(pmdval) || Pgtable.pmdTransHuge(pmdval) || Pgtable.entryBad(pmdval)) {
            t.kernel.rcu.readUnlock();
            return null;
        }
        Page table = Pgtable.tablePage(pmdval);
        if (table == null) {
            // model: a pmd that points at no page of the model's memory (pmd_populate of
            // pmd_pgtable of a none pmd gives pfn 0): the kernel would map that page as a PTE
            // table; the model cannot, so it files the wild access and finds no table.
            Kasan.badAccess(t, "pte_offset_map: pmd " + Long.toHexString(pmdval) + " points at no page table");
            t.kernel.rcu.readUnlock();
            return null;
        }
        return new PteMap(new Ptep(table, Pgtable.pteIndex(addr)), pmdval, null);
    }

    /** pte_lockptr(mm, &pmdval): the split ptlock in the table's struct page. */
    public static SpinLock pteLockptr(MmStruct mm, long pmdval) {
        return Pgtable.tablePage(pmdval).ptl;
    }

    /** pte_offset_map_lock(mm, pmd, addr, &ptl) / __pte_offset_map_lock(). */
    public static PteMap pteOffsetMapLock(MmStruct mm, Ptep pmd, long addr) {
        for (;;) {
            PteMap m = pteOffsetMap(pmd, addr);
            if (m == null)
                return null;
            SpinLock ptl = pteLockptr(mm, m.pmdval);
            ptl.lock();
            if (Mutant.on(Mutant.PTE_MAP_NO_PMD_RECHECK) || m.pmdval == pmd.readOnce()) // pmd_same(pmdval, pmdp_get_lockless(pmd))
                return new PteMap(m.pte, m.pmdval, ptl);
            pteUnmapUnlock(m.pte, ptl);
        }
    }

    /**
     * pte_offset_map_lock(mm, &_pmd, addr, &ptl) where {@code _pmd} is a local copy of a pmd value
     * (collapse_huge_page, after the pmd itself was cleared): map the table it points to and lock
     * its PTL; the pmd_same re-check compares the copy with itself, so it always passes.
     */
    public static PteMap pteOffsetMapLockLocal(MmStruct mm, long pmdval, long addr) {
        Task.current().kernel.rcu.readLock();
        PteMap m = pteOffsetMapValue(pmdval, addr);
        if (m == null)
            return null;
        SpinLock ptl = pteLockptr(mm, pmdval);
        ptl.lock();
        return new PteMap(m.pte, pmdval, ptl);
    }

    /** pte_offset_map_ro_nolock(mm, pmd, addr, &ptl): mapped, lock pointer returned but not taken. */
    public static PteMap pteOffsetMapRoNolock(MmStruct mm, Ptep pmd, long addr) {
        PteMap m = pteOffsetMap(pmd, addr);
        return m == null ? null : new PteMap(m.pte, m.pmdval, pteLockptr(mm, m.pmdval));
    }

    /** pte_unmap(pte): ends the RCU section of the map. */
    public static void pteUnmap(Ptep pte) {
        Task.current().kernel.rcu.readUnlock();
    }

    /** pte_unmap_unlock(pte, ptl). */
    public static void pteUnmapUnlock(Ptep pte, SpinLock ptl) {
        ptl.unlock();
        pteUnmap(pte);
    }

    /**
     * pte_free_defer(mm, pgtable) (generic version, mm/pgtable-generic.c): free a PTE table that was
     * unlinked without an mmu_gather (THP collapse, retract_page_tables) after an RCU grace period,
     * so that pte_offset_map() walkers inside their RCU section never touch freed memory.
     */
    public static void pteFreeDefer(MmStruct mm, Page pgtable) {
        Task.current().kernel.rcu.call(() -> pteFreeNow(pgtable), "pte_free_now " + pgtable);
    }

    /**
     * pmdp_collapse_flush(vma, address, pmdp) (generic version; x86 does not override it): clear a
     * pmd that points to a PTE table and flush the TLB for the whole PMD range ("collapse entails
     * shooting down ptes not pmd"). Returns the old pmd value. The caller holds the pmd lock.
     * [not re-read: from mm/pgtable-generic.c as it has been since 4.x; pmdp_huge_get_and_clear is
     * an xchg on x86-64.]
     */
    public static long pmdpCollapseFlush(VmAreaStruct vma, long address, Ptep pmdp) {
        Task t = Task.current();
        if ((address & ~Pgtable.PMD_MASK) != 0)
            t.kernel.reports.file(t, mmrace.runtime.Report.Kind.BUG, "VM_BUG_ON(address & ~HPAGE_PMD_MASK)", Long.toHexString(address));
        long pmd = pmdp.getAndClear(); // pmdp_huge_get_and_clear
        if (Pgtable.pmdTransHuge(pmd))
            t.kernel.reports.file(t, mmrace.runtime.Report.Kind.BUG, "VM_BUG_ON(pmd_trans_huge(*pmdp))", pmdp.toString());
        Tlb.flushTlbMmRange(vma.vmMm.get(), address, address + Pgtable.PMD_SIZE, false); // flush_tlb_range
        return pmd;
    }

    /** pte_free_now(head): pte_free(NULL, page) = pagetable_dtor_free. */
    static void pteFreeNow(Page pgtable) {
        Task.current().kernel.pages.free(pgtable);
    }
}
