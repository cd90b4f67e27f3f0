package mmrace.port;

import mmrace.runtime.Err;
import mmrace.runtime.Errno;
import mmrace.runtime.Lockdep;
import mmrace.runtime.Mutant;
import mmrace.runtime.Page;
import mmrace.runtime.Probes;
import mmrace.runtime.Report;
import mmrace.runtime.Task;
import mmrace.runtime.Trace;

import java.util.ArrayList;
import java.util.List;

import static mmrace.port.Mm.*;
import static mmrace.port.MmapLock.mmapAssertWriteLocked;
import static mmrace.port.MmapLock.vmaStartWrite;

/**
 * mm/vma.c (read in full at eeccf287a2a517954b57cf9d733b3cf5d47afa34), with the mm/vma.h structs
 * and inlines it uses (c17ee635fd3a482b2ad2bf5e269755c2eae5f25e) and a few mm/internal.h inlines
 * (vma_set_range, vma_close, vma_is_sealed): splitting, merging, expanding and shrinking VMAs,
 * the munmap machinery (gather / clear tree / complete, with the downgrade), and mmap_region.
 *
 * <p>The order of the steps is the kernel's, because that order is what lock-free readers race
 * with: VMAs are write-locked (vma_start_write) before they change; a munmap victim is write-locked
 * and then detached while it is still in mm_mt; the tree range is cleared afterwards; the mmap lock
 * is downgraded before the PTEs are zapped; new VMAs are write-locked, then attached and stored.
 *
 * <p>model departures, all of them:
 * <ul>
 * <li>No NUMA policies, userfaultfd, uprobes, perf events, khugepaged, KSM, memory cgroups, mseal,
 *     mmap_prepare hooks or mmap_action; their calls are left out (each named where it would be).
 * <li>No accounting (total_vm, locked_vm, exec_vm, ..., vm_committed_as): may_expand_vm,
 *     security_vm_enough_memory_mm and mlock_future_ok always allow; the per-munmap counts are kept.
 * <li>vm_operations_struct has no open/close/may_split/mremap hooks in the model, so vma_close is a
 *     no-op and can_merge_remove_vma is always true. Files have no reference count (get_file/fput).
 * <li>The file rmap is File.iMmap (a list, not an interval tree) under i_mmap_rwsem; the anon rmap is
 *     AnonVma.vmas, which has no interval tree to pre/post-update; there are no anon_vma chains, so no
 *     VMA is a fork child. anon_vma_clone/unlink_anon_vmas (Rmap) are called only when the source has
 *     an anon_vma: with none they do nothing in the kernel either.
 * <li>vma_adjust_trans_huge (splitting a THP PMD that straddles a new VMA boundary) is not ported.
 * <li>unmapped_area/unmapped_area_topdown are a plain search over the tree's gaps (no
 *     mas_empty_area_rev); validate_mm (CONFIG_DEBUG_VM_MAPLE_TREE) is {@link #validateMm}, a
 *     point-free check for tests, not called from the port.
 * <li>current->mm is the mm the caller passes (syscalls only act on current's mm); the label of a
 *     new VMA is passed down from the mmap caller.
 * </ul>
 */
public final class Vma {
    private Vma() {}

    static final long ULONG_MAX = -1L;
    /** FIRST_USER_ADDRESS and USER_PGTABLES_CEILING on x86-64. */
    static final long FIRST_USER_ADDRESS = 0, USER_PGTABLES_CEILING = 0;
    /** sysctl_max_map_count: DEFAULT_MAX_MAP_COUNT = USHRT_MAX - MAPCOUNT_ELF_CORE_MARGIN. */
    public static final long SYSCTL_MAX_MAP_COUNT = 65530;

    static final int P_SPLIT_BELOW = Probes.register("__split_vma: new vma below addr");
    static final int P_SPLIT_ABOVE = Probes.register("__split_vma: new vma above addr");
    static final int P_SPLIT_NOMEM = Probes.register("__split_vma: allocation failed");
    static final int P_MERGE_BOTH = Probes.register("vma_merge_existing_range: merge prev, middle and next");
    static final int P_MERGE_LEFT = Probes.register("vma_merge_existing_range: merge with prev");
    static final int P_MERGE_RIGHT = Probes.register("vma_merge_existing_range: merge with next");
    static final int P_MERGE_ABORT = Probes.register("vma_merge_existing_range: abort");
    static final int P_NEW_MERGE = Probes.register("vma_merge_new_range: expand an adjacent vma");
    static final int P_EXPAND_REMOVE_NEXT = Probes.register("vma_expand: next merged away");
    static final int P_GATHER_SPLIT_START = Probes.register("vms_gather_munmap_vmas: split the first vma");
    static final int P_GATHER_SPLIT_END = Probes.register("vms_gather_munmap_vmas: split the last vma");
    static final int P_GATHER_DETACH = Probes.register("vms_gather_munmap_vmas: victim detached, still in the tree");
    static final int P_GATHER_FAIL = Probes.register("vms_gather_munmap_vmas: failed, reattach");
    static final int P_CLEAR_TREE_FAIL = Probes.register("do_vmi_align_munmap: clearing the tree failed, reattach");
    static final int P_MUNMAP_NOTHING = Probes.register("do_vmi_munmap: no vma in range");
    static final int P_DOWNGRADE = Probes.register("vms_complete_munmap_vmas: mmap_write_downgrade before zap");
    static final int P_MMAP_MERGED = Probes.register("__mmap_region: merged with a neighbour");
    static final int P_MMAP_NEW = Probes.register("__mmap_region: new vma");
    static final int P_MMAP_OVER = Probes.register("__mmap_setup: existing vmas in the range (MAP_FIXED)");
    static final int P_MMAP_FILE_ERR = Probes.register("__mmap_new_file_vma: f_op->mmap failed, unmap_region");
    static final int P_MMAP_ABORT_REATTACH = Probes.register("vms_abort_munmap_vmas: reattach");
    static final int P_MMAP_ABORT_GAP = Probes.register("vms_abort_munmap_vmas: ptes cleared, leave a gap");
    static final int P_EXPAND_DOWN = Probes.register("expand_downwards: stack grown");
    static final int P_COPY_MERGED = Probes.register("copy_vma: merged into a neighbour");
    static final int P_COPY_NEW = Probes.register("copy_vma: new vma linked");

    // ------------------------------------------------------------ small helpers (mm/vma.h, mm/internal.h)

    static long physPfn(long x) {
        return x >>> Page.PAGE_SHIFT;
    }

    /** vma_pgoff_offset(vma, addr). */
    static long vmaPgoffOffset(VmAreaStruct vma, long addr) {
        return vma.vmPgoff.get() + physPfn(addr - vma.vmStart.get());
    }

    /** vma_set_range(vma, start, end, pgoff) (mm/internal.h). */
    static void vmaSetRange(VmAreaStruct vma, long start, long end, long pgoff) {
        vma.vmStart.set(start);
        vma.vmEnd.set(end);
        vma.vmPgoff.set(pgoff);
    }

    /** vma_close(vma) (mm/internal.h). model: no ->close hooks. */
    static void vmaClose(VmAreaStruct vma) {}

    /** vma_is_sealed(vma). model: no mseal. */
    static boolean vmaIsSealed(VmAreaStruct vma) {
        return false;
    }

    /** is_exec_mapping(flags). */
    static boolean isExecMapping(long f) {
        return (f & (VM_EXEC | VM_WRITE | VM_STACK)) == VM_EXEC;
    }

    /** is_stack_mapping(flags). */
    static boolean isStackMapping(long f) {
        return (f & VM_STACK) == VM_STACK;
    }

    /** is_data_mapping(flags). */
    static boolean isDataMapping(long f) {
        return (f & (VM_WRITE | VM_SHARED | VM_STACK)) == VM_WRITE;
    }

    /** anon_vma_prepare(vma) (include/linux/rmap.h): the fast path inline, then __anon_vma_prepare. */
    static int anonVmaPrepare(VmAreaStruct vma) {
        if (vma.anonVma.get() != null)
            return 0;
        return Rmap.anonVmaPrepare(vma);
    }

    /** anon_vma_clone(dst, src, op). model: with no source anon_vma it does nothing, as in the kernel. */
    static int anonVmaClone(VmAreaStruct dst, VmAreaStruct src) {
        if (src.anonVma.get() == null)
            return 0;
        return Rmap.anonVmaClone(dst, src);
    }

    /** unlink_anon_vmas(vma). model: with no anon_vma there is nothing to unlink. */
    static void unlinkAnonVmas(VmAreaStruct vma) {
        if (vma.anonVma.get() == null)
            return;
        Rmap.unlinkAnonVmas(vma);
    }

    private static void warn(boolean cond, String what, Object detail) {
        if (!cond)
            return;
        Task t = Task.current();
        t.kernel.reports.file(t, Report.Kind.WARN, what, String.valueOf(detail));
    }

    // ------------------------------------------------------------ mergeability

    /**
     * vma_is_fork_child(vma): a faulted VMA whose anon_vma_chain is not singular (it was cloned
     * from a parent by fork); not merged, to spare the anon_vma root lock.
     */
    static boolean vmaIsForkChild(VmAreaStruct vma) {
        // model: the chain is empty exactly when anon_vma is NULL, so "vma->anon_vma &&
        // !list_is_singular(&vma->anon_vma_chain)" is the one test below
        return vma != null && vma.anonVmaChain.size() > 1;
    }

