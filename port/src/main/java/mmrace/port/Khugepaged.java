package mmrace.port;

import mmrace.runtime.Barrier;
import mmrace.runtime.Mutant;
import mmrace.runtime.Page;
import mmrace.runtime.Probes;
import mmrace.runtime.Report;
import mmrace.runtime.SpinLock;
import mmrace.runtime.Task;
import mmrace.runtime.Trace;

import java.util.ArrayList;
import java.util.List;

import static mmrace.port.Pgtable.HPAGE_PMD_NR;
import static mmrace.port.Pgtable.HPAGE_PMD_ORDER;
import static mmrace.port.Pgtable.PMD_MASK;
import static mmrace.port.Pgtable.PMD_SIZE;
import static mmrace.runtime.Page.PAGE_SIZE;

/**
 * mm/khugepaged.c: khugepaged collapsing one PMD range into a THP, for anonymous memory
 * (hpage_collapse_scan_pmd, collapse_huge_page) and for the page cache (hpage_collapse_scan_file,
 * collapse_file, retract_page_tables, try_collapse_pte_mapped_thp).
 *
 * <p>Read at c17ee635fd3a482b2ad2bf5e269755c2eae5f25e (the whole file); the loop body of
 * khugepaged_scan_mm_slot for one range is {@link Daemons#collapse}. The pre-6.5 version at
 * d69e8c63fcbbf695ff7ff2c6d26efead23cfbb3a for collapse_and_free_pmd (the IPI-then-pte_free
 * freeing that {@link RetractFree#SYNC_ONE_THEN_PTE_FREE} reproduces).
 *
 * <p>What each path does to the PTE table it takes away (the question the patch's v2 2/3 raised:
 * can a table be freed under a walker that holds only a VMA lock?):
 * <ul>
 * <li>Anonymous (collapse_huge_page): mmap_write_lock, vma_start_write (so no VMA-locked reader
 *     is inside the VMA, and none can enter) before the pmd is checked again, anon_vma_lock_write, pmdp_collapse_flush under the
 *     pmd lock, then tlb_remove_table_sync_one() (the IPI: excludes interrupts-off walkers such as
 *     GUP-fast). The old table is NOT freed: it is deposited (pgtable_trans_huge_deposit) under the
 *     new huge pmd, after __collapse_huge_page_copy cleared its entries.
 * <li>File (retract_page_tables, try_collapse_pte_mapped_thp): neither mmap_lock (retract) nor
 *     any VMA lock is held for the VMAs whose tables are retracted; the pmd is cleared with
 *     pmdp_collapse_flush under the pmd lock and the PTL, and the table is freed with
 *     pte_free_defer(), i.e. after an RCU grace period, which also waits for interrupts-off
 *     sections. No tlb_remove_table_sync_one (pmdp_get_lockless_sync is a no-op on x86-64).
 * </ul>
 *
 * <p>model departures:
 * <ul>
 * <li>No huge PMD is ever installed (the rest of the port has no PMD leaves). Anonymous collapse
 *     ends with set_pmd_at of the huge pmd immediately followed, in the same pmd-lock section, by
 *     the kernel's own split of that mapping (__split_huge_pmd_locked, freeze=false): the deposited
 *     table (the old one) is withdrawn, filled with 512 PTEs mapping the pages of the new order-9
 *     folio with the huge pmd's protection (dirty, writable if VM_WRITE), the folio gets one
 *     reference and one mapcount per PTE, and the table is pmd_populate()d again. No walker can
 *     see the difference: the VMA is write-locked, mmap_lock is held for writing, and hardware
 *     walkers were excluded by the IPI. An order-9 anonymous folio mapped in order by one PTE table
 *     is the model's "PMD-mapped THP": hpage_collapse_scan_pmd returns SCAN_PMD_MAPPED for it, as
 *     find_pmd_or_thp_or_none would for the huge pmd.
 * <li>File collapse installs no pmd (khugepaged's policy has install_pmd = false anyway): the pmd
 *     stays empty and the next fault maps PTEs of the pages of the large page-cache folio
 *     (filemap_fault hands out folio_file_page()).
 * <li>The page cache has no multi-index entries: the large folio is stored in each of its 512
 *     slots, under the i_pages lock, one slot at a time (lock-free readers re-check their slot, so
 *     each index is seen old or new).
 * <li>khugepaged's scan loop is reduced to the one PMD range asked for ({@link Daemons#collapse});
 *     mmap_read_trylock failing makes khugepaged come back later. Settings: THP "always"
 *     ({@link #thpEnabledAlways}), the khugepaged defaults max_ptes_none = 511, max_ptes_swap = 64,
 *     max_ptes_shared = 256; every page-cache file supports PMD-sized folios; no shmem, no
 *     userfaultfd, no mmu notifiers, no memcg, one NUMA node, no memory errors (copy_mc never
 *     fails), no MADV_COLLAPSE.
 * <li>folio_isolate_lru is {@link Vmscan#folioIsolateLru} (a model isolation bit); readahead of a
 *     missing page-cache page is one page read as filemap_fault reads it.
 * <li>{@link #retractTableFree} is a model-only switch for tests (see {@link RetractFree}).
 * </ul>
 */
public final class Khugepaged {
    private Khugepaged() {}

    /**
     * enum scan_result. {@link #code()} is what {@link Daemons#collapse} returns: 0 for
     * SCAN_SUCCEED, else 1 + the ordinal (model numbering, not the kernel's).
     */
    public enum ScanResult {
        SCAN_FAIL, SCAN_SUCCEED, SCAN_NO_PTE_TABLE, SCAN_PMD_MAPPED, SCAN_EXCEED_NONE_PTE, SCAN_EXCEED_SWAP_PTE,
        SCAN_EXCEED_SHARED_PTE, SCAN_PTE_NON_PRESENT, SCAN_PTE_UFFD_WP, SCAN_PTE_MAPPED_HUGEPAGE,
        SCAN_LACK_REFERENCED_PAGE, SCAN_PAGE_NULL, SCAN_SCAN_ABORT, SCAN_PAGE_COUNT, SCAN_PAGE_LRU, SCAN_PAGE_LOCK,
        SCAN_PAGE_ANON, SCAN_PAGE_COMPOUND, SCAN_ANY_PROCESS, SCAN_VMA_NULL, SCAN_VMA_CHECK, SCAN_ADDRESS_RANGE,
        SCAN_DEL_PAGE_LRU, SCAN_ALLOC_HUGE_PAGE_FAIL, SCAN_CGROUP_CHARGE_FAIL, SCAN_TRUNCATED, SCAN_PAGE_HAS_PRIVATE,
        SCAN_STORE_FAILED, SCAN_COPY_MC, SCAN_PAGE_FILLED, SCAN_PAGE_DIRTY_OR_WRITEBACK;

        public long code() {
            return this == SCAN_SUCCEED ? 0 : 1 + ordinal();
        }

        /** The result a {@link Daemons#collapse} return value stands for. */
        public static ScanResult of(long code) {
            return code == 0 ? SCAN_SUCCEED : values()[(int) code - 1];
        }
    }

    /** How retract_page_tables / try_collapse_pte_mapped_thp free the table they took away. */
    public enum RetractFree {
        /** The kernel since 6.5: pte_free_defer(), freed after an RCU grace period. */
        PTE_FREE_DEFER,
        /**
         * model-only, for tests: tlb_remove_table_sync_one() then pte_free() at once, as
         * collapse_and_free_pmd() did before 6.5 (under mmap_lock for writing, which the current
         * code no longer holds). Shows what a walker that relies on RCU alone would meet.
         */
        SYNC_ONE_THEN_PTE_FREE
    }

    /** /sys/kernel/mm/transparent_hugepage/enabled = always (model setting). */
    public static volatile boolean thpEnabledAlways = true;
    /** khugepaged_max_ptes_none etc.: the defaults khugepaged_init sets. */
    public static volatile int khugepagedMaxPtesNone = HPAGE_PMD_NR - 1;
    public static volatile int khugepagedMaxPtesSwap = HPAGE_PMD_NR / 8;
    public static volatile int khugepagedMaxPtesShared = HPAGE_PMD_NR / 2;
    /** model-only switch, see {@link RetractFree}. */
    public static volatile RetractFree retractTableFree = RetractFree.PTE_FREE_DEFER;

