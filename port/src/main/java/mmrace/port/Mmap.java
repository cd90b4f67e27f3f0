package mmrace.port;

import mmrace.runtime.Err;
import mmrace.runtime.Errno;
import mmrace.runtime.Page;
import mmrace.runtime.Mutant;
import mmrace.runtime.Probes;
import mmrace.runtime.Task;
import mmrace.runtime.Trace;

import static mmrace.port.Mm.*;

/**
 * mm/mmap.c: do_mmap, the VMA lookups, get_unmapped_area, expand_stack, vma_set_page_prot,
 * do_munmap/vm_munmap; and the include/linux/mm.h inlines vma_lookup, vm_start_gap, vm_end_gap.
 *
 * <p>Read: the stored torvalds/linux copies of mm/mmap.c are old (rbtree era, commits
 * 2d6c928241add2848e4eebfce407e95164229976 and 00170fdd0846df7cdb5ad421d3a340440f930b8f), so the
 * port follows the current file through an annotated third-party copy (stored id 69760666676),
 * whose code is the maple-tree mm/mmap.c of the v7.0 window.
 *
 * <p>model departures:
 * <ul>
 * <li>get_unmapped_area is the generic top-down allocator (x86's own arch_get_unmapped_area_topdown
 *     differs only in randomisation and 32-bit tasks) over {@link Vma#unmappedAreaTopdown}; no ASLR
 *     (mmap_base is the fixed {@link #MMAP_BASE}), no THP alignment of anonymous mappings, no file
 *     or shmem get_unmapped_area hooks.
 * <li>The task has no CAP_SYS_RAWIO: security_mmap_addr refuses addresses below mmap_min_addr with
 *     -EPERM (cap_mmap_addr). It has CAP_IPC_LOCK, so mlock limits never refuse.
 * <li>No personality (READ_IMPLIES_EXEC), pkeys, memfd seals, MAP_DROPPABLE (-EOPNOTSUPP), MAP_SYNC,
 *     hugetlb files. A File is opened read-write, regular, on an exec mount; a File without an
 *     fOpMmap hook may be mapped (the hook is generic_file_mmap's job, done by whoever made the file).
 * <li>mm_populate (MAP_POPULATE / VM_LOCKED) is not run; vm_mmap_pgoff notes it in the trace.
 * <li>find_vma, find_vma_intersection and vma_lookup take rcu_read_lock around the tree walk, as
 *     mt_find and mtree_load do.
 * </ul>
 */
public final class Mmap {
    private Mmap() {}

    /** mmap_min_addr (CONFIG_DEFAULT_MMAP_MIN_ADDR). */
    public static final long MMAP_MIN_ADDR = Mm.MMAP_MIN_ADDR;
    /** stack_guard_gap: 256 pages. */
    public static final long STACK_GUARD_GAP = 256L << Page.PAGE_SHIFT;
    /** rlimit(RLIMIT_STACK): the usual 8 MiB. */
    public static final long RLIMIT_STACK = 8L << 20;
    /** mm->mmap_base. model: no randomisation; TASK_SIZE minus the minimum stack gap (128 MiB). */
    public static final long MMAP_BASE = (Mm.TASK_SIZE - (128L << 20)) & Page.PAGE_MASK;
    /** TASK_UNMAPPED_BASE on x86-64: PAGE_ALIGN(TASK_SIZE / 3). */
    public static final long TASK_UNMAPPED_BASE = Mm.pageAlign(Mm.TASK_SIZE / 3);

    static final int P_EXPAND_STACK_FOUND = Probes.register("expand_stack: vma found after retaking the lock");
    static final int P_EXPAND_STACK_GREW = Probes.register("expand_stack: expand_downwards succeeded");
    static final int P_EXPAND_STACK_FAIL = Probes.register("expand_stack: failed, no lock held");
    static final int P_MMAP_NOREPLACE = Probes.register("do_mmap: MAP_FIXED_NOREPLACE hits a mapping");

    /** struct vm_unmapped_area_info (include/linux/mm.h). */
    public static final class VmUnmappedAreaInfo {
        public static final int VM_UNMAPPED_AREA_TOPDOWN = 1;
        public int flags;
        public long length, lowLimit, highLimit, alignMask, alignOffset, startGap;
    }

    // ------------------------------------------------------------ include/linux/mm.h

