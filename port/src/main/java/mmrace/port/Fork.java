package mmrace.port;

import mmrace.runtime.Err;
import mmrace.runtime.Errno;
import mmrace.runtime.Kernel;
import mmrace.runtime.KmemCache;
import mmrace.runtime.Lockdep;
import mmrace.runtime.Mutant;
import mmrace.runtime.Page;
import mmrace.runtime.Probes;
import mmrace.runtime.Report;
import mmrace.runtime.Task;
import mmrace.runtime.Trace;

/**
 * kernel/fork.c: the mm_struct cache and an mm's two lifetimes (mm_alloc, mm_init, __mmput and
 * mmput, __mmdrop; get_task_mm and mm_access for /proc), and fork's copy_mm/dup_mm; with the
 * include/linux/sched/mm.h inlines mmgrab, mmdrop, mmget, mmget_not_zero.
 *
 * <p>Read: kernel/fork.c is not stored at the port's re-read commit (c17ee635fd3a); the newest
 * stored copy is b501d4dc83aa3940189b68045cadc8b3eac73988 (maple-tree era), whose functions ported
 * here are those of the v7.0 window but for dup_mmap, which has since moved to mm/mmap.c
 * ({@link Mmap#dupMmap}, read from the annotated v7.0-window copy the class names).
 *
 * <p>Two counts keep an mm alive. mm_users counts the users of the address space (each thread of
 * the process, a /proc reader between mmget_not_zero and mmput): the last mmput tears the address
 * space down (exit_mmap). mm_count counts the references to the struct itself (one for all the
 * users together, plus mmgrab: a /proc/PID/mem file, a lazy-TLB CPU, vma_start_read holding on to
 * a foreign mm): the last mmdrop frees it to its cache (__mmdrop).
 *
 * <p>model: no uprobes, aio, ksm, khugepaged mm slots, exe_file, binfmt, memcg owner, mmlist,
 * user namespace, rss counters or pasid; copy_process is reduced to what fork does to memory
 * ({@link #kernelClone}); nobody is refused by ptrace_may_access (the reader is privileged).
 */
public final class Fork {
    private Fork() {}

    /** CLONE_VM (include/uapi/linux/sched.h). */
    public static final int CLONE_VM = 0x00000100;

    static final int P_MMPUT_LAST = Probes.register("mmput: last mm_users reference, __mmput tears the address space down");
    static final int P_MMDROP_LAST = Probes.register("mmdrop: last mm_count reference, __mmdrop frees the mm");
    static final int P_GET_TASK_MM_NULL = Probes.register("get_task_mm: the task has no mm (it has exited)");
    static final int P_MMGET_NOT_ZERO_FAIL = Probes.register("mmget_not_zero: mm_users already 0, the address space is gone");
    static final int P_DUP_MM_FAIL = Probes.register("dup_mm: dup_mmap failed, mmput the half-built mm");

    // ---------------------------------------------------------------- the mm_struct cache

    /** mm_cachep: SLAB_HWCACHE_ALIGN|SLAB_PANIC|SLAB_ACCOUNT (not SLAB_TYPESAFE_BY_RCU). */
    public static KmemCache<MmStruct> mmCachep(Kernel k) {
        return k.cache("mm_struct", false, () -> new MmStruct(k));
    }

    /** allocate_mm(): kmem_cache_alloc(mm_cachep, GFP_KERNEL). */
    static MmStruct allocateMm(Kernel k) {
        return mmCachep(k).alloc();
    }

    /** free_mm(mm): kmem_cache_free(mm_cachep, mm). */
    static void freeMm(MmStruct mm) {
        mmCachep(mm.kernel).free(mm);
    }