    /** is_mergeable_vma(vmg, merge_next). model: policies, uffd contexts, anon names always equal. */
    static boolean isMergeableVma(VmaMergeStruct vmg, boolean mergeNext) {
        VmAreaStruct vma = mergeNext ? vmg.next : vmg.prev;
        if (((vma.vmFlags.get() ^ vmg.vmFlags) & ~VM_IGNORE_MERGE) != 0)
            return false;
        if (vma.vmFile.get() != vmg.file)
            return false;
        return true;
    }

    /** is_mergeable_anon_vma(vmg, merge_next). */
    static boolean isMergeableAnonVma(VmaMergeStruct vmg, boolean mergeNext) {
        VmAreaStruct tgt = mergeNext ? vmg.next : vmg.prev;
        VmAreaStruct src = vmg.middle;
        AnonVma tgtAnon = tgt.anonVma.get();
        AnonVma srcAnon = vmg.anonVma;
        warn(src != null && srcAnon != src.anonVma.get(), "is_mergeable_anon_vma: vmg->anon_vma != middle->anon_vma", vmg);
        if (tgtAnon == null && srcAnon != null) { // case 1: dup_anon_vma from src into tgt
            if (vmaIsForkChild(src))
                return false;
            if (vmaIsForkChild(vmg.copiedFrom))
                return false;
            return true;
        }
        if (tgtAnon != null && srcAnon == null) // case 2: use tgt's
            return !vmaIsForkChild(tgt);
        return srcAnon == tgtAnon; // case 3: already shared
    }

    /** init_multi_vma_prep(vp, vma, vmg). */
    static VmaPrepare initMultiVmaPrep(VmAreaStruct vma, VmaMergeStruct vmg) {
        VmaPrepare vp = new VmaPrepare();
        vp.vma = vma;
        vp.anonVma = vma.anonVma.get();
        boolean second = false;
        if (vmg != null && vmg.removeMiddle) {
            vp.remove = vmg.middle;
            second = true;
        }
        if (vmg != null && vmg.removeNext) {
            if (second)
                vp.remove2 = vmg.next;
            else
                vp.remove = vmg.next;
        }
        VmAreaStruct adjust;
        if (vmg != null && vmg.adjustMiddleStart)
            adjust = vmg.middle;
        else if (vmg != null && vmg.adjustNextStart)
            adjust = vmg.next;
        else
            adjust = null;
        vp.adjNext = adjust;
        if (vp.anonVma == null && adjust != null)
            vp.anonVma = adjust.anonVma.get();
        warn(vp.anonVma != null && adjust != null && adjust.anonVma.get() != null && vp.anonVma != adjust.anonVma.get(),
                "init_multi_vma_prep: anon_vma mismatch", vma);
        vp.file = vma.vmFile.get();
        if (vp.file != null)
            vp.mapping = vp.file;
        if (vmg != null && vmg.skipVmaUprobe)
            vp.skipVmaUprobe = true;
        return vp;
    }

    /** init_vma_prep(vp, vma). */
    static VmaPrepare initVmaPrep(VmAreaStruct vma) {
        return initMultiVmaPrep(vma, null);
    }

    /** can_vma_merge_before(vmg). */
    static boolean canVmaMergeBefore(VmaMergeStruct vmg) {
        long pglen = physPfn(vmg.end - vmg.start);
        if (isMergeableVma(vmg, true) && isMergeableAnonVma(vmg, true))
            return vmg.next.vmPgoff.get() == vmg.pgoff + pglen;
        return false;
    }

    /** can_vma_merge_after(vmg). */
    static boolean canVmaMergeAfter(VmaMergeStruct vmg) {
        if (isMergeableVma(vmg, false) && isMergeableAnonVma(vmg, false))
            return vmg.prev.vmPgoff.get() + vmaPages(vmg.prev) == vmg.pgoff;
        return false;
    }

    /** __vma_link_file(vma, mapping): i_mmap_rwsem held for write. */
    static void __vmaLinkFile(VmAreaStruct vma, File mapping) {
        // mapping_allow_writable: model no i_mmap_writable; flush_dcache_mmap_lock: no-op on x86
        mapping.iMmap.add(vma); // vma_interval_tree_insert
    }

    /** __remove_shared_vm_struct(vma, mapping): i_mmap_rwsem held for write. */
    static void __removeSharedVmStruct(VmAreaStruct vma, File mapping) {
        mapping.iMmap.remove(vma); // vma_interval_tree_remove
    }

    /** vma_prepare(vp): take the rmap locks and take the VMAs out of the file rmap. */
    static void vmaPrepare(VmaPrepare vp) {
        if (vp.file != null) {
            // uprobe_munmap: model none
            vp.mapping.iMmapRwsem.downWrite(); // i_mmap_lock_write
            if (vp.insert != null && vp.insert.vmFile.get() != null)
                __vmaLinkFile(vp.insert, vp.insert.vmFile.get());
        }
        if (vp.anonVma != null) {
            vp.anonVma.rwsem.downWrite(); // anon_vma_lock_write
            // anon_vma_interval_tree_pre_update_vma: model no interval tree
        }
        if (vp.file != null) {
            vp.mapping.iMmap.remove(vp.vma); // vma_interval_tree_remove
            if (vp.adjNext != null)
                vp.mapping.iMmap.remove(vp.adjNext);
        }
    }

    /**
     * vma_complete(vp, vmi, mm): put the VMAs back into the rmap, store an inserted VMA (split),
     * drop the rmap locks, then detach and free removed VMAs (merge).
     */
    static void vmaComplete(VmaPrepare vp, VmaIter vmi, MmStruct mm) {
        if (vp.file != null) {
            if (vp.adjNext != null)
                vp.mapping.iMmap.add(vp.adjNext);
            vp.mapping.iMmap.add(vp.vma);
        }
        if (vp.remove != null && vp.file != null) {
            __removeSharedVmStruct(vp.remove, vp.mapping);
            if (vp.remove2 != null)
                __removeSharedVmStruct(vp.remove2, vp.mapping);
        } else if (vp.insert != null) {
            // split_vma has split insert from vma: insert it before dropping the locks
            vmi.vmaIterStoreNew(vp.insert);
            mm.mapCount.set(mm.mapCount.get() + 1);
        }
        if (vp.anonVma != null)
            vp.anonVma.rwsem.upWrite(); // post_update (no-op), anon_vma_unlock_write
        if (vp.file != null)
            vp.mapping.iMmapRwsem.upWrite(); // i_mmap_unlock_write; uprobe_mmap: none
        while (vp.remove != null) {
            MmapLock.vmaMarkDetached(vp.remove);
            if (vp.remove.anonVma.get() != null)
                unlinkAnonVmas(vp.remove);
            mm.mapCount.set(mm.mapCount.get() - 1);
            if (vp.remove2 == null)
                warn(vp.vma.vmEnd.get() < vp.remove.vmEnd.get(), "vma_complete: removed vma extends past the merged one", vp.remove);
            Trace.note("vma_complete: %s merged away, freed", vp.remove);
            VmaInit.vmAreaFree(vp.remove);
            // mprotect's case 6: removing both middle and next
            vp.remove = vp.remove2;
            vp.remove2 = null;
        }
    }

    /** can_vma_merge_left(vmg). */
    static boolean canVmaMergeLeft(VmaMergeStruct vmg) {
        return vmg.prev != null && vmg.prev.vmEnd.get() == vmg.start && canVmaMergeAfter(vmg);
    }

    /** can_vma_merge_right(vmg, can_merge_left). */
    static boolean canVmaMergeRight(VmaMergeStruct vmg, boolean canMergeLeft) {
        VmAreaStruct next = vmg.next;
        if (next == null || vmg.end != next.vmStart.get() || !canVmaMergeBefore(vmg))
            return false;
        if (!canMergeLeft)
            return true;
        VmAreaStruct prev = vmg.prev;
        AnonVma pa = prev.anonVma.get(), na = next.anonVma.get();
        return pa == null || na == null || pa == na;
    }

    /** remove_vma(vma): close and free a detached VMA. */
    public static void removeVma(VmAreaStruct vma) {
        Lockdep.mightSleep(Task.current(), "remove_vma");
        vmaClose(vma);
        // fput, mpol_put: model none
        Trace.note("remove_vma(%s)", vma);
        VmaInit.vmAreaFree(vma);
    }

    /** unmap_region(unmap): zap the PTEs and free the page tables of a range of VMAs. */
    public static void unmapRegion(UnmapDesc unmap) {
        MmStruct mm = unmap.first.vmMm.get();
        Trace.note("unmap_region(%s..., [%#x-%#x), pgtables [%#x-%#x), mm_wr_locked=%s)", unmap.first, unmap.vmaStart,
                unmap.vmaEnd, unmap.pgStart, unmap.pgEnd, unmap.mmWrLocked);
        MmuGather tlb = MmuGather.tlbGatherMmu(mm);
        // update_hiwater_rss: model none
        Memory.unmapVmas(tlb, unmap);
        // mas_set(unmap->mas, unmap->tree_reset): free_pgtables walks from treeReset
        Memory.freePgtables(tlb, unmap);
        MmuGather.tlbFinishMmu(tlb);
    }

    // ------------------------------------------------------------ split

