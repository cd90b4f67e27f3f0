package mmrace.runtime;

import java.util.List;

/**
 * What a task waits for: a lock, a grace period, an IPI acknowledgement, a wake-up.
 * {@link #ready} must not touch shared state through primitives (it is evaluated by the
 * scheduler, between steps). {@link #holders} names the tasks that must act before it can become
 * ready, for the wait-for graph printed on a deadlock.
 */
public abstract class Waiter {
    public abstract boolean ready();

    /** "down_write(mmap_lock)", "synchronize_rcu", "vma_start_write(B): readers". */
    public abstract String what();

    public abstract List<Task> holders();
}