    static final int P_SCAN_PMD_MAPPED = Probes.register("hpage_collapse_scan_pmd: already a THP (model: PTE-mapped order-9 folio)");
    static final int P_SCAN_OK = Probes.register("hpage_collapse_scan_pmd: worth collapsing");
    static final int P_SWAPIN = Probes.register("__collapse_huge_page_swapin: do_swap_page");
    static final int P_REVALIDATE_FAIL = Probes.register("collapse_huge_page: hugepage_vma_revalidate failed under mmap_write_lock");
    static final int P_PMD_CLEARED = Probes.register("collapse_huge_page: pmdp_collapse_flush, then tlb_remove_table_sync_one");
    static final int P_ISOLATE_FAIL = Probes.register("collapse_huge_page: isolate failed, pmd_populate the old table back");
    static final int P_ANON_DONE = Probes.register("collapse_huge_page: THP installed (model: PTE-mapped in the deposited table)");
    static final int P_FILE_CACHE_STORED = Probes.register("collapse_file: large folio stored in the page cache");
    static final int P_FILE_ROLLBACK = Probes.register("collapse_file: rollback");
    static final int P_FILE_READAHEAD = Probes.register("collapse_file: page not cached, read it");
    static final int P_RETRACT_SKIP_ANON = Probes.register("retract_page_tables: VMA not retractable (anon_vma)");
    static final int P_RETRACT_PMD_CHANGED = Probes.register("retract_page_tables: pmd no longer a PTE table under the pmd lock");
    static final int P_RETRACT = Probes.register("retract_page_tables: pmd cleared, table freed with pte_free_defer");
    static final int P_RETRACT_SYNC_ONE = Probes.register("retract (model switch): tlb_remove_table_sync_one then pte_free");
    static final int P_PTE_MAPPED_ABORT = Probes.register("try_collapse_pte_mapped_thp: PTEs do not all map the THP, abort");
    static final int P_PTE_MAPPED_RETRACT = Probes.register("try_collapse_pte_mapped_thp: PTEs cleared, table freed with pte_free_defer");

    // ================================================================ helpers (include/linux/huge_mm.h, not re-read)

    /** thp_vma_suitable_order(vma, addr, PMD_ORDER): file offset aligned, and [haddr, haddr + PMD_SIZE) inside the VMA. */
    static boolean thpVmaSuitableOrder(VmAreaStruct vma, long addr) {
        long start = vma.vmStart.get(), end = vma.vmEnd.get();
        if (!Mm.vmaIsAnonymous(vma) && (((start >>> Page.PAGE_SHIFT) - vma.vmPgoff.get()) & (HPAGE_PMD_NR - 1)) != 0)
            return false;
        long haddr = addr & PMD_MASK;
        return haddr >= start && haddr + PMD_SIZE <= end;
    }

    /**
     * thp_vma_allowable_order(vma, vm_flags, type, PMD_ORDER): VM_NO_KHUGEPAGED (VM_SPECIAL |
     * VM_HUGETLB) and VM_NOHUGEPAGE refuse; anonymous memory needs THP "always" or VM_HUGEPAGE (or a
     * forced collapse); file VMAs need a page-cache file (model: all support PMD folios); and the
     * PMD order must fit the VMA (checked at vm_end - PMD_SIZE, as the !in_pf case does).
     */
    static boolean thpVmaAllowableOrder(VmAreaStruct vma, long vmFlags, boolean forced) {
        if ((vmFlags & (Mm.VM_SPECIAL | Mm.VM_HUGETLB | Mm.VM_NOHUGEPAGE)) != 0)
            return false;
        if (Mm.vmaIsAnonymous(vma)) {
            if (!forced && !thpEnabledAlways && (vmFlags & Mm.VM_HUGEPAGE) == 0)
                return false;
        } else if (vma.vmFile.get() == null || vma.vmOps.get() != Filemap.GENERIC_FILE_VM_OPS) {
            return false;
        }
        return thpVmaSuitableOrder(vma, vma.vmEnd.get() - PMD_SIZE);
    }

    /** collapse_test_exit(mm): mm_users == 0. */
    static boolean collapseTestExit(MmStruct mm) {
        return mm.mmUsers.read() == 0;
    }

    /** check_pmd_state(pmd). model: no PMD migration entries (pmd_is_migration_entry: SCAN_PMD_MAPPED). */
    static ScanResult checkPmdState(Ptep pmd) {
        long pmde = pmd.readOnce(); // pmdp_get_lockless
        if (Pgtable.pmdNone(pmde))
            return ScanResult.SCAN_NO_PTE_TABLE;
        if (!Pgtable.pmdPresent(pmde))
            return ScanResult.SCAN_NO_PTE_TABLE;
        if (Pgtable.pmdTransHuge(pmde))
            return ScanResult.SCAN_PMD_MAPPED;
        if (Pgtable.entryBad(pmde))
            return ScanResult.SCAN_NO_PTE_TABLE;
        return ScanResult.SCAN_SUCCEED;
    }

    /** find_pmd_or_thp_or_none(mm, address, &pmd): {@code pmd[0]} gets the pmd pointer. */
    static ScanResult findPmdOrThpOrNone(MmStruct mm, long address, Ptep[] pmd) {
        pmd[0] = Rmap.mmFindPmd(mm, address);
        if (pmd[0] == null)
            return ScanResult.SCAN_NO_PTE_TABLE;
        return checkPmdState(pmd[0]);
    }

    /** check_pmd_still_valid(mm, address, pmd). */
    static ScanResult checkPmdStillValid(MmStruct mm, long address, Ptep pmd) {
        Ptep[] nu = new Ptep[1];
        ScanResult result = findPmdOrThpOrNone(mm, address, nu);
        if (result != ScanResult.SCAN_SUCCEED)
            return result;
        if (!nu[0].equals(pmd))
            return ScanResult.SCAN_FAIL;
        return ScanResult.SCAN_SUCCEED;
    }

    /** hugepage_vma_revalidate(mm, address, expect_anon, &vma, cc): {@code vmap[0]} gets the VMA. */
    static ScanResult hugepageVmaRevalidate(MmStruct mm, long address, boolean expectAnon, VmAreaStruct[] vmap) {
        if (collapseTestExit(mm))
            return ScanResult.SCAN_ANY_PROCESS;
        VmAreaStruct vma = vmap[0] = Mmap.findVma(mm, address);
        if (vma == null)
            return ScanResult.SCAN_VMA_NULL;
        if (!thpVmaSuitableOrder(vma, address))
            return ScanResult.SCAN_ADDRESS_RANGE;
        if (!thpVmaAllowableOrder(vma, vma.vmFlags.get(), false))
            return ScanResult.SCAN_VMA_CHECK;
        if (expectAnon && (vma.anonVma.get() == null || !Mm.vmaIsAnonymous(vma)))
            return ScanResult.SCAN_PAGE_ANON;
        return ScanResult.SCAN_SUCCEED;
    }

    /** alloc_charge_folio(&folio, mm, cc, HPAGE_PMD_ORDER): null on SCAN_ALLOC_HUGE_PAGE_FAIL (site "thp"). */
    static Page allocChargeFolio() {
        return Task.current().kernel.pages.allocPages(HPAGE_PMD_ORDER, "thp"); // mem_cgroup_charge: no memcg
    }

    /** folio_page(folio, i). */
    static Page folioPage(Page folio, int i) {
        return i == 0 ? folio : Task.current().kernel.pages.pfnToPage(folio.pfn + i);
    }

    /** folio_mapcount(folio): model: one counter per folio (_mapcount + 1). */
    static int folioMapcount(Page folio) {
        return folio.mapcount.read() + 1;
    }

    /**
     * folio_expected_ref_count(folio) (include/linux/mm.h) for an anonymous folio: the swap cache's
     * references and one per mapping. model: no PG_private, no page-cache case here.
     */
    static int folioExpectedRefCount(Page folio) {
        int refCount = 0;
        if (SwapState.folioTestSwapcache(folio))
            refCount += 1 << folio.order;
        return refCount + folioMapcount(folio);
    }