    /**
     * __split_vma(vmi, vma, addr, new_below): a new VMA for [vm_start, addr) (new_below) or
     * [addr, vm_end); both are write-locked, the new one enters the tree already write-locked.
     * Returns 0 or -errno. The iterator ends on the original VMA.
     */
    static int __splitVma(VmaIter vmi, VmAreaStruct vma, long addr, boolean newBelow) {
        warn(vma.vmStart.get() >= addr, "__split_vma: vm_start >= addr", vma);
        warn(vma.vmEnd.get() <= addr, "__split_vma: vm_end <= addr", vma);
        // vm_ops->may_split: model none
        VmAreaStruct nu = VmaInit.vmAreaDup(vma);
        if (nu == null) {
            Probes.hit(P_SPLIT_NOMEM);
            return -Errno.ENOMEM;
        }
        if (newBelow) {
            nu.vmEnd.set(addr);
        } else {
            nu.vmStart.set(addr);
            nu.vmPgoff.set(nu.vmPgoff.get() + ((addr - vma.vmStart.get()) >>> Page.PAGE_SHIFT));
        }
        int err = -Errno.ENOMEM;
        vmi.vmaIterConfig(nu.vmStart.get(), nu.vmEnd.get());
        if (vmi.vmaIterPrealloc(nu) != 0) {
            Probes.hit(P_SPLIT_NOMEM);
            VmaInit.vmAreaFree(nu); // out_free_vma
            return err;
        }
        // vma_dup_policy: model none
        err = anonVmaClone(nu, vma);
        if (err != 0) {
            Probes.hit(P_SPLIT_NOMEM);
            vmi.vmaIterFree(); // out_free_mpol, out_free_vmi
            VmaInit.vmAreaFree(nu);
            return err;
        }
        // get_file, vm_ops->open: model none
        vmaStartWrite(vma);
        vmaStartWrite(nu);

        VmaPrepare vp = initVmaPrep(vma);
        vp.insert = nu;
        vmaPrepare(vp);
        // vma_adjust_trans_huge, hugetlb_split: model not ported
        if (newBelow) {
            Probes.hit(P_SPLIT_BELOW);
            vma.vmStart.set(addr);
            vma.vmPgoff.set(vma.vmPgoff.get() + ((addr - nu.vmStart.get()) >>> Page.PAGE_SHIFT));
        } else {
            Probes.hit(P_SPLIT_ABOVE);
            vma.vmEnd.set(addr);
        }
        // vma_complete stores the new vma
        vmaComplete(vp, vmi, vma.vmMm.get());
        Trace.note("__split_vma(%s, %#x, new_below=%s) -> %s", vma.describe(), addr, newBelow, nu.describe());
        if (newBelow)
            vmi.vmaNext();
        else
            vmi.vmaPrev();
        return 0;
    }

    /** split_vma(vmi, vma, addr, new_below): __split_vma after the map_count limit. */
    static int splitVma(VmaIter vmi, VmAreaStruct vma, long addr, boolean newBelow) {
        if (vma.vmMm.get().mapCount.get() >= SYSCTL_MAX_MAP_COUNT)
            return -Errno.ENOMEM;
        return __splitVma(vmi, vma, addr, newBelow);
    }

    /** dup_anon_vma(dst, src, &dup): give an unfaulted dst the anon_vma of src. */
    static int dupAnonVma(VmAreaStruct dst, VmAreaStruct src, VmAreaStruct[] dup) {
        if (src.anonVma.get() != null && dst.anonVma.get() == null) {
            MmapLock.vmaAssertWriteLocked(dst);
            dst.anonVma.set(src.anonVma.get());
            int ret = anonVmaClone(dst, src);
            if (ret != 0)
                return ret;
            dup[0] = dst;
        }
        return 0;
    }

    // ------------------------------------------------------------ merge

    /** vmg_adjust_set_range(vmg). */
    static void vmgAdjustSetRange(VmaMergeStruct vmg) {
        VmAreaStruct adjust;
        long pgoff;
        if (vmg.adjustMiddleStart) {
            adjust = vmg.middle;
            pgoff = adjust.vmPgoff.get() + physPfn(vmg.end - adjust.vmStart.get());
        } else if (vmg.adjustNextStart) {
            adjust = vmg.next;
            pgoff = adjust.vmPgoff.get() - physPfn(adjust.vmStart.get() - vmg.end);
        } else {
            return;
        }
        vmaSetRange(adjust, vmg.end, adjust.vmEnd.get(), pgoff);
    }

    /** commit_merge(vmg): preallocate, then change the VMAs and the tree. 0 or -ENOMEM (nothing changed). */
    static int commitMerge(VmaMergeStruct vmg) {
        VmAreaStruct vma;
        if (vmg.adjustNextStart) {
            // we manipulate middle and adjust next, which is the target
            vma = vmg.middle;
            vmg.vmi.vmaIterConfig(vmg.end, vmg.next.vmEnd.get());
        } else {
            vma = vmg.target;
            vmg.vmi.vmaIterConfig(vmg.start, vmg.end);
        }
        VmaPrepare vp = initMultiVmaPrep(vma, vmg);
        if (vmg.vmi.vmaIterPrealloc(vma) != 0)
            return -Errno.ENOMEM;
        vmaPrepare(vp);
        // vma_adjust_trans_huge: model not ported
        vmaSetRange(vma, vmg.start, vmg.end, vmg.pgoff);
        vmgAdjustSetRange(vmg);
        vmg.vmi.vmaIterStoreOverwrite(vmg.target);
        vmaComplete(vp, vmg.vmi, vma.vmMm.get());
        Trace.note("commit_merge: %s", vmg.target.describe());
        return 0;
    }

    /** can_merge_remove_vma(vma): no ->close hook. model: there are none. */
    static boolean canMergeRemoveVma(VmAreaStruct vma) {
        return true;
    }

    /**
     * vma_merge_existing_range(vmg): merge the modified range [start, end) of vmg->middle with
     * prev and/or next. Returns the merged VMA or null (vmg->state says whether for lack of memory).
     */
    static VmAreaStruct vmaMergeExistingRange(VmaMergeStruct vmg) {
        long stickyFlags = vmg.vmFlags & VM_STICKY;
        VmAreaStruct middle = vmg.middle;
        VmAreaStruct prev = vmg.prev;
        VmAreaStruct next;
        VmAreaStruct[] anonDup = {null};
        long start = vmg.start, end = vmg.end;
        boolean leftSide = middle != null && start == middle.vmStart.get();
        boolean rightSide = middle != null && end == middle.vmEnd.get();
        int err = 0;
        boolean mergeLeft, mergeRight, mergeBoth;

        mmapAssertWriteLocked(vmg.mm);
        warn(middle == null, "vma_merge_existing_range: no middle", vmg);
        warn(vmg.next != null, "vma_merge_existing_range: next set by caller", vmg);
        warn(prev != null && start <= prev.vmStart.get(), "vma_merge_existing_range: start <= prev->vm_start", vmg);
        warn(start >= end, "vma_merge_existing_range: start >= end", vmg);
        warn(middle != null && ((middle != prev && start != middle.vmStart.get()) || end > middle.vmEnd.get()),
                "vma_merge_existing_range: range not in middle", vmg);
        warn(middle != null && !(vmg.vmi.vmaIterAddr() >= middle.vmStart.get() && vmg.vmi.vmaIterAddr() < middle.vmEnd.get()),
                "vma_merge_existing_range: vmi not in middle", vmg);
        warn(vmg.copiedFrom != null, "vma_merge_existing_range: copied_from set", vmg);

        vmg.state = VmaMergeStruct.State.NOMERGE;
        if ((vmg.vmFlags & VM_SPECIAL) != 0 || (!leftSide && !rightSide))
            return null;

        mergeLeft = leftSide && canVmaMergeLeft(vmg);
        if (rightSide) {
            next = vmg.next = vmg.vmi.vmaIterNextRange();
            vmg.vmi.vmaIterPrevRange();
            mergeRight = canVmaMergeRight(vmg, mergeLeft);
        } else {
            mergeRight = false;
            next = null;
        }
        if (mergeLeft) // position the iterator at prev
            vmg.vmi.vmaPrev();
        else if (!mergeRight)
            return null;

        mergeBoth = mergeLeft && mergeRight;
        vmg.removeMiddle = leftSide && rightSide; // spanning the whole VMA: a merge deletes it
        if (vmg.removeMiddle && !canMergeRemoveVma(middle))
            return null;
        vmg.removeNext = mergeBoth;
        if (vmg.removeNext && !canMergeRemoveVma(next)) {
            vmg.removeNext = false;
            mergeRight = false;
            mergeBoth = false;
        }

        // No matter what happens, we will be adjusting middle.
        vmaStartWrite(middle);
        if (mergeRight) {
            vmaStartWrite(next);
            vmg.target = next;
            stickyFlags |= next.vmFlags.get() & VM_STICKY;
        }
        if (mergeLeft) {
            vmaStartWrite(prev);
            vmg.target = prev;
            stickyFlags |= prev.vmFlags.get() & VM_STICKY;
        }

        if (mergeBoth) {
            Probes.hit(P_MERGE_BOTH);
            vmg.start = prev.vmStart.get();
            vmg.end = next.vmEnd.get();
            vmg.pgoff = prev.vmPgoff.get();
            err = dupAnonVma(prev, next.anonVma.get() != null ? next : middle, anonDup);
        } else if (mergeLeft) {
            Probes.hit(P_MERGE_LEFT);
            vmg.start = prev.vmStart.get();
            vmg.pgoff = prev.vmPgoff.get();
            if (!vmg.removeMiddle)
                vmg.adjustMiddleStart = true;
            err = dupAnonVma(prev, middle, anonDup);
        } else { // merge_right
            Probes.hit(P_MERGE_RIGHT);
            long pglen = physPfn(vmg.end - vmg.start);
            warn(vmg.start > middle.vmStart.get() && prev != null && middle != prev,
                    "vma_merge_existing_range: offset into a vma that is not prev", vmg);
            if (vmg.removeMiddle) {
                vmg.end = next.vmEnd.get();
                vmg.pgoff = next.vmPgoff.get() - pglen;
            } else {
                // shrink middle, expand next
                vmg.adjustNextStart = true;
                vmg.start = middle.vmStart.get();
                vmg.end = start;
                vmg.pgoff = middle.vmPgoff.get();
            }
            err = dupAnonVma(next, middle, anonDup);
        }

        if (err == 0 && commitMerge(vmg) == 0) {
            vmFlagsSet(vmg.target, stickyFlags);
            // khugepaged_enter_vma: model none
            vmg.state = VmaMergeStruct.State.SUCCESS;
            return vmg.target;
        }
        // abort:
        Probes.hit(P_MERGE_ABORT);
        vmg.vmi.vmaIterSet(start);
        vmg.vmi.vmaIterLoad();
        if (anonDup[0] != null)
            unlinkAnonVmas(anonDup[0]);
        if (!vmg.giveUpOnOom)
            vmg.state = VmaMergeStruct.State.ERROR_NOMEM;
        return null;
    }

