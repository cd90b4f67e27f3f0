package mmrace.port;

import mmrace.runtime.Err;
import mmrace.runtime.Errno;
import mmrace.runtime.Mutant;
import mmrace.runtime.Page;
import mmrace.runtime.Probes;
import mmrace.runtime.Report;
import mmrace.runtime.SpinLock;
import mmrace.runtime.Task;
import mmrace.runtime.Trace;

import static mmrace.port.Mm.*;
import static mmrace.port.Pgtable.*;

/**
 * mm/mremap.c, read as the stored copy id 176020220 (the vma_remap_struct / pagetable_move_control
 * version of the v6.16-v7.0 window; the stored torvalds/linux copy at
 * 2b235826098bb653982894dfc3f70fd029f6c2e4 is a 2.6-era file), and struct pagetable_move_control
 * with PAGETABLE_MOVE from mm/internal.h: shrink, expand in place, move (MREMAP_MAYMOVE,
 * MREMAP_FIXED, MREMAP_DONTUNMAP), moving PTEs under both page-table locks.
 *
 * <p>model departures:
 * <ul>
 * <li>No hugetlb, uffd, KSM, mlock populate (mm_populate), accounting (vm_acct/vm_unacct, stats):
 *     the charges are computed and always granted.
 * <li>Destination page tables: alloc_new_pud + alloc_new_pmd are one call to Memory.pmdAlloc(mm,
 *     addr), made only after get_old_pmd found a source PMD (the kernel may allocate the destination
 *     PUD table even when the source PMD entry turns out to be none). PUD-level moves
 *     (move_normal_pud, 1 GiB extents) and huge PMDs/PUDs (move_huge_pmd, split_huge_pmd) are not
 *     ported: a huge or non-present source PMD is reported as a BUG and the move stops short.
 * <li>pmd_lock / pmd_lockptr: the split PMD lock in the PMD table page (Page.ptl of the table
 *     holding the entry), as with x86's split PMD ptlocks.
 * <li>No soft-dirty bit. flush_tlb_range is sent where the kernel sends it (move_ptes after moving
 *     present PTEs, move_normal_pmd after moving a table), with both page-table locks held: the
 *     IPI is the flush ({@link Tlb}).
 * <li>PTEs are moved one at a time (mremap_folio_pte_batch returns 1).
 * <li>The syscall takes the mm explicitly.
 * </ul>
 */
public final class Mremap {
    private Mremap() {}

    static final int P_SHRINK = Probes.register("mremap: shrink in place (do_vmi_munmap with unlock)");
    static final int P_EXPAND_IN_PLACE = Probes.register("mremap: expand in place (vma_merge_extend)");
    static final int P_MOVE = Probes.register("mremap: move_vma");
    static final int P_MOVE_FAIL_REVERT = Probes.register("copy_vma_and_data: page-table move failed, moved back");
    static final int P_DONTUNMAP = Probes.register("move_vma: MREMAP_DONTUNMAP, source stays mapped");
    static final int P_MOVE_PTE = Probes.register("move_ptes: pte moved");
    static final int P_MOVE_PMD = Probes.register("move_normal_pmd: pte table moved");
    static final int P_MOVE_PTES_RETRY = Probes.register("move_ptes: pte table gone, retry");

    /** enum mremap_type. */
    enum MremapType { INVALID, NO_RESIZE, SHRINK, EXPAND }

    /** struct vma_remap_struct. */
    static final class VmaRemapStruct {
        MmStruct mm; // current->mm
        long addr, oldLen, newLen;
        final int flags;
        long newAddr;
        VmAreaStruct vma;
        long delta;
        boolean mlocked;
        MremapType remapType = MremapType.INVALID;
        boolean mmapLocked;
        long charged;

        VmaRemapStruct(int flags) {
            this.flags = flags;
        }
    }

    /** struct pagetable_move_control (mm/internal.h). */
    static final class PagetableMoveControl {
        VmAreaStruct old, nu;
        long oldAddr, oldEnd, newAddr, lenIn;
        boolean needRmapLocks, forStack;
    }

    /** PAGETABLE_MOVE(name, old_, new_, old_addr_, new_addr_, len_). */
    static PagetableMoveControl pagetableMove(VmAreaStruct old, VmAreaStruct nu, long oldAddr, long newAddr, long len) {
        PagetableMoveControl p = new PagetableMoveControl();
        p.old = old;
        p.nu = nu;
        p.oldAddr = oldAddr;
        p.oldEnd = oldAddr + len;
        p.newAddr = newAddr;
        p.lenIn = len;
        return p;
    }

    // ------------------------------------------------------------ page tables