    /**
     * folio_maybe_mapped_shared(folio) (include/linux/mm.h): a small folio mapped more than once.
     * model: a large folio is mapped by one mm only (no fork), which the kernel's per-folio mm-id
     * tracking reports as not shared.
     */
    static boolean folioMaybeMappedShared(Page folio) {
        return folio.order == 0 && folio.mapcount.read() > 0;
    }

    /** pte_none_or_zero(pte). */
    static boolean pteNoneOrZero(long pte) {
        if (Pgtable.pteNone(pte))
            return true;
        return Pgtable.ptePresent(pte) && Memory.isZeroPfn(Pgtable.ptePfn(pte));
    }

    // ================================================================ anonymous memory

    /**
     * model: whether the table maps, in order, the 512 pages of one order-9 anonymous folio: the
     * model's form of a PMD-mapped THP (see the class comment). With the PTL held.
     */
    static boolean modelPmdMapped(VmAreaStruct vma, Ptep pte, long address) {
        long first = pte.readOnce();
        if (!Pgtable.ptePresent(first))
            return false;
        Page page = Memory.vmNormalPage(vma, address, first);
        if (page == null || page != page.head || page.order != HPAGE_PMD_ORDER)
            return false;
        for (int i = 1; i < HPAGE_PMD_NR; i++) {
            long v = pte.plus(i).readOnce();
            if (!Pgtable.ptePresent(v) || Pgtable.ptePfn(v) != page.pfn + i)
                return false;
        }
        return true;
    }

    /**
     * hpage_collapse_scan_pmd(mm, vma, address, &mmap_locked, cc): with mmap_read_lock held; look
     * at the 512 PTEs under the PTL and, if the range is worth it, collapse_huge_page (which
     * returns with mmap_lock released).
     */
    static ScanResult hpageCollapseScanPmd(MmStruct mm, VmAreaStruct vma, long address, boolean[] mmapUnlocked) {
        ScanResult result;
        int referenced = 0, noneOrZero = 0, shared = 0, unmapped = 0;
        Ptep[] pmdp = new Ptep[1];

        result = findPmdOrThpOrNone(mm, address, pmdp);
        if (result != ScanResult.SCAN_SUCCEED)
            return result;
        Ptep pmd = pmdp[0];
        PgtableGeneric.PteMap m = PgtableGeneric.pteOffsetMapLock(mm, pmd, address);
        if (m == null)
            return ScanResult.SCAN_NO_PTE_TABLE;
        Ptep pte = m.pte();
        outUnmap:
        {
            if (modelPmdMapped(vma, pte, address)) {
                Probes.hit(P_SCAN_PMD_MAPPED);
                result = ScanResult.SCAN_PMD_MAPPED;
                break outUnmap;
            }
            long a = address;
            for (int i = 0; i < HPAGE_PMD_NR; i++, a += PAGE_SIZE) {
                long pteval = pte.plus(i).readOnce(); // ptep_get
                if (pteNoneOrZero(pteval)) {
                    ++noneOrZero;
                    if (noneOrZero <= khugepagedMaxPtesNone) // !userfaultfd_armed(vma)
                        continue;
                    result = ScanResult.SCAN_EXCEED_NONE_PTE;
                    break outUnmap;
                }
                if (!Pgtable.ptePresent(pteval)) {
                    ++unmapped;
                    if (unmapped <= khugepagedMaxPtesSwap)
                        continue; // pte_swp_uffd_wp_any: no userfaultfd
                    result = ScanResult.SCAN_EXCEED_SWAP_PTE;
                    break outUnmap;
                }
                // pte_uffd_wp: no userfaultfd
                Page page = Memory.vmNormalPage(vma, a, pteval);
                if (page == null) {
                    result = ScanResult.SCAN_PAGE_NULL;
                    break outUnmap;
                }
                Page folio = page.head;
                if (!Rmap.folioTestAnon(folio)) {
                    result = ScanResult.SCAN_PAGE_ANON;
                    break outUnmap;
                }
                if (folioMaybeMappedShared(folio) && ++shared > khugepagedMaxPtesShared) {
                    result = ScanResult.SCAN_EXCEED_SHARED_PTE;
                    break outUnmap;
                }
                // node = folio_nid(folio); hpage_collapse_scan_abort: one node
                if (!Vmscan.folioTestLru(folio)) {
                    result = ScanResult.SCAN_PAGE_LRU;
                    break outUnmap;
                }
                if (Filemap.folioTestLocked(folio)) {
                    result = ScanResult.SCAN_PAGE_LOCK;
                    break outUnmap;
                }
                // Check if the page has any GUP (or other external) pins.
                if (folioExpectedRefCount(folio) != Swap.folioRefCount(folio)) {
                    result = ScanResult.SCAN_PAGE_COUNT;
                    break outUnmap;
                }
                // If collapse was initiated by khugepaged, check that there is enough young pte
                if (Pgtable.pteYoung(pteval) || (folio.flags.readOnce() & Page.PG_REFERENCED) != 0)
                    referenced++;
            }
            if (referenced == 0 || (unmapped != 0 && referenced < HPAGE_PMD_NR / 2))
                result = ScanResult.SCAN_LACK_REFERENCED_PAGE;
            else
                result = ScanResult.SCAN_SUCCEED;
        }
        PgtableGeneric.pteUnmapUnlock(pte, m.ptl()); // out_unmap
        if (result == ScanResult.SCAN_SUCCEED) {
            Probes.hit(P_SCAN_OK);
            result = collapseHugePage(mm, address, referenced, unmapped);
            mmapUnlocked[0] = true; // collapse_huge_page returns with the mmap_lock released
        }
        return result;
    }

    /**
     * __collapse_huge_page_swapin(mm, vma, haddr, pmd, referenced): bring swapped-out pages back
     * with do_swap_page. Returns with the mmap_lock released when not SCAN_SUCCEED.
     * model: the model's do_swap_page starts after pte_unmap_same, so the PTE map is ended first.
     */
    static ScanResult collapseHugePageSwapin(MmStruct mm, VmAreaStruct vma, long haddr, Ptep pmd, int referenced) {
        long end = haddr + HPAGE_PMD_NR * (long) PAGE_SIZE;
        PgtableGeneric.PteMap m = null;
        Ptep pte = null;
        for (long address = haddr; address < end; address += PAGE_SIZE) {
            if (pte == null) {
                m = PgtableGeneric.pteOffsetMapRoNolock(mm, pmd, address); // pte_offset_map_nolock
                if (m == null) {
                    MmapLock.mmapReadUnlock(mm);
                    return ScanResult.SCAN_NO_PTE_TABLE;
                }
                pte = m.pte();
            } else {
                pte = pte.plus(1);
            }
            long orig = pte.readOnce(); // ptep_get_lockless
            if (!Pgtable.isSwapPte(orig))
                continue;
            VmFault vmf = new VmFault();
            vmf.vma = vma;
            vmf.address = address;
            vmf.realAddress = address;
            vmf.pgoff = Rmap.linearPageIndex(vma, address);
            vmf.flags = MmTypes.FAULT_FLAG_ALLOW_RETRY;
            vmf.pmdTable = pmd.table();
            vmf.pmdIndex = pmd.index();
            vmf.origPte = orig;
            vmf.pteTable = pte.table();
            vmf.pteIndex = pte.index();
            vmf.ptl = m.ptl();
            Probes.hit(P_SWAPIN);
            PgtableGeneric.pteUnmap(pte); // pte_unmap_same
            int ret = Memory.doSwapPage(vmf); // Which unmaps pte (after perhaps re-checking the entry)
            pte = null;
            if ((ret & MmTypes.VM_FAULT_RETRY) != 0)
                return ScanResult.SCAN_PAGE_LOCK; // mmap_lock released by folio_lock_or_retry
            if ((ret & MmTypes.VM_FAULT_ERROR) != 0) {
                MmapLock.mmapReadUnlock(mm);
                return ScanResult.SCAN_FAIL;
            }
        }
        if (pte != null)
            PgtableGeneric.pteUnmap(pte);
        // lru_add_drain: no per-CPU batches
        return ScanResult.SCAN_SUCCEED;
    }