    /**
     * vma_merge_new_range(vmg): a new range [start, end) about to be mapped; expand prev and/or
     * next over it if they are compatible. Returns the expanded VMA or null.
     */
    public static VmAreaStruct vmaMergeNewRange(VmaMergeStruct vmg) {
        VmAreaStruct prev = vmg.prev;
        VmAreaStruct next = vmg.next;
        long end = vmg.end;
        mmapAssertWriteLocked(vmg.mm);
        warn(vmg.middle != null, "vma_merge_new_range: middle set", vmg);
        warn(vmg.target != null, "vma_merge_new_range: target set", vmg);
        warn(Long.compareUnsigned(vmg.vmi.vmaIterAddr(), end) > 0, "vma_merge_new_range: vmi after the gap", vmg);

        vmg.state = VmaMergeStruct.State.NOMERGE;
        if ((vmg.vmFlags & VM_SPECIAL) != 0 || (prev == null && next == null))
            return null;

        boolean canMergeLeft = canVmaMergeLeft(vmg);
        boolean canMergeRight = !vmg.justExpand && canVmaMergeRight(vmg, canMergeLeft);
        if (canMergeRight) {
            vmg.end = next.vmEnd.get();
            vmg.target = next;
        }
        if (canMergeLeft) {
            vmg.start = prev.vmStart.get();
            vmg.target = prev;
            vmg.pgoff = prev.vmPgoff.get();
            if (canMergeRight && !canMergeRemoveVma(next))
                vmg.end = end;
            if (!vmg.justExpand) // equivalent to going to the previous range
                vmg.vmi.vmaPrev();
        }
        if (vmg.target != null && vmaExpand(vmg) == 0) {
            Probes.hit(P_NEW_MERGE);
            // khugepaged_enter_vma: model none
            vmg.state = VmaMergeStruct.State.SUCCESS;
            return vmg.target;
        }
        return null;
    }

    /** vma_merge_copied_range(vmg): vmg->middle is the VMA mremap copies from. */
    static VmAreaStruct vmaMergeCopiedRange(VmaMergeStruct vmg) {
        warn(vmg.middle == null, "vma_merge_copied_range: no middle", vmg);
        vmg.copiedFrom = vmg.middle;
        vmg.middle = null;
        return vmaMergeNewRange(vmg);
    }

    /** vma_expand(vmg): expand vmg->target to [start, end), removing vmg->next if it is covered. 0 or -ENOMEM. */
    public static int vmaExpand(VmaMergeStruct vmg) {
        VmAreaStruct[] anonDup = {null};
        VmAreaStruct target = vmg.target;
        VmAreaStruct next = vmg.next;
        boolean removeNext = false;
        int ret = 0;

        mmapAssertWriteLocked(vmg.mm);
        if (!Mutant.on(Mutant.DUP_ANON_VMA_UNLOCKED))
            vmaStartWrite(target);
        if (next != null && target != next && vmg.end == next.vmEnd.get())
            removeNext = true;
        warn(target == null, "vma_expand: no target", vmg);
        warn(next != null && !removeNext && next != target && vmg.end > next.vmStart.get(), "vma_expand: overwrites part of next", vmg);
        warn(target.vmStart.get() < vmg.start || target.vmEnd.get() > vmg.end, "vma_expand: not an expansion", vmg);

        long stickyFlags = vmg.vmFlags & VM_STICKY;
        stickyFlags |= target.vmFlags.get() & VM_STICKY;
        if (removeNext)
            stickyFlags |= next.vmFlags.get() & VM_STICKY;

        if (removeNext)
            ret = dupAnonVma(target, next, anonDup);
        if (ret == 0 && vmg.copiedFrom != null)
            ret = dupAnonVma(target, vmg.copiedFrom, anonDup);
        if (Mutant.on(Mutant.DUP_ANON_VMA_UNLOCKED))
            vmaStartWrite(target);
        if (ret != 0)
            return ret;

        if (removeNext) {
            Probes.hit(P_EXPAND_REMOVE_NEXT);
            vmaStartWrite(next);
            vmg.removeNext = true;
        }
        if (commitMerge(vmg) != 0) {
            // nomem:
            if (anonDup[0] != null)
                unlinkAnonVmas(anonDup[0]);
            if (!vmg.giveUpOnOom)
                vmg.state = VmaMergeStruct.State.ERROR_NOMEM;
            return -Errno.ENOMEM;
        }
        vmFlagsSet(target, stickyFlags);
        return 0;
    }

    // ------------------------------------------------------------ munmap

    /** vms_clear_ptes(vms, mas_detach, mm_wr_locked): unmap_region over the detached VMAs. */
    static void vmsClearPtes(VmaMunmapStruct vms, VmaIter masDetach, boolean mmWrLocked) {
        UnmapDesc unmap = new UnmapDesc();
        unmap.mas = masDetach.tree;
        unmap.first = vms.vma;
        // start and end may be different if there is no prev or next vma
        unmap.pgStart = vms.unmapStart;
        unmap.pgEnd = vms.unmapEnd;
        unmap.vmaStart = vms.start;
        unmap.vmaEnd = vms.end;
        // the tree limits and reset differ from the normal case since it's a side-tree
        unmap.treeReset = 1;
        unmap.treeEnd = vms.vmaCount;
        // page tables can be freed without mmap write because the VMAs were isolated before the downgrade
        unmap.mmWrLocked = mmWrLocked;
        if (!vms.clearPtes) // nothing to do
            return;
        masDetach.masSet(1);
        unmapRegion(unmap);
        vms.clearPtes = false;
    }

    /** vms_clean_up_area(vms, mas_detach): MAP_FIXED clears the old PTEs with mmap write held, victims still in the tree. */
    static void vmsCleanUpArea(VmaMunmapStruct vms, VmaIter masDetach) {
        if (vms.nrPages == 0)
            return;
        vmsClearPtes(vms, masDetach, true);
        masDetach.masSet(0);
        for (VmAreaStruct vma; (vma = (VmAreaStruct) masDetach.masFind(ULONG_MAX)) != null; )
            vmaClose(vma);
    }

    /**
     * vms_complete_munmap_vmas(vms, mas_detach): the tree no longer has the VMAs. Downgrade (if
     * unlocking), zap, free the page tables, free the VMAs, drop the lock (if unlocking).
     */
    static void vmsCompleteMunmapVmas(VmaMunmapStruct vms, VmaIter masDetach) {
        MmStruct mm = vms.vmi.mm; // current->mm
        mm.mapCount.set(mm.mapCount.get() - vms.vmaCount);
        // mm->locked_vm -= vms->locked_vm: model no accounting
        if (vms.unlock) {
            Probes.hit(P_DOWNGRADE);
            MmapLock.mmapWriteDowngrade(mm);
        }
        if (vms.nrPages == 0)
            return;
        vmsClearPtes(vms, masDetach, !vms.unlock);
        // update_hiwater_vm, total_vm, exec_vm, stack_vm, data_vm: model no accounting
        masDetach.masSet(0);
        for (VmAreaStruct vma; (vma = (VmAreaStruct) masDetach.masFind(ULONG_MAX)) != null; )
            removeVma(vma);
        // vm_unacct_memory: model none
        if (vms.unlock)
            MmapLock.mmapReadUnlock(mm);
        masDetach.mtDestroy(); // __mt_destroy(mas_detach->tree)
    }

    /** reattach_vmas(mas_detach): undo the detaching of a failed munmap. */
    static void reattachVmas(VmaIter masDetach) {
        if (Mutant.on(Mutant.MUNMAP_NO_REATTACH))
            return;
        masDetach.masSet(0);
        for (VmAreaStruct vma; (vma = (VmAreaStruct) masDetach.masFind(ULONG_MAX)) != null; ) {
            MmapLock.vmaMarkAttached(vma);
            Trace.note("reattach_vmas: %s", vma);
        }
        masDetach.mtDestroy(); // __mt_destroy(mas_detach->tree)
    }

