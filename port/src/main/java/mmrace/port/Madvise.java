package mmrace.port;

import mmrace.runtime.Errno;
import mmrace.runtime.Mutant;
import mmrace.runtime.Page;
import mmrace.runtime.Probes;
import mmrace.runtime.Trace;

import static mmrace.port.Mm.*;

/**
 * mm/madvise.c read at c17ee635fd3a482b2ad2bf5e269755c2eae5f25e: madvise(MADV_DONTNEED) under a
 * per-VMA read lock, falling back to mmap_lock for reading when the range spans more than one VMA.
 *
 * <p>model departures:
 * <ul>
 * <li>Only MADV_DONTNEED (and MADV_DONTNEED_LOCKED, the same path) is ported. Every other valid
 *     advice returns -EINVAL (the kernel's value
 *     for an invalid advice) without locking; invalid advice returns -EINVAL as in the kernel.
 * <li>No mseal (can_modify_vma_madv), userfaultfd (userfaultfd_armed is false,
 *     userfaultfd_remove returns true), hugetlb, memory-failure injection, blk_plug,
 *     process_madvise. Address untagging is the identity (x86 without LAM).
 * <li>madvise_vma_behavior is reduced to its MADV_DONTNEED branch (madvise_dontneed_free).
 * <li>The syscall takes the mm explicitly; that mm is current->mm for is_vma_lock_sufficient.
 * </ul>
 */
public final class Madvise {
    private Madvise() {}

    static final int P_VMA_LOCKED = Probes.register("madvise_walk_vmas: single vma under its read lock");
    static final int P_VMA_LOCK_FALLBACK = Probes.register("try_vma_read_lock: fall back to mmap_read_lock");
    static final int P_VMA_LOCK_SPAN = Probes.register("is_vma_lock_sufficient: range spans vmas");
    static final int P_HOLE = Probes.register("madvise_walk_vmas: hole in the range (-ENOMEM)");
    static final int P_DONTNEED_INVALID = Probes.register("madvise_dontneed_free: VM_LOCKED or VM_PFNMAP (-EINVAL)");

    /** enum madvise_lock_mode. */
    enum LockMode { NO_LOCK, MMAP_READ_LOCK, MMAP_WRITE_LOCK, VMA_READ_LOCK }

    /** struct madvise_behavior_range. */
    static final class Range {
        long start, end;
    }

    /** struct madvise_behavior. */
    static final class MadviseBehavior {
        MmStruct mm;
        int behavior;
        MmuGather tlb;
        LockMode lockMode = LockMode.NO_LOCK;
        VmAreaStruct vma, prev;
        final Range range = new Range();
        boolean lockDropped;
    }

    /** madvise_behavior_valid(behavior). */
    static boolean madviseBehaviorValid(int behavior) {
        switch (behavior) {
            case MADV_DOFORK: case MADV_DONTFORK: case MADV_NORMAL: case MADV_SEQUENTIAL: case MADV_RANDOM:
            case MADV_REMOVE: case MADV_WILLNEED: case MADV_DONTNEED: case MADV_DONTNEED_LOCKED: case MADV_FREE:
            case MADV_COLD: case MADV_PAGEOUT: case MADV_POPULATE_READ: case MADV_POPULATE_WRITE:
            case MADV_MERGEABLE: case MADV_UNMERGEABLE: case MADV_HUGEPAGE: case MADV_NOHUGEPAGE: case MADV_COLLAPSE:
            case MADV_DONTDUMP: case MADV_DODUMP: case MADV_WIPEONFORK: case MADV_KEEPONFORK:
            case MADV_GUARD_INSTALL: case MADV_GUARD_REMOVE: case MADV_SOFT_OFFLINE: case MADV_HWPOISON:
                return true;
            default:
                return false;
        }
    }

    /** is_vma_lock_sufficient(vma, madv_behavior). */
    static boolean isVmaLockSufficient(VmAreaStruct vma, MadviseBehavior mb) {
        // must span only a single VMA
        if (!Mutant.on(Mutant.DONTNEED_SPAN_UNCHECKED) && Long.compareUnsigned(mb.range.end, vma.vmEnd.get()) > 0) {
            Probes.hit(P_VMA_LOCK_SPAN);
            return false;
        }
        // remote processes unsupported
        if (mb.mm != vma.vmMm.get())
            return false;
        // userfaultfd_armed: none; prepares_anon_vma: only MADV_GUARD_INSTALL, not ported
        return true;
    }

    /** try_vma_read_lock(madv_behavior): true with the VMA read-locked, or false with mmap_lock read-held. */
    static boolean tryVmaReadLock(MadviseBehavior mb) {
        MmStruct mm = mb.mm;
        VmAreaStruct vma = MmapLock.lockVmaUnderRcu(mm, mb.range.start);
        if (vma != null) {
            if (isVmaLockSufficient(vma, mb)) {
                mb.vma = vma;
                return true;
            }
            MmapLock.vmaEndRead(vma);
        }
        // take_mmap_read_lock:
        Probes.hit(P_VMA_LOCK_FALLBACK);
        MmapLock.mmapReadLock(mm);
        mb.lockMode = LockMode.MMAP_READ_LOCK;
        return false;
    }