    /** stack_guard_start_gap(vma). */
    static long stackGuardStartGap(VmAreaStruct vma) {
        if ((vma.vmFlags.get() & VM_GROWSDOWN) != 0)
            return STACK_GUARD_GAP;
        return 0;
    }

    /** vm_start_gap(vma). */
    public static long vmStartGap(VmAreaStruct vma) {
        long gap = stackGuardStartGap(vma);
        long start = vma.vmStart.get();
        long vmStart = start - gap;
        if (Long.compareUnsigned(vmStart, start) > 0)
            vmStart = 0;
        return vmStart;
    }

    /** vm_end_gap(vma): no VM_GROWSUP on x86. */
    public static long vmEndGap(VmAreaStruct vma) {
        return vma.vmEnd.get();
    }

    /** vma_lookup(mm, addr): the VMA containing addr, or null (mtree_load). Needs mmap_lock. */
    public static VmAreaStruct vmaLookup(MmStruct mm, long addr) {
        return (VmAreaStruct) MapleTree.mtreeLoad(mm.mmMt, addr);
    }

    // ------------------------------------------------------------ lookups

    /** find_vma_intersection(mm, start, end): the first VMA intersecting [start, end), or null. */
    public static VmAreaStruct findVmaIntersection(MmStruct mm, long startAddr, long endAddr) {
        MmapLock.mmapAssertLocked(mm);
        long[] index = {startAddr};
        return (VmAreaStruct) MapleTree.mtFind(mm.mmMt, index, endAddr - 1);
    }

    /** find_vma(mm, addr): the first VMA ending after addr, or null. Needs mmap_lock. */
    public static VmAreaStruct findVma(MmStruct mm, long addr) {
        MmapLock.mmapAssertLocked(mm);
        long[] index = {addr};
        return (VmAreaStruct) MapleTree.mtFind(mm.mmMt, index, VmaIter.ULONG_MAX);
    }

    /** find_vma_prev(mm, addr, &pprev): as find_vma; {@code pprev[0]} gets the VMA before. */
    public static VmAreaStruct findVmaPrev(MmStruct mm, long addr, VmAreaStruct[] pprev) {
        VmaIter vmi = VmaIter.of(mm, addr);
        VmAreaStruct vma = vmi.vmaIterLoad();
        pprev[0] = vmi.vmaPrev();
        if (vma == null)
            vma = vmi.vmaNext();
        return vma;
    }

    // ------------------------------------------------------------ stack

    /**
     * expand_stack(mm, addr): called with mmap read held; drops it, takes mmap write (killable),
     * looks up again and grows a stack down to addr. Returns the VMA with mmap read held again
     * (write downgraded), or null with no lock held.
     */
    public static VmAreaStruct expandStack(MmStruct mm, long addr) {
        VmAreaStruct vma;
        VmAreaStruct[] prev = {null};
        MmapLock.mmapReadUnlock(mm);
        if (MmapLock.mmapWriteLockKillable(mm) != 0)
            return null;
        vma = findVmaPrev(mm, addr, prev);
        if (vma != null && vma.vmStart.get() <= addr) {
            Probes.hit(P_EXPAND_STACK_FOUND);
        } else if (vma != null && Vma.expandDownwards(vma, addr) == 0) {
            // (vma_expand_up(prev, addr) comes first in the kernel: -EFAULT without CONFIG_STACK_GROWSUP)
            Probes.hit(P_EXPAND_STACK_GREW);
        } else {
            Probes.hit(P_EXPAND_STACK_FAIL);
            MmapLock.mmapWriteUnlock(mm);
            Trace.note("expand_stack(%#x) -> NULL", addr);
            return null;
        }
        // success:
        MmapLock.mmapWriteDowngrade(mm);
        Trace.note("expand_stack(%#x) -> %s", addr, vma);
        return vma;
    }

    // ------------------------------------------------------------ get_unmapped_area

    /** vm_unmapped_area(info). */
    public static long vmUnmappedArea(MmStruct mm, VmUnmappedAreaInfo info) {
        if ((info.flags & VmUnmappedAreaInfo.VM_UNMAPPED_AREA_TOPDOWN) != 0)
            return Vma.unmappedAreaTopdown(mm, info);
        return Vma.unmappedArea(mm, info);
    }

