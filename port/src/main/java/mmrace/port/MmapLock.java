package mmrace.port;

import mmrace.runtime.Barrier;
import mmrace.runtime.Err;
import mmrace.runtime.Errno;
import mmrace.runtime.Mutant;
import mmrace.runtime.Probes;
import mmrace.runtime.Report;
import mmrace.runtime.Task;
import mmrace.runtime.Trace;
import mmrace.runtime.Tracepoint;

import java.util.List;

import static mmrace.port.MmTypes.VM_REFCNT_EXCLUDE_READERS_FLAG;
import static mmrace.port.MmTypes.VM_REFCNT_LIMIT;

/**
 * mm/mmap_lock.c (read at c17ee635fd3a482b2ad2bf5e269755c2eae5f25e) and include/linux/mmap_lock.h
 * (not stored at that commit: stored copy id 1940558157, which declares the interface the .c at
 * c17ee635 uses): the mmap_lock wrappers, mm_lock_seq,
 * and per-VMA locks (vm_refcnt / vm_lock_seq).
 *
 * <p>model: lock_next_vma and lock_mm_and_find_vma (the /proc/PID/maps reader and the arch fault
 * entry) are not ported; the mmap_lock tracepoints are, because the oracle listens to them.
 */
public final class MmapLock {
    private MmapLock() {}

    static final int P_LOCK_NO_VMA = Probes.register("lock_vma_under_rcu: no vma at address");
    static final int P_LOCK_MISS = Probes.register("lock_vma_under_rcu: vma detached, retry (VMA_LOCK_MISS)");
    static final int P_LOCK_ABORT = Probes.register("lock_vma_under_rcu: vma_start_read failed (VMA_LOCK_ABORT)");
    static final int P_LOCK_RANGE = Probes.register("lock_vma_under_rcu: address outside the locked vma");
    static final int P_LOCK_OK = Probes.register("lock_vma_under_rcu: locked");
    static final int P_READ_EARLY = Probes.register("vma_start_read: early check sees vm_lock_seq == mm_lock_seq");
    static final int P_READ_DETACHED = Probes.register("vma_start_read: vm_refcnt 0, detached (-EAGAIN)");
    static final int P_READ_EXCLUDED = Probes.register("vma_start_read: readers excluded or limit (NULL)");
    static final int P_READ_OTHER_MM = Probes.register("vma_start_read: vm_mm != mm (reused)");
    static final int P_READ_WRLOCKED = Probes.register("vma_start_read: write-locked (seq check)");
    static final int P_WRITE_WAIT = Probes.register("__vma_start_exclude_readers: waits for readers");
    static final int P_WRITE_DETACHED = Probes.register("__vma_start_exclude_readers: vma detached");
    static final int P_DETACH_WAIT = Probes.register("vma_mark_detached: transient reader, exclude readers");

    // ---------------------------------------------------------------- include/linux/mmap_lock.h

    /** mmap_assert_locked(mm): rwsem_assert_held. */
    public static void mmapAssertLocked(MmStruct mm) {
        Task t = Task.current();
        t.kernel.lockdep.assertHeld(t, mm.mmapLock.map, "mmap_assert_locked");
    }

    /** mmap_assert_write_locked(mm): rwsem_assert_held_write. */
    public static void mmapAssertWriteLocked(MmStruct mm) {
        Task t = Task.current();
        if (!mm.mmapLock.isWriteLockedBy(t))
            t.kernel.reports.file(t, Report.Kind.LOCKDEP, "mmap_assert_write_locked failed", mm.mmapLock.name() + " not write-locked by " + t.name);
    }

    /** mm_lock_seqcount_begin(mm): do_raw_write_seqcount_begin: sequence++ (now odd), smp_wmb. */
    static void mmLockSeqcountBegin(MmStruct mm) {
        mm.mmLockSeq.set(mm.mmLockSeq.get() + 1);
        Barrier.smpWmb();
    }

    /** mm_lock_seqcount_end(mm): do_raw_write_seqcount_end: smp_wmb, sequence++ (now even). */
    static void mmLockSeqcountEnd(MmStruct mm) {
        int seq = mm.mmLockSeq.get();
        Barrier.smpWmb();
        mm.mmLockSeq.setRelease(seq + 1);
    }