    /** release_pte_folio(folio): folio_unlock + folio_putback_lru. */
    static void releasePteFolio(Page folio) {
        Filemap.folioUnlock(folio);
        Vmscan.folioPutbackLru(folio);
    }

    /** release_pte_pages(pte, _pte, compound_pagelist): undo the isolation of entries [0, upto). */
    static void releasePtePages(Ptep pte, int upto, List<Page> compoundPagelist) {
        Task t = Task.current();
        for (int i = upto - 1; i >= 0; i--) {
            long pteval = pte.plus(i).readOnce();
            if (Pgtable.pteNone(pteval))
                continue;
            long pfn = Pgtable.ptePfn(pteval);
            if (Memory.isZeroPfn(pfn))
                continue;
            Page folio = t.kernel.pages.pfnToPage(pfn).head;
            if (folio.order > 0)
                continue;
            releasePteFolio(folio);
        }
        for (Page folio : compoundPagelist)
            releasePteFolio(folio);
        compoundPagelist.clear();
    }

    /**
     * __collapse_huge_page_isolate(vma, address, pte, cc, &compound_pagelist): with the PTL of the
     * (already unlinked) table held, lock and isolate every folio the range maps.
     */
    static ScanResult collapseHugePageIsolate(VmAreaStruct vma, long address, Ptep pte, List<Page> compoundPagelist) {
        Task t = Task.current();
        int noneOrZero = 0, shared = 0, referenced = 0;
        ScanResult result;
        int i = 0;
        out:
        {
            for (; i < HPAGE_PMD_NR; i++, address += PAGE_SIZE) {
                long pteval = pte.plus(i).readOnce(); // ptep_get
                if (pteNoneOrZero(pteval)) {
                    ++noneOrZero;
                    if (noneOrZero <= khugepagedMaxPtesNone) // !userfaultfd_armed(vma)
                        continue;
                    result = ScanResult.SCAN_EXCEED_NONE_PTE;
                    break out;
                }
                if (!Pgtable.ptePresent(pteval)) {
                    result = ScanResult.SCAN_PTE_NON_PRESENT;
                    break out;
                }
                // pte_uffd_wp: no userfaultfd
                Page page = Memory.vmNormalPage(vma, address, pteval);
                if (page == null) {
                    result = ScanResult.SCAN_PAGE_NULL;
                    break out;
                }
                Page folio = page.head;
                if (!Rmap.folioTestAnon(folio))
                    t.kernel.reports.file(t, Report.Kind.BUG, "VM_BUG_ON_FOLIO(!folio_test_anon(folio))", folio.name());
                if (folioMaybeMappedShared(folio) && ++shared > khugepagedMaxPtesShared) {
                    result = ScanResult.SCAN_EXCEED_SHARED_PTE;
                    break out;
                }
                boolean dealt = folio.order > 0 && compoundPagelist.contains(folio);
                if (!dealt) {
                    // We can do it before folio_isolate_lru because the folio can't be freed from under us.
                    if (!Filemap.folioTrylock(folio)) {
                        result = ScanResult.SCAN_PAGE_LOCK;
                        break out;
                    }
                    // Check if the page has any GUP (or other external) pins.
                    if (folioExpectedRefCount(folio) != Swap.folioRefCount(folio)) {
                        Filemap.folioUnlock(folio);
                        result = ScanResult.SCAN_PAGE_COUNT;
                        break out;
                    }
                    // Isolate the page to avoid collapsing an hugepage currently in use by the VM.
                    if (!Vmscan.folioIsolateLru(folio)) {
                        Filemap.folioUnlock(folio);
                        result = ScanResult.SCAN_DEL_PAGE_LRU;
                        break out;
                    }
                    if (folio.order > 0)
                        compoundPagelist.add(folio);
                }
                // next: if collapse was initiated by khugepaged, check that there is enough young pte
                if (Pgtable.pteYoung(pteval) || (folio.flags.readOnce() & Page.PG_REFERENCED) != 0)
                    referenced++;
            }
            if (referenced == 0) {
                result = ScanResult.SCAN_LACK_REFERENCED_PAGE;
            } else {
                return ScanResult.SCAN_SUCCEED;
            }
            i = HPAGE_PMD_NR;
        }
        releasePtePages(pte, i, compoundPagelist);
        return result;
    }

    /**
     * __collapse_huge_page_copy(pte, folio, pmd, orig_pmd, vma, address, ptl, &compound_pagelist):
     * copy the 512 pages (zeros for none and zero-page entries) into the new folio, then
     * __collapse_huge_page_copy_succeeded. model: copy_mc never fails, so the _failed branch (which
     * pmd_populates the old table back) is not reachable and not ported.
     */
    static ScanResult collapseHugePageCopy(Ptep pte, Page folio, VmAreaStruct vma, long address, SpinLock ptl,
            List<Page> compoundPagelist) {
        Task t = Task.current();
        for (int i = 0; i < HPAGE_PMD_NR; i++) {
            long pteval = pte.plus(i).readOnce();
            Page page = folioPage(folio, i);
            if (pteNoneOrZero(pteval)) {
                page.clear(); // clear_user_highpage
                continue;
            }
            Page srcPage = t.kernel.pages.pfnToPage(Pgtable.ptePfn(pteval)); // pte_page
            page.copyPage(srcPage); // copy_mc_user_highpage
        }
        collapseHugePageCopySucceeded(pte, vma, address, ptl, compoundPagelist);
        return ScanResult.SCAN_SUCCEED;
    }

    /**
     * __collapse_huge_page_copy_succeeded(pte, vma, address, ptl, &compound_pagelist): clear every
     * entry of the old table (under its PTL, "mostly unnecessary"), drop the rmap and the mapping's
     * reference of each old folio. model: the PTEs of a large folio are cleared one at a time
     * (folio_pte_batch's batches are of one entry), each with its own PTL section.
     */
    static void collapseHugePageCopySucceeded(Ptep pte, VmAreaStruct vma, long address, SpinLock ptl, List<Page> compoundPagelist) {
        Task t = Task.current();
        for (int i = 0; i < HPAGE_PMD_NR; i++, address += PAGE_SIZE) {
            Ptep p = pte.plus(i);
            long pteval = p.readOnce();
            if (pteNoneOrZero(pteval)) {
                if (Pgtable.pteNone(pteval))
                    continue;
                ptl.lock(); // ptl mostly unnecessary
                p.getAndClear(); // ptep_clear
                ptl.unlock();
            } else {
                Page srcPage = t.kernel.pages.pfnToPage(Pgtable.ptePfn(pteval));
                Page src = srcPage.head;
                if (src.order == 0)
                    releasePteFolio(src);
                // ptl mostly unnecessary, but preempt has to be disabled to update the per-cpu stats
                ptl.lock();
                p.getAndClear(); // clear_ptes(vma->vm_mm, address, _pte, nr_ptes)
                Rmap.folioRemoveRmapPtes(src, srcPage, 1, vma);
                ptl.unlock();
                SwapState.freeSwapCache(src);
                Swap.folioPutRefs(src, 1);
            }
        }
        for (Page src : compoundPagelist) {
            Filemap.folioUnlock(src);
            SwapState.freeSwapCache(src);
            Vmscan.folioPutbackLru(src);
        }
        compoundPagelist.clear();
    }