    /**
     * mm_init(mm, p, user_ns): an empty address space with one user and one reference, and its
     * pgd (mm_alloc_pgd); null (the mm freed) on -ENOMEM.
     */
    static MmStruct mmInit(MmStruct mm, String label) {
        mm.label = label;
        mm.mmMt.mtInit(); // mt_init_flags(&mm->mm_mt, MM_MT_FLAGS); mt_set_external_lock
        mm.mmUsers.set(1);
        mm.mmCount.set(1);
        mm.mmLockSeq.set(0); // mmap_init_lock: init_rwsem, mm_lock_seqcount_init
        mm.mapCount.set(0);
        mm.cpumask.clear(); // mm_init_cpumask
        mm.tlbFlushBatched.set(0); // model: as memset would leave it (dup_mm's memcpy copies the parent's)
        // mm_alloc_pgd(mm)
        Page pgd = mm.kernel.pages.allocTable("pgd"); // pgd_alloc
        if (pgd == null) {
            freeMm(mm); // fail_nopgd
            return null;
        }
        mm.pgd = pgd;
        return mm;
    }

    /** mm_alloc(): allocate and initialize an mm_struct; null on -ENOMEM. */
    public static MmStruct mmAlloc(Kernel k, String label) {
        MmStruct mm = allocateMm(k);
        if (mm == null)
            return null;
        // memset(mm, 0, sizeof(*mm)): model: mm_init sets every field the model has
        return mmInit(mm, label);
    }

    // ---------------------------------------------------------------- include/linux/sched/mm.h

    /** mmgrab(mm): one more reference to the struct (mm_count). */
    public static void mmgrab(MmStruct mm) {
        mm.mmCount.addReturn(1); // atomic_inc
    }

    /** mmdrop(mm): drop a reference to the struct; the last one frees it. */
    public static void mmdrop(MmStruct mm) {
        // The implicit full barrier implied by atomic_dec_and_test() is required by the membarrier
        // system call before returning to user-space, after storing to rq->curr.
        if (mm.mmCount.addReturn(-1) == 0) { // atomic_dec_and_test
            Probes.hit(P_MMDROP_LAST);
            __mmdrop(mm);
        }
    }

    /** mmget(mm): one more user of the address space (the caller already has a reference). */
    public static void mmget(MmStruct mm) {
        mm.mmUsers.addReturn(1); // atomic_inc
    }

    /** mmget_not_zero(mm): a new user, unless the address space is already being torn down. */
    public static boolean mmgetNotZero(MmStruct mm) {
        if (Mutant.on(Mutant.MMGET_FROM_ZERO)) {
            mmget(mm);
            return true;
        }
        if (mm.mmUsers.refcountAddNotZero(1)) // atomic_inc_not_zero
            return true;
        Probes.hit(P_MMGET_NOT_ZERO_FAIL);
        return false;
    }

    // ---------------------------------------------------------------- kernel/fork.c

    /**
     * __mmdrop(mm): the last reference to the struct is gone: free the page directory and the mm.
     * model: check_mm has no rss counters to check; the pgd must have no lower tables left, which
     * the final-state checks see (a table no mm reaches is a leak).
     */
    static void __mmdrop(MmStruct mm) {
        Trace.note("__mmdrop(%s)", mm);
        mm.kernel.pages.free(mm.pgd); // mm_free_pgd: pgd_free (mm->pgd is left dangling, as in the kernel)
        // destroy_context, mmu_notifier_subscriptions_destroy, check_mm, put_user_ns,
        // mm_pasid_drop, percpu_counter_destroy: model none
        freeMm(mm);
    }

    /** __mmput(mm): the last user is gone: tear the address space down, then drop its reference. */
    static void __mmput(MmStruct mm) {
        Task t = Task.current();
        if (mm.mmUsers.read() != 0) // VM_BUG_ON(atomic_read(&mm->mm_users))
            t.kernel.reports.file(t, Report.Kind.BUG, "VM_BUG_ON(atomic_read(&mm->mm_users))", mm.name());
        // uprobe_clear_state, exit_aio, ksm_exit, khugepaged_exit: model none
        Mmap.exitMmap(mm);
        // mm_put_huge_zero_folio, set_mm_exe_file(mm, NULL), mmlist, binfmt, lru_gen_del_mm: model none
        mmdrop(mm);
    }