    /**
     * vms_gather_munmap_vmas(vms, mas_detach): split the first and last VMA if needed, then
     * write-lock each VMA in range, put it in the private tree and detach it (it stays in mm_mt).
     */
    static int vmsGatherMunmapVmas(VmaMunmapStruct vms, VmaIter masDetach) {
        VmAreaStruct next;
        int error;
        if (vms.start > vms.vma.vmStart.get()) {
            // make sure map_count will not exceed its limit on return; let it go above temporarily
            if (vms.end < vms.vma.vmEnd.get() && vms.vma.vmMm.get().mapCount.get() >= SYSCTL_MAX_MAP_COUNT)
                return -Errno.ENOMEM; // map_count_exceeded
            if (vmaIsSealed(vms.vma))
                return -Errno.EPERM; // start_split_failed
            Probes.hit(P_GATHER_SPLIT_START);
            error = __splitVma(vms.vmi, vms.vma, vms.start, true);
            if (error != 0)
                return error; // start_split_failed
        }
        vms.prev = vms.vmi.vmaPrev();
        if (vms.prev != null)
            vms.unmapStart = vms.prev.vmEnd.get();

        // detach a range of VMAs from the mm
        while ((next = vms.vmi.vmaFind(vms.end)) != null) { // for_each_vma_range
            if (vmaIsSealed(next)) {
                error = -Errno.EPERM;
                return gatherFailed(masDetach, error);
            }
            if (next.vmEnd.get() > vms.end) { // does it split the end?
                Probes.hit(P_GATHER_SPLIT_END);
                error = __splitVma(vms.vmi, next, vms.end, false);
                if (error != 0)
                    return gatherFailed(masDetach, error);
            }
            vmaStartWrite(next);
            masDetach.masSet(vms.vmaCount++);
            error = masDetach.masStoreGfp(next);
            if (error != 0)
                return gatherFailed(masDetach, error);
            MmapLock.vmaMarkDetached(next);
            Probes.hit(P_GATHER_DETACH);
            Trace.note("vms_gather_munmap_vmas: %s write-locked and detached (still in mm_mt)", next.describe());
            long nrpages = vmaPages(next);
            vms.nrPages += nrpages;
            long f = next.vmFlags.get();
            if ((f & VM_LOCKED) != 0)
                vms.lockedVm += nrpages;
            if ((f & VM_ACCOUNT) != 0)
                vms.nrAccounted += nrpages;
            if (isExecMapping(f))
                vms.execVm += nrpages;
            else if (isStackMapping(f))
                vms.stackVm += nrpages;
            else if (isDataMapping(f))
                vms.dataVm += nrpages;
            // userfaultfd_unmap_prep: model none
        }
        vms.next = vms.vmi.vmaNext();
        if (vms.next != null)
            vms.unmapEnd = vms.next.vmStart.get();
        while (vms.vmi.vmaIterAddr() > vms.start)
            vms.vmi.vmaIterPrevRange();
        vms.clearPtes = true;
        return 0;
    }

    private static int gatherFailed(VmaIter masDetach, int error) {
        Probes.hit(P_GATHER_FAIL);
        reattachVmas(masDetach);
        return error;
    }

    /** init_vma_munmap(vms, vmi, vma, start, end, uf, unlock). */
    static VmaMunmapStruct initVmaMunmap(VmaIter vmi, VmAreaStruct vma, long start, long end, boolean unlock) {
        VmaMunmapStruct vms = new VmaMunmapStruct();
        vms.vmi = vmi;
        vms.vma = vma;
        if (vma != null) {
            vms.start = start;
            vms.end = end;
        } else {
            vms.start = vms.end = 0;
        }
        vms.unlock = unlock;
        vms.vmaCount = 0;
        vms.unmapStart = FIRST_USER_ADDRESS;
        vms.unmapEnd = USER_PGTABLES_CEILING;
        vms.clearPtes = false;
        return vms;
    }

    /**
     * do_vmi_align_munmap(vmi, vma, mm, start, end, uf, unlock): 0 (lock dropped if unlock) or
     * -errno (lock still held for write).
     */
    public static int doVmiAlignMunmap(VmaIter vmi, VmAreaStruct vma, MmStruct mm, long start, long end, boolean unlock) {
        VmaIter masDetach = VmaIter.onTree(new MapleTree(null, false)); // mt_detach, on the stack
        VmaMunmapStruct vms = initVmaMunmap(vmi, vma, start, end, unlock);
        Trace.note("do_vmi_align_munmap(%s, [%#x-%#x), unlock=%s)", mm, start, end, unlock);
        int error = vmsGatherMunmapVmas(vms, masDetach);
        if (error != 0)
            return error; // gather_failed
        error = vmi.vmaIterClearGfp(start, end);
        if (error != 0) {
            Probes.hit(P_CLEAR_TREE_FAIL);
            reattachVmas(masDetach); // clear_tree_failed
            return error;
        }
        Trace.note("do_vmi_align_munmap: mm_mt cleared [%#x-%#x)", start, end);
        // point of no return
        vmsCompleteMunmapVmas(vms, masDetach);
        return 0;
    }

    /** do_vmi_munmap(vmi, mm, start, len, uf, unlock): 0 (lock dropped if unlock) or -errno (lock held). */
    public static int doVmiMunmap(VmaIter vmi, MmStruct mm, long start, long len, boolean unlock) {
        if (offsetInPage(start) || Long.compareUnsigned(start, mm.taskSize) > 0
                || Long.compareUnsigned(len, mm.taskSize - start) > 0)
            return -Errno.EINVAL;
        long end = start + pageAlign(len);
        if (end == start)
            return -Errno.EINVAL;
        // find the first overlapping VMA
        VmAreaStruct vma = vmi.vmaFind(end);
        if (vma == null) {
            Probes.hit(P_MUNMAP_NOTHING);
            if (unlock)
                MmapLock.mmapWriteUnlock(mm);
            return 0;
        }
        return doVmiAlignMunmap(vmi, vma, mm, start, end, unlock);
    }

    // ------------------------------------------------------------ modify (mprotect and friends)

    /** ERR_PTR(error) as a VMA pointer. */
    static VmAreaStruct errPtrVma(int error) {
        return Err.errPtr(error, VmAreaStruct.class, VmAreaStruct::new);
    }

    /**
     * vma_modify(vmg): merge the changed range with its neighbours, or split vmg->middle so that
     * the range is a VMA of its own. Returns that VMA or ERR_PTR.
     */
    static VmAreaStruct vmaModify(VmaMergeStruct vmg) {
        VmAreaStruct vma = vmg.middle;
        long start = vmg.start, end = vmg.end;
        VmAreaStruct merged = vmaMergeExistingRange(vmg);
        if (merged != null)
            return merged;
        if (vmg.vmgNomem())
            return errPtrVma(-Errno.ENOMEM);
        warn(vmg.giveUpOnOom && (vma.vmStart.get() != start || vma.vmEnd.get() != end), "vma_modify: give_up_on_oom with a split", vmg);
        if (vma.vmStart.get() < start) { // split any preceding portion
            int err = splitVma(vmg.vmi, vma, start, true);
            if (err != 0)
                return errPtrVma(err);
        }
        if (vma.vmEnd.get() > end) { // split any trailing portion
            int err = splitVma(vmg.vmi, vma, end, false);
            if (err != 0)
                return errPtrVma(err);
        }
        return vma;
    }

    /**
     * vma_modify_flags(vmi, prev, vma, start, end, &vm_flags): split/merge for a flags change of
     * [start, end); {@code vmFlags[0]} gets the sticky flags a merge kept.
     */
    public static VmAreaStruct vmaModifyFlags(VmaIter vmi, VmAreaStruct prev, VmAreaStruct vma, long start, long end, long[] vmFlags) {
        VmaMergeStruct vmg = VmaMergeStruct.vmgVmaState(vmi, prev, vma, start, end);
        vmg.vmFlags = vmFlags[0];
        VmAreaStruct ret = vmaModify(vmg);
        if (Err.isErr(ret))
            return ret;
        if (vmg.state == VmaMergeStruct.State.SUCCESS)
            vmFlags[0] = ret.vmFlags.get();
        return ret;
    }

    /** vma_merge_extend(vmi, vma, delta): expand vma by delta bytes, maybe merging with next. */
    public static VmAreaStruct vmaMergeExtend(VmaIter vmi, VmAreaStruct vma, long delta) {
        VmaMergeStruct vmg = VmaMergeStruct.vmgVmaState(vmi, vma, vma, vma.vmEnd.get(), vma.vmEnd.get() + delta);
        vmg.next = vmi.vmaIterNextRewind(null);
        vmg.middle = null; // the VMA only populates the vmg fields
        return vmaMergeNewRange(vmg);
    }

    /** vma_link_file(vma, hold_rmap_lock). model: hold_rmap_lock is always false (no mmap_action). */
    static void vmaLinkFile(VmAreaStruct vma, boolean holdRmapLock) {
        File file = vma.vmFile.get();
        if (file != null) {
            file.iMmapRwsem.downWrite();
            __vmaLinkFile(vma, file);
            if (!holdRmapLock)
                file.iMmapRwsem.upWrite();
        }
    }