    /**
     * model: set_pmd_at(mm, haddr, pmd, huge pmd) followed at once by __split_huge_pmd_locked
     * (see the class comment): with the pmd lock held and the pmd empty, fill the deposited table
     * with PTEs for the 512 pages of {@code folio} and populate the pmd with it.
     */
    static void setPmdAtPteMapped(MmStruct mm, VmAreaStruct vma, long haddr, Ptep pmd, Page folio, Page pgtable) {
        // _pmd = mk_huge_pmd(&folio->page, vma->vm_page_prot); maybe_pmd_mkwrite(pmd_mkdirty(_pmd), vma)
        long prot = vma.vmPageProt.get();
        boolean write = (vma.vmFlags.get() & Mm.VM_WRITE) != 0;
        // __split_huge_pmd_locked: pgtable = pgtable_trans_huge_withdraw(mm, pmd); the PTEs it makes
        for (int i = 0; i < HPAGE_PMD_NR; i++) {
            long entry = Pgtable.pteMkdirty(Pgtable.pteMkyoung(Pgtable.mkPte(folioPage(folio, i), prot)));
            if (write)
                entry = Pgtable.pteMkwrite(entry);
            new Ptep(pgtable, i).set(entry); // set_pte_at on the withdrawn table
        }
        // folio_ref_add(folio, HPAGE_PMD_NR - 1); folio_add_anon_rmap_ptes(HPAGE_PMD_NR) and
        // folio_remove_rmap_pmd: net HPAGE_PMD_NR - 1 in the model's per-folio mapcount
        Swap.folioRefAdd(folio, HPAGE_PMD_NR - 1);
        Rmap.folioAddAnonRmapPtes(folio, folio, HPAGE_PMD_NR - 1, vma, haddr, true);
        Barrier.smpWmb(); // make pte visible before pmd
        pmd.set(Pgtable.mkTableEntry(pgtable)); // pmd_populate(mm, pmd, pgtable)
    }

    /**
     * collapse_huge_page(mm, address, referenced, unmapped, cc): entered with mmap_read_lock held,
     * returns with it released.
     */
    static ScanResult collapseHugePage(MmStruct mm, long address, int referenced, int unmapped) {
        Task t = Task.current();
        List<Page> compoundPagelist = new ArrayList<>();
        ScanResult result;
        VmAreaStruct[] vmap = new VmAreaStruct[1];
        Ptep[] pmdp = new Ptep[1];
        Page folio;

        if ((address & ~PMD_MASK) != 0)
            t.kernel.reports.file(t, Report.Kind.BUG, "VM_BUG_ON(address & ~HPAGE_PMD_MASK)", Long.toHexString(address));
        // Before allocating the hugepage, release the mmap_lock read lock.
        MmapLock.mmapReadUnlock(mm);
        folio = allocChargeFolio();
        if (folio == null)
            return ScanResult.SCAN_ALLOC_HUGE_PAGE_FAIL;

        outNolock:
        {
            MmapLock.mmapReadLock(mm);
            result = hugepageVmaRevalidate(mm, address, true, vmap);
            if (result != ScanResult.SCAN_SUCCEED) {
                MmapLock.mmapReadUnlock(mm);
                break outNolock;
            }
            result = findPmdOrThpOrNone(mm, address, pmdp);
            if (result != ScanResult.SCAN_SUCCEED) {
                MmapLock.mmapReadUnlock(mm);
                break outNolock;
            }
            Ptep pmd = pmdp[0];
            if (unmapped != 0) {
                // __collapse_huge_page_swapin will return with mmap_lock released when it fails.
                result = collapseHugePageSwapin(mm, vmap[0], address, pmd, referenced);
                if (result != ScanResult.SCAN_SUCCEED)
                    break outNolock;
            }
            MmapLock.mmapReadUnlock(mm);
            // Prevent all access to pagetables with the exception of gup_fast later handled by the
            // ptep_clear_flush and the VM handled by the anon_vma lock + PG_lock.
            MmapLock.mmapWriteLock(mm);
            outUpWrite:
            {
                result = hugepageVmaRevalidate(mm, address, true, vmap);
                if (result != ScanResult.SCAN_SUCCEED) {
                    Probes.hit(P_REVALIDATE_FAIL);
                    break outUpWrite;
                }
                VmAreaStruct vma = vmap[0];
                // check if the pmd is still valid: after vma_start_write (366a4532d96f), so that no
                // VMA-locked MADV_DONTNEED can reclaim the PTE table between the check and the flush
                if (Mutant.on(Mutant.COLLAPSE_CHECK_BEFORE_LOCK))
                    result = checkPmdStillValid(mm, address, pmd); // the order before 366a4532d96f
                if (!Mutant.on(Mutant.COLLAPSE_NO_VMA_LOCK))
                    MmapLock.vmaStartWrite(vma);
                if (!Mutant.on(Mutant.COLLAPSE_CHECK_BEFORE_LOCK))
                    result = checkPmdStillValid(mm, address, pmd);
                if (result != ScanResult.SCAN_SUCCEED)
                    break outUpWrite;

                AnonVma anonVma = vma.anonVma.get();
                anonVma.rwsem.downWrite(); // anon_vma_lock_write
                // mmu_notifier_invalidate_range_start: no notifiers
                SpinLock pmdPtl = Memory.pmdLock(mm, pmd); // probably unnecessary
                // This removes any huge TLB entry from the CPU so we won't allow huge and small TLB
                // entries for the same virtual address. Parallel GUP-fast is fine since GUP-fast
                // will back off when it detects PMD is changed.
                long oldPmd = PgtableGeneric.pmdpCollapseFlush(vma, address, pmd); // _pmd
                pmdPtl.unlock();
                // mmu_notifier_invalidate_range_end
                Probes.hit(P_PMD_CLEARED);
                MmuGather.tlbRemoveTableSyncOne();

                PgtableGeneric.PteMap m = PgtableGeneric.pteOffsetMapLockLocal(mm, oldPmd, address);
                Ptep pte = m == null ? null : m.pte();
                if (m != null) {
                    result = collapseHugePageIsolate(vma, address, pte, compoundPagelist);
                    m.ptl().unlock();
                } else {
                    result = ScanResult.SCAN_NO_PTE_TABLE;
                }
                if (result != ScanResult.SCAN_SUCCEED) {
                    Probes.hit(P_ISOLATE_FAIL);
                    if (pte != null)
                        PgtableGeneric.pteUnmap(pte);
                    pmdPtl.lock();
                    if (!Pgtable.pmdNone(pmd.load()))
                        t.kernel.reports.file(t, Report.Kind.BUG, "BUG_ON(!pmd_none(*pmd))", pmd.toString());
                    // We can only use set_pmd_at when establishing hugepmds and never for
                    // establishing regular pmds that points to regular pagetables.
                    pmd.set(Pgtable.pmdPopulateEntry(oldPmd)); // pmd_populate(mm, pmd, pmd_pgtable(_pmd))
                    pmdPtl.unlock();
                    anonVma.rwsem.upWrite();
                    break outUpWrite;
                }
                // All pages are isolated and locked so anon_vma rmap can't run anymore.
                anonVma.rwsem.upWrite();

                result = collapseHugePageCopy(pte, folio, vma, address, m.ptl(), compoundPagelist);
                PgtableGeneric.pteUnmap(pte);
                if (result != ScanResult.SCAN_SUCCEED)
                    break outUpWrite;

                // The smp_wmb() inside __folio_mark_uptodate() ensures the copy_huge_page writes
                // become visible before the set_pmd_at() write.
                Memory.__folioMarkUptodate(folio);
                Page pgtable = Pgtable.tablePage(oldPmd); // pmd_pgtable(_pmd)

                pmdPtl.lock();
                if (!Pgtable.pmdNone(pmd.load()))
                    t.kernel.reports.file(t, Report.Kind.BUG, "BUG_ON(!pmd_none(*pmd))", pmd.toString());
                // pgtable_trans_huge_deposit(mm, pmd, pgtable); map_anon_folio_pmd_nopf(folio, pmd,
                // vma, address): folio_add_new_anon_rmap (RMAP_EXCLUSIVE), folio_add_lru_vma,
                // set_pmd_at, update_mmu_cache_pmd (no-op on x86), deferred_split_folio (a no-op for
                // a folio mapped entirely)
                Rmap.folioAddNewAnonRmap(folio, vma, address);
                setPmdAtPteMapped(mm, vma, address, pmd, folio, pgtable); // model: see the class comment
                pmdPtl.unlock();
                Probes.hit(P_ANON_DONE);
                Trace.note("collapse_huge_page(%s, %#x): %s", vma, address, folio);
                folio = null;
                result = ScanResult.SCAN_SUCCEED;
            }
            MmapLock.mmapWriteUnlock(mm); // out_up_write
        }
        if (folio != null) // out_nolock
            Swap.folioPut(folio);
        return result;
    }

    // ================================================================ page cache