    /** generic_get_unmapped_area_topdown(filp, addr, len, pgoff, flags, vm_flags) (arch_get_unmapped_area_topdown). */
    static long genericGetUnmappedAreaTopdown(MmStruct mm, File filp, long addr, long len, long pgoff, int flags, long vmFlags) {
        long mmapEnd = mm.taskSize; // arch_get_mmap_end
        VmUnmappedAreaInfo info = new VmUnmappedAreaInfo();
        // requested length too big for entire address space
        if (Long.compareUnsigned(len, mmapEnd - MMAP_MIN_ADDR) > 0)
            return -Errno.ENOMEM;
        if ((flags & MAP_FIXED) != 0)
            return addr;
        // requesting a specific address
        if (addr != 0) {
            addr = pageAlign(addr);
            VmAreaStruct[] prev = {null};
            VmAreaStruct vma = findVmaPrev(mm, addr, prev);
            if (Long.compareUnsigned(mmapEnd - len, addr) >= 0 && Long.compareUnsigned(addr, MMAP_MIN_ADDR) >= 0
                    && (vma == null || Long.compareUnsigned(addr + len, vmStartGap(vma)) <= 0)
                    && (prev[0] == null || Long.compareUnsigned(addr, vmEndGap(prev[0])) >= 0))
                return addr;
        }
        info.flags = VmUnmappedAreaInfo.VM_UNMAPPED_AREA_TOPDOWN;
        info.length = len;
        info.lowLimit = Page.PAGE_SIZE;
        info.highLimit = MMAP_BASE; // arch_get_mmap_base
        info.startGap = 0; // stack_guard_placement: no shadow stacks
        addr = vmUnmappedArea(mm, info);
        // a failed mmap() very likely causes application failure: fall back to bottom-up
        if (offsetInPage(addr)) {
            info.flags = 0;
            info.lowLimit = TASK_UNMAPPED_BASE;
            info.highLimit = mmapEnd;
            addr = vmUnmappedArea(mm, info);
        }
        return addr;
    }

    /** mm_get_unmapped_area_vmflags(...): MMF_TOPDOWN is set (x86's default layout). */
    static long mmGetUnmappedAreaVmflags(MmStruct mm, File file, long addr, long len, long pgoff, int flags, long vmFlags) {
        return genericGetUnmappedAreaTopdown(mm, file, addr, len, pgoff, flags, vmFlags);
    }

    /** __get_unmapped_area(file, addr, len, pgoff, flags, vm_flags): an address or -errno. */
    public static long __getUnmappedArea(MmStruct mm, File file, long addr, long len, long pgoff, int flags, long vmFlags) {
        // arch_mmap_check: none on x86
        if (Long.compareUnsigned(len, mm.taskSize) > 0) // careful about overflows
            return -Errno.ENOMEM;
        // file->f_op->get_unmapped_area, shmem_get_unmapped_area, thp_get_unmapped_area: model none
        if (file == null)
            pgoff = 0;
        addr = mmGetUnmappedAreaVmflags(mm, file, addr, len, pgoff, flags, vmFlags);
        if (Err.isErrValue(addr))
            return addr;
        if (Long.compareUnsigned(addr, mm.taskSize - len) > 0)
            return -Errno.ENOMEM;
        if (offsetInPage(addr))
            return -Errno.EINVAL;
        // security_mmap_addr -> cap_mmap_addr: below mmap_min_addr needs CAP_SYS_RAWIO (model: not held)
        if (Long.compareUnsigned(addr, MMAP_MIN_ADDR) < 0)
            return -Errno.EPERM;
        return addr;
    }

    /** get_unmapped_area(file, addr, len, pgoff, flags). */
    public static long getUnmappedArea(MmStruct mm, File file, long addr, long len, long pgoff, int flags) {
        return __getUnmappedArea(mm, file, addr, len, pgoff, flags, 0);
    }

    // ------------------------------------------------------------ do_mmap

    /** round_hint_to_min(hint). */
    static long roundHintToMin(long hint) {
        hint &= Page.PAGE_MASK;
        if (hint != 0 && Long.compareUnsigned(hint, MMAP_MIN_ADDR) < 0)
            return pageAlign(MMAP_MIN_ADDR);
        return hint;
    }

    /** calc_vm_flag_bits(file, flags) for the flags the model knows (include/linux/mman.h). */
    static long calcVmFlagBits(File file, int flags) {
        long f = 0;
        if ((flags & MAP_GROWSDOWN) != 0)
            f |= VM_GROWSDOWN;
        if ((flags & MAP_LOCKED) != 0)
            f |= VM_LOCKED;
        if ((flags & MAP_STACK) != 0)
            f |= VM_NOHUGEPAGE;
        return f;
    }