    /** vma_link(mm, vma): insert a detached VMA: prealloc, write-lock, attach and store, map_count++. */
    static int vmaLink(MmStruct mm, VmAreaStruct vma) {
        VmaIter vmi = VmaIter.of(mm, 0);
        vmi.vmaIterConfig(vma.vmStart.get(), vma.vmEnd.get());
        if (vmi.vmaIterPrealloc(vma) != 0)
            return -Errno.ENOMEM;
        vmaStartWrite(vma);
        vmi.vmaIterStoreNew(vma);
        vmaLinkFile(vma, false);
        mm.mapCount.set(mm.mapCount.get() + 1);
        Trace.note("vma_link(%s)", vma.describe());
        return 0;
    }

    /**
     * copy_vma(&vma, addr, len, pgoff, &need_rmap_locks): a VMA for the mremap destination
     * [addr, addr+len), merged into a neighbour or new. {@code vmap[0]} may change to the VMA the
     * source was merged into. Returns the destination VMA or null.
     */
    public static VmAreaStruct copyVma(VmAreaStruct[] vmap, long addr, long len, long pgoff, boolean[] needRmapLocks, String label) {
        VmAreaStruct vma = vmap[0];
        long vmaStart = vma.vmStart.get();
        MmStruct mm = vma.vmMm.get();
        boolean faultedInAnonVma = true;
        VmaIter vmi = VmaIter.of(mm, addr);
        VmaMergeStruct vmg = VmaMergeStruct.vmgVmaState(vmi, null, vma, addr, addr + len);

        // an unfaulted anonymous VMA takes the pgoff of its new location, to merge more easily
        if (vmaIsAnonymous(vma) && vma.anonVma.get() == null) {
            pgoff = addr >>> Page.PAGE_SHIFT;
            faultedInAnonVma = false;
        }
        if (vma.vmFile.get() != null)
            vmg.skipVmaUprobe = true;
        VmAreaStruct[] prev = {null};
        VmAreaStruct nu = Mmap.findVmaPrev(mm, addr, prev);
        vmg.prev = prev[0];
        if (nu != null && nu.vmStart.get() < addr + len)
            return null; // should never get here
        vmg.pgoff = pgoff;
        vmg.next = vmi.vmaIterNextRewind(null);
        nu = vmaMergeCopiedRange(vmg);
        if (nu != null) {
            Probes.hit(P_COPY_MERGED);
            // source vma may have been merged into new_vma
            if (vmaStart >= nu.vmStart.get() && vmaStart < nu.vmEnd.get()) {
                if (faultedInAnonVma) {
                    Task t = Task.current();
                    t.kernel.reports.file(t, Report.Kind.BUG, "copy_vma: faulted vma merged with itself", nu.describe());
                }
                vmap[0] = vma = nu;
            }
            needRmapLocks[0] = nu.vmPgoff.get() <= vma.vmPgoff.get();
        } else {
            nu = VmaInit.vmAreaDup(vma);
            if (nu == null)
                return null;
            if (label != null)
                nu.label = label;
            vmaSetRange(nu, addr, addr + len, pgoff);
            // vma_dup_policy: none
            if (anonVmaClone(nu, vma) != 0) {
                VmaInit.vmAreaFree(nu);
                return null;
            }
            // get_file, vm_ops->open: none
            if (vmaLink(mm, nu) != 0) {
                // out_vma_link: fixup_hugetlb_reservations, vma_close, fput: none
                unlinkAnonVmas(nu);
                VmaInit.vmAreaFree(nu);
                return null;
            }
            Probes.hit(P_COPY_NEW);
            needRmapLocks[0] = false;
        }
        return nu;
    }

    // ------------------------------------------------------------ anon_vma reuse

    /**
     * anon_vma_compatible(a, b): a rough check that a and b could share an anon_vma: adjacent, same
     * file, flags that differ only in what mprotect changes, contiguous vm_pgoff. model: no NUMA
     * policies (mpol_equal is always true).
     */
    static boolean anonVmaCompatible(VmAreaStruct a, VmAreaStruct b) {
        return a.vmEnd.get() == b.vmStart.get()
                && a.vmFile.get() == b.vmFile.get()
                && ((a.vmFlags.get() ^ b.vmFlags.get()) & ~(VM_ACCESS_FLAGS | VM_IGNORE_MERGE)) == 0
                && b.vmPgoff.get() == a.vmPgoff.get() + ((b.vmStart.get() - a.vmStart.get()) >>> Page.PAGE_SHIFT);
    }

    /**
     * reusable_anon_vma(old, a, b): old's anon_vma if a and b (in address order, one of them old)
     * are compatible and old's anon_vma_chain is singular. READ_ONCE: old's anon_vma may be being
     * set up by a concurrent fault. model: no fork, so every anon_vma_chain is singular.
     */
    static AnonVma reusableAnonVma(VmAreaStruct old, VmAreaStruct a, VmAreaStruct b) {
        if (anonVmaCompatible(a, b)) {
            AnonVma anonVma = old.anonVma.readOnce();
            if (anonVma != null) // && list_is_singular(&old->anon_vma_chain)
                return anonVma;
        }
        return null;
    }

    /**
     * find_mergeable_anon_vma(vma): used by __anon_vma_prepare to reuse a neighbour's anon_vma (next
     * first, then prev) before allocating one, so that a sequence of mprotects and faults does not
     * leave distinct anon_vmas that prevent a later mprotect from merging the VMAs again.
     */
    static AnonVma findMergeableAnonVma(VmAreaStruct vma) {
        AnonVma anonVma = null;
        VmaIter vmi = VmaIter.of(vma.vmMm.get(), vma.vmEnd.get());
        // Try next first.
        VmAreaStruct next = vmi.vmaIterLoad();
        if (next != null) {
            anonVma = reusableAnonVma(next, vma, next);
            if (anonVma != null)
                return anonVma;
        }
        VmAreaStruct prev = vmi.vmaPrev();
        if (prev != vma) { // VM_BUG_ON_VMA(prev != vma, vma)
            Task t = Task.current();
            t.kernel.reports.file(t, Report.Kind.BUG, "find_mergeable_anon_vma: vma_prev is not vma", String.valueOf(prev));
        }
        prev = vmi.vmaPrev();
        // Try prev next.
        if (prev != null)
            anonVma = reusableAnonVma(prev, prev, vma);
        return anonVma;
    }

    // ------------------------------------------------------------ write notify

    /** vma_is_shared_writable(vma). */
    static boolean vmaIsSharedWritable(VmAreaStruct vma) {
        return (vma.vmFlags.get() & (VM_WRITE | VM_SHARED)) == (VM_WRITE | VM_SHARED);
    }

    /** vma_fs_can_writeback(vma). model: every File's mapping can write back (it has a disk). */
    static boolean vmaFsCanWriteback(VmAreaStruct vma) {
        if ((vma.vmFlags.get() & VM_PFNMAP) != 0)
            return false;
        return vma.vmFile.get() != null;
    }

    /**
     * vma_wants_writenotify(vma, vm_page_prot): shared writable mappings whose pages must start
     * read-only so the first write is seen. model: no page_mkwrite, soft-dirty tracking is off
     * (VM_SOFTDIRTY is set on every new VMA), no uffd-wp.
     */
    public static boolean vmaWantsWritenotify(VmAreaStruct vma, long vmPageProt) {
        if (!vmaIsSharedWritable(vma))
            return false;
        if (vmPageProt != Mmap.vmPgprotModify(vmPageProt, vma.vmFlags.get()))
            return false;
        return vmaFsCanWriteback(vma);
    }

    /** vma_wants_manual_pte_write_upgrade(vma) (mm/vma.h). */
    static boolean vmaWantsManualPteWriteUpgrade(VmAreaStruct vma) {
        if ((vma.vmFlags.get() & VM_SHARED) != 0)
            return vmaWantsWritenotify(vma, vma.vmPageProt.get());
        return (vma.vmFlags.get() & VM_WRITE) != 0;
    }

    // ------------------------------------------------------------ mmap_region

    /** accountable_mapping(file, vm_flags). */
    static boolean accountableMapping(File file, long vmFlags) {
        return (vmFlags & (VM_NORESERVE | VM_SHARED | VM_WRITE)) == VM_WRITE;
    }

    /**
     * vms_abort_munmap_vmas(vms, mas_detach): undo a failed MAP_FIXED. If the old PTEs are still
     * there, reattach the old VMAs; else leave a gap and finish the unmap.
     */
    static void vmsAbortMunmapVmas(VmaMunmapStruct vms, VmaIter masDetach) {
        VmaIter mas = vms.vmi;
        if (vms.nrPages == 0)
            return;
        if (vms.clearPtes) {
            Probes.hit(P_MMAP_ABORT_REATTACH);
            reattachVmas(masDetach);
            return;
        }
        Probes.hit(P_MMAP_ABORT_GAP);
        // vm_ops->open is not symmetrical with close: leave a gap where the MAP_FIXED mapping failed
        mas.masSetRange(vms.start, vms.end - 1);
        mas.masStoreNofail(null);
        vmsCompleteMunmapVmas(vms, masDetach);
    }

    /** struct mmap_state (mm/vma.c). */
    static final class MmapState {
        MmStruct mm;
        VmaIter vmi;
        long addr, end, pgoff, pglen;
        long vmFlags;
        File file;
        long pageProt;
        long charged;
        VmAreaStruct prev, next;
        VmaMunmapStruct vms;
        VmaIter masDetach;
        boolean checkKsmEarly, holdFileRmapLock, fileDoesntNeedGet;
        /** model: the label the new VMA gets in traces. */
        String label;
    }