    /** pgd/p4d/pud/pmd_none_or_clear_bad(entry): a bad entry is reported (pgd_ERROR) and skipped. */
    static boolean noneOrClearBad(long v, String level) {
        if (v == 0)
            return true;
        if (entryBad(v)) {
            Task t = Task.current();
            t.kernel.reports.file(t, Report.Kind.BUG, "bad " + level, Long.toHexString(v));
            return true;
        }
        return false;
    }

    /** get_old_pud(mm, addr). */
    static Ptep getOldPud(MmStruct mm, long addr) {
        Ptep pgd = pgdOffset(mm, addr);
        long pgdval = pgd.load();
        if (noneOrClearBad(pgdval, "pgd"))
            return null;
        // p4d_offset: folded into the pgd
        Ptep pud = pudOffset(pgdval, addr);
        if (noneOrClearBad(pud.load(), "pud"))
            return null;
        return pud;
    }

    /** get_old_pmd(mm, addr). */
    static Ptep getOldPmd(MmStruct mm, long addr) {
        Ptep pud = getOldPud(mm, addr);
        if (pud == null)
            return null;
        Ptep pmd = pmdOffset(pud.load(), addr);
        if (pmdNone(pmd.load()))
            return null;
        return pmd;
    }

    /** alloc_new_pmd(mm, addr) (with alloc_new_pud): Memory.pmdAlloc, see the class comment. */
    static Ptep allocNewPmd(MmStruct mm, long addr) {
        Ptep pmd = Memory.pmdAlloc(mm, addr);
        if (pmd == null)
            return null;
        if (pmdTransHuge(pmd.load())) {
            Task t = Task.current();
            t.kernel.reports.file(t, Report.Kind.BUG, "alloc_new_pmd: VM_BUG_ON(pmd_trans_huge(*pmd))", pmd.toString());
        }
        return pmd;
    }

    /** take_rmap_locks(vma). */
    static void takeRmapLocks(VmAreaStruct vma) {
        File f = vma.vmFile.get();
        if (f != null)
            f.iMmapRwsem.downWrite();
        AnonVma av = vma.anonVma.get();
        if (av != null)
            av.rwsem.downWrite();
    }

    /** drop_rmap_locks(vma). */
    static void dropRmapLocks(VmAreaStruct vma) {
        AnonVma av = vma.anonVma.get();
        if (av != null)
            av.rwsem.upWrite();
        File f = vma.vmFile.get();
        if (f != null)
            f.iMmapRwsem.upWrite();
    }

    /**
     * move_ptes(pmc, extent, old_pmd, new_pmd): move the PTEs of one PTE table, holding the old
     * table's PTL and the new one's. 0, or -EAGAIN if a PTE table disappeared.
     */
    static int movePtes(PagetableMoveControl pmc, long extent, Ptep oldPmd, Ptep newPmd) {
        VmAreaStruct vma = pmc.old;
        MmStruct mm = vma.vmMm.get();
        boolean forceFlush = false;
        long oldAddr = pmc.oldAddr, newAddr = pmc.newAddr;
        long oldEnd = oldAddr + extent;
        int err = 0;

        if (pmc.needRmapLocks)
            takeRmapLocks(vma);
        // the ordering of src and dst pte locks does not matter: exclusive mmap_lock prevents deadlock
        PgtableGeneric.PteMap old = PgtableGeneric.pteOffsetMapLock(mm, oldPmd, oldAddr);
        if (old == null) {
            err = -Errno.EAGAIN;
        } else {
            // pte_offset_map_rw_nolock: the new table is stable under the exclusive mmap_lock
            PgtableGeneric.PteMap nu = PgtableGeneric.pteOffsetMapRoNolock(mm, newPmd, newAddr);
            if (nu == null) {
                PgtableGeneric.pteUnmapUnlock(old.pte(), old.ptl());
                err = -Errno.EAGAIN;
            } else {
                SpinLock oldPtl = old.ptl(), newPtl = nu.ptl();
                if (newPtl != oldPtl)
                    newPtl.lock(); // spin_lock_nested
                Rmap.flushTlbBatchedPending(vma.vmMm.get());
                // arch_enter_lazy_mmu_mode: none
                Ptep oldPtep = old.pte(), newPtep = nu.pte();
                for (; oldAddr < oldEnd; oldPtep = oldPtep.plus(1), oldAddr += Page.PAGE_SIZE,
                        newPtep = newPtep.plus(1), newAddr += Page.PAGE_SIZE) {
                    if (!pteNone(newPtep.load())) {
                        Task t = Task.current();
                        t.kernel.reports.file(t, Report.Kind.WARN, "move_ptes: destination pte not none", newPtep.toString());
                    }
                    long oldPte = oldPtep.readOnce(); // ptep_get
                    if (pteNone(oldPte))
                        continue;
                    // a valid pte: flush the TLB before dropping the PTL
                    if (ptePresent(oldPte))
                        forceFlush = true;
                    long pte = oldPtep.getAndClear(); // get_and_clear_full_ptes
                    // move_pte: identity on x86; move_soft_dirty_pte: model no soft-dirty bit
                    newPtep.set(pte); // set_ptes
                    Probes.hit(P_MOVE_PTE);
                    Trace.note("move_ptes: pte %#x -> %#x (%#x)", oldAddr, newAddr, pte);
                }
                // arch_leave_lazy_mmu_mode
                if (forceFlush)
                    Tlb.flushTlbRange(vma, oldEnd - extent, oldEnd);
                if (newPtl != oldPtl)
                    newPtl.unlock();
                PgtableGeneric.pteUnmap(newPtep);
                PgtableGeneric.pteUnmapUnlock(oldPtep, oldPtl);
            }
        }
        if (pmc.needRmapLocks)
            dropRmapLocks(vma);
        return err;
    }