    /**
     * do_mmap(file, addr, len, prot, flags, vm_flags, pgoff, &populate, uf): caller holds mmap
     * write. Returns the address or -errno; {@code populate[0]} gets the bytes to populate.
     * model: {@code label} names a newly allocated VMA in traces.
     */
    public static long doMmap(MmStruct mm, File file, long addr, long len, int prot, int flags, long vmFlags, long pgoff,
            long[] populate, String label) {
        populate[0] = 0;
        MmapLock.mmapAssertWriteLocked(mm);
        if (len == 0)
            return -Errno.EINVAL;
        // READ_IMPLIES_EXEC personality: model none
        // force arch specific MAP_FIXED handling in get_unmapped_area
        if ((flags & MAP_FIXED_NOREPLACE) != 0)
            flags |= MAP_FIXED;
        if ((flags & MAP_FIXED) == 0)
            addr = roundHintToMin(addr);
        // careful about overflows
        len = pageAlign(len);
        if (len == 0)
            return -Errno.ENOMEM;
        // offset overflow?
        if (Long.compareUnsigned(pgoff + (len >>> Page.PAGE_SHIFT), pgoff) < 0)
            return -75; // -EOVERFLOW
        // too many mappings?
        if (mm.mapCount.get() > Vma.SYSCTL_MAX_MAP_COUNT)
            return -Errno.ENOMEM;
        // execute_only_pkey: model no pkeys
        vmFlags |= calcVmProtBits(prot) | calcVmFlagBits(file, flags) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC; // | mm->def_flags (0)
        addr = __getUnmappedArea(mm, file, addr, len, pgoff, flags, vmFlags);
        if (Err.isErrValue(addr))
            return addr;
        if ((flags & MAP_FIXED_NOREPLACE) != 0) {
            if (findVmaIntersection(mm, addr, addr + len) != null) {
                Probes.hit(P_MMAP_NOREPLACE);
                return -Errno.EEXIST;
            }
        }
        // MAP_LOCKED: can_do_mlock, mlock_future_ok: model CAP_IPC_LOCK
        if (file != null) {
            // file_mmap_ok: regular file, MAX_LFS_FILESIZE: no limit the model can reach
            int flagsMask = LEGACY_MAP_MASK;
            switch (flags & MAP_TYPE) {
                case MAP_SHARED:
                case MAP_SHARED_VALIDATE:
                    if ((flags & MAP_TYPE) == MAP_SHARED)
                        flags &= LEGACY_MAP_MASK; // silently ignore unsupported flags
                    if ((flags & ~flagsMask) != 0)
                        return -Errno.EOPNOTSUPP;
                    // PROT_WRITE needs FMODE_WRITE; not a swapfile; not append-only: model file is rw
                    vmFlags |= VM_SHARED | VM_MAYSHARE;
                    // fallthrough
                case MAP_PRIVATE:
                    // FMODE_READ, path_noexec, can_mmap_file: model always
                    if ((vmFlags & VM_GROWSDOWN) != 0)
                        return -Errno.EINVAL;
                    break;
                default:
                    return -Errno.EINVAL;
            }
            // memfd_check_seals_mmap: model none
        } else {
            switch (flags & MAP_TYPE) {
                case MAP_SHARED:
                    if ((vmFlags & VM_GROWSDOWN) != 0)
                        return -Errno.EINVAL;
                    pgoff = 0; // ignore pgoff
                    vmFlags |= VM_SHARED | VM_MAYSHARE;
                    break;
                case MAP_DROPPABLE:
                    return -Errno.EOPNOTSUPP; // model: VM_DROPPABLE not modelled
                case MAP_PRIVATE:
                    pgoff = addr >>> Page.PAGE_SHIFT; // set pgoff according to addr for anon_vma
                    break;
                default:
                    return -Errno.EINVAL;
            }
        }
        // MAP_NORESERVE: honoured (overcommit is not OVERCOMMIT_NEVER)
        if ((flags & MAP_NORESERVE) != 0)
            vmFlags |= VM_NORESERVE;
        addr = Vma.mmapRegion(mm, file, addr, len, vmFlags, pgoff, label);
        if (!Err.isErrValue(addr) && ((vmFlags & VM_LOCKED) != 0 || (flags & (MAP_POPULATE | MAP_NONBLOCK)) == MAP_POPULATE))
            populate[0] = len;
        return addr;
    }

