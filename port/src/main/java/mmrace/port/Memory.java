package mmrace.port;

import mmrace.runtime.Barrier;
import mmrace.runtime.Err;
import mmrace.runtime.Errno;
import mmrace.runtime.Kasan;
import mmrace.runtime.Mutant;
import mmrace.runtime.Page;
import mmrace.runtime.Probes;
import mmrace.runtime.Report;
import mmrace.runtime.SpinLock;
import mmrace.runtime.Task;
import mmrace.runtime.Trace;
import mmrace.runtime.Tracepoint;

import static mmrace.port.MmTypes.*;
import static mmrace.runtime.Page.PAGE_SIZE;

/**
 * mm/memory.c, read at eeccf287a2a517954b57cf9d733b3cf5d47afa34 (free_p*_range, free_pgtables,
 * pmd_install, __p*_alloc, vm_normal_page, the zap path with PT reclaim, unmap_vmas,
 * zap_page_range_single_batched, __handle_mm_fault, sanitize_fault_flags, handle_mm_fault,
 * follow_pfnmap_start/end, generic_access_phys, __access_remote_vm, vma_pgtable_walk_begin/end), plus
 * vmf_anon_prepare from mm/internal.h (stored id 56677540277). For remote writes the write-fault
 * path was compared with eeccf287a2a5 too: do_cow_fault, finish_fault, set_pte_range, do_wp_page,
 * wp_page_shared, wp_page_reuse, wp_can_reuse_anon_folio, wp_page_copy (model: no uffd-wp, no
 * ->page_mkwrite, no KSM, a COW copy never fails; wp_page_copy's FAULT_FLAG_UNSHARE entry, which
 * only FOLL_PIN reaches, is not distinguished). The other fault handlers below handle_pte_fault
 * (do_anonymous_page, do_read_fault, do_shared_fault, do_swap_page, do_numa_page, remap_pfn_range)
 * follow the kernel's steps as of 2025-26, for order-0 folios, without a comparison at one commit.
 *
 * <p>Also the patch under review, "mm: read remote memory without the mmap lock where possible"
 * (Rik van Riel, June 2026, 3/3 of "mm: __access_remote_vm with per-VMA lock"), which adds
 * access_remote_vm_fast to mm/memory.c: its v1 form is {@link #accessRemoteVmFast}. The model's
 * other forms of the fast path, and the per-call choice between them ({@link ReadPath},
 * {@link WalkMode}), are in {@link FastPathVariants}.
 *
 * <p>model: no THP (thp_vma_allowable_order is false, so no huge PUD/PMD is ever created, and the
 * huge-entry branches are left out), no hugetlb page tables, no userfaultfd, no mmu notifiers, no
 * rss counters, no memcg, no KSM, no NUMA balancing (do_numa_page just restores the VMA's
 * protection), all folios the fault path allocates are order 0; untagged_addr is the identity (x86
 * LAM not enabled: the mask is all ones).
 */
public final class Memory {
    private Memory() {}

    // ---------------------------------------------------------------- probes
    static final int P_PTE_INSTALL_RACE = Probes.register("pmd_install: another task populated the pmd, free ours");
    static final int P_PUD_ALLOC_RACE = Probes.register("__pud_alloc: another task populated it");
    static final int P_PMD_ALLOC_RACE = Probes.register("__pmd_alloc: another task populated it");
    static final int P_ZAP_SKIP = Probes.register("zap_present_ptes: folio skipped (should_zap_folio false)");
    static final int P_ZAP_SPECIAL = Probes.register("zap_present_ptes: special PTE (zero page or pfnmap) cleared");
    static final int P_ZAP_SWAP = Probes.register("zap_nonpresent_ptes: swap entry freed");
    static final int P_ZAP_FORCE_FLUSH = Probes.register("zap_pte_range: force_flush before dropping the PTL");
    static final int P_RECLAIM_DIRECT = Probes.register("zap_pte_range: empty PTE table unlinked under the PTL (zap_empty_pte_table)");
    static final int P_RECLAIM_TRYLOCK_FAIL = Probes.register("zap_empty_pte_table: pmd lock trylock failed");
    static final int P_RECLAIM_RECHECK = Probes.register("zap_pte_table_if_empty: table still empty, unlinked");
    static final int P_RECLAIM_NOT_EMPTY = Probes.register("zap_pte_table_if_empty: table repopulated, kept");
    static final int P_FREE_PTE_TABLE = Probes.register("free_pte_range: PTE table freed");
    static final int P_FREE_PMD_TABLE = Probes.register("free_pmd_range: PMD table freed");
    static final int P_FREE_PUD_TABLE = Probes.register("free_pud_range: PUD table freed");
    static final int P_FREE_PMD_KEPT = Probes.register("free_pmd_range: PMD table kept (floor/ceiling)");
    static final int P_FREE_PGD_NOTHING = Probes.register("free_pgd_range: nothing to free after floor/ceiling");
    static final int P_FAULT_SIGSEGV = Probes.register("sanitize_fault_flags: VM_FAULT_SIGSEGV");
    static final int P_ANON_ZERO = Probes.register("do_anonymous_page: zero-page PTE for a read fault");
    static final int P_ANON_NEW = Probes.register("do_anonymous_page: new zeroed folio");
    static final int P_ANON_RACE = Probes.register("do_anonymous_page: PTE changed under us");
    static final int P_ANON_RETRY = Probes.register("vmf_anon_prepare: no anon_vma under VMA lock, VM_FAULT_RETRY");
    static final int P_FAULT_VMA_RETRY = Probes.register("vmf_can_call_fault: file fault under VMA lock, VM_FAULT_RETRY");
    static final int P_FINISH_RACE = Probes.register("finish_fault: PTE changed, VM_FAULT_NOPAGE");
    static final int P_WP_REUSE = Probes.register("do_wp_page: reuse exclusive anon folio");
    static final int P_WP_COPY = Probes.register("do_wp_page: copy on write");
    static final int P_WP_SHARED = Probes.register("do_wp_page: shared mapping, make writable");
    static final int P_WP_COPY_RACE = Probes.register("wp_page_copy: PTE changed, drop the copy");
    static final int P_SWAP_IN = Probes.register("do_swap_page: swapped in");
    static final int P_SWAP_RACE = Probes.register("do_swap_page: PTE changed, back out");
    static final int P_PTE_SPURIOUS = Probes.register("handle_pte_fault: PTE changed before the PTL, nothing to do");
    static final int P_SLOW_EXPAND = Probes.register("__access_remote_vm: no vma, expand_stack (drops mmap_lock)");
    static final int P_SLOW_EXPAND_FAIL = Probes.register("__access_remote_vm: expand_stack failed, return (lock already dropped)");
    static final int P_SLOW_ACCESS = Probes.register("__access_remote_vm: GUP failed, vm_ops->access");
    static final int P_SLOW_BREAK = Probes.register("__access_remote_vm: GUP failed, no access: short read");
    static final int P_SLOW_PAGE = Probes.register("__access_remote_vm: copied from a GUP page");
    static final int P_SLOW_LOCK_FAIL = Probes.register("__access_remote_vm: mmap_read_lock_killable failed");
    static final int P_FAST_COPY = Probes.register("access_remote_vm_fast: copied a page under the VMA lock");
    static final int P_FAST_ZERO = Probes.register("access_remote_vm_fast: zero page, copied zeros");
    static final int P_FAST_NO_VMA = Probes.register("access_remote_vm_fast: falls back: lock_vma_under_rcu failed");
    static final int P_FAST_NOT_PRESENT = Probes.register("access_remote_vm_fast: falls back: not present");
    static final int P_FAST_REFUSED = Probes.register("access_remote_vm_fast: falls back: hugetlb/VM_IO/VM_PFNMAP");
    static final int P_FAST_PERM = Probes.register("access_remote_vm_fast: falls back: permission");
    static final int P_FAST_NEXT_VMA = Probes.register("access_remote_vm_fast (v1): moves on into the next VMA");
    static final int P_PFNMAP_FAIL = Probes.register("follow_pfnmap_start: -EINVAL");
    static final int P_ACCESS_PHYS_RETRY = Probes.register("generic_access_phys: mapping changed, retry");
    static final int P_ACCESS_PHYS_PAST_PAGE = Probes.register("generic_access_phys: copy runs past the looked-up page");
    static final int P_ACCESS_PHYS_RAM = Probes.register("generic_access_phys: ioremap on RAM refused, -ENOMEM");

    // ---------------------------------------------------------------- small helpers

    static boolean ult(long a, long b) {
        return Long.compareUnsigned(a, b) < 0;
    }

    static boolean ugt(long a, long b) {
        return Long.compareUnsigned(a, b) > 0;
    }

    /** p?d_addr_end(addr, end) for a level of the given size. */
    static long addrEnd(long addr, long end, long size) {
        long boundary = (addr + size) & -size;
        return ult(boundary - 1, end - 1) ? boundary : end;
    }

    /** is_zero_pfn(pfn). */
    public static boolean isZeroPfn(long pfn) {
        return pfn == Task.current().kernel.pages.zeroPage.pfn;
    }

    /** The pmd_clear_bad family: report the bad entry and clear it. */
    private static void clearBad(Ptep p, long v, String level) {
        Task t = Task.current();
        t.kernel.reports.file(t, Report.Kind.BUG, level + "_ERROR: bad " + level, p + " = " + Long.toHexString(v));
        p.set(0);
    }

    /** p4d_none_or_clear_bad(p4d). */
    static boolean p4dNoneOrClearBad(Ptep p4d) {
        long v = p4d.load();
        if (Pgtable.p4dNone(v))
            return true;
        if (Pgtable.entryBad(v)) {
            clearBad(p4d, v, "p4d");
            return true;
        }
        return false;
    }

    /** pud_none_or_clear_bad(pud). */
    static boolean pudNoneOrClearBad(Ptep pud) {
        long v = pud.load();
        if (Pgtable.pudNone(v))
            return true;
        if (Pgtable.entryBad(v)) {
            clearBad(pud, v, "pud");
            return true;
        }
        return false;
    }

    /** pmd_none_or_clear_bad(pmd). */
    static boolean pmdNoneOrClearBad(Ptep pmd) {
        long v = pmd.load();
        if (Pgtable.pmdNone(v))
            return true;
        if (Pgtable.entryBad(v)) {
            clearBad(pmd, v, "pmd");
            return true;
        }
        return false;
    }

    /** pmd_lockptr(mm, pmd): the split PMD lock in the PMD table's page. */
    static SpinLock pmdLockptr(MmStruct mm, Ptep pmd) {
        return pmd.table().ptl;
    }

    /** pmd_lock(mm, pmd). */
    static SpinLock pmdLock(MmStruct mm, Ptep pmd) {
        SpinLock l = pmdLockptr(mm, pmd);
        l.lock();
        return l;
    }

    /** pud_lock(mm, pud): pud_lockptr is &mm->page_table_lock. */
    static SpinLock pudLock(MmStruct mm, Ptep pud) {
        mm.pageTableLock.lock();
        return mm.pageTableLock;
    }

    /** vma_pgtable_walk_begin(vma): hugetlb VMAs take the hugetlb VMA lock. model: no hugetlb lock. */
    public static void vmaPgtableWalkBegin(VmAreaStruct vma) {}

    /** vma_pgtable_walk_end(vma). */
    public static void vmaPgtableWalkEnd(VmAreaStruct vma) {}

    /** release_fault_lock(vmf): the VMA lock or mmap_lock the fault was entered with. */
    static void releaseFaultLock(VmFault vmf) {
        if ((vmf.flags & FAULT_FLAG_VMA_LOCK) != 0)
            MmapLock.vmaEndRead(vmf.vma);
        else
            MmapLock.mmapReadUnlock(vmf.vma.vmMm.get());
    }

    static Ptep vmfPmd(VmFault vmf) {
        return new Ptep(vmf.pmdTable, vmf.pmdIndex);
    }

    static Ptep vmfPte(VmFault vmf) {
        return vmf.pteTable == null ? null : new Ptep(vmf.pteTable, vmf.pteIndex);
    }

    static void setVmfPte(VmFault vmf, Ptep p) {
        vmf.pteTable = p == null ? null : p.table();
        vmf.pteIndex = p == null ? 0 : p.index();
    }


    // ---------------------------------------------------------------- page-table allocation

    /** p4d_alloc(mm, pgd, address): folded into the pgd on 4-level x86-64. */
    public static Ptep p4dAlloc(MmStruct mm, Ptep pgd, long address) {
        return Pgtable.p4dOffset(pgd, address);
    }

    /** __pud_alloc(mm, p4d, address): 0 or -ENOMEM. */
    public static int __pudAlloc(MmStruct mm, Ptep p4d, long address) {
        Task t = Task.current();
        Page nu = t.kernel.pages.allocTable("pud"); // pud_alloc_one
        if (nu == null)
            return -Errno.ENOMEM;
        mm.pageTableLock.lock();
        if (!Pgtable.pudPresent(p4d.load())) { // !p4d_present(*p4d)
            Barrier.smpWmb(); // See comment in pmd_install()
            p4d.set(Pgtable.mkTableEntry(nu)); // p4d_populate
        } else {
            Probes.hit(P_PUD_ALLOC_RACE);
            t.kernel.pages.free(nu); // pud_free
        }
        mm.pageTableLock.unlock();
        return 0;
    }

