package mmrace.port;

import mmrace.runtime.Field;
import mmrace.runtime.KObject;
import mmrace.runtime.Ref;
import mmrace.runtime.SpinLock;

/**
 * struct task_struct (include/linux/sched.h, not re-read: these fields as they have long stood):
 * what fork, exit and the /proc readers need of a
 * task: its {@code mm} and {@code alloc_lock} (task_lock()). One per thread of a process; every
 * thread of a process holds one mm_users reference on the mm it shares.
 *
 * <p>model: no active_mm (a task that dropped its mm is not lazily kept on it: see
 * {@link Exit#exitMm}), no signal_struct (no exec_update_lock: the model has no exec), no flags
 * (never PF_KTHREAD), and the task_struct itself is never freed (put_task_struct is not modelled);
 * which CPU runs it is the runtime's {@link mmrace.runtime.Task}.
 */
public final class TaskStruct extends KObject {
    private static final Field MM = new Field("mm");
    private static final Field ALLOC_LOCK = new Field("alloc_lock");

    /** tsk->mm: NULL once the task has gone through exit_mm(). */
    public final Ref<MmStruct> mm;
    /** tsk->alloc_lock: task_lock() protects ->mm against get_task_mm(). */
    public final SpinLock allocLock;
    /** tsk->comm, for traces. */
    public final String comm;

    public TaskStruct(String comm) {
        this.comm = comm;
        this.mm = new Ref<>(this, MM, null);
        this.allocLock = new SpinLock(this, ALLOC_LOCK, "task_struct.alloc_lock");
    }

    /** task_lock(p). */
    public void taskLock() {
        allocLock.lock();
    }

    /** task_unlock(p). */
    public void taskUnlock() {
        allocLock.unlock();
    }

    @Override
    public String name() {
        return comm;
    }
}
