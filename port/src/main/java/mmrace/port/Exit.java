package mmrace.port;

import mmrace.runtime.Barrier;
import mmrace.runtime.Task;
import mmrace.runtime.Trace;

/**
 * kernel/exit.c: exit_mm(), a task letting go of its address space on its way out (do_exit).
 *
 * <p>Read: kernel/exit.c is not stored at the port's re-read commit (c17ee635fd3a), and the
 * stored torvalds/linux copy (1ebbe2b20091) is a 2.6 one; exit_mm follows the v7.0 text as a
 * stored annotated copy quotes it (stored id 57368758555: mmap_read_lock, mmgrab_lazy_tlb,
 * task_lock, current->mm = NULL, mmap_read_unlock, mmput).
 *
 * <p>model: the exiting task does not stay on the mm as its lazy-TLB active_mm: the
 * mmgrab_lazy_tlb() reference is dropped at the end of exit_mm (where the kernel drops it when the
 * CPU next switches to another mm, in finish_task_switch); no membarrier, no mm owner (memcg), no
 * OOM victim; exit_mm_release has no futex or vfork to complete.
 */
public final class Exit {
    private Exit() {}

    /** exit_mm() for {@code current}: turn it into a task without an mm, and drop its reference. */
    public static void exitMm(TaskStruct current) {
        MmStruct mm = current.mm.get();
        // exit_mm_release(current, mm): model: no futexes, no vfork_done
        if (mm == null)
            return;
        Trace.note("exit_mm(%s): %s", current, mm);
        MmapLock.mmapReadLock(mm);
        Fork.mmgrab(mm); // mmgrab_lazy_tlb(mm)
        // more a memory barrier than a real lock
        current.taskLock();
        Barrier.smpMb(); // smp_mb__after_spinlock
        Task t = Task.current();
        t.kernel.irq.disable();
        current.mm.set(null);
        // membarrier_update_current_mm(NULL), enter_lazy_tlb(mm, current): model none
        t.kernel.irq.enable();
        current.taskUnlock();
        MmapLock.mmapReadUnlock(mm);
        // mm_update_next_owner(mm): model none
        Fork.mmput(mm);
        // model: the CPU leaves the mm at once (finish_task_switch: mmdrop_lazy_tlb)
        Fork.mmdrop(mm);
    }
}