    /** pud_alloc(mm, p4d, address): the pud entry, or null on -ENOMEM. */
    public static Ptep pudAlloc(MmStruct mm, Ptep p4d, long address) {
        if (Pgtable.p4dNone(p4d.readOnce()) && __pudAlloc(mm, p4d, address) != 0)
            return null;
        return Pgtable.pudOffset(p4d.load(), address);
    }

    /** __pmd_alloc(mm, pud, address): 0 or -ENOMEM; populated under the pud lock. */
    public static int __pmdAlloc(MmStruct mm, Ptep pud, long address) {
        Task t = Task.current();
        Page nu = t.kernel.pages.allocTable("pmd"); // pmd_alloc_one
        if (nu == null)
            return -Errno.ENOMEM;
        SpinLock ptl = pudLock(mm, pud);
        if (!Pgtable.pudPresent(pud.load())) {
            Barrier.smpWmb();
            pud.set(Pgtable.mkTableEntry(nu)); // pud_populate
        } else {
            Probes.hit(P_PMD_ALLOC_RACE);
            t.kernel.pages.free(nu); // pmd_free
        }
        ptl.unlock();
        return 0;
    }

    /** pmd_alloc(mm, pud, address): the pmd entry, or null on -ENOMEM. */
    public static Ptep pmdAlloc(MmStruct mm, Ptep pud, long address) {
        if (Pgtable.pudNone(pud.readOnce()) && __pmdAlloc(mm, pud, address) != 0)
            return null;
        return Pgtable.pmdOffset(pud.load(), address);
    }

    /**
     * pgd_offset + p4d_alloc + pud_alloc + pmd_alloc for address (walk_to_pmd without the huge-pmd
     * assertion): the pmd entry, or null on -ENOMEM.
     */
    public static Ptep pmdAlloc(MmStruct mm, long address) {
        Ptep pgd = Pgtable.pgdOffset(mm, address);
        Ptep p4d = p4dAlloc(mm, pgd, address);
        Ptep pud = pudAlloc(mm, p4d, address);
        if (pud == null)
            return null;
        return pmdAlloc(mm, pud, address);
    }

    /**
     * pmd_install(mm, pmd, pte): publish a new PTE table under the pmd lock, unless another task did;
     * pte[0] is set to null when ours was installed.
     */
    public static void pmdInstall(MmStruct mm, Ptep pmd, Page[] pte) {
        SpinLock ptl = pmdLock(mm, pmd);
        if (Pgtable.pmdNone(pmd.load())) { // Has another populated it ?
            // mm_inc_nr_ptes; all pte setup visible before the table is put into the page tables
            Barrier.smpWmb();
            pmd.set(Pgtable.mkTableEntry(pte[0])); // pmd_populate
            pte[0] = null;
        }
        ptl.unlock();
    }

    /** __pte_alloc(mm, pmd): 0 or -ENOMEM. */
    public static int __pteAlloc(MmStruct mm, Ptep pmd) {
        Task t = Task.current();
        Page[] nu = { t.kernel.pages.allocTable("pte") }; // pte_alloc_one
        if (nu[0] == null)
            return -Errno.ENOMEM;
        pmdInstall(mm, pmd, nu);
        if (nu[0] != null) {
            Probes.hit(P_PTE_INSTALL_RACE);
            t.kernel.pages.free(nu[0]); // pte_free
        }
        return 0;
    }

    /** pte_alloc(mm, pmd): 0, or -ENOMEM when a PTE table was needed and could not be had. */
    public static int pteAlloc(MmStruct mm, Ptep pmd) {
        if (Pgtable.pmdNone(pmd.readOnce()))
            return __pteAlloc(mm, pmd);
        return 0;
    }

    // ---------------------------------------------------------------- vm_normal_page

    /** vm_normal_page(vma, addr, pte): the page of a "normal" mapping, null for special ones. */
    public static Page vmNormalPage(VmAreaStruct vma, long addr, long pte) {
        Task t = Task.current();
        long pfn = Pgtable.ptePfn(pte);
        if (Pgtable.pteSpecial(pte)) { // CONFIG_ARCH_HAS_PTE_SPECIAL
            if ((vma.vmFlags.get() & (Mm.VM_PFNMAP | Mm.VM_MIXEDMAP)) != 0)
                return null;
            if (isZeroPfn(pfn))
                return null;
            t.kernel.reports.file(t, Report.Kind.BUG, "Bad page map", "special pte " + Long.toHexString(pte) + " in " + vma.describe());
            return null;
        }
        Page p = t.kernel.pages.pfnToPage(pfn);
        if (p == null) { // pfn > highest_memmap_pfn: corrupted page table entry
            t.kernel.reports.file(t, Report.Kind.BUG, "Bad page map", "pte " + Long.toHexString(pte) + " in " + vma.describe());
            return null;
        }
        return p;
    }

    // ---------------------------------------------------------------- freeing page tables

    /** free_pte_range(tlb, pmd, addr). */
    static void freePteRange(MmuGather tlb, Ptep pmd, long addr) {
        Page token = Pgtable.tablePage(pmd.load()); // pmd_pgtable(*pmd)
        pmd.set(0); // pmd_clear
        Probes.hit(P_FREE_PTE_TABLE);
        MmuGather.pteFreeTlb(tlb, token, addr);
    }

    /** free_pmd_range(tlb, pud, addr, end, floor, ceiling). */
    static void freePmdRange(MmuGather tlb, Ptep pud, long addr, long end, long floor, long ceiling) {
        long start = addr, next;
        Ptep pmd = Pgtable.pmdOffset(pud.load(), addr);
        do {
            next = addrEnd(addr, end, Pgtable.PMD_SIZE);
            if (!pmdNoneOrClearBad(pmd))
                freePteRange(tlb, pmd, addr);
            pmd = pmd.plus(1);
            addr = next;
        } while (addr != end);

        start &= Pgtable.PUD_MASK;
        if (ult(start, floor)) {
            Probes.hit(P_FREE_PMD_KEPT);
            return;
        }
        if (ceiling != 0) {
            ceiling &= Pgtable.PUD_MASK;
            if (ceiling == 0)
                return;
        }
        if (ugt(end - 1, ceiling - 1)) {
            Probes.hit(P_FREE_PMD_KEPT);
            return;
        }
        Page table = Pgtable.tablePage(pud.load()); // pmd_offset(pud, start)
        pud.set(0); // pud_clear
        Probes.hit(P_FREE_PMD_TABLE);
        MmuGather.pmdFreeTlb(tlb, table, start);
    }

    /** free_pud_range(tlb, p4d, addr, end, floor, ceiling): P4D_MASK is PGDIR_MASK (folded). */
    static void freePudRange(MmuGather tlb, Ptep p4d, long addr, long end, long floor, long ceiling) {
        long start = addr, next;
        Ptep pud = Pgtable.pudOffset(p4d.load(), addr);
        do {
            next = addrEnd(addr, end, Pgtable.PUD_SIZE);
            if (!pudNoneOrClearBad(pud))
                freePmdRange(tlb, pud, addr, next, floor, ceiling);
            pud = pud.plus(1);
            addr = next;
        } while (addr != end);

        start &= Pgtable.PGDIR_MASK;
        if (ult(start, floor))
            return;
        if (ceiling != 0) {
            ceiling &= Pgtable.PGDIR_MASK;
            if (ceiling == 0)
                return;
        }
        if (ugt(end - 1, ceiling - 1))
            return;
        Page table = Pgtable.tablePage(p4d.load());
        p4d.set(0); // p4d_clear
        Probes.hit(P_FREE_PUD_TABLE);
        MmuGather.pudFreeTlb(tlb, table, start);
    }

    /** free_p4d_range(tlb, pgd, addr, end, floor, ceiling): p4d folded, pgd_clear/p4d_free_tlb no-ops. */
    static void freeP4dRange(MmuGather tlb, Ptep pgd, long addr, long end, long floor, long ceiling) {
        long next;
        Ptep p4d = Pgtable.p4dOffset(pgd, addr);
        do {
            next = addrEnd(addr, end, Pgtable.PGDIR_SIZE);
            if (!p4dNoneOrClearBad(p4d))
                freePudRange(tlb, p4d, addr, next, floor, ceiling);
            p4d = p4d.plus(1);
            addr = next;
        } while (addr != end);
    }

    /**
     * free_pgd_range(tlb, addr, end, floor, ceiling): free the page tables of [addr, end) that no
     * address outside [floor, ceiling) can be using. 0 as floor is the bottom of the address space,
     * 0 as ceiling the top.
     */
    public static void freePgdRange(MmuGather tlb, long addr, long end, long floor, long ceiling) {
        long next;
        addr &= Pgtable.PMD_MASK;
        if (ult(addr, floor)) {
            addr += Pgtable.PMD_SIZE;
            if (addr == 0)
                return;
        }
        if (ceiling != 0) {
            ceiling &= Pgtable.PMD_MASK;
            if (ceiling == 0)
                return;
        }
        if (ugt(end - 1, ceiling - 1))
            end -= Pgtable.PMD_SIZE;
        if (ugt(addr, end - 1)) {
            Probes.hit(P_FREE_PGD_NOTHING);
            return;
        }
        Trace.note("free_pgd_range(%#x, %#x, floor %#x, ceiling %#x)", addr, end, floor, ceiling);
        Ptep pgd = Pgtable.pgdOffset(tlb.mm, addr);
        do {
            next = addrEnd(addr, end, Pgtable.PGDIR_SIZE);
            freeP4dRange(tlb, pgd, addr, next, floor, ceiling); // pgd_none_or_clear_bad: folded, never none
            pgd = pgd.plus(1);
            addr = next;
        } while (addr != end);
    }

    /** unlink_file_vma_batch_add + _final (mm/vma.c): the VMA leaves the file's i_mmap. */
    private static void unlinkFileVma(VmAreaStruct vma) {
        File f = vma.vmFile.get();
        if (f == null)
            return;
        f.iMmapRwsem.downWrite();
        f.iMmap.remove(vma); // __remove_shared_vm_struct
        f.iMmapRwsem.upWrite();
    }

    /**
     * free_pgtables(tlb, unmap): for each VMA from unmap->first (walking unmap->mas from
     * unmap->tree_reset), hide it from rmap, then free the page tables of runs of nearby VMAs, with
     * floor unmap->pg_start and ceiling the next VMA's start (or unmap->pg_end).
     */
    public static void freePgtables(MmuGather tlb, UnmapDesc unmap) {
        Task t = Task.current();
        MapleTree mas = unmap.mas;
        VmAreaStruct vma = unmap.first;
        if (ugt(unmap.vmaEnd - 1, unmap.pgEnd - 1))
            t.kernel.reports.file(t, Report.Kind.WARN, "WARN_ON_ONCE(vma_end - 1 > pg_end - 1)", "");
        // tlb_free_vmas(tlb): model: nothing to do
        long[] last = {unmap.treeReset - 1}; // mas_set(mas, tree_reset)
        do {
            long addr = vma.vmStart.get();
            VmAreaStruct next = (VmAreaStruct) mas.find(last[0] + 1, unmap.treeEnd - 1, last);
            if (unmap.mmWrLocked)
                MmapLock.vmaStartWrite(vma);
            Rmap.unlinkAnonVmas(vma);
            unlinkFileVma(vma);
            // Optimization: gather nearby vmas into one call down
            while (next != null && next.vmStart.get() <= vma.vmEnd.get() + Pgtable.PMD_SIZE) {
                vma = next;
                next = (VmAreaStruct) mas.find(last[0] + 1, unmap.treeEnd - 1, last);
                if (unmap.mmWrLocked)
                    MmapLock.vmaStartWrite(vma);
                Rmap.unlinkAnonVmas(vma);
                unlinkFileVma(vma);
            }
            freePgdRange(tlb, addr, vma.vmEnd.get(), unmap.pgStart, next != null ? next.vmStart.get() : unmap.pgEnd);
            vma = next;
        } while (vma != null);
    }

    // ---------------------------------------------------------------- fork: copy_page_range

    static final int P_COPY_SKIP = Probes.register("copy_page_range: vma_needs_copy false (file-backed, no anon_vma): refault later");
    static final int P_COPY_COW = Probes.register("__copy_present_ptes: COW mapping, write-protect the parent's PTE too");
    static final int P_COPY_ANON = Probes.register("copy_present_ptes: anonymous folio shared with the child (mapcount, refcount)");
    static final int P_COPY_SPECIAL = Probes.register("copy_present_ptes: no struct page (zero page, pfnmap): copy the PTE");
    static final int P_COPY_SWAP = Probes.register("copy_nonpresent_pte: swap entry duplicated");
    static final int P_COPY_NO_TABLE = Probes.register("copy_pte_range: source PTE table gone, nothing to copy");