    // ------------------------------------------------------------ vm_page_prot

    /** vm_pgprot_modify(oldprot, vm_flags) (mm/vma.h): pgprot_modify keeps nothing the model has. */
    static long vmPgprotModify(long oldprot, long vmFlags) {
        return Pgtable.vmGetPageProt(vmFlags);
    }

    /** vma_set_page_prot(vma): vm_page_prot from vm_flags, read-only for write-notify; WRITE_ONCE. */
    public static void vmaSetPageProt(VmAreaStruct vma) {
        long vmFlags = vma.vmFlags.get();
        long vmPageProt = vmPgprotModify(vma.vmPageProt.get(), vmFlags);
        if (Vma.vmaWantsWritenotify(vma, vmPageProt)) {
            vmFlags &= ~VM_SHARED;
            vmPageProt = vmPgprotModify(vmPageProt, vmFlags);
        }
        // remove_protection_ptes reads vma->vm_page_prot without mmap_lock
        vma.vmPageProt.writeOnce(vmPageProt);
    }

    // ------------------------------------------------------------ munmap wrappers

    /** do_munmap(mm, start, len, uf): mmap write held, not dropped. */
    public static int doMunmap(MmStruct mm, long start, long len) {
        VmaIter vmi = VmaIter.of(mm, start);
        return Vma.doVmiMunmap(vmi, mm, start, len, false);
    }


    // ------------------------------------------------------------ exit_mmap, dup_mmap

    static final int P_EXIT_EMPTY = Probes.register("exit_mmap: no vma (dup_mmap failed early)");
    static final int P_EXIT_UNMAP = Probes.register("exit_mmap: unmap_vmas, free_pgtables, tear_down_vmas");
    static final int P_DUP_VMA = Probes.register("dup_mmap: vma copied into the child");
    static final int P_DUP_FAIL = Probes.register("dup_mmap: failed, tear down the copied prefix");
    static final int P_DUP_NO_VMA_LOCK = Probes.register("dup_mmap: source vma not write-locked (mutant)");

    /**
     * tear_down_vmas(mm, vmi, vma, end): detach and free every VMA from vma to end (the tree is no
     * longer reachable by readers); the number of VM_ACCOUNT pages (model: 0, no accounting).
     */
    static long tearDownVmas(MmStruct mm, VmaIter vmi, VmAreaStruct vma, long end) {
        int count = 0;
        MmapLock.mmapAssertWriteLocked(mm);
        vmi.vmaIterSet(vma.vmEnd.get());
        do {
            // VM_ACCOUNT: model no accounting
            MmapLock.vmaMarkDetached(vma);
            Vma.removeVma(vma);
            count++;
            // cond_resched()
            vma = vmi.vmaNext();
        } while (vma != null && Long.compareUnsigned(vma.vmEnd.get(), end) <= 0);
        if (count != mm.mapCount.get()) { // VM_WARN_ON_ONCE(count != mm->map_count)
            Task t = Task.current();
            t.kernel.reports.file(t, mmrace.runtime.Report.Kind.WARN, "VM_WARN_ON_ONCE(count != mm->map_count)",
                    count + " vmas torn down, map_count " + mm.mapCount.get());
        }
        return 0;
    }