    /**
     * page_cache_sync_readahead(mapping, ra, file, index, nr) (mm/readahead.c, not ported): model:
     * the one missing page is read as filemap_fault reads it (allocate, lock, add to the page
     * cache, read from disk, unlock).
     */
    static void pageCacheSyncReadahead(File mapping, long index) {
        if (index >= mapping.sizePages)
            return; // beyond EOF
        Page folio = Task.current().kernel.pages.alloc("page"); // filemap_alloc_folio
        if (folio == null)
            return;
        Probes.hit(P_FILE_READAHEAD);
        folio.flags.set(folio.flags.get() | Page.PG_LOCKED); // __folio_set_locked: not yet visible
        if (Filemap.filemapAddFolio(mapping, folio, index) == 0) {
            Filemap.filemapReadFolio(mapping, folio);
            Filemap.folioUnlock(folio);
        } else {
            folio.flags.set(folio.flags.get() & ~Page.PG_LOCKED);
        }
        Swap.folioPut(folio); // the allocation's reference; the page cache holds its own
    }

    /** filemap_lock_folio(mapping, index): the folio locked and referenced, or null. */
    static Page filemapLockFolio(File mapping, long index) {
        for (;;) {
            Page folio = Filemap.filemapGetFolio(mapping, index);
            if (folio == null)
                return null;
            Filemap.folioLock(folio);
            if (folio.mapping.get() == mapping) // Has the page been truncated?
                return folio;
            Filemap.folioUnlock(folio);
            Swap.folioPut(folio);
        }
    }

    /**
     * hpage_collapse_scan_file(mm, addr, file, start, cc): look at the 512 page-cache slots under
     * RCU; collapse_file if enough pages are there and nothing holds extra references.
     */
    static ScanResult hpageCollapseScanFile(MmStruct mm, long addr, File file, long start) {
        Task t = Task.current();
        int present = 0;
        ScanResult result = ScanResult.SCAN_SUCCEED;
        // collapse_control_init_scan
        t.kernel.rcu.readLock();
        for (long index = start; index < start + HPAGE_PMD_NR && index < file.sizePages; index++) {
            var slot = file.iPages.get((int) index);
            Page folio = slot.rcuDereference(); // xas_for_each
            if (folio == null)
                continue; // model: no value (swap/shadow) entries
            if (!Swap.folioTryGet(folio)) {
                t.spin("collapse_scan_file: xas_reset");
                index--;
                continue;
            }
            if (folio != slot.readOnce()) { // xas_reload
                Swap.folioPut(folio);
                t.spin("collapse_scan_file: xas_reset");
                index--;
                continue;
            }
            if (folio.order == HPAGE_PMD_ORDER && folio.index.get() == start) {
                // Maybe PMD-mapped: further processing by the caller won't touch the page cache.
                result = ScanResult.SCAN_PTE_MAPPED_HUGEPAGE;
                Swap.folioPut(folio);
                break;
            }
            // node = folio_nid(folio); hpage_collapse_scan_abort: one node
            if (!Vmscan.folioTestLru(folio)) {
                result = ScanResult.SCAN_PAGE_LRU;
                Swap.folioPut(folio);
                break;
            }
            // folio_expected_ref_count: the page cache's nr + the mappings
            if ((1 << folio.order) + folioMapcount(folio) + 1 != Swap.folioRefCount(folio)) {
                result = ScanResult.SCAN_PAGE_COUNT;
                Swap.folioPut(folio);
                break;
            }
            present += 1 << folio.order;
            Swap.folioPut(folio);
        }
        t.kernel.rcu.readUnlock();
        if (result == ScanResult.SCAN_SUCCEED) {
            if (present < HPAGE_PMD_NR - khugepagedMaxPtesNone)
                result = ScanResult.SCAN_EXCEED_NONE_PTE;
            else
                result = collapseFile(mm, addr, file, start);
        }
        Trace.note("hpage_collapse_scan_file(%s, %d): %d present -> %s", file, start, present, result);
        return result;
    }

    /**
     * collapse_file(mm, addr, file, start, cc): replace the small folios of [start, start + 512) in
     * the page cache by one locked order-9 folio, retract the PTE tables of every VMA mapping the
     * range, unlock the new folio and free the old ones. Entered and left without mmap_lock.
     */
    static ScanResult collapseFile(MmStruct mm, long addr, File mapping, long start) {
        Task t = Task.current();
        long end = start + HPAGE_PMD_NR;
        List<Page> pagelist = new ArrayList<>();
        ScanResult result = ScanResult.SCAN_SUCCEED;

        if ((start & (HPAGE_PMD_NR - 1)) != 0)
            t.kernel.reports.file(t, Report.Kind.WARN, "VM_WARN_ON_ONCE(start & (HPAGE_PMD_NR - 1))", mapping + " " + start);
        Page newFolio = allocChargeFolio();
        if (newFolio == null)
            return ScanResult.SCAN_ALLOC_HUGE_PAGE_FAIL;
        newFolio.flags.set(newFolio.flags.get() | Page.PG_LOCKED); // __folio_set_locked
        newFolio.index.set(start);
        newFolio.mapping.set(mapping);
        // xas_create_range: model: every slot exists

        rollback:
        {
            mapping.xaLock.lock(); // xas_lock_irq
            xaUnlocked:
            {
                xaLocked:
                {
                    for (long index = start; index < end;) {
                        // xas_load; model: past EOF there is no slot, and readahead finds nothing
                        Page folio = index < mapping.sizePages ? mapping.iPages.get((int) index).get() : null;
                        if (folio == null) {
                            mapping.xaLock.unlock();
                            pageCacheSyncReadahead(mapping, index);
                            // lru_add_drain
                            folio = filemapLockFolio(mapping, index);
                            if (folio == null) {
                                result = ScanResult.SCAN_FAIL;
                                break xaUnlocked;
                            }
                        } else if ((folio.flags.readOnce() & Page.PG_DIRTY) != 0) {
                            // This page is dirty because it hasn't been flushed since first write.
                            // filemap_flush: model: the flusher is not started from here
                            mapping.xaLock.unlock();
                            result = ScanResult.SCAN_PAGE_DIRTY_OR_WRITEBACK;
                            break xaUnlocked;
                        } else if (Filemap.folioTrylock(folio)) { // folio_test_writeback: never
                            Swap.folioGet(folio);
                            mapping.xaLock.unlock();
                        } else {
                            result = ScanResult.SCAN_PAGE_LOCK;
                            break xaLocked;
                        }

                        // The folio must be locked, so we can drop the i_pages lock without racing with truncate.
                        outUnlock:
                        {
                            if ((folio.flags.readOnce() & Page.PG_UPTODATE) == 0) {
                                result = ScanResult.SCAN_FAIL;
                                break outUnlock;
                            }
                            if (folio.order == HPAGE_PMD_ORDER && folio.index.get() == start) { // Maybe PMD-mapped
                                result = ScanResult.SCAN_PTE_MAPPED_HUGEPAGE;
                                break outUnlock;
                            }
                            if (Vmscan.folioMapping(folio) != mapping) {
                                result = ScanResult.SCAN_TRUNCATED;
                                break outUnlock;
                            }
                            if ((folio.flags.readOnce() & Page.PG_DIRTY) != 0) { // or writeback
                                result = ScanResult.SCAN_PAGE_DIRTY_OR_WRITEBACK;
                                break outUnlock;
                            }
                            if (!Vmscan.folioIsolateLru(folio)) {
                                result = ScanResult.SCAN_DEL_PAGE_LRU;
                                break outUnlock;
                            }
                            // filemap_release_folio: no private data
                            if (Rmap.folioMapped(folio))
                                Rmap.tryToUnmap(folio, Rmap.TTU_IGNORE_MLOCK | Rmap.TTU_BATCH_FLUSH);
                            mapping.xaLock.lock();
                            if (folio != mapping.iPages.get((int) index).get())
                                t.kernel.reports.file(t, Report.Kind.BUG, "VM_BUG_ON_FOLIO(folio != xa_load(xas.xa, index))", folio.name());
                            // We control 2 + nr_pages references: our pin, the page cache's, the isolation's.
                            if (Swap.folioRefCount(folio) != 2 + (1 << folio.order)) {
                                result = ScanResult.SCAN_PAGE_COUNT;
                                mapping.xaLock.unlock();
                                Vmscan.folioPutbackLru(folio);
                                break outUnlock;
                            }
                            // model: the kernel has no check here; it refuses the whole collapse after
                            // the loop when the file is open for writing (inode_is_open_for_write:
                            // SCAN_FAIL), so that no writer can dirty the range. The model has no open
                            // files (every mapping behaves as if its file were opened read-write), so
                            // it refuses only where a writer left its mark: try_to_unmap() moved a
                            // dirty PTE's bit to the folio, whose writes the clean new folio would lose.
                            if ((folio.flags.readOnce() & Page.PG_DIRTY) != 0) {
                                result = ScanResult.SCAN_PAGE_DIRTY_OR_WRITEBACK;
                                mapping.xaLock.unlock();
                                Vmscan.folioPutbackLru(folio);
                                break outUnlock;
                            }
                            pagelist.add(folio); // Accumulate the folios that are being collapsed.
                            index += 1 << folio.order;
                            continue;
                        }
                        Filemap.folioUnlock(folio); // out_unlock
                        Swap.folioPut(folio);
                        break xaUnlocked;
                    }
                    // !is_shmem: filemap_nr_thps_inc, smp_mb, inode_is_open_for_write: model: no
                    // open files, see the dirty check above
                }
                mapping.xaLock.unlock(); // xa_locked
            }
            // xa_unlocked: if collapse is successful, flush must be done now before copying
            Rmap.tryToUnmapFlush();
            if (result != ScanResult.SCAN_SUCCEED)
                break rollback;

            // The old folios are locked, so they won't change anymore.
            long index = start;
            int dst = 0;
            for (Page folio : pagelist) {
                while (index < folio.index.get()) {
                    folioPage(newFolio, dst).clear(); // clear_highpage
                    index++;
                    dst++;
                }
                for (int i = 0; i < (1 << folio.order); i++) {
                    folioPage(newFolio, dst).copyPage(folioPage(folio, i)); // copy_mc_highpage
                    index++;
                    dst++;
                }
            }
            while (index < end) {
                folioPage(newFolio, dst).clear();
                index++;
                dst++;
            }
            // nr_none: always 0 for a non-shmem file
            mapping.xaLock.lock(); // xas_lock_irq

            // Mark new_folio as uptodate before inserting it into the page cache.
            Barrier.smpWmb(); // folio_mark_uptodate
            newFolio.flags.fetchOr(Page.PG_UPTODATE);
            Swap.folioRefAdd(newFolio, HPAGE_PMD_NR - 1);
            // folio_add_lru
            // Join all the small entries into a single multi-index entry. model: one store per slot.
            for (long i = start; i < end; i++)
                mapping.iPages.get((int) i).rcuAssignPointer(newFolio); // xas_store
            mapping.xaLock.unlock();
            Probes.hit(P_FILE_CACHE_STORED);

            // Remove pte page tables, so we can re-fault the page as huge.
            retractPageTables(mapping, start);
            // policy.install_pmd is false for khugepaged
            Filemap.folioUnlock(newFolio);

            // The collapse has succeeded, so free the old folios.
            for (Page folio : pagelist) {
                folio.mapping.set(null);
                // folio_clear_active, folio_clear_unevictable: not modelled
                Filemap.folioUnlock(folio);
                Swap.folioPutRefs(folio, 2 + (1 << folio.order));
            }
            Trace.note("collapse_file(%s, %d): %s", mapping, start, newFolio);
            return result;
        }
        // rollback: Something went wrong: roll back page cache changes
        Probes.hit(P_FILE_ROLLBACK);
        for (Page folio : pagelist) {
            Filemap.folioUnlock(folio);
            Vmscan.folioPutbackLru(folio);
            Swap.folioPut(folio);
        }
        newFolio.mapping.set(null);
        Filemap.folioUnlock(newFolio);
        Swap.folioPut(newFolio);
        return result;
    }