    /**
     * copy_nonpresent_pte(dst_mm, src_mm, dst_pte, src_pte, dst_vma, src_vma, addr, rss): 0, or
     * -EIO if the swap count needs a continuation. model: the only non-present entries are swap
     * entries (no migration, device-private, device-exclusive or marker entries), which carry no
     * exclusive or uffd-wp bit, and swap_dup_entry_direct never needs a continuation.
     */
    static int copyNonpresentPte(MmStruct dstMm, MmStruct srcMm, Ptep dstPte, Ptep srcPte, VmAreaStruct dstVma,
                                 VmAreaStruct srcVma, long addr) {
        long origPte = srcPte.load(); // ptep_get(src_pte)
        long pte = origPte;
        // softleaf_is_swap(entry)
        if (SwapState.swapDuplicate(Pgtable.swpOffset(origPte)) < 0) // swap_dup_entry_direct
            return -Errno.EIO;
        Probes.hit(P_COPY_SWAP);
        // make sure dst_mm is on swapoff's mmlist; pte_swp_exclusive: model none
        dstPte.set(pte); // set_pte_at(dst_mm, addr, dst_pte, pte)
        return 0;
    }

    /**
     * __copy_present_ptes(dst_vma, src_vma, dst_pte, src_pte, pte, addr, nr = 1): in a COW mapping
     * write-protect the PTE in both processes; clean in the child for a shared mapping; old.
     */
    static void __copyPresentPtes(VmAreaStruct dstVma, VmAreaStruct srcVma, Ptep dstPte, Ptep srcPte, long pte, long addr) {
        // If it's a COW mapping, write protect it both processes.
        if (Mm.isCowMapping(srcVma.vmFlags.get()) && Pgtable.pteWrite(pte)) {
            Probes.hit(P_COPY_COW);
            srcPte.set(Pgtable.pteWrprotect(srcPte.load())); // wrprotect_ptes: ptep_set_wrprotect (clear_bit)
            pte = Pgtable.pteWrprotect(pte);
        }
        // If it's a shared mapping, mark it clean in the child.
        if ((srcVma.vmFlags.get() & Mm.VM_SHARED) != 0)
            pte &= ~Pgtable._PAGE_DIRTY; // pte_mkclean
        pte &= ~Pgtable._PAGE_ACCESSED; // pte_mkold
        // !userfaultfd_wp(dst_vma): pte_clear_uffd_wp: model none
        dstPte.set(pte); // set_ptes(dst_vma->vm_mm, addr, dst_pte, pte, 1)
    }

    /**
     * copy_present_ptes(dst_vma, src_vma, dst_pte, src_pte, pte, addr, max_nr, rss, prealloc): the
     * number of PTEs copied (always 1).
     * model: one PTE at a time, also for PTEs of a large folio (the batch, folio_pte_batch_flags,
     * does the same for each PTE of the batch); folio_try_dup_anon_rmap_pte never fails (no page
     * is pinned: the model has no FOLL_PIN), so copy_present_page and its preallocated folio are
     * never needed.
     */
    static int copyPresentPtes(VmAreaStruct dstVma, VmAreaStruct srcVma, Ptep dstPte, Ptep srcPte, long pte, long addr) {
        Page page = vmNormalPage(srcVma, addr, pte);
        if (page == null) {
            Probes.hit(P_COPY_SPECIAL);
            __copyPresentPtes(dstVma, srcVma, dstPte, srcPte, pte, addr); // copy_pte:
            return 1;
        }
        Page folio = page.head;
        Swap.folioGet(folio);
        if (Rmap.folioTestAnon(folio)) {
            // If this page may have been pinned by the parent process, copy the page immediately
            // for the child so that we'll always guarantee the pinned page won't be randomly
            // replaced in the future.
            if (Rmap.folioTryDupAnonRmapPte(folio, page, dstVma, srcVma) != 0) {
                Swap.folioPut(folio); // model: unreachable (see above)
                return -Errno.EAGAIN;
            }
            Probes.hit(P_COPY_ANON);
            // rss[MM_ANONPAGES]++; VM_WARN_ON_FOLIO(PageAnonExclusive(page), folio)
        } else {
            Rmap.folioAddFileRmapPtes(folio, page, 1, dstVma); // folio_dup_file_rmap_pte
        }
        __copyPresentPtes(dstVma, srcVma, dstPte, srcPte, pte, addr);
        return 1;
    }

    /**
     * copy_pte_range(dst_vma, src_vma, dst_pmd, src_pmd, addr, end): copy one PTE table's entries
     * under both PTLs (the child's first). 0 or -ENOMEM.
     * model: the copy never stops early for need_resched() or a contended lock (the model's
     * tables are small), and -EAGAIN / -EIO never happen (see copy_present_ptes, copy_nonpresent_pte).
     */
    static int copyPteRange(VmAreaStruct dstVma, VmAreaStruct srcVma, Ptep dstPmd, Ptep srcPmd, long addr, long end) {
        MmStruct dstMm = dstVma.vmMm.get();
        MmStruct srcMm = srcVma.vmMm.get();
        // pte_alloc_map_lock(dst_mm, dst_pmd, addr, &dst_ptl)
        if (pteAlloc(dstMm, dstPmd) != 0)
            return -Errno.ENOMEM;
        PgtableGeneric.PteMap dst = PgtableGeneric.pteOffsetMapLock(dstMm, dstPmd, addr);
        if (dst == null)
            return -Errno.ENOMEM;
        // We already hold the exclusive mmap_lock, the copy_pte_range() and retract_page_tables()
        // are using vma->anon_vma to be exclusive, so the PTE page is stable, and there is no need
        // to get pmdval and do pmd_same() check.
        PgtableGeneric.PteMap src = PgtableGeneric.pteOffsetMapRoNolock(srcMm, srcPmd, addr); // pte_offset_map_rw_nolock
        if (src == null) {
            Probes.hit(P_COPY_NO_TABLE);
            PgtableGeneric.pteUnmapUnlock(dst.pte(), dst.ptl());
            return 0;
        }
        src.ptl().lock(); // spin_lock_nested(src_ptl, SINGLE_DEPTH_NESTING)
        Ptep srcPte = src.pte(), dstPte = dst.pte();
        int ret = 0;
        // lazy_mmu_mode_enable()
        for (;; dstPte = dstPte.plus(1), srcPte = srcPte.plus(1)) {
            long ptent = srcPte.load(); // ptep_get(src_pte)
            if (!Pgtable.pteNone(ptent)) {
                if (!Pgtable.ptePresent(ptent))
                    ret = copyNonpresentPte(dstMm, srcMm, dstPte, srcPte, dstVma, srcVma, addr);
                else
                    ret = copyPresentPtes(dstVma, srcVma, dstPte, srcPte, ptent, addr);
                if (ret < 0)
                    break; // -EIO, -EAGAIN: model: never (see copy_nonpresent_pte, copy_present_ptes)
                ret = 0;
            }
            addr += PAGE_SIZE;
            if (addr == end)
                break;
        }
        // lazy_mmu_mode_disable()
        PgtableGeneric.pteUnmapUnlock(src.pte(), src.ptl());
        // add_mm_rss_vec(dst_mm, rss): model no rss counters
        PgtableGeneric.pteUnmapUnlock(dst.pte(), dst.ptl());
        // cond_resched()
        return ret < 0 ? -Errno.ENOMEM : 0;
    }

    /**
     * copy_pmd_range(dst_vma, src_vma, dst_pud, src_pud, addr, end).
     * TODO(thp): copy_huge_pmd (mm/huge_memory.c) for a PMD-mapped THP: the model maps every THP
     * with PTEs (see Khugepaged), so no source pmd is ever huge here; once huge PMDs exist, the
     * pmd_is_huge() branch below must call copy_huge_pmd.
     */
    static int copyPmdRange(VmAreaStruct dstVma, VmAreaStruct srcVma, Ptep dstPud, Ptep srcPud, long addr, long end) {
        MmStruct dstMm = dstVma.vmMm.get();
        Ptep dstPmd = pmdAlloc(dstMm, dstPud, addr);
        if (dstPmd == null)
            return -Errno.ENOMEM;
        Ptep srcPmd = Pgtable.pmdOffset(srcPud.load(), addr);
        do {
            long next = addrEnd(addr, end, Pgtable.PMD_SIZE);
            // pmd_is_huge(*src_pmd): copy_huge_pmd: model: never (see above)
            if (!pmdNoneOrClearBad(srcPmd) && copyPteRange(dstVma, srcVma, dstPmd, srcPmd, addr, next) != 0)
                return -Errno.ENOMEM;
            dstPmd = dstPmd.plus(1);
            srcPmd = srcPmd.plus(1);
            addr = next;
        } while (addr != end);
        return 0;
    }

    /** copy_pud_range(dst_vma, src_vma, dst_p4d, src_p4d, addr, end). model: no huge PUDs. */
    static int copyPudRange(VmAreaStruct dstVma, VmAreaStruct srcVma, Ptep dstP4d, Ptep srcP4d, long addr, long end) {
        MmStruct dstMm = dstVma.vmMm.get();
        Ptep dstPud = pudAlloc(dstMm, dstP4d, addr);
        if (dstPud == null)
            return -Errno.ENOMEM;
        Ptep srcPud = Pgtable.pudOffset(srcP4d.load(), addr);
        do {
            long next = addrEnd(addr, end, Pgtable.PUD_SIZE);
            if (!pudNoneOrClearBad(srcPud) && copyPmdRange(dstVma, srcVma, dstPud, srcPud, addr, next) != 0)
                return -Errno.ENOMEM;
            dstPud = dstPud.plus(1);
            srcPud = srcPud.plus(1);
            addr = next;
        } while (addr != end);
        return 0;
    }

    /** copy_p4d_range(dst_vma, src_vma, dst_pgd, src_pgd, addr, end): the p4d is folded into the pgd. */
    static int copyP4dRange(VmAreaStruct dstVma, VmAreaStruct srcVma, Ptep dstPgd, Ptep srcPgd, long addr, long end) {
        MmStruct dstMm = dstVma.vmMm.get();
        Ptep dstP4d = p4dAlloc(dstMm, dstPgd, addr);
        Ptep srcP4d = Pgtable.p4dOffset(srcPgd, addr);
        // one p4d per pgd entry: p4d_addr_end(addr, end) is end
        if (p4dNoneOrClearBad(srcP4d))
            return 0;
        return copyPudRange(dstVma, srcVma, dstP4d, srcP4d, addr, end) != 0 ? -Errno.ENOMEM : 0;
    }

    /**
     * vma_needs_copy(dst_vma, src_vma): whether fork must copy the page tables now, or may leave
     * the child to fault them in: an anon_vma means anonymous pages no fault could rebuild;
     * VM_COPY_ON_FORK (VM_PFNMAP, VM_MIXEDMAP, VM_UFFD_WP, VM_MAYBE_GUARD) mappings cannot be refaulted.
     */
    static boolean vmaNeedsCopy(VmAreaStruct dstVma, VmAreaStruct srcVma) {
        // We check against dst_vma as while sane VMA flags will have been copied, VM_UFFD_WP may be set only on dst_vma.
        if ((dstVma.vmFlags.get() & (Mm.VM_PFNMAP | Mm.VM_MIXEDMAP | Mm.VM_UFFD_WP)) != 0) // VM_COPY_ON_FORK
            return true;
        // The presence of an anon_vma indicates an anonymous VMA has page tables which naturally
        // cannot be reconstituted on page fault.
        if (srcVma.anonVma.get() != null)
            return true;
        // Don't copy ptes where a page fault will fill them correctly.
        return false;
    }

    /**
     * copy_page_range(dst_vma, src_vma): copy the page tables of src_vma (the parent's, write-locked)
     * into dst_vma (the child's), write-protecting private writable PTEs in both for COW. 0 or -ENOMEM.
     * model: no hugetlb, no mmu notifiers; write_protect_seq (which makes GUP-fast back off) is not
     * modelled: the model has no GUP-fast.
     */
    public static int copyPageRange(VmAreaStruct dstVma, VmAreaStruct srcVma) {
        long addr = srcVma.vmStart.get();
        long end = srcVma.vmEnd.get();
        MmStruct dstMm = dstVma.vmMm.get();
        MmStruct srcMm = srcVma.vmMm.get();
        if (!vmaNeedsCopy(dstVma, srcVma)) {
            Probes.hit(P_COPY_SKIP);
            return 0;
        }
        // is_vm_hugetlb_page: model none
        boolean isCow = Mm.isCowMapping(srcVma.vmFlags.get());
        if (isCow) {
            // mmu_notifier_invalidate_range_start: model none
            MmapLock.vmaAssertWriteLocked(srcVma);
            // raw_write_seqcount_begin(&src_mm->write_protect_seq): model none (no GUP-fast)
        }
        int ret = 0;
        Ptep dstPgd = Pgtable.pgdOffset(dstMm, addr);
        Ptep srcPgd = Pgtable.pgdOffset(srcMm, addr);
        do {
            long next = addrEnd(addr, end, Pgtable.PGDIR_SIZE);
            // pgd_none_or_clear_bad(src_pgd): folded, never none
            if (copyP4dRange(dstVma, srcVma, dstPgd, srcPgd, addr, next) != 0) {
                ret = -Errno.ENOMEM;
                break;
            }
            dstPgd = dstPgd.plus(1);
            srcPgd = srcPgd.plus(1);
            addr = next;
        } while (addr != end);
        // raw_write_seqcount_end, mmu_notifier_invalidate_range_end: model none
        Trace.note("copy_page_range(%s <- %s) = %d", dstVma, srcVma, ret);
        return ret;
    }

    // ---------------------------------------------------------------- zap