    /**
     * exit_mmap(mm): release all mmaps. The last user has gone: zap every VMA under mmap_read_lock,
     * then under mmap_write_lock free the page tables and every VMA (back to the vm_area_struct
     * cache), and empty the tree. The mm itself is freed later, by the last mmdrop.
     * model: no mmu notifiers, arch_exit_mmap, MMF_OOM_SKIP (noted in the trace) or accounting.
     */
    public static void exitMmap(MmStruct mm) {
        VmaIter vmi = VmaIter.of(mm, 0);
        // mmu_notifier_release(mm): model none
        MmapLock.mmapReadLock(mm);
        // arch_exit_mmap(mm)
        VmAreaStruct vma = vmi.vmaNext();
        if (vma == null) {
            // Can happen if dup_mmap() received an OOM
            Probes.hit(P_EXIT_EMPTY);
            MmapLock.mmapReadUnlock(mm);
            MmapLock.mmapWriteLock(mm);
        } else {
            Probes.hit(P_EXIT_UNMAP);
            UnmapDesc unmap = UnmapDesc.unmapAllInit(mm.mmMt, vma);
            // flush_cache_mm(mm): no-op on x86
            MmuGather tlb = MmuGather.tlbGatherMmuFullmm(mm);
            // update_hiwater_rss(mm) here? but nobody should be looking
            // Use ULONG_MAX here to ensure all VMAs in the mm are unmapped
            Memory.unmapVmas(tlb, unmap);
            MmapLock.mmapReadUnlock(mm);
            // Set MMF_OOM_SKIP to hide this task from the oom killer/reaper because the memory has
            // been already freed.
            Trace.note("exit_mmap(%s): MMF_OOM_SKIP", mm);
            MmapLock.mmapWriteLock(mm);
            unmap.mmWrLocked = true;
            // mt_clear_in_rcu(&mm->mm_mt): model: the tree stays in RCU mode, so the nodes
            // __mt_destroy frees wait for a grace period (the kernel frees them at once: no reader
            // can walk the tree of an mm without users)
            unmap.unmapPgtableInit();
            Memory.freePgtables(tlb, unmap);
            MmuGather.tlbFinishMmu(tlb);
            // Walk the list again, actually closing and freeing it, with preemption enabled,
            // without holding any MM locks besides the unreachable mmap_write_lock.
            tearDownVmas(mm, vmi, vma, VmaIter.ULONG_MAX);
        }
        // destroy:
        mm.mmMt.mtDestroy(); // __mt_destroy(&mm->mm_mt)
        Trace.note("exit_mmap(%s) done", mm); // trace_exit_mmap(mm)
        MmapLock.mmapWriteUnlock(mm);
        // vm_unacct_memory(nr_accounted): model none
    }

    /**
     * dup_mmap(mm, oldmm): fill the new mm of a fork with a copy of oldmm's VMAs and page tables.
     * Holds oldmm's mmap_lock for writing and write-locks each of its VMAs (vma_start_write_killable)
     * before copying it, so that no page fault under the per-VMA lock changes a VMA or its page
     * tables while they are copied (fb49c455323f, "fork: lock VMAs of the parent process when
     * forking"). The TLB of oldmm is flushed before its lock is dropped: copy_page_range write-protected
     * its private writable PTEs. 0 or -errno; on failure the copied prefix is torn down.
     *
     * <p>model: no VM_DONTCOPY or VM_WIPEONFORK (no MADV_DONTFORK/WIPEONFORK), no accounting,
     * mempolicy, userfaultfd, uprobes, hugetlb, vm_ops->open, ksm or khugepaged slots; the new tree
     * stays in RCU mode (no mt_clear_in_rcu/mt_set_in_rcu): nobody else can see it until fork
     * returns, so only when its replaced nodes are freed differs.
     */
    public static int dupMmap(MmStruct mm, MmStruct oldmm) {
        int retval;
        VmaIter vmi = VmaIter.of(mm, 0);
        if (MmapLock.mmapWriteLockKillable(oldmm) != 0)
            return -Errno.EINTR;
        // flush_cache_dup_mm(oldmm), uprobe_dup_mmap(oldmm, mm): model none
        // Not linked in yet - no deadlock potential:
        MmapLock.mmapWriteLock(mm); // mmap_write_lock_nested(mm, SINGLE_DEPTH_NESTING)
        // dup_mm_exe_file, total_vm, data_vm, exec_vm, stack_vm: model none
        // Use __mt_dup() to efficiently build an identical maple tree.
        if (MapleTree.__mtDup(oldmm.mmMt, mm.mmMt) != 0) {
            retval = -Errno.ENOMEM;
        } else {
            retval = dupVmas(mm, oldmm, vmi);
        }
        // out:
        MmapLock.mmapWriteUnlock(mm);
        Tlb.flushTlbMm(oldmm);
        MmapLock.mmapWriteUnlock(oldmm);
        // dup_userfaultfd_complete / dup_userfaultfd_fail: model none
        Trace.note("dup_mmap(%s, %s) = %d", mm, oldmm, retval);
        return retval;
    }