    /** move_normal_pmd(pmc, old_pmd, new_pmd): move a whole PTE table (CONFIG_HAVE_MOVE_PMD). */
    static boolean moveNormalPmd(PagetableMoveControl pmc, Ptep oldPmd, Ptep newPmd) {
        VmAreaStruct vma = pmc.old;
        MmStruct mm = vma.vmMm.get();
        boolean res = false;
        // the destination pmd shouldn't be established, free_pgtables() should have released it
        if (!pmdNone(newPmd.load())) {
            Task t = Task.current();
            t.kernel.reports.file(t, Report.Kind.WARN, "move_normal_pmd: destination pmd not none", newPmd.toString());
            return false;
        }
        // vma_has_uffd_without_event_remap: none
        SpinLock oldPtl = Memory.pmdLockptr(mm, oldPmd);
        oldPtl.lock(); // pmd_lock
        SpinLock newPtl = Memory.pmdLockptr(mm, newPmd);
        if (newPtl != oldPtl)
            newPtl.lock();
        long pmd = oldPmd.load();
        // racing with collapse?
        if (pmdPresent(pmd) && !pmdLeaf(pmd)) {
            oldPmd.set(0); // pmd_clear
            res = true;
            if (!pmdNone(newPmd.load())) {
                Task t = Task.current();
                t.kernel.reports.file(t, Report.Kind.BUG, "move_normal_pmd: VM_BUG_ON(!pmd_none(*new_pmd))", newPmd.toString());
            }
            newPmd.set(pmdPopulateEntry(pmd)); // pmd_populate(mm, new_pmd, pmd_pgtable(pmd))
            Probes.hit(P_MOVE_PMD);
            Trace.note("move_normal_pmd: table %#x -> %#x", pmc.oldAddr, pmc.newAddr);
            Tlb.flushTlbRange(vma, pmc.oldAddr, pmc.oldAddr + PMD_SIZE);
        }
        if (newPtl != oldPtl)
            newPtl.unlock();
        oldPtl.unlock();
        return res;
    }

    /** get_extent(NORMAL_PMD, pmc). */
    static long getExtentPmd(PagetableMoveControl pmc) {
        long next = (pmc.oldAddr + PMD_SIZE) & PMD_MASK;
        long extent = next - pmc.oldAddr; // even if next overflowed, extent is ok
        if (Long.compareUnsigned(extent, pmc.oldEnd - pmc.oldAddr) > 0)
            extent = pmc.oldEnd - pmc.oldAddr;
        next = (pmc.newAddr + PMD_SIZE) & PMD_MASK;
        if (Long.compareUnsigned(extent, next - pmc.newAddr) > 0)
            extent = next - pmc.newAddr;
        return extent;
    }

    /** move_pgt_entry(pmc, NORMAL_PMD, old, new): takes the rmap locks for a whole-table move. */
    static boolean movePgtEntryNormalPmd(PagetableMoveControl pmc, Ptep oldPmd, Ptep newPmd) {
        // should_take_rmap_locks: NORMAL_PMD -> true
        takeRmapLocks(pmc.old);
        boolean moved = moveNormalPmd(pmc, oldPmd, newPmd);
        dropRmapLocks(pmc.old);
        return moved;
    }

    /** can_align_down(pmc, vma, addr_to_align, mask). */
    static boolean canAlignDown(PagetableMoveControl pmc, VmAreaStruct vma, long addrToAlign, long mask) {
        long addrMasked = addrToAlign & mask;
        if (!pmc.forStack && vma.vmStart.get() != addrToAlign)
            return false;
        if (pmc.forStack && addrMasked >= vma.vmStart.get())
            return true;
        return Mmap.findVmaIntersection(vma.vmMm.get(), addrMasked, vma.vmStart.get()) == null;
    }