    /** madvise_dontneed_single_vma(madv_behavior): zap the range, reclaiming empty PTE tables. */
    static long madviseDontneedSingleVma(MadviseBehavior mb) {
        ZapDetails details = new ZapDetails();
        details.reclaimPt = true;
        details.evenCows = true;
        Trace.note("madvise_dontneed_single_vma(%s, [%#x-%#x))", mb.vma, mb.range.start, mb.range.end);
        long len = mb.range.end - mb.range.start;
        if (Mutant.on(Mutant.DONTNEED_SKIPS_LAST_PAGE) && len > Page.PAGE_SIZE)
            len -= Page.PAGE_SIZE; // known-bad: the last page of the range keeps its contents
        Memory.zapPageRangeSingleBatched(mb.tlb, mb.vma, mb.range.start, len, details);
        return 0;
    }

    /** madvise_dontneed_free_valid_vma(madv_behavior). */
    static boolean madviseDontneedFreeValidVma(MadviseBehavior mb) {
        VmAreaStruct vma = mb.vma;
        // !is_vm_hugetlb_page (no hugetlb in the model)
        long forbidden = VM_PFNMAP;
        if (mb.behavior != MADV_DONTNEED_LOCKED)
            forbidden |= VM_LOCKED;
        return (vma.vmFlags.get() & forbidden) == 0;
    }

    /** madvise_dontneed_free(madv_behavior). */
    static long madviseDontneedFree(MadviseBehavior mb) {
        if (!madviseDontneedFreeValidVma(mb)) {
            Probes.hit(P_DONTNEED_INVALID);
            return -Errno.EINVAL;
        }
        if (mb.range.start == mb.range.end)
            return 0;
        // userfaultfd_remove: true (no userfaultfd), the lock was not dropped
        if (mb.behavior == MADV_DONTNEED || mb.behavior == MADV_DONTNEED_LOCKED)
            return madviseDontneedSingleVma(mb);
        return -Errno.EINVAL;
    }

    /** madvise_vma_behavior(madv_behavior), its DONTNEED branch. */
    static int madviseVmaBehavior(MadviseBehavior mb) {
        // can_madvise_modify: no mseal
        switch (mb.behavior) {
            case MADV_DONTNEED:
            case MADV_DONTNEED_LOCKED:
                return (int) madviseDontneedFree(mb);
            default:
                return -Errno.EINVAL;
        }
    }

    /**
     * madvise_walk_vmas(madv_behavior): one VMA under its read lock if possible (vma_end_read
     * before returning, so before tlb_finish_mmu); else every VMA in range under mmap read.
     */
    static int madviseWalkVmas(MadviseBehavior mb) {
        MmStruct mm = mb.mm;
        Range range = mb.range;
        long lastEnd = range.end; // range is updated to span each VMA
        int unmappedError = 0;
        int error;
        if (mb.lockMode == LockMode.VMA_READ_LOCK && tryVmaReadLock(mb)) {
            Probes.hit(P_VMA_LOCKED);
            error = madviseVmaBehavior(mb);
            MmapLock.vmaEndRead(mb.vma);
            return error;
        }
        VmAreaStruct[] prevOut = {null};
        VmAreaStruct vma = Mmap.findVmaPrev(mm, range.start, prevOut);
        VmAreaStruct prev = prevOut[0];
        if (vma != null && range.start > vma.vmStart.get())
            prev = vma;
        for (;;) {
            if (vma == null)
                return -Errno.ENOMEM;
            if (range.start < vma.vmStart.get()) {
                // a gap between VMAs in the input range: go on, but return -ENOMEM
                Probes.hit(P_HOLE);
                unmappedError = -Errno.ENOMEM;
                range.start = vma.vmStart.get();
                if (range.start >= lastEnd)
                    break;
            }
            range.end = Math.min(vma.vmEnd.get(), lastEnd);
            mb.prev = prev;
            mb.vma = vma;
            error = madviseVmaBehavior(mb);
            if (error != 0)
                return error;
            if (mb.lockDropped) {
                prev = null;
                vma = null;
                mb.lockDropped = false;
            } else {
                vma = mb.vma;
                prev = vma;
            }
            if (vma != null && range.end < vma.vmEnd.get())
                range.end = vma.vmEnd.get();
            if (range.end >= lastEnd)
                break;
            vma = Mmap.findVma(mm, vma != null ? vma.vmEnd.get() : range.end);
            range.start = range.end;
        }
        return unmappedError;
    }

