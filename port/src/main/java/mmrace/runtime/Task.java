package mmrace.runtime;

import java.util.concurrent.locks.LockSupport;

/**
 * A kernel task ("current"), and the CPU it runs on: in the model every task has a CPU of its
 * own, so per-CPU state (interrupts disabled, RCU read-side nesting, preempt count) lives here.
 *
 * <p>{@link #point} is the one place through which a scheduler takes control: every runtime
 * primitive calls it before touching shared state. {@link #waitUntil} is the one place where a
 * task waits. With no {@link Hook} (real threads under JCStress) both run free: points cost a
 * field read, waits spin.
 */
public final class Task {
    private static final ThreadLocal<Task> CURRENT = new ThreadLocal<>();

    public final Kernel kernel;
    public final int id;
    public final String name;
    final Hook hook;

    /** RCU read-side nesting; {@link #rcuSeq} is odd while inside an outermost section. */
    int rcuNesting;
    volatile long rcuSeq;
    /** local_irq_disable nesting; {@link #irqSeq} is odd while interrupts are off. */
    int irqNesting;
    volatile long irqSeq;
    /** Spinlocks held (preempt_count): sleeping now is a bug. */
    int preemptCount;
    /** Locks held, for lockdep. */
    final Lockdep.Held held = new Lockdep.Held();
    /** A fatal signal is pending (killable waits return -EINTR). */
    public volatile boolean fatalSignal;
    /** set_current_state / wake_up_process handshake of {@link #schedule}. */
    private volatile boolean woken = true;
    /** The task has returned to user space for good (its program ended). */
    public volatile boolean exited;

    Task(Kernel kernel, int id, String name, Hook hook) {
        this.kernel = kernel;
        this.id = id;
        this.name = name;
        this.hook = hook;
    }

    /**
     * The most recent {@link #bind} of a thread, with the thread: {@link #current} answers from it
     * without a thread-local lookup when the caller is that thread (a scheduler running every actor
     * on one thread rebinds at each switch). Kept in one of {@link #STRIPES} slots chosen by the
     * thread's id, a cache line apart, so that schedulers on several threads (a campaign's jobs)
     * do not write one shared line at every switch. Immutable, so a reader sees a thread and its
     * own task.
     *
     * <p>The slots are plain (racy) on purpose: a thread writes only bindings of its own, and
     * reads its own last write or another thread's (program order forbids an older one of its
     * own); another thread's binding, or a binding a colliding thread's unbind cleared, sends it to
     * the thread-local, which is always right.
     */
    private record Binding(Thread thread, Task task) {}

    private static final int STRIPES = 16, STRIDE = 16; // 16 references: at least one cache line between slots
    private static final Binding[] LAST = new Binding[STRIPES * STRIDE];

    private static int slot(Thread t) {
        return (int) (t.threadId() & (STRIPES - 1)) * STRIDE;
    }

    /** The task running on this thread ({@code current}). */
    public static Task current() {
        Thread me = Thread.currentThread();
        Binding b = LAST[slot(me)];
        if (b != null && b.thread == me)
            return b.task;
        Task t = CURRENT.get();
        if (t == null)
            throw new IllegalStateException("no current task on " + me + ": call Kernel.enter first");
        return t;
    }

    /** The task running on this thread, or null if none is bound (no exception: for callers that check). */
    public static Task currentOrNull() {
        Thread me = Thread.currentThread();
        Binding b = LAST[slot(me)];
        if (b != null && b.thread == me)
            return b.task;
        return CURRENT.get();
    }

    /** Runs this task on the calling thread from now on. */
    public void bind() {
        CURRENT.set(this);
        Thread me = Thread.currentThread();
        LAST[slot(me)] = new Binding(me, this);
    }

    public static void unbind() {
        CURRENT.remove();
        Thread me = Thread.currentThread();
        int i = slot(me);
        Binding b = LAST[i];
        if (b != null && b.thread == me)
            LAST[i] = null;
    }

    /**
     * Before every access to shared state; the scheduler's one way in. The step is counted once
     * the hook lets this task go on, so under a scheduler {@link Kernel#steps} is exactly the
     * number of points executed (other tasks may be paused at points not yet executed).
     */
    public void point(Access op, Shared s, long arg) {
        Hook h = hook;
        if (h != null)
            h.point(this, op, s, arg);
        kernel.step++;
    }

    /** Waits until {@code w.ready()}: under a scheduler by blocking, on real threads by spinning. */
    public void waitUntil(Waiter w) {
        int spins = 0;
        while (!w.ready()) {
            if (hook != null)
                hook.block(this, w);
            else
                backoff(spins++);
        }
    }

    /** A retry loop that only another task can end (model: where the kernel would just loop). */
    public void spin(String why) {
        if (hook != null)
            hook.spin(this, why);
        else
            Thread.onSpinWait();
    }

    static void backoff(int spins) {
        if (spins < 64)
            Thread.onSpinWait();
        else if (spins < 1024)
            Thread.yield();
        else
            LockSupport.parkNanos(10_000);
    }

    // --- sleeping and waking (kernel/sched/core.c), the handshake rcuwait relies on ---

    /** set_current_state(TASK_UNINTERRUPTIBLE): from here a wake_up_process is not lost. */
    public void setCurrentState() {
        point(Access.WRITE, kernel.sched, id);
        woken = false;
    }

    /** __set_current_state(TASK_RUNNING). */
    public void setRunning() {
        woken = true;
    }

    /**
     * schedule(): sleep until woken (returns at once if woken since set_current_state).
     * {@code what} and {@code wakers} describe the wait for the deadlock report.
     */
    public void schedule(String what, java.util.function.Supplier<java.util.List<Task>> wakers) {
        Lockdep.mightSleep(this, "schedule");
        point(Access.SLEEP, kernel.sched, id);
        waitUntil(new Waiter() {
            @Override public boolean ready() { return woken || fatalSignal; }
            @Override public String what() { return what; }
            @Override public java.util.List<Task> holders() { return wakers.get(); }
        });
    }

    /** wake_up_process(p). */
    public void wakeUpProcess(Task p) {
        point(Access.WAKE, kernel.sched, p.id);
        p.woken = true;
    }

    public boolean inRcuReadSection() {
        return rcuNesting > 0;
    }

    public boolean irqsDisabled() {
        return irqNesting > 0;
    }

    public boolean inAtomic() {
        return preemptCount > 0 || irqNesting > 0 || rcuNesting > 0;
    }

    @Override
    public String toString() {
        return name;
    }
}