    /** vma_lock_init(vma, reset_refcnt). */
    public static void vmaLockInit(VmAreaStruct vma, boolean resetRefcnt) {
        if (resetRefcnt)
            vma.vmRefcnt.set(0);
        vma.vmLockSeq.set(-1); // UINT_MAX
    }

    /** __vma_are_readers_excluded(refcnt). */
    static boolean __vmaAreReadersExcluded(int refcnt) {
        return (refcnt & VM_REFCNT_EXCLUDE_READERS_FLAG) != 0 && refcnt <= VM_REFCNT_EXCLUDE_READERS_FLAG + 1;
    }

    /** __vma_refcount_put_return(vma): the count right after the decrement. */
    static int __vmaRefcountPutReturn(VmAreaStruct vma) {
        int oldcnt = vma.vmRefcnt.refcountDecReturnOld();
        return oldcnt - 1;
    }

    /** vma_refcount_put(vma): drop a read reference; wake a writer waiting for the last reader. */
    static void vmaRefcountPut(VmAreaStruct vma) {
        Task t = Task.current();
        MmStruct mm = vma.vmMm.get(); // a copy: vma may be freed after the decrement
        t.kernel.lockdep.release(t, vma.vmlockDepMap); // __vma_lockdep_release_read
        int newcnt = __vmaRefcountPutReturn(vma);
        if (newcnt != 0 && __vmaAreReadersExcluded(newcnt))
            mm.vmaWriterWait.wakeUp();
    }

    /** vma_end_read(vma). */
    public static void vmaEndRead(VmAreaStruct vma) {
        Trace.note("vma_end_read(%s)", vma); // before the put: a writer may run the moment it happens
        vmaRefcountPut(vma);
    }

    /** __vma_raw_mm_seqnum(vma): valid only under mmap write. */
    static int __vmaRawMmSeqnum(VmAreaStruct vma) {
        MmStruct mm = vma.vmMm.get();
        mmapAssertWriteLocked(mm);
        return mm.mmLockSeq.get();
    }

    /** __is_vma_write_locked(vma). */
    static boolean __isVmaWriteLocked(VmAreaStruct vma) {
        return vma.vmLockSeq.get() == __vmaRawMmSeqnum(vma);
    }

    /** vma_start_write(vma): exclude readers until mmap_lock is dropped or downgraded. */
    public static void vmaStartWrite(VmAreaStruct vma) {
        if (__isVmaWriteLocked(vma))
            return;
        __vmaStartWrite(vma, false);
    }

    /** vma_start_write_killable(vma): 0 or -EINTR. */
    public static int vmaStartWriteKillable(VmAreaStruct vma) {
        if (__isVmaWriteLocked(vma))
            return 0;
        return __vmaStartWrite(vma, true);
    }

    /** vma_assert_write_locked(vma). */
    public static void vmaAssertWriteLocked(VmAreaStruct vma) {
        if (!__isVmaWriteLocked(vma)) {
            Task t = Task.current();
            t.kernel.reports.file(t, Report.Kind.WARN, "vma_assert_write_locked failed", vma.describe());
        }
    }

    /** vma_assert_locked(vma): read- or write-locked, and attached (the CONFIG_LOCKDEP form). */
    public static void vmaAssertLocked(VmAreaStruct vma) {
        Task t = Task.current();
        if (!t.kernel.lockdep.isHeld(t, vma.vmlockDepMap))
            vmaAssertWriteLocked(vma);
    }

    /** vma_is_attached(vma). */
    public static boolean vmaIsAttached(VmAreaStruct vma) {
        return vma.vmRefcnt.read() != 0;
    }

    static void vmaAssertAttached(VmAreaStruct vma) {
        if (!vmaIsAttached(vma))
            warn("vma_assert_attached failed", vma);
    }

    static void vmaAssertDetached(VmAreaStruct vma) {
        if (vmaIsAttached(vma))
            warn("vma_assert_detached failed", vma);
    }

    /** vma_mark_attached(vma): write-locked and detached; refcount_set_release(1). */
    public static void vmaMarkAttached(VmAreaStruct vma) {
        vmaAssertWriteLocked(vma);
        vmaAssertDetached(vma);
        vma.vmRefcnt.setRelease(1);
    }

