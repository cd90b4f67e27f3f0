package mmrace.runtime;

import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * struct rcuwait (include/linux/rcuwait.h, kernel/exit.c): one sleeping task, woken by
 * rcuwait_wake_up(). The sleeper sets its state before testing the condition, so a wake-up
 * between the test and schedule() is not lost; a missing wake-up is a sleeper that never wakes,
 * which the scheduler reports as a deadlock.
 */
public final class Rcuwait {
    private static final Field TASK = new Field("rcuwait.task", true);
    private final Ref<Task> task;

    public Rcuwait(KObject owner) {
        this.task = new Ref<>(owner, TASK, null);
    }

    /**
     * An rcuwait embedded in {@code owner} as {@code field}: for an owner whose memory is not
     * type-stable (an mm_struct), where a wake-up after the owner was freed is a use-after-free.
     */
    public Rcuwait(KObject owner, Field field) {
        this.task = new Ref<>(owner, field, null);
    }

    /** rcuwait_wait_event(w, condition, state): 0, or -EINTR (killable only). */
    public int waitEvent(BooleanSupplier condition, boolean killable, String what, Supplier<List<Task>> wakers) {
        Task t = Task.current();
        int ret = 0;
        task.rcuAssignPointer(t); // prepare_to_rcuwait
        for (;;) {
            t.setCurrentState();
            if (condition.getAsBoolean())
                break;
            if (killable && t.fatalSignal) {
                ret = -Errno.EINTR;
                break;
            }
            t.schedule(what, wakers);
        }
        task.rcuAssignPointer(null); // finish_rcuwait
        t.setRunning();
        return ret;
    }

    /** rcuwait_wake_up(w). */
    public void wakeUp() {
        Task t = Task.current();
        t.kernel.rcu.readLock();
        Task p = task.rcuDereference();
        if (p != null)
            t.wakeUpProcess(p);
        t.kernel.rcu.readUnlock();
    }

    /** rcuwait_active(). */
    public boolean active() {
        return task.peek() != null;
    }
}