    /** The out-parameters of the zap helpers (force_flush, force_break, any_skipped). */
    static final class ZapState {
        boolean forceFlush, forceBreak, anySkipped;
    }

    /** should_zap_cows(details). */
    static boolean shouldZapCows(ZapDetails details) {
        if (details == null || details.reclaimPt)
            return true;
        return details.evenCows;
    }

    /** should_zap_folio(details, folio). */
    static boolean shouldZapFolio(ZapDetails details, Page folio) {
        if (shouldZapCows(details))
            return true;
        return !Rmap.folioTestAnon(folio);
    }

    /** zap_present_folio_ptes(...) for nr = 1. */
    static void zapPresentFolioPtes(MmuGather tlb, VmAreaStruct vma, Page folio, Page page, Ptep pte, long ptent,
            long addr, ZapDetails details, ZapState zs) {
        boolean delayRmap = false;
        if (!Rmap.folioTestAnon(folio)) {
            ptent = pte.getAndClear(); // get_and_clear_full_ptes
            if (Pgtable.pteDirty(ptent)) {
                folio.flags.fetchOr(Page.PG_DIRTY); // folio_mark_dirty
                if (MmuGather.tlbDelayRmap(tlb)) {
                    delayRmap = true;
                    zs.forceFlush = true;
                }
            }
            if (Pgtable.pteYoung(ptent))
                Swap.folioMarkAccessed(folio);
        } else {
            pte.getAndClear(); // clear_full_ptes: no need for up-to-date accessed/dirty bits
        }
        MmuGather.tlbRemoveTlbEntries(tlb, pte, 1, addr);
        if (!delayRmap)
            Rmap.folioRemoveRmapPtes(folio, page, 1, vma);
        if (MmuGather.__tlbRemoveFolioPages(tlb, page, 1, delayRmap)) {
            zs.forceFlush = true;
            zs.forceBreak = true;
        }
    }

    /** zap_present_ptes(...): one present PTE (model: no large-folio batching). */
    static int zapPresentPtes(MmuGather tlb, VmAreaStruct vma, Ptep pte, long ptent, int maxNr, long addr,
            ZapDetails details, ZapState zs) {
        Page page = vmNormalPage(vma, addr, ptent);
        if (page == null) {
            Probes.hit(P_ZAP_SPECIAL);
            pte.getAndClear(); // ptep_get_and_clear_full
            MmuGather.tlbRemoveTlbEntry(tlb, pte, addr);
            return 1;
        }
        Page folio = page.head;
        if (!shouldZapFolio(details, folio)) {
            Probes.hit(P_ZAP_SKIP);
            zs.anySkipped = true;
            return 1;
        }
        zapPresentFolioPtes(tlb, vma, folio, page, pte, ptent, addr, details, zs);
        return 1;
    }

    /** zap_nonpresent_ptes(...): model: the only non-present entries are swap entries. */
    static int zapNonpresentPtes(MmuGather tlb, VmAreaStruct vma, Ptep pte, long ptent, int maxNr, long addr,
            ZapDetails details, ZapState zs) {
        zs.anySkipped = true;
        if (Pgtable.isSwapPte(ptent)) {
            if (!shouldZapCows(details))
                return 1;
            Probes.hit(P_ZAP_SWAP);
            SwapState.swapPutEntriesDirect(Pgtable.swpOffset(ptent), 1);
        } else {
            Task t = Task.current();
            t.kernel.reports.file(t, Report.Kind.WARN, "unrecognized swap entry", Long.toHexString(ptent));
        }
        pte.set(0); // clear_not_present_full_ptes
        zs.anySkipped = false; // zap_install_uffd_wp_if_needed: no uffd-wp
        return 1;
    }

    /** do_zap_pte_range(...): skip none PTEs, then zap one present or non-present entry. */
    static int doZapPteRange(MmuGather tlb, VmAreaStruct vma, Ptep pte, long addr, long end, ZapDetails details, ZapState zs) {
        long ptent = pte.readOnce(); // ptep_get
        int maxNr = (int) ((end - addr) / PAGE_SIZE);
        int nr = 0;
        if (Pgtable.pteNone(ptent)) {
            for (nr = 1; nr < maxNr; nr++) {
                ptent = pte.plus(nr).readOnce();
                if (!Pgtable.pteNone(ptent))
                    break;
            }
            maxNr -= nr;
            if (maxNr == 0)
                return nr;
            pte = pte.plus(nr);
            addr += (long) nr * PAGE_SIZE;
        }
        if (Pgtable.ptePresent(ptent))
            nr += zapPresentPtes(tlb, vma, pte, ptent, maxNr, addr, details, zs);
        else
            nr += zapNonpresentPtes(tlb, vma, pte, ptent, maxNr, addr, details, zs);
        return nr;
    }

    /** pte_table_reclaim_possible(start, end, details). */
    static boolean pteTableReclaimPossible(long start, long end, ZapDetails details) {
        if (!MmuGather.CONFIG_PT_RECLAIM)
            return false;
        return details != null && details.reclaimPt && (end - start >= Pgtable.PMD_SIZE);
    }

    /** zap_empty_pte_table(mm, pmd, ptl, &pmdval): with the PTL held, trylock the pmd lock and clear the pmd. */
    static boolean zapEmptyPteTable(MmStruct mm, Ptep pmd, SpinLock ptl, long[] pmdval) {
        SpinLock pml = pmdLockptr(mm, pmd);
        if (ptl != pml && !pml.trylock()) {
            Probes.hit(P_RECLAIM_TRYLOCK_FAIL);
            return false;
        }
        pmdval[0] = pmd.readOnce(); // pmdp_get
        pmd.set(0); // pmd_clear
        if (ptl != pml)
            pml.unlock();
        Probes.hit(P_RECLAIM_DIRECT);
        return true;
    }

    /** zap_pte_table_if_empty(mm, pmd, addr, &pmdval): under the pmd lock and the PTL, recheck every PTE. */
    static boolean zapPteTableIfEmpty(MmStruct mm, Ptep pmd, long addr, long[] pmdval) {
        SpinLock pml = pmdLock(mm, pmd);
        PgtableGeneric.PteMap m = PgtableGeneric.pteOffsetMapRoNolock(mm, pmd, addr); // pte_offset_map_rw_nolock
        if (m == null) {
            pml.unlock();
            return false;
        }
        SpinLock ptl = m.ptl();
        pmdval[0] = m.pmdval();
        if (ptl != pml)
            ptl.lock(); // spin_lock_nested(ptl, SINGLE_DEPTH_NESTING)
        Ptep start = new Ptep(m.pte().table(), 0);
        for (int i = 0; i < Pgtable.PTRS_PER_PTE; i++) {
            if (!Pgtable.pteNone(start.plus(i).readOnce())) {
                Probes.hit(P_RECLAIM_NOT_EMPTY);
                PgtableGeneric.pteUnmapUnlock(m.pte(), ptl); // out_ptl
                if (ptl != pml)
                    pml.unlock();
                return false;
            }
        }
        PgtableGeneric.pteUnmap(m.pte());
        pmd.set(0); // pmd_clear
        if (ptl != pml)
            ptl.unlock();
        pml.unlock();
        Probes.hit(P_RECLAIM_RECHECK);
        return true;
    }

    /** zap_pte_range(tlb, vma, pmd, addr, end, details): returns where it stopped. */
    static long zapPteRange(MmuGather tlb, VmAreaStruct vma, Ptep pmd, long addr, long end, ZapDetails details) {
        boolean canReclaimPt = pteTableReclaimPossible(addr, end, details);
        MmStruct mm = tlb.mm;
        ZapState zs = new ZapState();
        long[] pmdval = new long[1];
        long start = addr;
        boolean directReclaim = true;
        for (;;) { // retry:
            PgtableGeneric.PteMap m = PgtableGeneric.pteOffsetMapLock(mm, pmd, addr);
            if (m == null)
                return addr;
            Ptep startPte = m.pte(), pte = startPte;
            SpinLock ptl = m.ptl();
            Rmap.flushTlbBatchedPending(mm);
            // lazy_mmu_mode_enable: none
            do {
                zs.anySkipped = false;
                // need_resched(): model: never
                int nr = doZapPteRange(tlb, vma, pte, addr, end, details, zs);
                if (zs.anySkipped)
                    canReclaimPt = false;
                if (zs.forceBreak) {
                    addr += (long) nr * PAGE_SIZE;
                    directReclaim = false;
                    break;
                }
                pte = pte.plus(nr);
                addr += (long) PAGE_SIZE * nr;
            } while (addr != end);

            if (canReclaimPt && directReclaim && addr == end)
                directReclaim = zapEmptyPteTable(mm, pmd, ptl, pmdval);

            if (zs.forceFlush) { // Do the actual TLB flush before dropping ptl
                Probes.hit(P_ZAP_FORCE_FLUSH);
                MmuGather.tlbFlushMmuTlbonly(tlb);
                MmuGather.tlbFlushRmaps(tlb, vma);
            }
            PgtableGeneric.pteUnmapUnlock(startPte, ptl);
            if (zs.forceFlush)
                MmuGather.tlbFlushMmu(tlb);
            if (addr != end) {
                zs.forceFlush = false;
                zs.forceBreak = false;
                continue;
            }
            break;
        }
        if (canReclaimPt) {
            if (directReclaim || zapPteTableIfEmpty(mm, pmd, start, pmdval)) {
                MmuGather.pteFreeTlb(tlb, Pgtable.tablePage(pmdval[0]), addr);
            }
        }
        return addr;
    }

    /** zap_pmd_range(tlb, vma, pud, addr, end, details). */
    static long zapPmdRange(MmuGather tlb, VmAreaStruct vma, Ptep pud, long addr, long end, ZapDetails details) {
        Ptep pmd = Pgtable.pmdOffset(pud.load(), addr);
        do {
            long next = addrEnd(addr, end, Pgtable.PMD_SIZE);
            // pmd_is_huge(*pmd): model: never
            if (Pgtable.pmdNone(pmd.load())) {
                addr = next;
            } else {
                addr = zapPteRange(tlb, vma, pmd, addr, next, details);
                if (addr != next)
                    pmd = pmd.plus(-1);
            }
            pmd = pmd.plus(1);
        } while (addr != end);
        return addr;
    }

    /** zap_pud_range(tlb, vma, p4d, addr, end, details). */
    static long zapPudRange(MmuGather tlb, VmAreaStruct vma, Ptep p4d, long addr, long end, ZapDetails details) {
        Ptep pud = Pgtable.pudOffset(p4d.load(), addr);
        do {
            long next = addrEnd(addr, end, Pgtable.PUD_SIZE);
            if (!pudNoneOrClearBad(pud))
                next = zapPmdRange(tlb, vma, pud, addr, next, details);
            pud = pud.plus(1);
            addr = next;
        } while (addr != end);
        return addr;
    }

    /** zap_p4d_range(tlb, vma, pgd, addr, end, details). */
    static long zapP4dRange(MmuGather tlb, VmAreaStruct vma, Ptep pgd, long addr, long end, ZapDetails details) {
        Ptep p4d = Pgtable.p4dOffset(pgd, addr);
        do {
            long next = addrEnd(addr, end, Pgtable.PGDIR_SIZE);
            if (!p4dNoneOrClearBad(p4d))
                next = zapPudRange(tlb, vma, p4d, addr, next, details);
            p4d = p4d.plus(1);
            addr = next;
        } while (addr != end);
        return addr;
    }

    /** unmap_page_range(tlb, vma, addr, end, details). */
    public static void unmapPageRange(MmuGather tlb, VmAreaStruct vma, long addr, long end, ZapDetails details) {
        Task t = Task.current();
        if (addr >= end) {
            t.kernel.reports.file(t, Report.Kind.BUG, "BUG_ON(addr >= end)", "unmap_page_range");
            return;
        }
        MmuGather.tlbStartVma(tlb, vma);
        Ptep pgd = Pgtable.pgdOffset(vma.vmMm.get(), addr);
        do {
            long next = addrEnd(addr, end, Pgtable.PGDIR_SIZE);
            next = zapP4dRange(tlb, vma, pgd, addr, next, details); // pgd_none_or_clear_bad: folded
            pgd = pgd.plus(1);
            addr = next;
        } while (addr != end);
        MmuGather.tlbEndVma(tlb, vma);
    }

    /** unmap_single_vma(tlb, vma, start_addr, end_addr, details). */
    static void unmapSingleVma(MmuGather tlb, VmAreaStruct vma, long startAddr, long endAddr, ZapDetails details) {
        long vmStart = vma.vmStart.get();
        long start = ugt(vmStart, startAddr) ? vmStart : startAddr; // max(): unsigned long
        if (!ult(start, vma.vmEnd.get()))
            return;
        long vmEnd = vma.vmEnd.get();
        long end = ult(vmEnd, endAddr) ? vmEnd : endAddr; // min(): unsigned (exit_mmap passes ULONG_MAX)
        if (!ugt(end, vma.vmStart.get()))
            return;
        if (start != end) {
            if (Mm.isVmHugetlbPage(vma))
                return; // __unmap_hugepage_range: model: hugetlb VMAs have no page tables
            unmapPageRange(tlb, vma, start, end, details);
        }
    }