    /** vma_mark_detached(vma): drop the attach reference; wait out a reader's transient increment. */
    public static void vmaMarkDetached(VmAreaStruct vma) {
        vmaAssertWriteLocked(vma);
        vmaAssertAttached(vma);
        if (__vmaRefcountPutReturn(vma) == 0 || Mutant.on(Mutant.DETACH_NO_WAIT))
            return;
        Probes.hit(P_DETACH_WAIT);
        __vmaExcludeReadersForDetach(vma);
    }

    /** mmap_write_lock(mm). */
    public static void mmapWriteLock(MmStruct mm) {
        mm.mmapLock.downWrite();
        mmLockSeqcountBegin(mm);
        Trace.tracepoint(Tracepoint.MMAP_WRITE_ACQUIRED, mm, 0);
        Trace.note("mmap_write_lock(%s)", mm);
    }

    /** mmap_write_lock_killable(mm): 0 or -EINTR. */
    public static int mmapWriteLockKillable(MmStruct mm) {
        int ret = mm.mmapLock.downWriteKillable();
        if (ret == 0) {
            mmLockSeqcountBegin(mm);
            Trace.tracepoint(Tracepoint.MMAP_WRITE_ACQUIRED, mm, 0);
            Trace.note("mmap_write_lock_killable(%s)", mm);
        }
        return ret;
    }

    /** vma_end_write_all(mm): every VMA write lock of this section ends here. */
    static void vmaEndWriteAll(MmStruct mm) {
        mmapAssertWriteLocked(mm);
        mmLockSeqcountEnd(mm);
    }

    /** mmap_write_unlock(mm). */
    public static void mmapWriteUnlock(MmStruct mm) {
        Trace.tracepoint(Tracepoint.MMAP_WRITE_RELEASED, mm, 0); // __mmap_lock_trace_released(mm, true)
        Trace.note("mmap_write_unlock(%s)", mm);
        if (!Mutant.on(Mutant.UNLOCK_NO_END_WRITE))
            vmaEndWriteAll(mm);
        mm.mmapLock.upWrite();
    }

    /** mmap_write_downgrade(mm). */
    public static void mmapWriteDowngrade(MmStruct mm) {
        Trace.tracepoint(Tracepoint.MMAP_WRITE_RELEASED, mm, 1);
        Trace.note("mmap_write_downgrade(%s)", mm);
        vmaEndWriteAll(mm);
        mm.mmapLock.downgradeWrite();
    }

    /** mmap_read_lock(mm). */
    public static void mmapReadLock(MmStruct mm) {
        mm.mmapLock.downRead();
        Trace.note("mmap_read_lock(%s)", mm);
    }

    /** mmap_read_lock_killable(mm): 0 or -EINTR. */
    public static int mmapReadLockKillable(MmStruct mm) {
        int ret = mm.mmapLock.downReadKillable();
        if (ret == 0)
            Trace.note("mmap_read_lock_killable(%s)", mm);
        return ret;
    }

    /** mmap_read_trylock(mm). */
    public static boolean mmapReadTrylock(MmStruct mm) {
        return mm.mmapLock.downReadTrylock();
    }

    /** mmap_read_unlock(mm). */
    public static void mmapReadUnlock(MmStruct mm) {
        Trace.note("mmap_read_unlock(%s)", mm);
        mm.mmapLock.upRead();
    }

    // ---------------------------------------------------------------- mm/mmap_lock.c

    /** struct vma_exclude_readers_state. */
    static final class VmaExcludeReadersState {
        final VmAreaStruct vma;
        final boolean killable;
        final boolean detaching;
        boolean detached;
        boolean exclusive;

        VmaExcludeReadersState(VmAreaStruct vma, boolean killable, boolean detaching) {
            this.vma = vma;
            this.killable = killable;
            this.detaching = detaching;
        }
    }

    /** __vma_end_exclude_readers(ves). */
    static void __vmaEndExcludeReaders(VmaExcludeReadersState ves) {
        Task t = Task.current();
        VmAreaStruct vma = ves.vma;
        if (ves.detached)
            warn("__vma_end_exclude_readers on a detached vma", vma);
        ves.detached = vma.vmRefcnt.refcountSubAndTest(VM_REFCNT_EXCLUDE_READERS_FLAG);
        t.kernel.lockdep.release(t, vma.vmlockDepMap); // __vma_lockdep_release_exclusive
    }

    /** get_target_refcnt(ves). */
    static int getTargetRefcnt(VmaExcludeReadersState ves) {
        int tgt = ves.detaching ? 0 : 1;
        return tgt | VM_REFCNT_EXCLUDE_READERS_FLAG;
    }