    /** can_realign_addr(pmc, pagetable_mask). */
    static boolean canRealignAddr(PagetableMoveControl pmc, long pagetableMask) {
        long alignMask = ~pagetableMask;
        long oldAlign = pmc.oldAddr & alignMask;
        long newAlign = pmc.newAddr & alignMask;
        long pagetableSize = alignMask + 1;
        long oldAlignNext = pagetableSize - oldAlign;
        if (Long.compareUnsigned(pmc.lenIn, oldAlignNext) < 0)
            return false;
        if (oldAlign == 0)
            return false;
        if (oldAlign != newAlign)
            return false;
        return canAlignDown(pmc, pmc.old, pmc.oldAddr, pagetableMask) && canAlignDown(pmc, pmc.nu, pmc.newAddr, pagetableMask);
    }

    /** try_realign_addr(pmc, pagetable_mask). */
    static void tryRealignAddr(PagetableMoveControl pmc, long pagetableMask) {
        if (!canRealignAddr(pmc, pagetableMask))
            return;
        pmc.oldAddr &= pagetableMask;
        pmc.newAddr &= pagetableMask;
    }

    /** pmc_progress(pmc). */
    static long pmcProgress(PagetableMoveControl pmc) {
        long origOldAddr = pmc.oldEnd - pmc.lenIn;
        long oldAddr = pmc.oldAddr;
        return Long.compareUnsigned(oldAddr, origOldAddr) < 0 ? 0 : oldAddr - origOldAddr;
    }

    /** move_page_tables(pmc): the bytes of the range whose page tables were moved. */
    static long movePageTables(PagetableMoveControl pmc) {
        MmStruct mm = pmc.old.vmMm.get();
        long extent;
        if (pmc.lenIn == 0)
            return 0;
        // is_vm_hugetlb_page: model none
        tryRealignAddr(pmc, PMD_MASK);
        // flush_cache_range, mmu_notifier_invalidate_range_start: none
        for (; Long.compareUnsigned(pmc.oldAddr, pmc.oldEnd) < 0; pmc.oldAddr += extent, pmc.newAddr += extent) {
            // NORMAL_PUD / HPAGE_PUD: model not ported (see the class comment)
            extent = getExtentPmd(pmc);
            Ptep oldPmd = getOldPmd(mm, pmc.oldAddr);
            if (oldPmd == null)
                continue;
            Ptep newPmd = allocNewPmd(mm, pmc.newAddr);
            if (newPmd == null)
                break;
            boolean done = false;
            for (;;) { // again:
                long pmdval = oldPmd.load();
                if ((!pmdNone(pmdval) && !pmdPresent(pmdval)) || pmdTransHuge(pmdval)) {
                    Task t = Task.current();
                    t.kernel.reports.file(t, Report.Kind.BUG, "move_page_tables: huge or swap pmd not modelled", oldPmd.toString());
                    return pmcProgress(pmc);
                } else if (extent == PMD_SIZE) {
                    if (movePgtEntryNormalPmd(pmc, oldPmd, newPmd)) {
                        done = true;
                        break;
                    }
                }
                if (pmdNone(oldPmd.load())) {
                    done = true;
                    break;
                }
                if (Memory.pteAlloc(pmc.nu.vmMm.get(), newPmd) != 0)
                    break;
                if (movePtes(pmc, extent, oldPmd, newPmd) < 0) {
                    Probes.hit(P_MOVE_PTES_RETRY);
                    Task.current().spin("move_ptes: pte table gone, retry");
                    continue;
                }
                done = true;
                break;
            }
            if (!done)
                break;
        }
        // mmu_notifier_invalidate_range_end: none
        return pmcProgress(pmc);
    }

    // ------------------------------------------------------------ vrm helpers

    static void vrmSetDelta(VmaRemapStruct vrm) {
        vrm.delta = Math.abs(vrm.oldLen - vrm.newLen);
    }

    static MremapType vrmRemapType(VmaRemapStruct vrm) {
        if (vrm.delta == 0)
            return MremapType.NO_RESIZE;
        if (Long.compareUnsigned(vrm.oldLen, vrm.newLen) > 0)
            return MremapType.SHRINK;
        return MremapType.EXPAND;
    }

    static boolean vrmOverlaps(VmaRemapStruct vrm) {
        long startOld = vrm.addr, startNew = vrm.newAddr;
        long endOld = vrm.addr + vrm.oldLen, endNew = vrm.newAddr + vrm.newLen;
        return Long.compareUnsigned(endOld, startNew) > 0 && Long.compareUnsigned(endNew, startOld) > 0;
    }