    /** get_lock_mode(madv_behavior). */
    static LockMode getLockMode(MadviseBehavior mb) {
        switch (mb.behavior) {
            case MADV_REMOVE: case MADV_WILLNEED: case MADV_COLD: case MADV_PAGEOUT:
            case MADV_POPULATE_READ: case MADV_POPULATE_WRITE: case MADV_COLLAPSE:
                return LockMode.MMAP_READ_LOCK;
            case MADV_GUARD_INSTALL: case MADV_GUARD_REMOVE: case MADV_DONTNEED: case MADV_DONTNEED_LOCKED: case MADV_FREE:
                return LockMode.VMA_READ_LOCK;
            default:
                return LockMode.MMAP_WRITE_LOCK;
        }
    }

    /** madvise_lock(madv_behavior). */
    static int madviseLock(MadviseBehavior mb) {
        LockMode lockMode = getLockMode(mb);
        switch (lockMode) {
            case MMAP_WRITE_LOCK:
                if (MmapLock.mmapWriteLockKillable(mb.mm) != 0)
                    return -Errno.EINTR;
                break;
            case MMAP_READ_LOCK:
                MmapLock.mmapReadLock(mb.mm);
                break;
            default: // VMA_READ_LOCK: taken per VMA in madvise_walk_vmas
                break;
        }
        mb.lockMode = lockMode;
        return 0;
    }

    /** madvise_unlock(madv_behavior). */
    static void madviseUnlock(MadviseBehavior mb) {
        switch (mb.lockMode) {
            case NO_LOCK:
                return;
            case MMAP_WRITE_LOCK:
                MmapLock.mmapWriteUnlock(mb.mm);
                break;
            case MMAP_READ_LOCK:
                MmapLock.mmapReadUnlock(mb.mm);
                break;
            default: // VMA_READ_LOCK: dropped per VMA
                break;
        }
        mb.lockMode = LockMode.NO_LOCK;
    }

    /** madvise_batch_tlb_flush(behavior). */
    static boolean madviseBatchTlbFlush(int behavior) {
        return behavior == MADV_DONTNEED || behavior == MADV_DONTNEED_LOCKED || behavior == MADV_FREE;
    }

    /** madvise_init_tlb(madv_behavior). */
    static void madviseInitTlb(MadviseBehavior mb) {
        if (madviseBatchTlbFlush(mb.behavior))
            mb.tlb = MmuGather.tlbGatherMmu(mb.mm);
    }

    /** madvise_finish_tlb(madv_behavior). */
    static void madviseFinishTlb(MadviseBehavior mb) {
        if (madviseBatchTlbFlush(mb.behavior))
            MmuGather.tlbFinishMmu(mb.tlb);
    }

    /** is_valid_madvise(start, len_in, behavior). */
    static boolean isValidMadvise(long start, long lenIn, int behavior) {
        if (!madviseBehaviorValid(behavior))
            return false;
        if (!pageAligned(start))
            return false;
        long len = pageAlign(lenIn);
        // len rounded up from a small negative to zero
        if (lenIn != 0 && len == 0)
            return false;
        if (Long.compareUnsigned(start + len, start) < 0)
            return false;
        return true;
    }

    /** madvise_should_skip(start, len_in, behavior, &err): true with err set if invalid or empty. */
    static boolean madviseShouldSkip(long start, long lenIn, int behavior, int[] err) {
        if (!isValidMadvise(start, lenIn, behavior)) {
            err[0] = -Errno.EINVAL;
            return true;
        }
        if (start + pageAlign(lenIn) == start) {
            err[0] = 0;
            return true;
        }
        return false;
    }

    /** madvise_do_behavior(start, len_in, madv_behavior). */
    static int madviseDoBehavior(long start, long lenIn, MadviseBehavior mb) {
        mb.range.start = start; // get_untagged_addr: identity
        mb.range.end = mb.range.start + pageAlign(lenIn);
        // blk_start_plug, madvise_populate: none
        return madviseWalkVmas(mb);
    }

    /** do_madvise(mm, start, len_in, behavior): 0 or -errno. */
    public static int doMadvise(MmStruct mm, long start, long lenIn, int behavior) {
        int[] error = {0};
        MadviseBehavior mb = new MadviseBehavior();
        mb.mm = mm;
        mb.behavior = behavior;
        if (madviseShouldSkip(start, lenIn, behavior, error))
            return error[0];
        if (behavior != MADV_DONTNEED && behavior != MADV_DONTNEED_LOCKED)
            return -Errno.EINVAL; // model: only MADV_DONTNEED is ported
        int e = madviseLock(mb);
        if (e != 0)
            return e;
        madviseInitTlb(mb);
        e = madviseDoBehavior(start, lenIn, mb);
        madviseFinishTlb(mb);
        madviseUnlock(mb);
        return e;
    }

    /** SYSCALL_DEFINE3(madvise, start, len_in, behavior). model: mm explicit. */
    public static int sysMadvise(MmStruct mm, long start, long lenIn, int behavior) {
        return doMadvise(mm, start, lenIn, behavior);
    }
}