    /** __vma_start_exclude_readers(ves): add the flag, then sleep until the readers have left. */
    static int __vmaStartExcludeReaders(VmaExcludeReadersState ves) {
        Task t = Task.current();
        VmAreaStruct vma = ves.vma;
        int tgtRefcnt = getTargetRefcnt(ves);
        MmStruct mm = vma.vmMm.get();
        mmapAssertWriteLocked(mm);
        if (!vma.vmRefcnt.refcountAddNotZero(VM_REFCNT_EXCLUDE_READERS_FLAG)) {
            Probes.hit(P_WRITE_DETACHED);
            ves.detached = true;
            return 0;
        }
        t.kernel.lockdep.acquire(t, vma.vmlockDepMap, false, false); // __vma_lockdep_acquire_exclusive
        if (vma.vmRefcnt.peek() != tgtRefcnt)
            Probes.hit(P_WRITE_WAIT);
        int err = mm.vmaWriterWait.waitEvent(() -> vma.vmRefcnt.read() == tgtRefcnt, ves.killable,
                "vma_start_write(" + vma.name() + "): waiting for vma readers",
                () -> readersOf(vma));
        if (err != 0) {
            __vmaEndExcludeReaders(ves);
            return err;
        }
        ves.exclusive = true;
        return 0;
    }

    /** __vma_start_write(vma, state): 0, or -EINTR (killable only). */
    static int __vmaStartWrite(VmAreaStruct vma, boolean killable) {
        int mmLockSeq = __vmaRawMmSeqnum(vma);
        VmaExcludeReadersState ves = new VmaExcludeReadersState(vma, killable, false);
        int err = __vmaStartExcludeReaders(ves);
        if (err != 0) {
            if (ves.detached)
                warn("__vma_start_write: error on a detached vma", vma);
            return err;
        }
        vma.vmLockSeq.set(mmLockSeq); // WRITE_ONCE(vma->vm_lock_seq, mm_lock_seq)
        if (ves.exclusive) {
            __vmaEndExcludeReaders(ves);
            if (ves.detached)
                warn("__vma_start_write: vma detached while write-locking", vma);
        }
        Trace.note("vma_start_write(%s)", vma);
        return 0;
    }

    /** __vma_exclude_readers_for_detach(vma): wait until the transient readers have left, then detach. */
    static void __vmaExcludeReadersForDetach(VmAreaStruct vma) {
        VmaExcludeReadersState ves = new VmaExcludeReadersState(vma, false, true);
        int err = __vmaStartExcludeReaders(ves);
        if (err == 0 && ves.exclusive)
            __vmaEndExcludeReaders(ves);
        if (!ves.detached)
            warn("__vma_exclude_readers_for_detach: not detached", vma);
    }

    /**
     * vma_start_read(mm, vma): try to read-lock a VMA found under RCU. Returns the VMA (RCU still
     * held), null (failed; RCU released) or ERR_PTR(-EAGAIN) (detached; RCU released).
     */
    static VmAreaStruct vmaStartRead(MmStruct mm, VmAreaStruct vma) {
        Task t = Task.current();
        if (!t.kernel.rcu.readLockHeld())
            t.kernel.reports.file(t, Report.Kind.LOCKDEP, "RCU_LOCKDEP_WARN: no rcu lock held", "vma_start_read");
        // Check before locking. A race might cause false locked result.
        if (!Mutant.on(Mutant.NO_EARLY_SEQ_CHECK) && vma.vmLockSeq.read() == mm.mmLockSeq.read()) {
            Probes.hit(P_READ_EARLY);
            t.kernel.rcu.readUnlock();
            return null;
        }
        int[] oldcnt = new int[1];
        if (!vma.vmRefcnt.refcountIncNotZeroLimitedAcquire(VM_REFCNT_LIMIT, oldcnt)
                && !(oldcnt[0] == 0 && Mutant.on(Mutant.NO_DETACHED_CHECK) && vma.vmRefcnt.cmpxchg(0, 1) == 0)) {
            Probes.hit(oldcnt[0] != 0 ? P_READ_EXCLUDED : P_READ_DETACHED);
            t.kernel.rcu.readUnlock();
            return oldcnt[0] != 0 ? null : Vma.errPtrVma(-Errno.EAGAIN); // detached from under us
        }
        t.kernel.lockdep.acquire(t, vma.vmlockDepMap, true, true); // __vma_lockdep_acquire_read
        if (!Mutant.on(Mutant.NO_MM_CHECK) && vma.vmMm.get() != mm) {
            // err_unstable: the VMA was reused for another mm. That mm is not stable and can be
            // freed in the narrow window after vma->vm_refcnt is dropped and before
            // rcuwait_wake_up(mm) is called: grab it before releasing vma->vm_refcnt.
            Probes.hit(P_READ_OTHER_MM);
            MmStruct otherMm = vma.vmMm.get(); // a copy: vma can be freed after we drop vm_refcnt
            Trace.note("vma_start_read(%s, %s): vm_mm is %s", mm, vma, otherMm);
            // __mmdrop() is a heavy operation, do it after dropping RCU lock.
            t.kernel.rcu.readUnlock();
            Fork.mmgrab(otherMm);
            vmaRefcountPut(vma);
            Fork.mmdrop(otherMm);
            return null;
        }
        if (!Mutant.on(Mutant.NO_SEQ_RECHECK) && vma.vmLockSeq.get() == mm.mmLockSeq.readAcquire()) { // raw_read_seqcount
            Probes.hit(P_READ_WRLOCKED);
            vmaRefcountPut(vma);
            t.kernel.rcu.readUnlock();
            return null;
        }
        return vma;
    }