    /** The loop of dup_mmap over the new tree (still holding oldmm's VMAs), with its loop_out. */
    private static int dupVmas(MmStruct mm, MmStruct oldmm, VmaIter vmi) {
        int retval = 0;
        // mt_clear_in_rcu(vmi.mas.tree): model none (see dup_mmap)
        VmAreaStruct mpnt;
        loop:
        for (mpnt = vmi.vmaNext(); mpnt != null; mpnt = vmi.vmaNext()) {
            if (Mutant.on(Mutant.DUP_MMAP_NO_VMA_LOCK)) {
                Probes.hit(P_DUP_NO_VMA_LOCK);
            } else {
                retval = MmapLock.vmaStartWriteKillable(mpnt);
                if (retval < 0)
                    break;
            }
            // VM_DONTCOPY, VM_ACCOUNT (security_vm_enough_memory_mm): model none
            VmAreaStruct tmp = VmaInit.vmAreaDup(mpnt);
            if (tmp == null) {
                retval = -Errno.ENOMEM; // fail_nomem
                break;
            }
            // vma_dup_policy: model none
            tmp.vmMm.set(mm);
            // dup_userfaultfd, VM_WIPEONFORK: model none
            if (Rmap.anonVmaFork(tmp, mpnt) != 0) {
                VmaInit.vmAreaFree(tmp); // fail_nomem_anon_vma_fork: mpol_put; fail_nomem_policy
                retval = -Errno.ENOMEM; // fail_nomem
                break;
            }
            Mm.vmFlagsClear(tmp, VM_LOCKED_MASK);
            // hugetlb_dup_vma_private: model none
            // Link the vma into the MT. After using __mt_dup(), memory allocation is not necessary
            // here, so it cannot fail.
            vmi.vmaIterBulkStore(tmp);
            mm.mapCount.set(mm.mapCount.get() + 1);
            // vm_ops->open: model none
            File file = tmp.vmFile.get();
            if (file != null) {
                // get_file(file)
                file.iMmapRwsem.downWrite(); // i_mmap_lock_write
                // mapping_allow_writable, flush_dcache_mmap_lock: model none
                // insert tmp into the share list, just after mpnt
                int at = file.iMmap.indexOf(mpnt); // vma_interval_tree_insert_after
                file.iMmap.add(at < 0 ? file.iMmap.size() : at + 1, tmp);
                file.iMmapRwsem.upWrite();
            }
            Probes.hit(P_DUP_VMA);
            Trace.note("dup_mmap: %s -> %s", mpnt, tmp);
            retval = Memory.copyPageRange(tmp, mpnt);
            if (retval != 0) {
                mpnt = vmi.vmaNext();
                break loop;
            }
        }
        // a new mm has just been created: arch_dup_mmap(oldmm, mm) is 0 on x86
        // loop_out:
        vmi.vmaIterFree();
        if (retval == 0) {
            // mt_set_in_rcu(vmi.mas.tree), ksm_fork(mm, oldmm), khugepaged_fork(mm, oldmm): model none
            return 0;
        }
        Probes.hit(P_DUP_FAIL);
        dupMmapCleanUp(mm, vmi, mpnt);
        return retval;
    }

    /**
     * dup_mmap's failure path: the whole tree was duplicated, but replacing its VMAs failed at
     * mpnt (null if all were allocated but the last was not fully set up): tear down the prefix
     * [0, mpnt->vm_start) of child VMAs; the rest of the tree still points at the parent's.
     */
    private static void dupMmapCleanUp(MmStruct mm, VmaIter vmi, VmAreaStruct mpnt) {
        long end;
        if (mm.mapCount.get() == 0)
            end = 0; // zero vmas were written to the new tree
        else if (mpnt != null)
            end = mpnt.vmStart.get(); // partial tree failure
        else
            end = VmaIter.ULONG_MAX; // All vmas were written to the new tree
        // Hide mm from oom killer because the memory is being freed: MMF_OOM_SKIP
        if (end != 0) {
            vmi.vmaIterSet(0);
            VmAreaStruct tmp = vmi.vmaNext();
            UnmapDesc unmap = UnmapDesc.unmapState(mm.mmMt, tmp, 0, end, null, null);
            // Don't iterate over vmas beyond the failure point for both unmap_vma() and free_pgtables().
            unmap.treeEnd = end;
            // flush_cache_mm(mm)
            Vma.unmapRegion(unmap);
            tearDownVmas(mm, vmi, tmp, end);
            // vm_unacct_memory(charge)
        }
        mm.mmMt.mtDestroy(); // __mt_destroy(&mm->mm_mt)
        // The mm_struct is going to exit, but the locks will be dropped first: MMF_UNSTABLE
        Trace.note("dup_mmap(%s): failed, MMF_UNSTABLE", mm);
    }
}
