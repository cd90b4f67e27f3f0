package mmrace.runtime;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * RCU (kernel/rcu): read-side sections, grace periods that really wait for every pre-existing
 * reader, and callbacks run once their grace period has ended.
 *
 * <p>As in the consolidated RCU of kernel 5.0+, a region with interrupts disabled is a read-side
 * critical section too: a grace period waits for it.
 *
 * <p>model: a grace period ends as soon as every task that was inside a read section when it began
 * has left it (the earliest moment the kernel could end it); callbacks then run in the context of
 * the next task to call rcu_read_unlock, call_rcu, synchronize_rcu or rcu_barrier.
 */
public final class Rcu extends Shared {
    private static final Field RCU = new Field("rcu");

    /** A callback waiting for its grace period: the reader snapshot taken by call_rcu. */
    private record Callback(long[] snapshot, Runnable fn, String what) {}

    private final Kernel kernel;
    private final ConcurrentLinkedQueue<Callback> pending = new ConcurrentLinkedQueue<>();
    public final Lockdep.Map map = new Lockdep.Map("rcu_read_lock", "rcu_read_lock");

    Rcu(Kernel kernel) {
        super(null, RCU);
        this.kernel = kernel;
    }

    /** rcu_read_lock(). */
    public void readLock() {
        Task t = Task.current();
        t.point(Access.RCU_READ_LOCK, this, 0);
        if (t.rcuNesting++ == 0)
            t.rcuSeq++;
    }

    /** rcu_read_unlock(). */
    public void readUnlock() {
        Task t = Task.current();
        t.point(Access.RCU_READ_UNLOCK, this, 0);
        if (t.rcuNesting == 0) {
            kernel.reports.file(t, Report.Kind.LOCKDEP, "rcu_read_unlock without rcu_read_lock", "");
            return;
        }
        if (--t.rcuNesting == 0) {
            t.rcuSeq++;
            runReadyCallbacks(t);
        }
    }

    /** rcu_read_lock_held(). */
    public boolean readLockHeld() {
        return Task.current().rcuNesting > 0;
    }

    /** synchronize_rcu(): waits for every reader that is inside a section now. */
    public void synchronize() {
        Task t = Task.current();
        Lockdep.mightSleep(t, "synchronize_rcu");
        t.point(Access.SYNCHRONIZE_RCU, this, 0);
        long[] snap = snapshot();
        t.waitUntil(gracePeriod(snap, "synchronize_rcu()"));
        runReadyCallbacks(t);
    }

    /** call_rcu(head, fn): {@code fn} runs after a grace period. */
    public void call(Runnable fn, String what) {
        Task t = Task.current();
        t.point(Access.CALL_RCU, this, 0);
        pending.add(new Callback(snapshot(), fn, what));
        runReadyCallbacks(t);
    }

    /** rcu_barrier(): waits until every queued callback has run. */
    public void barrier() {
        Task t = Task.current();
        Lockdep.mightSleep(t, "rcu_barrier");
        Callback c;
        while ((c = pending.peek()) != null) {
            t.waitUntil(gracePeriod(c.snapshot, "rcu_barrier() for " + c.what));
            runReadyCallbacks(t);
        }
    }

    /** Runs every callback whose grace period has ended, oldest first. */
    public void runReadyCallbacks(Task t) {
        Callback c;
        while ((c = pending.peek()) != null && ended(c.snapshot)) {
            if (pending.remove(c))
                c.fn.run();
        }
    }

    public int pendingCallbacks() {
        return pending.size();
    }

    /** Per task: rcuSeq at [2i], irqSeq at [2i+1]. */
    private long[] snapshot() {
        List<Task> ts = kernel.tasks();
        long[] s = new long[2 * ts.size()];
        for (int i = 0; i < ts.size(); i++) {
            s[2 * i] = ts.get(i).rcuSeq;
            s[2 * i + 1] = ts.get(i).irqSeq;
        }
        return s;
    }

    /** Whether task i was a reader when {@code snap} was taken and still is in that same section. */
    private static boolean stillReading(long[] snap, int i, Task t) {
        return ((snap[2 * i] & 1) != 0 && t.rcuSeq == snap[2 * i])
                || ((snap[2 * i + 1] & 1) != 0 && t.irqSeq == snap[2 * i + 1]);
    }

    private boolean ended(long[] snap) {
        List<Task> ts = kernel.tasks();
        for (int i = 0; i < snap.length / 2; i++)
            if (stillReading(snap, i, ts.get(i)))
                return false;
        return true;
    }

    private Waiter gracePeriod(long[] snap, String what) {
        return new Waiter() {
            @Override public boolean ready() { return ended(snap); }
            @Override public String what() { return what; }
            @Override public List<Task> holders() {
                List<Task> ts = kernel.tasks();
                java.util.ArrayList<Task> r = new java.util.ArrayList<>();
                for (int i = 0; i < snap.length / 2; i++)
                    if (stillReading(snap, i, ts.get(i)))
                        r.add(ts.get(i));
                return r;
            }
        };
    }
}