    /**
     * lock_vma_under_rcu(mm, address): a read-locked VMA containing address, or null. The caller
     * must keep mm alive.
     */
    public static VmAreaStruct lockVmaUnderRcu(MmStruct mm, long address) {
        Task t = Task.current();
        MaState mas = new MaState(mm.mmMt, address, address); // MA_STATE(mas, &mm->mm_mt, address, address)
        VmAreaStruct vma;
        for (;;) { // retry:
            t.kernel.rcu.readLock();
            vma = (VmAreaStruct) MapleTree.masWalk(mas);
            if (vma == null) {
                Probes.hit(P_LOCK_NO_VMA);
                t.kernel.rcu.readUnlock();
                return inval(address);
            }
            if (Mutant.on(Mutant.RANGE_BEFORE_LOCK) && (address < vma.vmStart.get() || address >= vma.vmEnd.get())) {
                t.kernel.rcu.readUnlock();
                return inval(address);
            }
            vma = vmaStartRead(mm, vma);
            if (Err.isErrOrNull(vma)) {
                // Check if the VMA got isolated after we found it
                if (Err.ptrErr(vma) == -Errno.EAGAIN) {
                    // count VMA_LOCK_MISS; the area was replaced with another one
                    Probes.hit(P_LOCK_MISS);
                    if (!Mutant.on(Mutant.NO_MAS_RESET))
                        MapleTree.masSet(mas, address);
                    t.spin("lock_vma_under_rcu: vma detached, retry");
                    continue;
                }
                // Failed to lock the VMA
                Probes.hit(P_LOCK_ABORT);
                return inval(address);
            }
            break;
        }
        // A stable reference: the VMA is locked and was not isolated when we locked it.
        t.kernel.rcu.readUnlock();
        if (!Mutant.on(Mutant.NO_RANGE_RECHECK) && (address < vma.vmStart.get() || address >= vma.vmEnd.get())) {
            Probes.hit(P_LOCK_RANGE);
            vmaEndRead(vma);
            return inval(address);
        }
        Probes.hit(P_LOCK_OK);
        Trace.note("lock_vma_under_rcu(%#x) -> %s", address, vma);
        return vma;
    }

    /** inval: count_vm_vma_lock_event(VMA_LOCK_ABORT); return NULL. */
    private static VmAreaStruct inval(long address) {
        Trace.note("lock_vma_under_rcu(%#x) -> NULL", address);
        return null;
    }

    // ---------------------------------------------------------------- helpers

    /** Tasks holding a read lock on vma: who must act before a writer excluding readers can go on. */
    static List<Task> readersOf(VmAreaStruct vma) {
        return Task.current().kernel.lockdep.readHolders(vma.vmlockDepMap);
    }

    private static void warn(String what, VmAreaStruct vma) {
        Task t = Task.current();
        t.kernel.reports.file(t, Report.Kind.WARN, what, vma.describe());
    }

    /** -EINTR, for callers that pass errors on. */
    public static final int EINTR = -Errno.EINTR;
}