    /** unmap_vmas(tlb, unmap): zap [vma_start, vma_end) in every VMA from unmap->first on. */
    public static void unmapVmas(MmuGather tlb, UnmapDesc unmap) {
        ZapDetails details = new ZapDetails(); // ZAP_FLAG_DROP_MARKER | ZAP_FLAG_UNMAP
        details.evenCows = true; // Careful - we need to zap private pages too!
        VmAreaStruct vma = unmap.first;
        long[] last = {unmap.treeReset - 1}; // the maple state sits on first; the walk goes on after it
        do {
            unmapSingleVma(tlb, vma, unmap.vmaStart, unmap.vmaEnd, details);
            vma = (VmAreaStruct) unmap.mas.find(last[0] + 1, unmap.treeEnd - 1, last);
        } while (vma != null);
    }

    /** zap_page_range_single_batched(tlb, vma, address, size, details): the range must fit in vma. */
    public static void zapPageRangeSingleBatched(MmuGather tlb, VmAreaStruct vma, long address, long size, ZapDetails details) {
        Task t = Task.current();
        long end = address + size;
        if (tlb == null || tlb.mm != vma.vmMm.get())
            t.kernel.reports.file(t, Report.Kind.WARN, "VM_WARN_ON_ONCE(!tlb || tlb->mm != vma->vm_mm)", vma.describe());
        Trace.note("zap_page_range_single_batched(%s, %#x, %#x)", vma, address, size);
        unmapSingleVma(tlb, vma, address, end, details);
        if (Mm.isVmHugetlbPage(vma)) {
            MmuGather.tlbFinishMmu(tlb); // model: a fresh gather would be needed; hugetlb is not modelled
        }
    }

    // ---------------------------------------------------------------- faults

    /** vmf_pte_changed(vmf): with the PTL held. */
    static boolean vmfPteChanged(VmFault vmf) {
        long cur = vmfPte(vmf).readOnce();
        if ((vmf.flags & FAULT_FLAG_ORIG_PTE_VALID) != 0)
            return cur != vmf.origPte;
        return !Pgtable.pteNone(cur);
    }

    /** maybe_mkwrite(pte, vma). */
    static long maybeMkwrite(long pte, VmAreaStruct vma) {
        if ((vma.vmFlags.get() & Mm.VM_WRITE) != 0)
            pte = Pgtable.pteMkwrite(pte);
        return pte;
    }

    /** pte_offset_map_lock into vmf->pte/vmf->ptl: false if there is no PTE table. */
    static boolean vmfMapLock(VmFault vmf, long address) {
        PgtableGeneric.PteMap m = PgtableGeneric.pteOffsetMapLock(vmf.vma.vmMm.get(), vmfPmd(vmf), address);
        if (m == null) {
            setVmfPte(vmf, null);
            return false;
        }
        setVmfPte(vmf, m.pte());
        vmf.ptl = m.ptl();
        return true;
    }

    static void vmfUnmapUnlock(VmFault vmf) {
        PgtableGeneric.pteUnmapUnlock(vmfPte(vmf), vmf.ptl);
    }

    /** __vmf_anon_prepare(vmf). */
    static int __vmfAnonPrepare(VmFault vmf) {
        VmAreaStruct vma = vmf.vma;
        int ret = 0;
        if (vma.anonVma.get() != null)
            return 0;
        if ((vmf.flags & FAULT_FLAG_VMA_LOCK) != 0 && !Mutant.on(Mutant.ANON_PREPARE_VMA_LOCKED)) {
            if (!MmapLock.mmapReadTrylock(vma.vmMm.get()))
                return VM_FAULT_RETRY;
        }
        if (Rmap.__anonVmaPrepare(vma) != 0)
            ret = VM_FAULT_OOM;
        if ((vmf.flags & FAULT_FLAG_VMA_LOCK) != 0 && !Mutant.on(Mutant.ANON_PREPARE_VMA_LOCKED))
            MmapLock.mmapReadUnlock(vma.vmMm.get());
        return ret;
    }

    /** vmf_anon_prepare(vmf) (mm/internal.h): on VM_FAULT_RETRY the VMA lock is released. */
    static int vmfAnonPrepare(VmFault vmf) {
        int ret = __vmfAnonPrepare(vmf);
        if ((ret & VM_FAULT_RETRY) != 0) {
            Probes.hit(P_ANON_RETRY);
            MmapLock.vmaEndRead(vmf.vma);
        }
        return ret;
    }

    /** vmf_can_call_fault(vmf): ->fault may sleep on I/O; without ->map_pages that needs mmap_lock. */
    static int vmfCanCallFault(VmFault vmf) {
        // model: no vm_ops has ->map_pages
        if ((vmf.flags & FAULT_FLAG_VMA_LOCK) == 0)
            return 0;
        Probes.hit(P_FAULT_VMA_RETRY);
        MmapLock.vmaEndRead(vmf.vma);
        return VM_FAULT_RETRY;
    }

    /** alloc_anon_folio(vmf) / folio_prealloc(..., need_zero): an order-0 folio, or null. */
    static Page allocAnonFolio(boolean zero) {
        Page folio = Task.current().kernel.pages.alloc("page");
        if (folio != null && zero)
            folio.clear(); // folio_zero_user
        return folio;
    }

    /** __folio_mark_uptodate(folio): smp_wmb, then set PG_uptodate (the folio is not yet visible). */
    static void __folioMarkUptodate(Page folio) {
        Barrier.smpWmb();
        folio.flags.set(folio.flags.get() | Page.PG_UPTODATE);
    }

    /** do_anonymous_page(vmf). */
    static int doAnonymousPage(VmFault vmf) {
        VmAreaStruct vma = vmf.vma;
        MmStruct mm = vma.vmMm.get();
        int ret = 0;
        long entry;
        Page folio = null;
        long addr = vmf.address;

        if ((vma.vmFlags.get() & Mm.VM_SHARED) != 0) // File mapping without ->vm_ops ?
            return VM_FAULT_SIGBUS;
        if (pteAlloc(mm, vmfPmd(vmf)) != 0)
            return VM_FAULT_OOM;
        if ((vmf.flags & FAULT_FLAG_WRITE) == 0) { // Use the zero-page for reads
            entry = Pgtable.pteMkspecial(Pgtable.pfnPte(mm.kernel.pages.zeroPage.pfn, vma.vmPageProt.get()));
            if (!vmfMapLock(vmf, vmf.address))
                return ret;
            if (vmfPteChanged(vmf)) {
                Probes.hit(P_ANON_RACE);
                vmfUnmapUnlock(vmf);
                return ret;
            }
            Probes.hit(P_ANON_ZERO);
        } else {
            ret = vmfAnonPrepare(vmf); // Allocate our own private page
            if (ret != 0)
                return ret;
            folio = allocAnonFolio(true);
            if (folio == null)
                return VM_FAULT_OOM;
            // The barrier inside __folio_mark_uptodate makes the zeroing visible before set_pte_at
            __folioMarkUptodate(folio);
            entry = Pgtable.mkPte(folio, vma.vmPageProt.get());
            entry = Pgtable.pteMkyoung(entry); // pte_sw_mkyoung
            if ((vma.vmFlags.get() & Mm.VM_WRITE) != 0)
                entry = Pgtable.pteMkwrite(Pgtable.pteMkdirty(entry));
            if (!vmfMapLock(vmf, addr)) {
                Swap.folioPut(folio); // release
                return ret;
            }
            if (!Mutant.on(Mutant.ANON_FAULT_NO_PTE_RECHECK) && vmfPteChanged(vmf)) {
                Probes.hit(P_ANON_RACE);
                vmfUnmapUnlock(vmf);
                Swap.folioPut(folio);
                return ret;
            }
            Probes.hit(P_ANON_NEW);
            Rmap.folioAddNewAnonRmap(folio, vma, addr); // RMAP_EXCLUSIVE; folio_add_lru_vma
        }
        // setpte:
        vmfPte(vmf).set(entry); // set_ptes
        Trace.note("do_anonymous_page(%s, %#x): pte = %s", vma, addr, folio == null ? "zero page" : folio.name());
        vmfUnmapUnlock(vmf);
        return ret;
    }