    /** MMAP_STATE(name, mm, vmi, addr, len, pgoff, vm_flags, file). */
    static MmapState mmapState(MmStruct mm, VmaIter vmi, long addr, long len, long pgoff, long vmFlags, File file) {
        MmapState m = new MmapState();
        m.mm = mm;
        m.vmi = vmi;
        m.addr = addr;
        m.end = addr + len;
        m.pgoff = pgoff;
        m.pglen = physPfn(len);
        m.vmFlags = vmFlags;
        m.file = file;
        m.pageProt = Pgtable.vmGetPageProt(vmFlags);
        return m;
    }

    /** VMG_MMAP_STATE(name, map, vma). */
    static VmaMergeStruct vmgMmapState(MmapState map, VmAreaStruct vma) {
        VmaMergeStruct v = new VmaMergeStruct();
        v.mm = map.mm;
        v.vmi = map.vmi;
        v.start = map.addr;
        v.end = map.end;
        v.vmFlags = map.vmFlags;
        v.pgoff = map.pgoff;
        v.file = map.file;
        v.prev = map.prev;
        v.middle = vma;
        v.next = vma != null ? null : map.next;
        return v;
    }

    /**
     * __mmap_setup(map, desc, uf): gather the VMAs the new mapping replaces (write-locked and
     * detached, still in the tree), and clear their PTEs with mmap write held.
     */
    static int __mmapSetup(MmapState map) {
        VmaIter vmi = map.vmi;
        // find the first overlapping VMA and initialise unmap state
        VmAreaStruct first = vmi.vmaFind(map.end);
        VmaMunmapStruct vms = map.vms = initVmaMunmap(vmi, first, map.addr, map.end, false);
        map.masDetach = VmaIter.onTree(new MapleTree(null, false)); // mt_detach on the stack, mas_init
        if (vms.vma != null) {
            Probes.hit(P_MMAP_OVER);
            int error = vmsGatherMunmapVmas(vms, map.masDetach);
            if (error != 0) {
                vms.nrPages = 0; // VMAs already reattached
                return error;
            }
            map.next = vms.next;
            map.prev = vms.prev;
        } else {
            VmAreaStruct[] prev = {null};
            map.next = vmi.vmaIterNextRewind(prev);
            map.prev = prev[0];
        }
        // may_expand_vm: model no limits
        if (accountableMapping(map.file, map.vmFlags)) {
            map.charged = map.pglen - vms.nrAccounted;
            // security_vm_enough_memory_mm: model always enough
            vms.nrAccounted = 0;
            map.vmFlags |= VM_ACCOUNT;
        }
        // clear PTEs while the vma is still in the tree so that rmap cannot race with the freeing
        vmsCleanUpArea(vms, map.masDetach);
        return 0;
    }

    /** __mmap_new_file_vma(map, vma): call the file's f_op->mmap; undo a partial mapping on error. */
    static int __mmapNewFileVma(MmapState map, VmAreaStruct vma) {
        VmaIter vmi = map.vmi;
        vma.vmFile.set(map.file);
        // get_file: model no file refcount
        java.util.function.ToIntFunction<VmAreaStruct> fOpMmap = map.file.fOpMmap;
        if (fOpMmap == null)
            return 0;
        int error = fOpMmap.applyAsInt(vma); // mmap_file
        if (error != 0) {
            Probes.hit(P_MMAP_FILE_ERR);
            UnmapDesc unmap = unmapState(vmi, vma, vma.vmStart.get(), vma.vmEnd.get(), map.prev, map.next);
            vma.vmFile.set(null); // fput
            vmi.vmaIterSet(vma.vmEnd.get());
            // undo any partial mapping done by a device driver
            unmapRegion(unmap);
            return error;
        }
        warn(map.addr != vma.vmStart.get(), "__mmap_new_file_vma: driver moved the vma", vma);
        warn(map.vmFlags != vma.vmFlags.get() && (map.vmFlags & VM_MAYWRITE) == 0 && (vma.vmFlags.get() & VM_MAYWRITE) != 0,
                "__mmap_new_file_vma: driver made the vma writable", vma);
        map.file = vma.vmFile.get();
        map.vmFlags = vma.vmFlags.get();
        return 0;
    }

    /** UNMAP_STATE(name, vmi, vma, vma_start, vma_end, prev, next) (mm/vma.h). */
    static UnmapDesc unmapState(VmaIter vmi, VmAreaStruct vma, long vmaStart, long vmaEnd, VmAreaStruct prev, VmAreaStruct next) {
        UnmapDesc u = new UnmapDesc();
        u.mas = vmi.tree;
        u.first = vma;
        u.pgStart = prev != null ? prev.vmEnd.get() : FIRST_USER_ADDRESS;
        u.pgEnd = next != null ? next.vmStart.get() : USER_PGTABLES_CEILING;
        u.vmaStart = vmaStart;
        u.vmaEnd = vmaEnd;
        u.treeEnd = next != null ? next.vmStart.get() : USER_PGTABLES_CEILING;
        u.treeReset = vma.vmEnd.get();
        u.mmWrLocked = true;
        return u;
    }

    /** shmem_zero_setup(vma). model: no shmem; shared anonymous mappings are not supported. */
    static int shmemZeroSetup(VmAreaStruct vma) {
        return -Errno.EOPNOTSUPP;
    }

    /**
     * __mmap_new_vma(map, &vma): allocate and set up a VMA, then write-lock it and attach it to the
     * tree (vma_start_write, vma_iter_store_new), overwriting the victims' slots.
     */
    static int __mmapNewVma(MmapState map, VmAreaStruct[] vmap) {
        VmaIter vmi = map.vmi;
        VmAreaStruct vma = VmaInit.vmAreaAlloc(map.mm);
        if (vma == null)
            return -Errno.ENOMEM;
        vma.label = map.label;
        vmi.vmaIterConfig(map.addr, map.end);
        vmaSetRange(vma, map.addr, map.end, map.pgoff);
        vmFlagsInit(vma, map.vmFlags);
        vma.vmPageProt.set(map.pageProt);
        if (vmi.vmaIterPrealloc(vma) != 0) {
            VmaInit.vmAreaFree(vma); // free_vma
            return -Errno.ENOMEM;
        }
        int error;
        if (map.file != null)
            error = __mmapNewFileVma(map, vma);
        else if ((map.vmFlags & VM_SHARED) != 0)
            error = shmemZeroSetup(vma);
        else {
            vmaSetAnonymous(vma);
            error = 0;
        }
        if (error != 0) {
            vmi.vmaIterFree(); // free_iter_vma
            VmaInit.vmAreaFree(vma);
            return error;
        }
        if (!map.checkKsmEarly) {
            // update_ksm_flags: model no KSM
            vmFlagsInit(vma, map.vmFlags);
        }
        // lock the VMA since it is modified after insertion into VMA tree
        if (!Mutant.on(Mutant.MMAP_LOCK_AFTER_INSERT))
            vmaStartWrite(vma);
        vmi.vmaIterStoreNew(vma);
        if (Mutant.on(Mutant.MMAP_LOCK_AFTER_INSERT))
            vmaStartWrite(vma);
        map.mm.mapCount.set(map.mm.mapCount.get() + 1);
        vmaLinkFile(vma, map.holdFileRmapLock);
        // khugepaged_enter_vma: none
        Trace.note("__mmap_new_vma: %s attached, write-locked", vma.describe());
        vmap[0] = vma;
        return 0;
    }

    /** __mmap_complete(map, vma): free the replaced VMAs, fix up flags, set vm_page_prot. */
    static void __mmapComplete(MmapState map, VmAreaStruct vma) {
        long vmFlags = vma.vmFlags.get();
        // perf_event_mmap: none
        // unmap any existing mapping in the area
        vmsCompleteMunmapVmas(map.vms, map.masDetach);
        // vm_stat_account: none
        if ((vmFlags & VM_LOCKED) != 0) {
            if ((vmFlags & VM_SPECIAL) != 0 || isVmHugetlbPage(vma))
                vmFlagsClear(vma, VM_LOCKED_MASK);
            // else mm->locked_vm += pglen: model no accounting
        }
        // uprobe_mmap: none
        // new (or expanded) vma always get soft dirty status
        vmFlagsSet(vma, VM_SOFTDIRTY);
        Mmap.vmaSetPageProt(vma);
    }

    /** can_set_ksm_flags_early(map). */
    static boolean canSetKsmFlagsEarly(MmapState map) {
        return map.file == null; // anonymous; no mmap_prepare or shmem files in the model
    }