    /** file_backed_vma_is_retractable(vma): no anon_vma (no uffd-wp, no guard regions in the model). */
    static boolean fileBackedVmaIsRetractable(VmAreaStruct vma) {
        // Check vma->anon_vma to exclude MAP_PRIVATE mappings that got written to.
        return vma.anonVma.readOnce() == null;
    }

    /**
     * Free a PTE table that retract_page_tables / try_collapse_pte_mapped_thp took away:
     * pte_free_defer() (the kernel), or the pre-6.5 IPI-then-free for the model switch.
     */
    static void freeRetractedTable(MmStruct mm, Page table) {
        if (retractTableFree == RetractFree.SYNC_ONE_THEN_PTE_FREE) {
            Probes.hit(P_RETRACT_SYNC_ONE);
            MmuGather.tlbRemoveTableSyncOne();
            PgtableGeneric.pteFreeNow(table); // pte_free(mm, pmd_pgtable(pmd))
            return;
        }
        PgtableGeneric.pteFreeDefer(mm, table);
    }

    /**
     * retract_page_tables(mapping, pgoff): for every VMA of the file mapping pgoff at a
     * PMD-aligned address over a whole PMD, clear its pmd under the pmd lock and the PTL and free
     * the (empty) PTE table with pte_free_defer. Only i_mmap_rwsem (read) is held: no mmap_lock,
     * no VMA lock of the VMAs whose tables go.
     */
    static void retractPageTables(File mapping, long pgoff) {
        mapping.iMmapRwsem.downRead(); // i_mmap_lock_read
        for (VmAreaStruct vma : List.copyOf(mapping.iMmap)) { // mapping_rmap_tree_foreach(vma, mapping, pgoff, pgoff)
            long vmPgoff = vma.vmPgoff.get(), vmStart = vma.vmStart.get(), vmEnd = vma.vmEnd.get();
            if (pgoff < vmPgoff || pgoff >= vmPgoff + ((vmEnd - vmStart) >>> Page.PAGE_SHIFT))
                continue;
            boolean success = false;
            long pgtPmd = 0;
            long addr = vmStart + ((pgoff - vmPgoff) << Page.PAGE_SHIFT);
            if ((addr & ~PMD_MASK) != 0 || vmEnd < addr + PMD_SIZE)
                continue;
            MmStruct mm = vma.vmMm.get();
            Ptep[] pmdp = new Ptep[1];
            if (findPmdOrThpOrNone(mm, addr, pmdp) != ScanResult.SCAN_SUCCEED)
                continue;
            Ptep pmd = pmdp[0];
            if (collapseTestExit(mm))
                continue;
            if (!fileBackedVmaIsRetractable(vma)) {
                Probes.hit(P_RETRACT_SKIP_ANON);
                continue;
            }
            // PTEs were notified when unmapped; but now for the PMD? (no mmu notifiers)
            SpinLock pml = Memory.pmdLock(mm, pmd);
            dropPml:
            {
                // The lock of new_folio is still held, we will be blocked in the page fault path,
                // which prevents the pte entries from being set again. So here we only need to
                // recheck if the state of pmd entry still meets our requirements.
                if (!Mutant.on(Mutant.RETRACT_NO_PMD_RECHECK) && checkPmdState(pmd) != ScanResult.SCAN_SUCCEED) {
                    Probes.hit(P_RETRACT_PMD_CHANGED);
                    break dropPml;
                }
                SpinLock ptl = PgtableGeneric.pteLockptr(mm, pmd.readOnce()); // pte_lockptr(mm, pmd)
                if (ptl != pml)
                    ptl.lock(); // spin_lock_nested(ptl, SINGLE_DEPTH_NESTING)
                // Now that we hold ptlock, repeating the retractable checks protects us from races
                // against the prior checks.
                if (Mutant.on(Mutant.RETRACT_NO_ANON_RECHECK) || fileBackedVmaIsRetractable(vma)) {
                    pgtPmd = PgtableGeneric.pmdpCollapseFlush(vma, addr, pmd);
                    // pmdp_get_lockless_sync(): a no-op on x86-64 (only for split 64-bit pmds)
                    success = true;
                }
                if (ptl != pml)
                    ptl.unlock();
            }
            pml.unlock(); // drop_pml
            // mmu_notifier_invalidate_range_end
            if (success) {
                // mm_dec_nr_ptes; page_table_check_pte_clear_range: not modelled
                Probes.hit(P_RETRACT);
                Trace.note("retract_page_tables: %s %#x: table %s", vma, addr, Pgtable.tablePage(pgtPmd));
                if (Mutant.on(Mutant.RETRACT_FREE_NOW))
                    PgtableGeneric.pteFreeNow(Pgtable.tablePage(pgtPmd)); // known-bad: no grace period
                else
                    freeRetractedTable(mm, Pgtable.tablePage(pgtPmd));
            }
        }
        mapping.iMmapRwsem.upRead();
    }