    static boolean vrmImpliesNewAddr(VmaRemapStruct vrm) {
        return (vrm.flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)) != 0;
    }

    /** vrm_set_new_addr(vrm): get_unmapped_area for the destination. */
    static long vrmSetNewAddr(VmaRemapStruct vrm) {
        VmAreaStruct vma = vrm.vma;
        int mapFlags = 0;
        long internalPgoff = (vrm.addr - vma.vmStart.get()) >>> Page.PAGE_SHIFT;
        long pgoff = vma.vmPgoff.get() + internalPgoff;
        long newAddr = vrmImpliesNewAddr(vrm) ? vrm.newAddr : 0;
        if ((vrm.flags & MREMAP_FIXED) != 0)
            mapFlags |= MAP_FIXED;
        if ((vma.vmFlags.get() & VM_MAYSHARE) != 0)
            mapFlags |= MAP_SHARED;
        long res = Mmap.getUnmappedArea(vrm.mm, vma.vmFile.get(), newAddr, vrm.newLen, pgoff, mapFlags);
        if (Err.isErrValue(res))
            return res;
        vrm.newAddr = res;
        return 0;
    }

    /** vrm_calc_charge(vrm). model: security_vm_enough_memory_mm always grants. */
    static boolean vrmCalcCharge(VmaRemapStruct vrm) {
        if ((vrm.vma.vmFlags.get() & VM_ACCOUNT) == 0)
            return true;
        long charged = (vrm.flags & MREMAP_DONTUNMAP) != 0 ? vrm.newLen >>> Page.PAGE_SHIFT : vrm.delta >>> Page.PAGE_SHIFT;
        vrm.charged = charged;
        return true;
    }

    /** vrm_uncharge(vrm). */
    static void vrmUncharge(VmaRemapStruct vrm) {
        if ((vrm.vma.vmFlags.get() & VM_ACCOUNT) == 0)
            return;
        vrm.charged = 0; // vm_unacct_memory: none
    }

    /** vrm_stat_account(vrm, bytes). model: only the mlocked flag. */
    static void vrmStatAccount(VmaRemapStruct vrm, long bytes) {
        if ((vrm.vma.vmFlags.get() & VM_LOCKED) != 0)
            vrm.mlocked = true;
    }

    /** prep_move_vma(vrm). */
    static long prepMoveVma(VmaRemapStruct vrm) {
        // avoid failure later in do_munmap, which may split one vma into three
        if (vrm.mm.mapCount.get() >= Vma.SYSCTL_MAX_MAP_COUNT - 3)
            return -Errno.ENOMEM;
        // vm_ops->may_split, ksm_madvise(MADV_UNMERGEABLE): model none
        return 0;
    }

    /** unmap_source_vma(vrm): unmap the source range (do_vmi_munmap, lock kept), keeping VM_ACCOUNT right. */
    static void unmapSourceVma(VmaRemapStruct vrm) {
        MmStruct mm = vrm.mm;
        long addr = vrm.addr, len = vrm.oldLen;
        VmAreaStruct vma = vrm.vma;
        VmaIter vmi = VmaIter.of(mm, addr);
        long vmStart = 0, vmEnd = 0;
        boolean accountableMove = (vma.vmFlags.get() & VM_ACCOUNT) != 0 && (vrm.flags & MREMAP_DONTUNMAP) == 0;
        if (accountableMove) {
            vmFlagsClear(vma, VM_ACCOUNT);
            vmStart = vma.vmStart.get();
            vmEnd = vma.vmEnd.get();
        }
        int err = Vma.doVmiMunmap(vmi, mm, addr, len, false);
        vrm.vma = null; // invalidated
        if (err != 0)
            return; // OOM: unable to split vma; vm_acct_memory: none
        if (accountableMove) {
            long end = addr + len;
            if (vmStart < addr) {
                VmAreaStruct prev = vmi.vmaPrev();
                vmFlagsSet(prev, VM_ACCOUNT); // acquires the VMA lock
            }
            if (vmEnd > end) {
                VmAreaStruct next = vmi.vmaNext();
                vmFlagsSet(next, VM_ACCOUNT);
            }
        }
    }

    /** copy_vma_and_data(vrm, &new_vma): copy_vma, then move the page tables. 0 or -errno. */
    static int copyVmaAndData(VmaRemapStruct vrm, VmAreaStruct[] newVmaPtr) {
        long internalOffset = vrm.addr - vrm.vma.vmStart.get();
        long internalPgoff = internalOffset >>> Page.PAGE_SHIFT;
        long newPgoff = vrm.vma.vmPgoff.get() + internalPgoff;
        VmAreaStruct[] vma = {vrm.vma};
        PagetableMoveControl pmc = pagetableMove(null, null, vrm.addr, vrm.newAddr, vrm.oldLen);
        boolean[] needRmapLocks = {false};
        VmAreaStruct nu = Vma.copyVma(vma, vrm.newAddr, vrm.newLen, newPgoff, needRmapLocks, null);
        pmc.needRmapLocks = needRmapLocks[0];
        if (nu == null) {
            vrmUncharge(vrm);
            newVmaPtr[0] = null;
            return -Errno.ENOMEM;
        }
        vrm.vma = vma[0];
        pmc.old = vma[0];
        pmc.nu = nu;
        int err = 0;
        long movedLen = movePageTables(pmc);
        if (Long.compareUnsigned(movedLen, vrm.oldLen) < 0)
            err = -Errno.ENOMEM;
        // else vm_ops->mremap: none
        if (err != 0) {
            Probes.hit(P_MOVE_FAIL_REVERT);
            // move entries back from new area to old, then unmap the new area instead of the old
            PagetableMoveControl revert = pagetableMove(nu, vma[0], vrm.newAddr, vrm.addr, movedLen);
            revert.needRmapLocks = true;
            movePageTables(revert);
            vrm.vma = nu;
            vrm.oldLen = vrm.newLen;
            vrm.addr = vrm.newAddr;
        }
        // mremap_userfaultfd_prep, fixup_hugetlb_reservations: none
        newVmaPtr[0] = nu;
        return err;
    }

    /** dontunmap_complete(vrm, new_vma): the source stays mapped, its PTEs now elsewhere. */
    static void dontunmapComplete(VmaRemapStruct vrm, VmAreaStruct newVma) {
        long start = vrm.addr, end = vrm.addr + vrm.oldLen;
        long oldStart = vrm.vma.vmStart.get(), oldEnd = vrm.vma.vmEnd.get();
        vmFlagsClear(vrm.vma, VM_LOCKED_MASK | VM_ACCOUNT);
        // anon_vma links of the old vma are no longer needed after its page table has been moved
        if (newVma != vrm.vma && start == oldStart && end == oldEnd)
            Vma.unlinkAnonVmas(vrm.vma);
    }

    /** move_vma(vrm): copy the VMA and its page tables to new_addr, then unmap the source. */
    static long moveVma(VmaRemapStruct vrm) {
        Probes.hit(P_MOVE);
        long err = prepMoveVma(vrm);
        if (err != 0)
            return err;
        if (!vrmCalcCharge(vrm))
            return -Errno.ENOMEM;
        // we don't want racing faults
        if (!Mutant.on(Mutant.MOVE_VMA_UNLOCKED))
            MmapLock.vmaStartWrite(vrm.vma);
        VmAreaStruct[] nu = {null};
        int e = copyVmaAndData(vrm, nu);
        if (e != 0 && nu[0] == null)
            return e;
        vrmStatAccount(vrm, vrm.newLen);
        if (e == 0 && (vrm.flags & MREMAP_DONTUNMAP) != 0) {
            Probes.hit(P_DONTUNMAP);
            dontunmapComplete(vrm, nu[0]);
        } else {
            unmapSourceVma(vrm);
        }
        Trace.note("move_vma -> %s", nu[0]);
        return e != 0 ? e : vrm.newAddr;
    }

    /** remap_is_valid(vrm). */
    static int remapIsValid(VmaRemapStruct vrm) {
        VmAreaStruct vma = vrm.vma;
        long addr = vrm.addr, oldLen = vrm.oldLen, newLen = vrm.newLen;
        long flags = vma.vmFlags.get();
        // !old_len duplicates a mapping: not supported for private mappings
        if (oldLen == 0 && (flags & (VM_SHARED | VM_MAYSHARE)) == 0)
            return -Errno.EINVAL;
        if ((vrm.flags & MREMAP_DONTUNMAP) != 0 && (flags & (VM_DONTEXPAND | VM_PFNMAP)) != 0)
            return -Errno.EINVAL;
        // crossing boundaries is allowed for the part unmapped by a shrink
        if (vrm.remapType == MremapType.SHRINK)
            oldLen = newLen;
        // we can't remap across vm area boundaries
        if (Long.compareUnsigned(oldLen, vma.vmEnd.get() - addr) > 0)
            return -Errno.EFAULT;
        if (newLen == oldLen)
            return 0;
        // need to be careful about a growing mapping
        long pgoff = (addr - vma.vmStart.get()) >>> Page.PAGE_SHIFT;
        pgoff += vma.vmPgoff.get();
        if (Long.compareUnsigned(pgoff + (newLen >>> Page.PAGE_SHIFT), pgoff) < 0)
            return -Errno.EINVAL;
        if ((flags & (VM_DONTEXPAND | VM_PFNMAP)) != 0)
            return -Errno.EFAULT;
        // mlock_future_ok, may_expand_vm: model always
        return 0;
    }

    /** shrink_vma(vrm, drop_lock): unmap the tail; with drop_lock the munmap downgrades and drops mmap_lock. */
    static long shrinkVma(VmaRemapStruct vrm, boolean dropLock) {
        MmStruct mm = vrm.mm;
        long unmapStart = vrm.addr + vrm.newLen;
        long unmapBytes = vrm.delta;
        VmaIter vmi = VmaIter.of(mm, unmapStart);
        long res = Vma.doVmiMunmap(vmi, mm, unmapStart, unmapBytes, dropLock);
        vrm.vma = null; // invalidated
        if (res != 0)
            return res;
        if (dropLock) {
            vrm.mmapLocked = false;
        } else {
            vrm.vma = Mmap.vmaLookup(mm, vrm.addr);
            if (vrm.vma == null)
                return -Errno.EFAULT;
        }
        return 0;
    }

    /** mremap_to(vrm): MREMAP_FIXED / MREMAP_DONTUNMAP: unmap the destination, then move. */
    static long mremapTo(VmaRemapStruct vrm) {
        MmStruct mm = vrm.mm;
        long err;
        if ((vrm.flags & MREMAP_FIXED) != 0) {
            // munmap dst first
            err = Mmap.doMunmap(mm, vrm.newAddr, vrm.newLen);
            vrm.vma = null; // invalidated
            if (err != 0)
                return err;
            // a remap of part of a VMA elsewhere in the same VMA can invalidate the old VMA
            vrm.vma = Mmap.vmaLookup(mm, vrm.addr);
            if (vrm.vma == null)
                return -Errno.EFAULT;
        }
        if (vrm.remapType == MremapType.SHRINK) {
            err = shrinkVma(vrm, false);
            if (err != 0)
                return err;
            vrm.oldLen = vrm.newLen; // set up for the move now the shrink has been executed
        }
        // MREMAP_DONTUNMAP expands by old_len: may_expand_vm: model always
        err = vrmSetNewAddr(vrm);
        if (err != 0)
            return err;
        return moveVma(vrm);
    }

    /** vma_expandable(vma, delta). */
    static boolean vmaExpandable(MmStruct mm, VmAreaStruct vma, long delta) {
        long end = vma.vmEnd.get() + delta;
        if (Long.compareUnsigned(end, vma.vmEnd.get()) < 0) // overflow
            return false;
        if (Mmap.findVmaIntersection(vma.vmMm.get(), vma.vmEnd.get(), end) != null)
            return false;
        if (offsetInPage(Mmap.getUnmappedArea(mm, null, vma.vmStart.get(), end - vma.vmStart.get(), 0, MAP_FIXED)))
            return false;
        return true;
    }

    /** vrm_can_expand_in_place(vrm). */
    static boolean vrmCanExpandInPlace(VmaRemapStruct vrm) {
        long suffixBytes = vrm.vma.vmEnd.get() - vrm.addr;
        if (suffixBytes != vrm.oldLen)
            return false;
        return vmaExpandable(vrm.mm, vrm.vma, vrm.delta);
    }

    /** check_mremap_params(vrm). */
    static long checkMremapParams(VmaRemapStruct vrm) {
        long addr = vrm.addr;
        int flags = vrm.flags;
        if ((flags & ~(MREMAP_FIXED | MREMAP_MAYMOVE | MREMAP_DONTUNMAP)) != 0)
            return -Errno.EINVAL;
        if (offsetInPage(addr))
            return -Errno.EINVAL;
        // a zero old_len is allowed (duplicate a shared mapping); a zero new_len is not
        if (vrm.newLen == 0)
            return -Errno.EINVAL;
        long taskSize = vrm.mm.taskSize;
        if (Long.compareUnsigned(vrm.newLen, taskSize) > 0 || Long.compareUnsigned(vrm.newAddr, taskSize - vrm.newLen) > 0)
            return -Errno.EINVAL;
        if (!vrmImpliesNewAddr(vrm))
            return 0;
        if (offsetInPage(vrm.newAddr))
            return -Errno.EINVAL;
        if ((flags & MREMAP_MAYMOVE) == 0) // a fixed address implies a move
            return -Errno.EINVAL;
        if ((flags & MREMAP_DONTUNMAP) != 0 && vrm.oldLen != vrm.newLen)
            return -Errno.EINVAL;
        if (vrmOverlaps(vrm))
            return -Errno.EINVAL;
        if (vrm.mm.mapCount.get() + 2 >= Vma.SYSCTL_MAX_MAP_COUNT - 3)
            return -Errno.ENOMEM;
        return 0;
    }

    /** expand_vma_in_place(vrm). */
    static long expandVmaInPlace(VmaRemapStruct vrm) {
        MmStruct mm = vrm.mm;
        VmAreaStruct vma = vrm.vma;
        VmaIter vmi = VmaIter.of(mm, vma.vmEnd.get());
        if (!vrmCalcCharge(vrm))
            return -Errno.ENOMEM;
        Probes.hit(P_EXPAND_IN_PLACE);
        vma = Vma.vmaMergeExtend(vmi, vma, vrm.delta);
        if (vma == null) {
            vrmUncharge(vrm);
            return -Errno.ENOMEM;
        }
        vrm.vma = vma;
        vrmStatAccount(vrm, vrm.delta);
        return 0;
    }

    /** expand_vma(vrm): in place if possible, else move (MREMAP_MAYMOVE). */
    static long expandVma(VmaRemapStruct vrm) {
        long err;
        if (vrmCanExpandInPlace(vrm)) {
            err = expandVmaInPlace(vrm);
            if (err != 0)
                return err;
            return vrm.addr;
        }
        if ((vrm.flags & MREMAP_MAYMOVE) == 0)
            return -Errno.ENOMEM;
        err = vrmSetNewAddr(vrm);
        if (err != 0)
            return err;
        return moveVma(vrm);
    }

    /** mremap_at(vrm): resize in place, or move to the first free area. */
    static long mremapAt(VmaRemapStruct vrm) {
        switch (vrm.remapType) {
            case NO_RESIZE:
                return vrm.addr;
            case SHRINK: {
                Probes.hit(P_SHRINK);
                long res = shrinkVma(vrm, true);
                if (res != 0)
                    return res;
                return vrm.addr;
            }
            case EXPAND:
                return expandVma(vrm);
            default:
                break;
        }
        Task t = Task.current();
        t.kernel.reports.file(t, Report.Kind.WARN, "mremap_at: invalid remap type", "");
        return -Errno.EINVAL;
    }

    static boolean vrmWillMapNew(VmaRemapStruct vrm) {
        if (vrm.remapType == MremapType.EXPAND)
            return true;
        return vrmImpliesNewAddr(vrm);
    }

    /** check_prep_vma(vrm). */
    static long checkPrepVma(VmaRemapStruct vrm) {
        VmAreaStruct vma = vrm.vma;
        if (vma == null)
            return -Errno.EFAULT;
        // can_modify_vma (mseal), hugetlb alignment: model none
        vrmSetDelta(vrm);
        vrm.remapType = vrmRemapType(vrm);
        // for convenience, set new_addr even if the VMA won't move
        if (!vrmImpliesNewAddr(vrm))
            vrm.newAddr = vrm.addr;
        if (vrmWillMapNew(vrm))
            return remapIsValid(vrm);
        return 0;
    }

    /** do_mremap(vrm). */
    static long doMremap(VmaRemapStruct vrm) {
        MmStruct mm = vrm.mm;
        vrm.oldLen = pageAlign(vrm.oldLen);
        vrm.newLen = pageAlign(vrm.newLen);
        long res = checkMremapParams(vrm);
        if (res != 0)
            return res;
        if (MmapLock.mmapWriteLockKillable(mm) != 0)
            return -Errno.EINTR;
        vrm.mmapLocked = true;
        vrm.vma = Mmap.vmaLookup(mm, vrm.addr);
        res = checkPrepVma(vrm);
        if (res == 0)
            res = vrmImpliesNewAddr(vrm) ? mremapTo(vrm) : mremapAt(vrm);
        // out:
        if (vrm.mmapLocked)
            MmapLock.mmapWriteUnlock(mm);
        // mm_populate, notify_uffd: none
        Trace.note("mremap -> %#x", res);
        return res;
    }

    /** SYSCALL_DEFINE5(mremap, addr, old_len, new_len, flags, new_addr). model: mm explicit. */
    public static long sysMremap(MmStruct mm, long addr, long oldLen, long newLen, int flags, long newAddr) {
        VmaRemapStruct vrm = new VmaRemapStruct(flags);
        vrm.mm = mm;
        vrm.addr = addr; // untagged_addr: identity
        vrm.oldLen = oldLen;
        vrm.newLen = newLen;
        vrm.newAddr = newAddr;
        return doMremap(vrm);
    }
}