    /** __mmap_region(file, addr, len, vm_flags, pgoff, uf). model: {@code label} names a new VMA. */
    static long __mmapRegion(MmStruct mm, File file, long addr, long len, long vmFlags, long pgoff, String label) {
        VmAreaStruct vma = null;
        VmaIter vmi = VmaIter.of(mm, addr);
        MmapState map = mmapState(mm, vmi, addr, len, pgoff, vmFlags, file);
        map.label = label;
        map.checkKsmEarly = canSetKsmFlagsEarly(map);
        Trace.note("__mmap_region(%s, [%#x-%#x), %s, file=%s)", mm, addr, addr + len, Mm.flagsString(vmFlags), file);

        int error = __mmapSetup(map);
        // mmap_prepare: model none
        if (error != 0) {
            vmsAbortMunmapVmas(map.vms, map.masDetach); // abort_munmap
            return error;
        }
        // update_ksm_flags: none
        if (map.prev != null || map.next != null) { // attempt to merge with adjacent VMAs...
            VmaMergeStruct vmg = vmgMmapState(map, null);
            vma = vmaMergeNewRange(vmg);
            if (vma != null)
                Probes.hit(P_MMAP_MERGED);
        }
        if (vma == null) { // ...but if we can't, allocate a new VMA
            VmAreaStruct[] out = {null};
            error = __mmapNewVma(map, out);
            if (error != 0) {
                // unacct_error: vm_unacct_memory: none
                vmsAbortMunmapVmas(map.vms, map.masDetach); // abort_munmap
                return error;
            }
            vma = out[0];
            Probes.hit(P_MMAP_NEW);
        }
        __mmapComplete(map, vma);
        return addr;
    }

    /**
     * mmap_region(file, addr, len, vm_flags, pgoff, uf): caller holds mmap write; addr, len are
     * aligned and checked. Returns addr or -errno.
     */
    public static long mmapRegion(MmStruct mm, File file, long addr, long len, long vmFlags, long pgoff, String label) {
        mmapAssertWriteLocked(mm);
        // map_deny_write_exec (MDWE off), arch_validate_flags, mapping_map_writable: model always allow
        long ret = __mmapRegion(mm, file, addr, len, vmFlags, pgoff, label);
        // mapping_unmap_writable, validate_mm: none
        return ret;
    }

    // ------------------------------------------------------------ unmapped area search

    /**
     * unmapped_area(info). model: a plain bottom-up search over the gaps of one tree snapshot,
     * honouring the stack guard gap, instead of mas_empty_area.
     */
    public static long unmappedArea(MmStruct mm, Mmap.VmUnmappedAreaInfo info) {
        long length = info.length + info.alignMask + info.startGap;
        if (Long.compareUnsigned(length, info.length) < 0)
            return -Errno.ENOMEM;
        long low = Math.max(info.lowLimit, Mmap.MMAP_MIN_ADDR);
        long high = info.highLimit;
        List<long[]> gaps = gaps(mm, low, high);
        for (long[] g : gaps) {
            if (g[1] - g[0] < length)
                continue;
            long gap = g[0] + info.startGap;
            gap += (info.alignOffset - gap) & info.alignMask;
            return gap;
        }
        return -Errno.ENOMEM;
    }

    /**
     * unmapped_area_topdown(info). model: a plain top-down search over the gaps of one tree
     * snapshot, honouring the stack guard gap, instead of mas_empty_area_rev.
     */
    public static long unmappedAreaTopdown(MmStruct mm, Mmap.VmUnmappedAreaInfo info) {
        long length = info.length + info.alignMask + info.startGap;
        if (Long.compareUnsigned(length, info.length) < 0)
            return -Errno.ENOMEM;
        long low = Math.max(info.lowLimit, Mmap.MMAP_MIN_ADDR);
        long high = info.highLimit;
        List<long[]> gaps = gaps(mm, low, high);
        for (int i = gaps.size() - 1; i >= 0; i--) {
            long[] g = gaps.get(i);
            if (g[1] - g[0] < length)
                continue;
            long gap = g[1] - info.length;
            gap -= (gap - info.alignOffset) & info.alignMask;
            return gap;
        }
        return -Errno.ENOMEM;
    }

    /** The free gaps [start, end) inside [low, high), shrunk by the neighbours' stack guard gaps. */
    private static List<long[]> gaps(MmStruct mm, long low, long high) {
        VmaIter vmi = VmaIter.of(mm, 0); // model: for_each_vma over the whole tree
        List<long[]> r = new ArrayList<>();
        VmAreaStruct prev = null;
        for (boolean done = false; !done; ) {
            VmAreaStruct next = vmi.vmaNext();
            done = next == null;
            long end = next != null ? Mmap.vmStartGap(next) : mm.taskSize;
            long s = prev != null ? Mmap.vmEndGap(prev) : 0;
            s = Math.max(s, low);
            long e = Math.min(end, high);
            if (Long.compareUnsigned(s, e) < 0)
                r.add(new long[] {s, e});
            prev = next;
        }
        return r;
    }

    // ------------------------------------------------------------ stack

    /** acct_stack_growth(vma, size, grow). model: only the RLIMIT_STACK test (8 MiB). */
    static int acctStackGrowth(VmAreaStruct vma, long size, long grow) {
        // may_expand_vm, mlock_future_ok, is_hugepage_only_range, security_vm_enough_memory_mm: allow
        if (Long.compareUnsigned(size, Mmap.RLIMIT_STACK) > 0)
            return -Errno.ENOMEM;
        return 0;
    }

    /** expand_downwards(vma, address): grow a VM_GROWSDOWN VMA down to address; mmap write held. */
    public static int expandDownwards(VmAreaStruct vma, long address) {
        MmStruct mm = vma.vmMm.get();
        int error = 0;
        VmaIter vmi = VmaIter.of(mm, vma.vmStart.get());
        if ((vma.vmFlags.get() & VM_GROWSDOWN) == 0)
            return -Errno.EFAULT;
        mmapAssertWriteLocked(mm);
        address &= Page.PAGE_MASK;
        if (address < Mmap.MMAP_MIN_ADDR || address < FIRST_USER_ADDRESS)
            return -Errno.EPERM;
        // enforce stack_guard_gap
        VmAreaStruct prev = vmi.vmaPrev();
        if (prev != null) {
            if ((prev.vmFlags.get() & VM_GROWSDOWN) == 0 && vmaIsAccessible(prev)
                    && Long.compareUnsigned(address - prev.vmEnd.get(), Mmap.STACK_GUARD_GAP) < 0)
                return -Errno.ENOMEM;
        }
        if (prev != null)
            vmi.vmaIterNextRangeLimit(vma.vmStart.get());
        vmi.vmaIterConfig(address, vma.vmEnd.get());
        if (vmi.vmaIterPrealloc(vma) != 0)
            return -Errno.ENOMEM;
        // we must make sure the anon_vma is allocated
        if (anonVmaPrepare(vma) != 0) {
            vmi.vmaIterFree();
            return -Errno.ENOMEM;
        }
        // lock the VMA before expanding to prevent concurrent page faults
        if (!Mutant.on(Mutant.EXPAND_STACK_UNLOCKED))
            vmaStartWrite(vma);
        AnonVma av = vma.anonVma.get();
        av.rwsem.downWrite(); // anon_vma_lock_write
        // somebody else might have raced and expanded it already
        if (address < vma.vmStart.get()) {
            long size = vma.vmEnd.get() - address;
            long grow = (vma.vmStart.get() - address) >>> Page.PAGE_SHIFT;
            error = -Errno.ENOMEM;
            if (grow <= vma.vmPgoff.get()) {
                error = acctStackGrowth(vma, size, grow);
                if (error == 0) {
                    // locked_vm, vm_stat_account: none; interval tree pre/post update: none
                    vma.vmStart.set(address);
                    vma.vmPgoff.set(vma.vmPgoff.get() - grow);
                    vmi.vmaIterStoreOverwrite(vma); // overwrite old entry in mtree
                    Probes.hit(P_EXPAND_DOWN);
                    Trace.note("expand_downwards: %s", vma.describe());
                }
            }
        }
        av.rwsem.upWrite();
        vmi.vmaIterFree();
        return error;
    }

    /** __vm_munmap(start, len, unlock): the munmap syscall body. */
    public static int __vmMunmap(MmStruct mm, long start, long len, boolean unlock) {
        VmaIter vmi = VmaIter.of(mm, start);
        if (MmapLock.mmapWriteLockKillable(mm) != 0)
            return -Errno.EINTR;
        int ret = doVmiMunmap(vmi, mm, start, len, unlock);
        if (ret != 0 || !unlock)
            MmapLock.mmapWriteUnlock(mm);
        // userfaultfd_unmap_complete: none
        return ret;
    }

    // ------------------------------------------------------------ validate_mm (debug)

    /**
     * validate_mm(mm) (CONFIG_DEBUG_VM_MAPLE_TREE), point-free for tests: each tree range must be
     * exactly its VMA's [vm_start, vm_end), the VMAs attached and in order, and their number
     * map_count. Returns the problems found (empty when consistent).
     */
    public static List<String> validateMm(MmStruct mm) {
        List<String> bad = new ArrayList<>();
        MapleTree.Node n = mm.mmMt.peek();
        for (int i = 0; i < n.size(); i++) {
            VmAreaStruct v = (VmAreaStruct) n.entry(i);
            if (v.vmStart.peek() != n.index(i) || v.vmEnd.peek() != n.last(i) + 1)
                bad.add("tree range [" + Long.toHexString(n.index(i)) + "-" + Long.toHexString(n.last(i) + 1) + ") holds " + v.describe());
            if (v.vmRefcnt.peek() != 1)
                bad.add(v.name() + " vm_refcnt " + v.vmRefcnt.peek());
            if (v.freed)
                bad.add(v.name() + " is freed but in the tree");
        }
        if (n.size() != mm.mapCount.peek())
            bad.add("map_count " + mm.mapCount.peek() + " vma iterator " + n.size());
        return bad;
    }
}