    /** __do_fault(vmf): ->fault, then make sure the folio is locked. */
    static int __doFault(VmFault vmf) {
        VmAreaStruct vma = vmf.vma;
        int ret = vma.vmOps.get().fault(vmf);
        if ((ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE | VM_FAULT_RETRY | VM_FAULT_DONE_COW)) != 0)
            return ret;
        Page folio = vmf.page.head;
        if ((ret & VM_FAULT_LOCKED) == 0)
            Filemap.folioLock(folio);
        return ret;
    }

    /** set_pte_range(vmf, folio, page, nr = 1, addr). */
    static void setPteRange(VmFault vmf, Page folio, Page page, long addr) {
        VmAreaStruct vma = vmf.vma;
        boolean write = (vmf.flags & FAULT_FLAG_WRITE) != 0;
        long entry = Pgtable.mkPte(page, vma.vmPageProt.get());
        entry = Pgtable.pteMkyoung(entry); // pte_sw_mkyoung
        if (write)
            entry = maybeMkwrite(Pgtable.pteMkdirty(entry), vma);
        else if (Pgtable.pteWrite(entry) && (folio.flags.readOnce() & Page.PG_DIRTY) != 0)
            entry = Pgtable.pteMkdirty(entry);
        if (write && (vma.vmFlags.get() & Mm.VM_SHARED) == 0) // copy-on-write page
            Rmap.folioAddNewAnonRmap(folio, vma, addr);
        else
            Rmap.folioAddFileRmapPtes(folio, page, 1, vma);
        vmfPte(vmf).set(entry); // set_ptes
    }

    /** finish_fault(vmf): install the PTE for vmf->page (or vmf->cow_page) under the PTL. */
    static int finishFault(VmFault vmf) {
        VmAreaStruct vma = vmf.vma;
        boolean isCow = (vmf.flags & FAULT_FLAG_WRITE) != 0 && (vma.vmFlags.get() & Mm.VM_SHARED) == 0;
        Page page = isCow ? vmf.cowPage : vmf.page;
        Page folio = page.head;
        int ret;
        if (Pgtable.pmdNone(vmfPmd(vmf).load())) {
            if (pteAlloc(vma.vmMm.get(), vmfPmd(vmf)) != 0)
                return VM_FAULT_OOM;
        }
        if (!vmfMapLock(vmf, vmf.address))
            return VM_FAULT_NOPAGE;
        if (vmfPteChanged(vmf)) { // Re-check under ptl
            Probes.hit(P_FINISH_RACE);
            ret = VM_FAULT_NOPAGE;
        } else {
            setPteRange(vmf, folio, page, vmf.address);
            ret = 0;
        }
        vmfUnmapUnlock(vmf);
        return ret;
    }

    /** do_read_fault(vmf). model: no fault-around. */
    static int doReadFault(VmFault vmf) {
        int ret = vmfCanCallFault(vmf);
        if (ret != 0)
            return ret;
        ret = __doFault(vmf);
        if ((ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE | VM_FAULT_RETRY)) != 0)
            return ret;
        ret |= finishFault(vmf);
        Page folio = vmf.page.head;
        Filemap.folioUnlock(folio);
        if ((ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE | VM_FAULT_RETRY)) != 0)
            Swap.folioPut(folio);
        return ret;
    }

    /** do_cow_fault(vmf): a private copy of the file page. */
    static int doCowFault(VmFault vmf) {
        int ret = vmfCanCallFault(vmf);
        if (ret == 0)
            ret = vmfAnonPrepare(vmf);
        if (ret != 0)
            return ret;
        Page folio = allocAnonFolio(false); // folio_prealloc(..., false)
        if (folio == null)
            return VM_FAULT_OOM;
        vmf.cowPage = folio;
        ret = __doFault(vmf);
        if ((ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE | VM_FAULT_RETRY)) != 0) {
            Swap.folioPut(folio); // uncharge_out
            return ret;
        }
        folio.copyPage(vmf.page); // copy_mc_user_highpage
        __folioMarkUptodate(folio);
        Trace.note("do_cow_fault(%s, %#x): %s copied from %s", vmf.vma, vmf.address, folio.name(), vmf.page.name());
        ret |= finishFault(vmf);
        Filemap.folioUnlock(vmf.page.head);
        Swap.putPage(vmf.page);
        if ((ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE | VM_FAULT_RETRY)) != 0)
            Swap.folioPut(folio);
        return ret;
    }

    /** do_shared_fault(vmf). model: no ->page_mkwrite. */
    static int doSharedFault(VmFault vmf) {
        int ret = vmfCanCallFault(vmf);
        if (ret != 0)
            return ret;
        ret = __doFault(vmf);
        if ((ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE | VM_FAULT_RETRY)) != 0)
            return ret;
        Page folio = vmf.page.head;
        ret |= finishFault(vmf);
        if ((ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE | VM_FAULT_RETRY)) != 0) {
            Filemap.folioUnlock(folio);
            Swap.folioPut(folio);
            return ret;
        }
        folio.flags.fetchOr(Page.PG_DIRTY); // fault_dirty_shared_page: folio_mark_dirty
        Filemap.folioUnlock(folio);
        return ret;
    }

    /** do_fault(vmf). */
    static int doFault(VmFault vmf) {
        VmAreaStruct vma = vmf.vma;
        if (vma.vmOps.get() == null)
            return VM_FAULT_SIGBUS;
        if ((vmf.flags & FAULT_FLAG_WRITE) == 0)
            return doReadFault(vmf);
        if ((vma.vmFlags.get() & Mm.VM_SHARED) == 0)
            return doCowFault(vmf);
        return doSharedFault(vmf);
    }

    /** do_pte_missing(vmf). */
    static int doPteMissing(VmFault vmf) {
        if (Mm.vmaIsAnonymous(vmf.vma))
            return doAnonymousPage(vmf);
        return doFault(vmf);
    }

    /** wp_page_reuse(vmf, folio): make the PTE writable; drops the PTL. */
    static void wpPageReuse(VmFault vmf, Page folio) {
        VmAreaStruct vma = vmf.vma;
        long entry = Pgtable.pteMkyoung(vmf.origPte);
        entry = maybeMkwrite(Pgtable.pteMkdirty(entry), vma);
        Ptep pte = vmfPte(vmf);
        if (pte.readOnce() != entry) // ptep_set_access_flags(vma, address, pte, entry, 1)
            pte.set(entry);
        vmfUnmapUnlock(vmf);
    }

    /** wp_page_copy(vmf): COW; entered without the PTL, with a reference on the old folio (if any). */
    /**
     * __wp_page_copy_user(dst, src == NULL, vmf): a COW of a PFN mapping without struct page (a
     * private mapping of a VM_PFNMAP device): the kernel copies through the user address, which
     * maps the old pfn. model: the copy reads that pfn's page directly.
     */
    static void wpPageCopyFromPfn(Page dst, VmFault vmf) {
        Page src = Task.current().kernel.pages.pfnToPage(Pgtable.ptePfn(vmf.origPte));
        if (src != null)
            dst.copyPage(src);
        else
            dst.clear(); // the kernel's fallback when the copy from user space fails: clear_page
    }

    static int wpPageCopy(VmFault vmf) {
        VmAreaStruct vma = vmf.vma;
        Page oldFolio = vmf.page == null ? null : vmf.page.head;
        int ret = vmfAnonPrepare(vmf);
        if (ret != 0) {
            if (oldFolio != null)
                Swap.folioPut(oldFolio);
            return ret;
        }
        boolean pfnIsZero = isZeroPfn(Pgtable.ptePfn(vmf.origPte));
        Page newFolio = allocAnonFolio(pfnIsZero);
        if (newFolio == null) {
            if (oldFolio != null)
                Swap.folioPut(oldFolio);
            return VM_FAULT_OOM;
        }
        if (!pfnIsZero) {
            if (vmf.page != null)
                newFolio.copyPage(vmf.page); // __wp_page_copy_user
            else
                wpPageCopyFromPfn(newFolio, vmf); // __wp_page_copy_user with src == NULL
        }
        __folioMarkUptodate(newFolio);
        boolean copied = false;
        if (vmfMapLock(vmf, vmf.address) && (Mutant.on(Mutant.WP_COPY_NO_PTE_SAME) || vmfPte(vmf).readOnce() == vmf.origPte)) {
            long entry = Pgtable.mkPte(newFolio, vma.vmPageProt.get());
            entry = Pgtable.pteMkyoung(entry);
            entry = maybeMkwrite(Pgtable.pteMkdirty(entry), vma);
            vmfPte(vmf).getAndClear(); // ptep_clear_flush
            Tlb.flushTlbPage(vma, vmf.address);
            Rmap.folioAddNewAnonRmap(newFolio, vma, vmf.address);
            vmfPte(vmf).set(entry); // set_pte_at
            if (oldFolio != null)
                Rmap.folioRemoveRmapPtes(oldFolio, vmf.page, 1, vma);
            Trace.note("wp_page_copy(%s, %#x): %s -> %s", vma, vmf.address, oldFolio == null ? "zero page" : oldFolio.name(), newFolio.name());
            newFolio = oldFolio; // Free the old page..
            copied = true;
            vmfUnmapUnlock(vmf);
        } else if (vmfPte(vmf) != null) {
            Probes.hit(P_WP_COPY_RACE);
            vmfUnmapUnlock(vmf);
        }
        if (newFolio != null)
            Swap.folioPut(newFolio);
        if (oldFolio != null) {
            if (copied)
                SwapState.freeSwapCache(oldFolio);
            Swap.folioPut(oldFolio);
        }
        return 0;
    }

    /** wp_can_reuse_anon_folio(folio, vma). */
    static boolean wpCanReuseAnonFolio(Page folio, VmAreaStruct vma) {
        if (Swap.folioRefCount(folio) > 3)
            return false;
        boolean swapcache = SwapState.folioTestSwapcache(folio);
        if (Swap.folioRefCount(folio) > 1 + (swapcache ? 1 : 0))
            return false;
        if (!Filemap.folioTrylock(folio))
            return false;
        if (SwapState.folioTestSwapcache(folio))
            SwapState.folioFreeSwap(folio);
        if (Swap.folioRefCount(folio) != 1) {
            Filemap.folioUnlock(folio);
            return false;
        }
        Filemap.folioUnlock(folio); // folio_move_anon_rmap: model: one anon_vma per VMA already
        return true;
    }

    /** do_wp_page(vmf): write fault on a present, write-protected PTE; entered with the PTL held. */
    static int doWpPage(VmFault vmf) {
        VmAreaStruct vma = vmf.vma;
        boolean unshare = (vmf.flags & FAULT_FLAG_UNSHARE) != 0;
        vmf.page = vmNormalPage(vma, vmf.address, vmf.origPte);
        Page folio = vmf.page == null ? null : vmf.page.head;
        if ((vma.vmFlags.get() & (Mm.VM_SHARED | Mm.VM_MAYSHARE)) != 0) {
            Probes.hit(P_WP_SHARED);
            if (folio == null) { // wp_pfn_shared
                wpPageReuse(vmf, null);
                return 0;
            }
            Swap.folioGet(folio); // wp_page_shared
            wpPageReuse(vmf, folio);
            Filemap.folioLock(folio);
            folio.flags.fetchOr(Page.PG_DIRTY); // fault_dirty_shared_page
            Filemap.folioUnlock(folio);
            Swap.folioPut(folio);
            return 0;
        }
        if (folio != null && Rmap.folioTestAnon(folio)
                && ((vmf.page.flags.readOnce() & Rmap.PG_ANON_EXCLUSIVE) != 0 || wpCanReuseAnonFolio(folio, vma))) {
            vmf.page.flags.fetchOr(Rmap.PG_ANON_EXCLUSIVE);
            if (unshare) {
                vmfUnmapUnlock(vmf);
                return 0;
            }
            Probes.hit(P_WP_REUSE);
            wpPageReuse(vmf, folio);
            return 0;
        }
        Probes.hit(P_WP_COPY);
        if (folio != null)
            Swap.folioGet(folio);
        vmfUnmapUnlock(vmf);
        return wpPageCopy(vmf);
    }

    /** do_swap_page(vmf): the PTE holds a swap entry; bring the page back. */
    static int doSwapPage(VmFault vmf) {
        VmAreaStruct vma = vmf.vma;
        int ret = 0;
        long off = Pgtable.swpOffset(vmf.origPte);
        if (!SwapState.validOffset(off))
            return VM_FAULT_SIGBUS;
        Page folio = SwapState.swapCacheGetFolio(off);
        if (folio == null) {
            folio = SwapState.readSwapCacheAsync(off); // swapin_readahead
            if (folio == null) {
                // Back out if somebody else faulted in this pte while we released the pte lock.
                if (vmfMapLock(vmf, vmf.address)) {
                    if (vmfPte(vmf).readOnce() == vmf.origPte)
                        ret = VM_FAULT_OOM;
                    vmfUnmapUnlock(vmf);
                }
                return ret;
            }
            ret = VM_FAULT_MAJOR;
        }
        int lret = Filemap.folioLockOrRetry(folio, vmf);
        if ((lret & VM_FAULT_RETRY) != 0) {
            Swap.folioPut(folio);
            return ret | lret;
        }
        if (!SwapState.folioTestSwapcache(folio) || folio.privateWord.get() != off) { // folio_matches_swap_entry
            Filemap.folioUnlock(folio);
            Swap.folioPut(folio);
            return ret;
        }
        if (!vmfMapLock(vmf, vmf.address) || vmfPte(vmf).readOnce() != vmf.origPte) { // out_nomap
            Probes.hit(P_SWAP_RACE);
            if (vmfPte(vmf) != null)
                vmfUnmapUnlock(vmf);
            Filemap.folioUnlock(folio);
            Swap.folioPut(folio);
            return ret;
        }
        if ((folio.flags.readOnce() & Page.PG_UPTODATE) == 0) {
            vmfUnmapUnlock(vmf);
            Filemap.folioUnlock(folio);
            Swap.folioPut(folio);
            return VM_FAULT_SIGBUS;
        }
        SwapState.swapPutEntriesDirect(off, 1); // swap_free_nr
        // should_try_to_free_swap: model: always, when no other PTE uses the slot
        SwapState.folioFreeSwap(folio);
        long pte = Pgtable.mkPte(folio, vma.vmPageProt.get());
        boolean exclusive = Swap.folioRefCount(folio) == 1;
        if (exclusive && (vma.vmFlags.get() & Mm.VM_WRITE) != 0) {
            pte = Pgtable.pteMkwrite(pte);
            if ((vmf.flags & FAULT_FLAG_WRITE) != 0) {
                pte = Pgtable.pteMkdirty(pte);
                vmf.flags &= ~FAULT_FLAG_WRITE;
            }
        }
        vmf.origPte = pte;
        if (!Rmap.folioTestAnon(folio))
            Rmap.folioAddNewAnonRmap(folio, vma, vmf.address);
        else
            Rmap.folioAddAnonRmapPtes(folio, folio, 1, vma, vmf.address, exclusive);
        vmfPte(vmf).set(pte); // set_ptes
        Filemap.folioUnlock(folio);
        Probes.hit(P_SWAP_IN);
        Trace.note("do_swap_page(%s, %#x): slot %d -> %s", vma, vmf.address, off, folio);
        if ((vmf.flags & FAULT_FLAG_WRITE) != 0) {
            ret |= doWpPage(vmf); // the PTL is still held: do_wp_page drops it
            if ((ret & VM_FAULT_ERROR) != 0)
                ret &= VM_FAULT_ERROR;
            return ret;
        }
        vmfUnmapUnlock(vmf);
        return ret;
    }

    /** do_numa_page(vmf). model: no NUMA balancing; restore the VMA's protection. */
    static int doNumaPage(VmFault vmf) {
        if (!vmfMapLock(vmf, vmf.address))
            return 0;
        Ptep pte = vmfPte(vmf);
        if (pte.readOnce() == vmf.origPte)
            pte.set(Pgtable.pteModify(vmf.origPte, vmf.vma.vmPageProt.get()));
        vmfUnmapUnlock(vmf);
        return 0;
    }

    /** handle_pte_fault(vmf). */
    static int handlePteFault(VmFault vmf) {
        MmStruct mm = vmf.vma.vmMm.get();
        Ptep pmd = vmfPmd(vmf);
        if (Pgtable.pmdNone(pmd.load())) {
            setVmfPte(vmf, null);
            vmf.flags &= ~FAULT_FLAG_ORIG_PTE_VALID;
        } else {
            PgtableGeneric.PteMap m = PgtableGeneric.pteOffsetMapRoNolock(mm, pmd, vmf.address); // pte_offset_map_rw_nolock
            if (m == null)
                return 0;
            setVmfPte(vmf, m.pte());
            vmf.ptl = m.ptl();
            vmf.origPte = m.pte().readOnce(); // ptep_get_lockless
            vmf.flags |= FAULT_FLAG_ORIG_PTE_VALID;
            if (Pgtable.pteNone(vmf.origPte)) {
                PgtableGeneric.pteUnmap(m.pte());
                setVmfPte(vmf, null);
            }
        }
        if (vmf.pteTable == null)
            return doPteMissing(vmf);
        if (!Pgtable.ptePresent(vmf.origPte)) {
            PgtableGeneric.pteUnmap(vmfPte(vmf)); // pte_unmap_same
            return doSwapPage(vmf);
        }
        if (Pgtable.pteProtnone(vmf.origPte) && (vmf.vma.vmFlags.get() & Mm.VM_ACCESS_FLAGS) != 0) {
            PgtableGeneric.pteUnmap(vmfPte(vmf));
            return doNumaPage(vmf);
        }
        vmf.ptl.lock();
        long entry = vmf.origPte;
        Ptep pte = vmfPte(vmf);
        if (pte.readOnce() != entry) {
            Probes.hit(P_PTE_SPURIOUS);
            vmfUnmapUnlock(vmf);
            return 0;
        }
        if ((vmf.flags & (FAULT_FLAG_WRITE | FAULT_FLAG_UNSHARE)) != 0) {
            if (!Pgtable.pteWrite(entry))
                return doWpPage(vmf);
            else if ((vmf.flags & FAULT_FLAG_WRITE) != 0)
                entry = Pgtable.pteMkdirty(entry);
        }
        entry = Pgtable.pteMkyoung(entry);
        // ptep_set_access_flags (x86): changed && dirty -> set_pte
        if (entry != vmf.origPte && (vmf.flags & FAULT_FLAG_WRITE) != 0)
            pte.set(entry);
        vmfUnmapUnlock(vmf);
        return 0;
    }

    /** __handle_mm_fault(vma, address, flags). */
    static int __handleMmFault(VmAreaStruct vma, long address, int flags) {
        VmFault vmf = new VmFault();
        vmf.vma = vma;
        vmf.address = address & Page.PAGE_MASK;
        vmf.realAddress = address;
        vmf.flags = flags;
        vmf.pgoff = Rmap.linearPageIndex(vma, address);
        MmStruct mm = vma.vmMm.get();
        Ptep pgd = Pgtable.pgdOffset(mm, address);
        Ptep p4d = p4dAlloc(mm, pgd, address);
        Ptep pud = pudAlloc(mm, p4d, address);
        if (pud == null)
            return VM_FAULT_OOM;
        // retry_pud: model: no huge PUDs
        Ptep pmd = pmdAlloc(mm, pud, address);
        if (pmd == null)
            return VM_FAULT_OOM;
        vmf.pmdTable = pmd.table();
        vmf.pmdIndex = pmd.index();
        long origPmd = pmd.readOnce(); // pmdp_get_lockless; no THP: pmd_none -> fallback
        if (!Pgtable.pmdNone(origPmd) && !Pgtable.pmdPresent(origPmd))
            return 0; // migration entry: wait, retry
        return handlePteFault(vmf);
    }

    /** sanitize_fault_flags(vma, &flags): 0 or VM_FAULT_SIGSEGV. */
    static int sanitizeFaultFlags(VmAreaStruct vma, int[] flags) {
        Task t = Task.current();
        long vmFlags = vma.vmFlags.get();
        if ((flags[0] & FAULT_FLAG_UNSHARE) != 0) {
            if ((flags[0] & FAULT_FLAG_WRITE) != 0) {
                t.kernel.reports.file(t, Report.Kind.WARN, "WARN_ON_ONCE(UNSHARE with WRITE)", vma.describe());
                return VM_FAULT_SIGSEGV;
            }
            if (!Mm.isCowMapping(vmFlags))
                flags[0] &= ~FAULT_FLAG_UNSHARE;
        } else if ((flags[0] & FAULT_FLAG_WRITE) != 0) {
            if ((vmFlags & Mm.VM_MAYWRITE) == 0) {
                t.kernel.reports.file(t, Report.Kind.WARN, "WARN_ON_ONCE(write fault without VM_MAYWRITE)", vma.describe());
                return VM_FAULT_SIGSEGV;
            }
            if ((vmFlags & Mm.VM_WRITE) == 0 && !Mm.isCowMapping(vmFlags)) {
                t.kernel.reports.file(t, Report.Kind.WARN, "WARN_ON_ONCE(FOLL_FORCE write on a shared mapping)", vma.describe());
                return VM_FAULT_SIGSEGV;
            }
        }
        if ((flags[0] & (FAULT_FLAG_VMA_LOCK | FAULT_FLAG_RETRY_NOWAIT)) == (FAULT_FLAG_VMA_LOCK | FAULT_FLAG_RETRY_NOWAIT)) {
            t.kernel.reports.file(t, Report.Kind.WARN, "WARN_ON_ONCE(VMA_LOCK with RETRY_NOWAIT)", vma.describe());
            return VM_FAULT_SIGSEGV;
        }
        return 0;
    }

    /**
     * handle_mm_fault(vma, address, flags, regs=NULL): a vm_fault_t. Entered with the VMA lock
     * (FAULT_FLAG_VMA_LOCK) or mmap_lock; on VM_FAULT_RETRY or VM_FAULT_COMPLETED that lock may have
     * been released, and vma must not be used after the call.
     */
    public static int handleMmFault(VmAreaStruct vma, long address, int flags) {
        int[] f = { flags };
        int ret = sanitizeFaultFlags(vma, f);
        if (ret != 0) {
            Probes.hit(P_FAULT_SIGSEGV);
            return ret;
        }
        // arch_vma_access_permitted: no protection keys in the model
        if (Mm.isVmHugetlbPage(vma))
            ret = VM_FAULT_SIGBUS; // hugetlb_fault: model: not modelled
        else
            ret = __handleMmFault(vma, address, f[0]);
        Trace.note("handle_mm_fault(%#x, flags %#x) -> %#x", address, f[0], ret);
        return ret;
    }

    // ---------------------------------------------------------------- PFN maps

    /** struct follow_pfnmap_args. */
    public static final class FollowPfnmapArgs {
        public VmAreaStruct vma;
        public long address;
        SpinLock lock;
        Ptep ptep;
        public long pfn, pgprot;
        public boolean writable, special;

        public FollowPfnmapArgs(VmAreaStruct vma, long address) {
            this.vma = vma;
            this.address = address;
        }
    }

    /** pfnmap_lockdep_assert(vma): i_mmap_rwsem or mmap_lock. */
    static void pfnmapLockdepAssert(VmAreaStruct vma) {
        Task t = Task.current();
        File file = vma.vmFile.get();
        MmStruct mm = vma.vmMm.get();
        boolean ok = t.kernel.lockdep.isHeld(t, mm.mmapLock.map)
                || (file != null && t.kernel.lockdep.isHeld(t, file.iMmapRwsem.map));
        if (!ok)
            t.kernel.reports.file(t, Report.Kind.LOCKDEP, "pfnmap_lockdep_assert failed", "neither mmap_lock nor i_mmap_rwsem held");
    }

    /** follow_pfnmap_start(args): 0 with the entry's lock held, or -EINVAL. */
    public static int followPfnmapStart(FollowPfnmapArgs args) {
        VmAreaStruct vma = args.vma;
        long address = args.address;
        MmStruct mm = vma.vmMm.get();
        pfnmapLockdepAssert(vma);
        if (address < vma.vmStart.get() || address >= vma.vmEnd.get()) {
            Probes.hit(P_PFNMAP_FAIL);
            return -Errno.EINVAL;
        }
        if ((vma.vmFlags.get() & (Mm.VM_IO | Mm.VM_PFNMAP)) == 0) {
            Probes.hit(P_PFNMAP_FAIL);
            return -Errno.EINVAL;
        }
        Ptep pgdp = Pgtable.pgdOffset(mm, address);
        Ptep p4dp = Pgtable.p4dOffset(pgdp, address);
        long p4d = p4dp.readOnce();
        if (Pgtable.p4dNone(p4d) || Pgtable.entryBad(p4d))
            return -Errno.EINVAL;
        Ptep pudp = Pgtable.pudOffset(p4d, address);
        long pud = pudp.readOnce();
        if (Pgtable.pudNone(pud) || Pgtable.pudLeaf(pud)) // no huge leaves in the model
            return -Errno.EINVAL;
        Ptep pmdp = Pgtable.pmdOffset(pud, address);
        long pmd = pmdp.readOnce();
        if (Pgtable.pmdLeaf(pmd))
            return -Errno.EINVAL;
        PgtableGeneric.PteMap m = PgtableGeneric.pteOffsetMapLock(mm, pmdp, address);
        if (m == null) {
            Probes.hit(P_PFNMAP_FAIL);
            return -Errno.EINVAL;
        }
        long pte = m.pte().readOnce();
        if (!Pgtable.ptePresent(pte)) {
            PgtableGeneric.pteUnmapUnlock(m.pte(), m.ptl());
            Probes.hit(P_PFNMAP_FAIL);
            return -Errno.EINVAL;
        }
        args.lock = m.ptl(); // pfnmap_args_setup
        args.ptep = m.pte();
        args.pfn = Pgtable.ptePfn(pte);
        args.pgprot = pte & ~Pgtable.PTE_PFN_MASK;
        args.writable = Pgtable.pteWrite(pte);
        args.special = Pgtable.pteSpecial(pte);
        return 0;
    }

    /** follow_pfnmap_end(args). */
    public static void followPfnmapEnd(FollowPfnmapArgs args) {
        if (args.lock != null)
            args.lock.unlock();
        if (args.ptep != null)
            PgtableGeneric.pteUnmap(args.ptep);
        args.lock = null;
        args.ptep = null;
    }

    /**
     * generic_access_phys(vma, addr, buf, len, write): vm_ops->access for VM_IO/VM_PFNMAP mappings.
     * model: ioremap_prot of the physical range is the pages themselves (pfn, pfn+1, ...).
     */
    public static int genericAccessPhys(VmAreaStruct vma, long addr, byte[] buf, int bufOff, int len, boolean write) {
        Task t = Task.current();
        int offset = (int) (addr & (PAGE_SIZE - 1));
        FollowPfnmapArgs args = new FollowPfnmapArgs(vma, addr);
        for (;;) { // retry:
            if (followPfnmapStart(args) != 0)
                return -Errno.EINVAL;
            long prot = args.pgprot, physPfn = args.pfn;
            boolean writable = args.writable;
            followPfnmapEnd(args);
            if (write && !writable)
                return -Errno.EINVAL;
            if (copiesPastLookedUpPage(vma, addr, offset, len, physPfn))
                Probes.hit(P_ACCESS_PHYS_PAST_PAGE);
            // maddr = ioremap_prot(phys_addr, PAGE_ALIGN(len + offset), prot); if (!maddr) return -ENOMEM;
            if (ioremapOnRam(t, physPfn, (offset + len + PAGE_SIZE - 1) >>> Page.PAGE_SHIFT)) {
                Probes.hit(P_ACCESS_PHYS_RAM);
                return -Errno.ENOMEM;
            }
            if (followPfnmapStart(args) != 0)
                return -Errno.EINVAL; // out_unmap
            if (prot != args.pgprot || physPfn != args.pfn || writable != args.writable) {
                Probes.hit(P_ACCESS_PHYS_RETRY);
                followPfnmapEnd(args);
                continue;
            }
            int done = 0;
            long pfn = physPfn;
            int in = offset;
            while (done < len) { // memcpy_fromio / memcpy_toio
                int n = Math.min(len - done, PAGE_SIZE - in);
                Page p = t.kernel.pages.pfnToPage(pfn);
                if (p == null) {
                    Kasan.badAccess(t, "generic_access_phys beyond memory at pfn " + pfn);
                    break;
                }
                if (write)
                    p.copyTo(in, buf, bufOff + done, n);
                else
                    p.copyFrom(in, buf, bufOff + done, n);
                done += n;
                in = 0;
                pfn++;
            }
            followPfnmapEnd(args);
            return len;
        }
    }

    /**
     * model: an observation for the root-cause probe, not a kernel step (peeks do not schedule):
     * the ioremap of PAGE_ALIGN(len + offset) from the looked-up pfn and the copy of len bytes
     * reach a page that the process does not map to the next pfn: past vm_end, or a page whose PTE
     * is gone or points elsewhere (a COW copy of a private device page).
     */
    static boolean copiesPastLookedUpPage(VmAreaStruct vma, long addr, int offset, int len, long pfn) {
        long pages = (offset + len + PAGE_SIZE - 1) / PAGE_SIZE;
        long base = addr & ~(long) (PAGE_SIZE - 1);
        for (long i = 1; i < pages; i++) {
            long va = base + i * PAGE_SIZE;
            if (va >= vma.vmEnd.peek())
                return true;
            long pte = Pgtable.peekPte(vma.vmMm.peek(), va);
            if (!Pgtable.ptePresent(pte) || Pgtable.ptePfn(pte) != pfn + i)
                return true;
        }
        return false;
    }

    /**
     * The refusal in x86's __ioremap_caller (arch/x86/mm/ioremap.c): "Don't allow anybody to remap
     * normal RAM that we're using": ioremap returns NULL when a page of the range is RAM and not
     * PageReserved (__ioremap_check_ram). model: physical memory is all RAM but the devices'
     * reserved pages; a pfn past the memmap is RAM the allocator has not handed out yet. Page flags
     * are read with peek (static for reserved device pages; no scheduling point). arm64 refuses RAM
     * too, by pfn_is_map_memory.
     */
    static boolean ioremapOnRam(Task t, long pfn, long nr) {
        for (long i = 0; i < nr; i++) {
            Page p = t.kernel.pages.pfnToPage(pfn + i);
            if (p == null || (p.flags.peek() & Page.PG_RESERVED) == 0)
                return true;
        }
        return false;
    }

    /**
     * remap_pfn_range(vma, addr, pfn, size, prot): map [pfn, pfn + size/PAGE_SIZE) at addr with
     * special PTEs; sets VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP. 0 or -errno.
     */
    public static int remapPfnRange(VmAreaStruct vma, long addr, long pfn, long size, long prot) {
        MmStruct mm = vma.vmMm.get();
        long end = addr + Mm.pageAlign(size);
        if (Mm.offsetInPage(addr))
            return -Errno.EINVAL;
        if (Mm.isCowMapping(vma.vmFlags.get())) {
            if (addr != vma.vmStart.get() || end != vma.vmEnd.get())
                return -Errno.EINVAL;
            vma.vmPgoff.set(pfn);
        }
        MmapLock.vmaStartWrite(vma); // vm_flags_set
        vma.vmFlags.set(vma.vmFlags.get() | Mm.VM_IO | Mm.VM_PFNMAP | Mm.VM_DONTEXPAND);
        pfn -= addr >>> Page.PAGE_SHIFT;
        for (long a = addr; a < end; ) {
            long next = addrEnd(a, end, Pgtable.PMD_SIZE);
            Ptep pmd = pmdAlloc(mm, a); // remap_p4d_range / remap_pud_range / remap_pmd_range
            if (pmd == null || pteAlloc(mm, pmd) != 0)
                return -Errno.ENOMEM;
            PgtableGeneric.PteMap m = PgtableGeneric.pteOffsetMapLock(mm, pmd, a); // remap_pte_range
            if (m == null)
                return -Errno.ENOMEM;
            Ptep pte = m.pte();
            for (long b = a; b < next; b += PAGE_SIZE, pte = pte.plus(1)) {
                if (!Pgtable.pteNone(pte.readOnce())) {
                    Task t = Task.current();
                    t.kernel.reports.file(t, Report.Kind.BUG, "BUG_ON(!pte_none(ptep_get(pte)))", "remap_pte_range");
                }
                pte.set(Pgtable.pteMkspecial(Pgtable.pfnPte(pfn + (b >>> Page.PAGE_SHIFT), prot)));
            }
            PgtableGeneric.pteUnmapUnlock(m.pte(), m.ptl());
            a = next;
        }
        return 0;
    }

    // ---------------------------------------------------------------- remote access

    /**
     * Which remote-read implementation a call uses: upstream, the patch's v1, or one of the
     * single-VMA forms the reviewers asked for ({@link FastPathVariants}).
     */
    public enum ReadPath {
        /** Upstream __access_remote_vm only. */
        SLOW,
        /** The v1 patch: per-address VMA locks, may move into the next VMA; the remainder goes slow. */
        FAST_V1,
        /** Suren's rule: one VMA lock for the whole request, or the whole request slow; a mid-request fallback continues slow. */
        FAST_ONE_VMA,
        /** As FAST_ONE_VMA, but a mid-request fallback discards the copy and redoes the whole request slow. */
        FAST_ONE_VMA_REDO
    }

    /** How the fast path protects its page-table walk: the patch's 2/3 as of v1 or of v2. */
    public enum WalkMode {
        /** v1 2/3: FW_VMA_LOCKED relies on RCU table freeing. */
        RCU,
        /** v2 2/3: interrupts disabled around folio_walk_start..folio_walk_end. */
        IRQ_OFF
    }

    /** untagged_addr_remote(mm, addr): asserts mmap_lock. model: x86 LAM not enabled, identity. */
    static long untaggedAddrRemote(MmStruct mm, long addr) {
        MmapLock.mmapAssertLocked(mm);
        return addr;
    }

    /** The patch's unlocked untag (reads the stable per-mm mask without mmap_lock). model: identity. */
    static long untaggedAddrRemoteUnlocked(MmStruct mm, long addr) {
        return addr;
    }

    /**
     * __access_remote_vm(mm, addr, buf, len, gup_flags): upstream, copying into buf from bufOff.
     * Returns the bytes transferred.
     */
    static int __accessRemoteVm(MmStruct mm, long addr, byte[] buf, int bufOff, int len, int gupFlags) {
        Task t = Task.current();
        int oldOff = bufOff;
        boolean write = (gupFlags & FOLL_WRITE) != 0;
        if (MmapLock.mmapReadLockKillable(mm) != 0) {
            Probes.hit(P_SLOW_LOCK_FAIL);
            return 0;
        }
        addr = untaggedAddrRemote(mm, addr);
        // Avoid triggering the temporary warning in __get_user_pages
        if (Mmap.vmaLookup(mm, addr) == null) {
            Probes.hit(P_SLOW_EXPAND);
            if (Mmap.expandStack(mm, addr) == null) {
                Probes.hit(P_SLOW_EXPAND_FAIL);
                return 0;
            }
        }
        while (len != 0) {
            int bytes;
            VmAreaStruct[] vmap = { null };
            Page page = Gup.getUserPageVmaRemote(mm, addr, gupFlags, vmap);
            if (Err.isErr(page)) {
                VmAreaStruct vma = Mmap.vmaLookup(mm, addr); // We might need to expand the stack to access it
                if (vma == null) {
                    Probes.hit(P_SLOW_EXPAND);
                    vma = Mmap.expandStack(mm, addr);
                    if (vma == null) { // mmap_lock was dropped on failure
                        Probes.hit(P_SLOW_EXPAND_FAIL);
                        return bufOff - oldOff;
                    }
                    // model: an oracle tracepoint, not a kernel one: the bytes copied so far and the
                    // rest come from two mmap_lock sections (expand_stack dropped the lock in between)
                    if (bufOff != oldOff)
                        Trace.tracepoint(Tracepoint.READ_LOCK_DROPPED, mm, addr);
                    continue; // Try again if stack expansion worked
                }
                bytes = 0;
                VmOperations ops = vma.vmOps.get();
                if (ops != null && ops.hasAccess()) {
                    Probes.hit(P_SLOW_ACCESS);
                    bytes = ops.access(vma, addr, buf, bufOff, len, write);
                }
                if (bytes <= 0) {
                    Probes.hit(P_SLOW_BREAK);
                    Trace.note("__access_remote_vm stops at %#x: %s", addr, Errno.name(Err.ptrErr(page)));
                    break;
                }
            } else {
                Page folio = page.head;
                int offset = (int) (addr & (PAGE_SIZE - 1));
                bytes = Math.min(len, PAGE_SIZE - offset);
                // maddr = kmap_local_folio(folio, folio_page_idx(folio, page) * PAGE_SIZE)
                if (write) {
                    page.copyTo(offset, buf, bufOff, bytes); // copy_to_user_page
                    // model: an oracle tracepoint, not a kernel one: which page these bytes went into
                    Trace.tracepoint(Tracepoint.REMOTE_STORE, page, addr);
                    PageWriteback.folioMarkDirtyLock(folio);
                } else {
                    page.copyFrom(offset, buf, bufOff, bytes); // copy_from_user_page
                }
                Probes.hit(P_SLOW_PAGE);
                Trace.note(write ? "copy %d bytes to %s at %#x" : "copy %d bytes from %s at %#x", bytes, page, addr);
                Swap.folioPut(folio); // folio_release_kmap
            }
            len -= bytes;
            bufOff += bytes;
            addr += bytes;
        }
        MmapLock.mmapReadUnlock(mm);
        return bufOff - oldOff;
    }

    /**
     * access_remote_vm(mm, addr, buf, len, gup_flags): upstream (the caller holds a reference on mm).
     */
    public static int accessRemoteVm(MmStruct mm, long addr, byte[] buf, int len, int gupFlags) {
        return accessRemoteVm(mm, addr, buf, len, gupFlags, ReadPath.SLOW, WalkMode.RCU);
    }

    /**
     * The fast path's VMA check (the patch re-checks the read permission as check_vma_flags does,
     * and refuses hugetlb, VM_IO and VM_PFNMAP): null if the read may proceed under the VMA lock,
     * else why not.
     */
    static String fastVmaRefusal(VmAreaStruct vma, int gupFlags) {
        long f = vma.vmFlags.get();
        if (Mm.isVmHugetlbPage(vma) || (f & (Mm.VM_IO | Mm.VM_PFNMAP)) != 0) {
            Probes.hit(P_FAST_REFUSED);
            return "hugetlb, VM_IO or VM_PFNMAP";
        }
        if ((gupFlags & FOLL_ANON) != 0 && !Mm.vmaIsAnonymous(vma)) {
            Probes.hit(P_FAST_PERM);
            return "FOLL_ANON on a file mapping";
        }
        // vma_is_secretmem: model: no secretmem; arch_vma_access_permitted: no protection keys
        if (!Mutant.on(Mutant.FAST_NO_READ_CHECK) && (f & Mm.VM_READ) == 0 && ((gupFlags & FOLL_FORCE) == 0 || (f & Mm.VM_MAYREAD) == 0)) {
            Probes.hit(P_FAST_PERM);
            return "no read permission";
        }
        return null;
    }

    /**
     * One page under the VMA lock: folio_walk_start(FW_VMA_LOCKED), folio_get under the PTL,
     * folio_walk_end, copy, folio_put. Returns the bytes copied, or 0 (not present: the caller falls
     * back). As the patch's text has it, the walk does not ask for the zero page, so a zero-page PTE
     * (never-written anonymous memory that was read) is "not present" and makes the fast path fall
     * back. model: {@code zeroPage} is a model-only option, not the patch: walk with
     * FW_VMA_LOCKED | FW_ZEROPAGE and, for the zero page (fw.page == NULL), copy zeros without
     * taking a reference (the zero page is reserved, never freed and never written, so this is
     * what a copy from it would read).
     */
    static int fastCopyPage(VmAreaStruct vma, long addr, byte[] buf, int bufOff, int len, WalkMode walk, boolean zeroPage) {
        Task t = Task.current();
        FolioWalk fw = new FolioWalk();
        int flags = PageWalk.FW_VMA_LOCKED | (zeroPage ? PageWalk.FW_ZEROPAGE : 0)
                | (walk == WalkMode.IRQ_OFF ? PageWalk.FW_VMA_LOCKED_V2 : 0);
        if (walk == WalkMode.IRQ_OFF)
            t.kernel.irq.disable();
        Page folio = PageWalk.folioWalkStart(fw, vma, addr, flags);
        if (folio == null) {
            if (walk == WalkMode.IRQ_OFF)
                t.kernel.irq.enable();
            Probes.hit(P_FAST_NOT_PRESENT);
            return 0;
        }
        Page page = fw.page;
        if (page != null && !Mutant.on(Mutant.FAST_REF_AFTER_WALK_END))
            Swap.folioGet(folio); // a short-lived reference, taken under the PTL
        PageWalk.folioWalkEnd(fw, vma);
        if (page != null && Mutant.on(Mutant.FAST_REF_AFTER_WALK_END))
            Swap.folioGet(folio);
        if (walk == WalkMode.IRQ_OFF)
            t.kernel.irq.enable();
        int offset = (int) (addr & (PAGE_SIZE - 1));
        int bytes = Math.min(len, PAGE_SIZE - offset);
        if (page == null) {
            java.util.Arrays.fill(buf, bufOff, bufOff + bytes, (byte) 0);
            Probes.hit(P_FAST_ZERO);
            Trace.note("copy %d bytes from the zero page at %#x", bytes, addr);
        } else {
            page.copyFrom(offset, buf, bufOff, bytes); // kmap_local_folio + copy_from_user_page
            Probes.hit(P_FAST_COPY);
            Trace.note("copy %d bytes from folio %d at %#x", bytes, folio.pfn, addr);
            Swap.folioPut(folio); // folio_release_kmap
        }
        return bytes;
    }

    /**
     * access_remote_vm_fast(mm, addr, buf, len, gup_flags), the patch's v1 (3/3): for each address,
     * lock_vma_under_rcu, the VMA check, one page copied under the VMA lock, vma_end_read; moves on
     * into the next VMA; stops at the first fallback. Returns the bytes copied; the caller reads the
     * remainder under mmap_lock. {@code walk} chooses which 2/3 the page-table walk follows;
     * {@code zeroPage} is the model-only FW_ZEROPAGE option ({@link #fastCopyPage}).
     */
    static int accessRemoteVmFast(MmStruct mm, long addr, byte[] buf, int len, int gupFlags, WalkMode walk, boolean zeroPage) {
        int copied = 0;
        addr = untaggedAddrRemoteUnlocked(mm, addr);
        VmAreaStruct prev = null;
        while (len > 0) {
            VmAreaStruct vma = MmapLock.lockVmaUnderRcu(mm, addr);
            if (vma == null) {
                Probes.hit(P_FAST_NO_VMA);
                Trace.note("fast path falls back at %#x: lock_vma_under_rcu failed", addr);
                break;
            }
            if (prev != null && prev != vma)
                Probes.hit(P_FAST_NEXT_VMA);
            prev = vma;
            String why = fastVmaRefusal(vma, gupFlags);
            int bytes = why == null ? fastCopyPage(vma, addr, buf, copied, len, walk, zeroPage) : 0;
            MmapLock.vmaEndRead(vma);
            if (bytes == 0) {
                Trace.note("fast path falls back at %#x: %s", addr, why != null ? why : "not present");
                break;
            }
            copied += bytes;
            len -= bytes;
            addr += bytes;
        }
        return copied;
    }

    /**
     * access_remote_vm with the read path chosen per call (the stress harness's entry): see
     * {@link FastPathVariants#accessRemoteVm}. The fast path walks with FW_VMA_LOCKED, as the
     * patch's text has it.
     */
    public static int accessRemoteVm(MmStruct mm, long addr, byte[] buf, int len, int gupFlags, ReadPath path, WalkMode walk) {
        return FastPathVariants.accessRemoteVm(mm, addr, buf, len, gupFlags, path, walk, false);
    }

    /**
     * As {@link #accessRemoteVm(MmStruct, long, byte[], int, int, ReadPath, WalkMode)}, with the
     * model-only option {@code zeroPage}: the fast path walks with FW_VMA_LOCKED | FW_ZEROPAGE and
     * copies zeros from a zero-page PTE instead of falling back (not the patch's text).
     */
    public static int accessRemoteVm(MmStruct mm, long addr, byte[] buf, int len, int gupFlags, ReadPath path, WalkMode walk,
            boolean zeroPage) {
        return FastPathVariants.accessRemoteVm(mm, addr, buf, len, gupFlags, path, walk, zeroPage);
    }
}