    /** mmput(mm): decrement the use count and release all resources for an mm. */
    public static void mmput(MmStruct mm) {
        Lockdep.mightSleep(Task.current(), "mmput");
        if (mm.mmUsers.addReturn(-1) == 0) { // atomic_dec_and_test
            Probes.hit(P_MMPUT_LAST);
            Trace.note("mmput(%s): last user, __mmput", mm);
            __mmput(mm);
        }
    }

    /**
     * get_task_mm(task): a reference (mm_users) to the task's mm, or null if it has none. The
     * caller releases it with mmput(). Typically used by /proc and ptrace.
     */
    public static MmStruct getTaskMm(TaskStruct task) {
        task.taskLock();
        MmStruct mm = task.mm.get();
        if (mm != null)
            mmget(mm); // model: never PF_KTHREAD
        else
            Probes.hit(P_GET_TASK_MM_NULL);
        task.taskUnlock();
        return mm;
    }

    /**
     * mm_access(task, mode): get_task_mm() for a reader allowed to inspect the task (ptrace_may_access).
     * model: no exec, so no exec_update_lock to take; the reader is always allowed.
     */
    public static MmStruct mmAccess(TaskStruct task) {
        return getTaskMm(task);
    }

    /**
     * dup_mm(tsk, oldmm): a new mm that is a copy of oldmm (dup_mmap under both mmap locks); null
     * on failure, after mmput() of the half-built mm.
     */
    static MmStruct dupMm(TaskStruct tsk, MmStruct oldmm) {
        MmStruct mm = allocateMm(oldmm.kernel);
        if (mm == null)
            return null; // fail_nomem
        // memcpy(mm, oldmm, sizeof(*mm)): model: mm_init sets every field the model has
        if (mmInit(mm, tsk.comm) == null)
            return null; // fail_nomem
        int err = Mmap.dupMmap(mm, oldmm);
        if (err != 0) {
            Probes.hit(P_DUP_MM_FAIL);
            mmput(mm); // free_pt
            return null;
        }
        // hiwater_rss, hiwater_vm, binfmt module: model none
        return mm;
    }

    /** copy_mm(clone_flags, tsk): the new task's mm: the parent's (CLONE_VM) or a copy. 0 or -ENOMEM. */
    static int copyMm(int cloneFlags, TaskStruct tsk, TaskStruct current) {
        tsk.mm.set(null);
        MmStruct oldmm = current.mm.get();
        if (oldmm == null)
            return 0; // a kernel thread
        MmStruct mm;
        if ((cloneFlags & CLONE_VM) != 0) {
            mmget(oldmm);
            mm = oldmm;
        } else {
            mm = dupMm(tsk, oldmm);
            if (mm == null)
                return -Errno.ENOMEM;
        }
        tsk.mm.set(mm);
        return 0;
    }

    /**
     * kernel_clone() for fork(2) by {@code current}, reduced to what it does to memory: the new
     * task (dup_task_struct) and copy_mm(); the child task, named {@code comm}, or ERR_PTR(-ENOMEM).
     * model: copy_process's other steps (credentials, files, signals, pid) are not modelled; the
     * child is runnable when this returns (wake_up_new_task).
     */
    public static TaskStruct kernelClone(TaskStruct current, int cloneFlags, String comm) {
        Trace.note("kernel_clone(%s -> %s)", current, comm);
        TaskStruct p = new TaskStruct(comm); // dup_task_struct
        int retval = copyMm(cloneFlags, p, current);
        if (retval != 0)
            return Err.errPtr(retval, TaskStruct.class, () -> new TaskStruct("ERR_PTR"));
        return p;
    }
}