    /**
     * try_collapse_pte_mapped_thp(mm, addr, install_pmd): with mmap_lock held (read is enough),
     * when the page cache already holds a PMD-order folio for the range: if every present PTE of
     * the table maps the matching page of it, clear them, drop their rmap and references, and
     * retract the table (pmdp_collapse_flush under the pmd lock and the PTL; pte_free_defer).
     * The VMA is not locked. model: install_pmd (MADV_COLLAPSE's set_huge_pmd) is not supported.
     */
    static ScanResult tryCollapsePteMappedThp(MmStruct mm, long addr, boolean installPmd) {
        Task t = Task.current();
        ScanResult result;
        int nrMappedPtes = 0;
        long haddr = addr & PMD_MASK;
        VmAreaStruct vma = Mmap.vmaLookup(mm, haddr);
        Ptep startPte = null;
        SpinLock pml = null, ptl = null;

        MmapLock.mmapAssertLocked(mm);
        // First check VMA found, in case page tables are being torn down
        if (vma == null || vma.vmFile.get() == null || haddr < vma.vmStart.get() || haddr + PMD_SIZE > vma.vmEnd.get())
            return ScanResult.SCAN_VMA_CHECK;
        Ptep[] pmdp = new Ptep[1];
        // Fast check before locking page if already PMD-mapped
        result = findPmdOrThpOrNone(mm, haddr, pmdp);
        if (result == ScanResult.SCAN_PMD_MAPPED)
            return result;
        if (!thpVmaAllowableOrder(vma, vma.vmFlags.get(), true)) // TVA_FORCED_COLLAPSE
            return ScanResult.SCAN_VMA_CHECK;
        // userfaultfd_protected: no userfaultfd
        Page folio = filemapLockFolio(vma.vmFile.get(), Rmap.linearPageIndex(vma, haddr));
        if (folio == null)
            return ScanResult.SCAN_PAGE_NULL;

        dropFolio:
        {
            if (folio.order != HPAGE_PMD_ORDER) {
                result = ScanResult.SCAN_PAGE_COMPOUND;
                break dropFolio;
            }
            result = findPmdOrThpOrNone(mm, haddr, pmdp);
            Ptep pmd = pmdp[0];
            maybeInstallPmd:
            {
                if (result == ScanResult.SCAN_NO_PTE_TABLE)
                    break maybeInstallPmd; // All pte entries have been removed and pmd cleared.
                if (result != ScanResult.SCAN_SUCCEED)
                    break dropFolio;

                result = ScanResult.SCAN_FAIL;
                PgtableGeneric.PteMap m = PgtableGeneric.pteOffsetMapLock(mm, pmd, haddr);
                if (m == null) // mmap_lock + page lock should prevent this
                    break dropFolio;
                startPte = m.pte();
                ptl = m.ptl();
                unlock:
                {
                    abort:
                    {
                        // step 1: check all mapped PTEs are to the right huge page
                        long a = haddr;
                        for (int i = 0; i < HPAGE_PMD_NR; i++, a += PAGE_SIZE) {
                            long ptent = startPte.plus(i).readOnce();
                            if (Pgtable.pteNone(ptent))
                                continue;
                            if (!Pgtable.ptePresent(ptent)) {
                                result = ScanResult.SCAN_PTE_NON_PRESENT;
                                break abort;
                            }
                            if (folioPage(folio, i) != Memory.vmNormalPage(vma, a, ptent))
                                break abort;
                        }
                        PgtableGeneric.pteUnmapUnlock(startPte, ptl);
                        startPte = null;
                        // mmu_notifier_invalidate_range_start; userfaultfd_armed: no (pml stays NULL)
                        PgtableGeneric.PteMap m2 = PgtableGeneric.pteOffsetMapRoNolock(mm, pmd, haddr); // pte_offset_map_rw_nolock
                        if (m2 == null) // mmap_lock + page lock should prevent this
                            break abort;
                        startPte = m2.pte();
                        ptl = m2.ptl();
                        long pgtPmd = m2.pmdval();
                        ptl.lock();
                        if (pgtPmd != pmd.readOnce()) // !pmd_same(pgt_pmd, pmdp_get_lockless(pmd))
                            break abort;

                        // step 2: clear page table and adjust rmap
                        a = haddr;
                        for (int i = 0; i < HPAGE_PMD_NR; i++, a += PAGE_SIZE) {
                            Ptep pte = startPte.plus(i);
                            long ptent = pte.readOnce();
                            if (Pgtable.pteNone(ptent))
                                continue;
                            // We dropped ptl after the first scan: page lock stops more PTEs of the
                            // folio being faulted in, but not COW or swap-out of existing ones.
                            if (!Pgtable.ptePresent(ptent)) {
                                result = ScanResult.SCAN_PTE_NON_PRESENT;
                                break abort;
                            }
                            Page page = Memory.vmNormalPage(vma, a, ptent);
                            if (folioPage(folio, i) != page)
                                break abort;
                            // Must clear entry, or a racing truncate may re-remove it. TLB flush can
                            // be left until pmdp_collapse_flush() does it. (model: batches of 1)
                            pte.getAndClear(); // clear_ptes
                            Rmap.folioRemoveRmapPtes(folio, page, 1, vma);
                            nrMappedPtes++;
                        }
                        ptl.unlock(); // !pml

                        // step 3: set proper refcount and mm_counters.
                        if (nrMappedPtes != 0)
                            Swap.folioRefAdd(folio, -nrMappedPtes); // folio_ref_sub

                        // step 4: remove empty page table
                        pml = Memory.pmdLock(mm, pmd);
                        if (ptl != pml) {
                            ptl.lock(); // spin_lock_nested
                            if (pgtPmd != pmd.readOnce()) {
                                Tlb.flushTlbMmRange(mm, 0, Mm.TASK_SIZE, false); // flush_tlb_mm
                                break unlock;
                            }
                        }
                        pgtPmd = PgtableGeneric.pmdpCollapseFlush(vma, haddr, pmd);
                        // pmdp_get_lockless_sync: no-op on x86-64
                        PgtableGeneric.pteUnmapUnlock(startPte, ptl);
                        if (ptl != pml)
                            pml.unlock();
                        // mmu_notifier_invalidate_range_end; mm_dec_nr_ptes; page_table_check: not modelled
                        Probes.hit(P_PTE_MAPPED_RETRACT);
                        Trace.note("try_collapse_pte_mapped_thp(%s, %#x): table %s", vma, haddr, Pgtable.tablePage(pgtPmd));
                        freeRetractedTable(mm, Pgtable.tablePage(pgtPmd));
                        break maybeInstallPmd;
                    }
                    // abort:
                    Probes.hit(P_PTE_MAPPED_ABORT);
                    if (nrMappedPtes != 0) {
                        Tlb.flushTlbMmRange(mm, 0, Mm.TASK_SIZE, false); // flush_tlb_mm
                        Swap.folioRefAdd(folio, -nrMappedPtes);
                    }
                }
                // unlock:
                if (startPte != null)
                    PgtableGeneric.pteUnmapUnlock(startPte, ptl);
                if (pml != null && pml != ptl)
                    pml.unlock();
                break dropFolio;
            }
            // maybe_install_pmd: step 5: install pmd entry
            result = installPmd ? ScanResult.SCAN_FAIL : ScanResult.SCAN_SUCCEED; // model: no set_huge_pmd
        }
        // drop_folio:
        Filemap.folioUnlock(folio);
        Swap.folioPut(folio);
        return result;
    }
}
