package mmrace.sched;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.locks.LockSupport;
import mmrace.runtime.Hook;
import mmrace.runtime.Kernel;
import mmrace.runtime.Access;
import mmrace.runtime.Report;
import mmrace.runtime.Shared;
import mmrace.runtime.Task;
import mmrace.runtime.Tracepoint;
import mmrace.runtime.Waiter;

/**
 * One execution of N actors over one {@link Kernel}, under a {@link Strategy}: the deterministic
 * scheduler.
 *
 * <p><b>Threads.</b> Each actor runs on its own virtual thread with its own {@link Task} bound, and
 * exactly one actor runs at a time. Control passes only at the runtime's {@link Hook} calls:
 * at every {@code point} (before every shared access), {@code block} (a wait whose condition is
 * false) and {@code spin} (a retry loop that only another task can end), and when a body ends.
 * There the running actor's own thread asks the strategy which runnable actor goes next; if it is
 * another one, it hands over with {@link LockSupport#unpark} and parks until it is chosen again.
 * There is no scheduler thread: the thread that calls {@link #run} (the driver) only starts the
 * actors and waits for the end. {@link #run} called from a platform thread moves to a virtual
 * thread first; run many executions from one virtual thread ({@link Explorer} does) so that every
 * hand-off is virtual to virtual (run with {@code -Djdk.virtualThreadScheduler.parallelism=1}).
 *
 * <p><b>Start.</b> Before the first decision every actor runs up to its first event (local
 * computation only, no shared access), in index order, so the first decision (step 0) chooses
 * among actors that are all waiting at their first access.
 *
 * <p><b>Runnable.</b> An actor paused at a point is runnable. A blocked actor is runnable when its
 * {@link Waiter#ready()} is true (re-evaluated at every decision; predicates read state without
 * points). A spinning actor is runnable again once an actor that was not itself spinning has been run
 * since it spun (two spinners do not feed each other); if
 * nothing else can run, spinners run anyway, and an actor run that way more than
 * {@link Config#spinBound()} times in a row with nobody else running ends the execution as
 * {@link Result.Outcome#LIVELOCK}. So is reaching {@link Config#maxSteps()} points.
 *
 * <p><b>Deadlock.</b> When no actor can run and some have not finished, the execution ends as
 * {@link Result.Outcome#DEADLOCK} with the wait-for graph ({@link Waiter#what()},
 * {@link Waiter#holders()}). Aborted executions unwind every actor: its hook call throws a private
 * {@link Error} that the actor's wrapper catches; all actor threads have terminated when
 * {@link #run} returns.
 *
 * <p><b>End of a body.</b> The wrapper calls {@code lockdep.checkReturnToUser} and
 * {@code rcu.runReadyCallbacks} on the actor's task. A Throwable out of a body is filed as a BUG
 * report "Java exception in port code" with the stack trace, and the actor counts as finished.
 * After every actor finished, the cleanup task "kthread" (created with the actors, index
 * {@link #actorCount()}) runs {@code rcu.barrier()}; if it cannot complete (a finished actor left a
 * read section open), that is a DEADLOCK naming kthread.
 *
 * <p>An Execution runs once. Build the Kernel and actors afresh for each execution (the port is
 * deterministic, so the same program and strategy choices give the same steps).
 */
public final class Execution {
    private static final int DRIVER = -1;
    private static final int END = -2, ABORTED = -3;
    private static final byte RUNNING = 0, POINT = 1, BLOCKED = 2, SPINNING = 3, FINISHED = 4;
    private static final ThreadFactory ACTOR_THREADS = Thread.ofVirtual().name("mmrace-actor").factory();
    private static final ExecutionListener[] NO_LISTENERS = {};

    /** Thrown out of a hook call to unwind an actor of an aborted execution. */
    private static final class Abort extends Error {
        private static final long serialVersionUID = 1L;

        Abort() {
            super("mmrace: execution aborted", null, false, false);
        }
    }

    private static final Abort ABORT = new Abort();

    private final Kernel kernel;
    private final Runnable[] bodies;
    /** Actor names, then "kthread". */
    private final String[] names;
    private final int n;
    /** Actor tasks, then the cleanup task. */
    private final Task[] tasks;
    private final int firstTaskId;
    private final Thread[] threads;
    private final boolean[] threadStarted;
    private final Strategy strategy;
    private final Config config;
    private final long maxSteps;
    private ExecutionListener[] listeners = NO_LISTENERS;
    private TraceRecorder recorder;
    private final Sched hook = new Sched();
    private final View choice = new View();

    private Thread driver;
    private boolean started;
    /** Which thread may run: an actor index, or DRIVER. The one volatile of the hand-off. */
    private volatile int owner = DRIVER;

    // Scheduling state. Only the thread that owns control reads or writes it; every hand-off is a
    // write of owner followed (in the next thread) by a read of owner, which orders it all.
    private final byte[] state;
    private final Waiter[] waiter;
    private final String[] spinWhy;
    private final Access[] pendingOp;
    private final Shared[] pendingShared;
    private final long[] pendingArg;
    private final boolean[] inStreak;
    /** The decision at which each actor was last chosen, and last spun. */
    private final long[] lastChosen, lastSpin;
    /** Decisions that chose each actor. */
    private final long[] chosen;
    private long decisions;
    private final long[] actorSteps;
    private long step;
    private int current = -1;
    private boolean currentCanContinue;
    private final int[] runnable;
    private final boolean[] isRunnable;
    private int runnableCount;
    private boolean prerun;
    private boolean aborted;
    private int forcedActor = -1;
    private int forcedSpins;
    private int cleanupSpins;
    private Result.Outcome outcome = Result.Outcome.FINISHED;
    private String detail = "";
    private List<Result.Wait> waits = List.of();
    private Throwable internalError;
    private final Schedule.Builder schedule = new Schedule.Builder();

    public Execution(Program p, Strategy strategy, Config config) {
        this(p.kernel(), p.actors(), strategy, config);
    }

    public Execution(Kernel kernel, List<Actor> actors, Strategy strategy, Config config) {
        if (actors.isEmpty())
            throw new IllegalArgumentException("an execution needs at least one actor");
        this.kernel = kernel;
        this.strategy = strategy;
        this.config = config;
        this.maxSteps = config.maxSteps();
        this.n = actors.size();
        this.bodies = new Runnable[n];
        this.names = new String[n + 1];
        for (int i = 0; i < n; i++) {
            Actor a = actors.get(i);
            for (int j = 0; j < i; j++)
                if (names[j].equals(a.name()))
                    throw new IllegalArgumentException("two actors named " + a.name());
            names[i] = a.name();
            bodies[i] = a.body();
        }
        names[n] = Actor.KTHREAD;
        this.tasks = new Task[n + 1];
        for (int i = 0; i <= n; i++)
            tasks[i] = kernel.newTask(names[i], hook);
        this.firstTaskId = tasks[0].id;
        this.threads = new Thread[n];
        this.threadStarted = new boolean[n];
        this.state = new byte[n + 1];
        this.waiter = new Waiter[n + 1];
        this.spinWhy = new String[n + 1];
        this.pendingOp = new Access[n];
        this.pendingShared = new Shared[n];
        this.pendingArg = new long[n];
        this.inStreak = new boolean[n];
        this.lastChosen = new long[n];
        this.lastSpin = new long[n];
        java.util.Arrays.fill(lastSpin, -1);
        java.util.Arrays.fill(lastChosen, -1);
        this.chosen = new long[n];
        this.actorSteps = new long[n + 1];
        this.runnable = new int[n];
        this.isRunnable = new boolean[n];
    }

    /** Adds a listener (before {@link #run}). */
    public Execution listen(ExecutionListener l) {
        if (started)
            throw new IllegalStateException("listeners are added before run()");
        listeners = Arrays.copyOf(listeners, listeners.length + 1);
        listeners[listeners.length - 1] = l;
        return this;
    }

    public Kernel kernel() {
        return kernel;
    }

    /** Number of actors (the cleanup task, index {@code actorCount()}, not counted). */
    public int actorCount() {
        return n;
    }

    /** Name of actor {@code i}; {@code actorName(actorCount())} is "kthread". */
    public String actorName(int i) {
        return names[i];
    }

    /** Actor names followed by "kthread". */
    public List<String> actorNames() {
        return List.of(names);
    }

    /** The task of actor {@code i} ({@code i == actorCount()}: the cleanup task). */
    public Task task(int i) {
        return tasks[i];
    }

    /** The actor index of a task of this execution, or -1. */
    public int actorOf(Task t) {
        int i = t.id - firstTaskId;
        if (i >= 0 && i <= n && tasks[i] == t)
            return i;
        for (int j = 0; j <= n; j++)
            if (tasks[j] == t)
                return j;
        return -1;
    }

    public Config config() {
        return config;
    }

    /** Actor threads (for tests: all terminated once {@link #run} returned). */
    List<Thread> threads() {
        List<Thread> l = new ArrayList<>();
        for (Thread t : threads)
            if (t != null)
                l.add(t);
        return l;
    }

    /**
     * Runs the execution to its end and returns how it ended. Throws IllegalStateException if the
     * scheduler itself failed (a strategy chose an actor that cannot run, a listener threw, a
     * replayed program was not deterministic); port failures are reports, not exceptions.
     */
    public Result run() {
        if (!Thread.currentThread().isVirtual())
            return inVirtualThread(this::run);
        if (started)
            throw new IllegalStateException("an Execution runs once");
        started = true;
        driver = Thread.currentThread();
        strategy.begin(this);
        if (config.trace()) {
            recorder = new TraceRecorder();
            listeners = Arrays.copyOf(listeners, listeners.length + 1);
            listeners[listeners.length - 1] = recorder;
        }
        for (ExecutionListener l : listeners)
            l.start(this);
        for (int i = 0; i < n; i++) {
            final int a = i;
            threads[i] = ACTOR_THREADS.newThread(() -> actorMain(a));
        }
        prerun = true;
        owner = 0;
        threadStarted[0] = true;
        threads[0].start();
        while (owner != DRIVER)
            LockSupport.park(this);
        boolean interrupted = false;
        for (int i = 0; i < n; i++) {
            Thread t = threads[i];
            while (threadStarted[i]) {
                try {
                    t.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted)
            Thread.currentThread().interrupt();
        Result r = new Result(outcome, step, schedule.build(names), List.of(names), actorSteps.clone(), kernel.reports.all(),
                recorder == null ? null : recorder.rows(), waits, detail, strategy.divergences(), strategy.describe());
        strategy.end(r);
        for (ExecutionListener l : listeners)
            l.end(r);
        if (internalError != null)
            throw new IllegalStateException("scheduler failure: " + internalError, internalError);
        return r;
    }

    /** Runs {@code body} on a fresh virtual thread and waits for it (a platform caller's entry). */
    static <T> T inVirtualThread(java.util.function.Supplier<T> body) {
        Object[] out = new Object[1];
        Throwable[] err = new Throwable[1];
        Thread t = Thread.ofVirtual().name("mmrace-driver").start(() -> {
            try {
                out[0] = body.get();
            } catch (Throwable e) {
                err[0] = e;
            }
        });
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted)
            Thread.currentThread().interrupt();
        if (err[0] instanceof RuntimeException re)
            throw re;
        if (err[0] instanceof Error er)
            throw er;
        if (err[0] != null)
            throw new IllegalStateException(err[0]);
        @SuppressWarnings("unchecked")
        T r = (T) out[0];
        return r;
    }

    // ------------------------------------------------------------------ actors

    private void actorMain(int i) {
        Task t = tasks[i];
        t.bind();
        if (listeners.length != 0)
            fire(l -> l.actorStart(step, i));
        Throwable thrown = null;
        if (!aborted) {
            try {
                bodies[i].run();
            } catch (Abort a) {
                // unwound
            } catch (Throwable e) {
                thrown = e;
            }
        }
        if (!aborted) {
            try {
                if (thrown != null)
                    kernel.reports.file(t, Report.Kind.BUG, "Java exception in port code", names[i] + ": " + stackTrace(thrown));
                kernel.lockdep.checkReturnToUser(t);
                kernel.rcu.runReadyCallbacks(t);
            } catch (Abort a) {
                // unwound
            } catch (Throwable e) {
                if (!aborted)
                    kernel.reports.file(t, Report.Kind.BUG, "Java exception in port code", names[i] + " (at return to user): " + stackTrace(e));
            }
        }
        t.exited = true;
        state[i] = FINISHED;
        if (!aborted && listeners.length != 0) {
            Throwable th = thrown;
            fire(l -> l.actorFinish(step, i, th));
        }
        if (aborted)
            abortChain();
        else
            reschedule(i);
    }

    /**
     * Actor {@code me} has reached an event (its state says which) and gives up control: picks who
     * goes next and, if not itself, hands over and parks until chosen again. Returns when {@code me}
     * may go on (or, if {@code me} finished, once control is handed on: its thread then ends).
     * Throws {@link Abort} when the execution was aborted.
     */
    private void reschedule(int me) {
        if (prerun) {
            int nx = me + 1;
            if (nx < n) {
                owner = nx;
                threadStarted[nx] = true;
                threads[nx].start();
                if (state[me] != FINISHED)
                    awaitTurn(me);
                return;
            }
            prerun = false;
        }
        int next = decide();
        if (next == me)
            return;
        if (next == END) {
            runCleanup();
            handToDriver();
            return;
        }
        if (next == ABORTED) {
            if (state[me] != FINISHED)
                throw ABORT;
            abortChain();
            return;
        }
        owner = next;
        LockSupport.unpark(threads[next]);
        if (state[me] != FINISHED)
            awaitTurn(me);
    }

    private void awaitTurn(int me) {
        while (owner != me)
            LockSupport.park(this);
        if (aborted)
            throw ABORT;
    }

    private void handToDriver() {
        owner = DRIVER;
        LockSupport.unpark(driver);
    }

    /** In an aborted execution, called by a thread whose actor finished: wake the next actor to unwind, or the driver. */
    private void abortChain() {
        for (int i = 0; i < n; i++) {
            if (state[i] == FINISHED)
                continue;
            if (!threadStarted[i]) {
                state[i] = FINISHED;
                continue;
            }
            owner = i;
            LockSupport.unpark(threads[i]);
            return;
        }
        handToDriver();
    }

    /**
     * A spinner may run again once another actor has run since it spun and has not spun itself
     * since: two actors spinning on each other's loops do not count as progress for each other.
     */
    private boolean othersProgressed(int i) {
        long mark = lastSpin[i];
        for (int j = 0; j < n; j++)
            if (j != i && lastChosen[j] > mark && lastSpin[j] <= mark)
                return true;
        return false;
    }

    /** Picks the next actor, records the switch; END if all finished, ABORTED on deadlock, livelock or failure. */
    private int decide() {
        int cnt = 0;
        try {
            for (int i = 0; i < n; i++) {
                boolean r;
                switch (state[i]) {
                    case POINT -> r = true;
                    case BLOCKED -> r = waiter[i].ready();
                    case SPINNING -> r = othersProgressed(i);
                    default -> r = false;
                }
                isRunnable[i] = r;
                if (r)
                    runnable[cnt++] = i;
            }
        } catch (RuntimeException e) {
            return fail(new IllegalStateException("a Waiter's ready() threw", e));
        }
        boolean forced = false;
        if (cnt == 0) {
            for (int i = 0; i < n; i++) {
                if (state[i] == SPINNING) {
                    isRunnable[i] = true;
                    runnable[cnt++] = i;
                }
            }
            if (cnt == 0) {
                for (int i = 0; i < n; i++) {
                    if (state[i] != FINISHED) {
                        deadlock();
                        return ABORTED;
                    }
                }
                return END;
            }
            forced = true;
        }
        runnableCount = cnt;
        currentCanContinue = current >= 0 && state[current] == POINT;
        int next;
        try {
            next = strategy.choose(choice);
        } catch (RuntimeException e) {
            return fail(e);
        }
        if (next < 0 || next >= n || !isRunnable[next])
            return fail(new IllegalStateException(strategy.describe() + " chose actor " + next + ", which cannot run at step " + step));
        // A streak: spinners run only because nothing else could. It ends when an actor outside it
        // makes progress; more than spinBound forced runs in one streak is a livelock.
        if (forced) {
            forcedActor = next;
            inStreak[next] = true;
            if (++forcedSpins > config.spinBound()) {
                livelock(names[next] + " kept spinning (" + spinWhy[next] + ") " + config.spinBound()
                        + " times with no other actor able to run");
                return ABORTED;
            }
        } else if (state[next] != SPINNING && !inStreak[next]) {
            forcedActor = -1;
            forcedSpins = 0;
            java.util.Arrays.fill(inStreak, false);
        }
        if (next != current) {
            schedule.add(step, next);
            current = next;
        }
        decisions++;
        chosen[next]++;
        lastChosen[next] = decisions;
        return next;
    }

    private int fail(Throwable e) {
        if (internalError == null)
            internalError = e;
        aborted = true;
        return ABORTED;
    }

    private void livelock(String why) {
        outcome = Result.Outcome.LIVELOCK;
        detail = why;
        waits = waitsNow();
        aborted = true;
    }

    private void deadlock() {
        outcome = Result.Outcome.DEADLOCK;
        waits = waitsNow();
        detail = cycle();
        aborted = true;
    }

    private List<Result.Wait> waitsNow() {
        List<Result.Wait> l = new ArrayList<>();
        for (int i = 0; i <= n; i++) {
            if (state[i] == BLOCKED) {
                List<String> hs = new ArrayList<>();
                for (Task h : waiter[i].holders())
                    hs.add(holderName(h));
                l.add(new Result.Wait(names[i], waiter[i].what(), List.copyOf(hs)));
            } else if (state[i] == SPINNING) {
                l.add(new Result.Wait(names[i], "spin: " + spinWhy[i], List.of()));
            }
        }
        return List.copyOf(l);
    }

    private String holderName(Task h) {
        int j = actorOf(h);
        if (j < 0)
            return h.name;
        return names[j] + (state[j] == FINISHED ? " (finished)" : "");
    }

    /** The first wait-for cycle among blocked actors, in kernel words; else every wait. */
    private String cycle() {
        int m = n + 1;
        int[] color = new int[m];
        int[] via = new int[m];
        for (int s = 0; s < m; s++) {
            if (state[s] != BLOCKED || color[s] != 0)
                continue;
            int[] stack = new int[m];
            int sp = 0;
            // iterative DFS: follow the first unvisited holder
            stack[sp++] = s;
            color[s] = 1;
            int[] next = new int[m];
            while (sp > 0) {
                int u = stack[sp - 1];
                List<Task> hs = waiter[u].holders();
                boolean pushed = false;
                while (next[u] < hs.size()) {
                    int v = actorOf(hs.get(next[u]++));
                    if (v < 0 || state[v] != BLOCKED)
                        continue;
                    if (color[v] == 1) {
                        via[u] = v;
                        return cycleText(v, via);
                    }
                    if (color[v] == 0) {
                        via[u] = v;
                        color[v] = 1;
                        stack[sp++] = v;
                        pushed = true;
                        break;
                    }
                }
                if (!pushed) {
                    color[u] = 2;
                    sp--;
                }
            }
        }
        StringBuilder b = new StringBuilder();
        for (Result.Wait w : waits) {
            if (b.length() > 0)
                b.append("; ");
            b.append(w);
        }
        return b.toString();
    }

    private String cycleText(int start, int[] via) {
        StringBuilder b = new StringBuilder();
        int u = start;
        do {
            b.append(names[u]).append(" waits for ").append(waiter[u].what()).append(" held by ").append(names[via[u]]);
            u = via[u];
            if (u != start)
                b.append(" -> ");
        } while (u != start);
        return b.toString();
    }

    // ------------------------------------------------------------------ cleanup (kthread)

    private void runCleanup() {
        current = n;
        Task k = tasks[n];
        k.bind();
        try {
            kernel.rcu.barrier();
        } catch (Abort a) {
            // deadlock or livelock in the cleanup: outcome already set
        } catch (Throwable e) {
            if (!aborted)
                kernel.reports.file(k, Report.Kind.BUG, "Java exception in port code", Actor.KTHREAD + " (rcu_barrier): " + stackTrace(e));
        }
        k.exited = true;
        state[n] = FINISHED;
    }

    // ------------------------------------------------------------------ listeners

    private interface Event {
        void to(ExecutionListener l);
    }

    private void fire(Event e) {
        try {
            for (ExecutionListener l : listeners)
                e.to(l);
        } catch (RuntimeException | Error x) {
            if (x instanceof Abort)
                throw x;
            fail(x);
        }
    }

    private static String stackTrace(Throwable e) {
        StringWriter w = new StringWriter();
        e.printStackTrace(new PrintWriter(w));
        return w.toString().stripTrailing();
    }

    // ------------------------------------------------------------------ the hook

    private final class Sched implements Hook {
        @Override
        public void point(Task t, Access op, Shared s, long arg) {
            int me = actorOf(t);
            if (aborted)
                throw ABORT;
            if (me == n) {
                if (step >= maxSteps) {
                    livelock("step bound " + maxSteps + " reached in the cleanup");
                    throw ABORT;
                }
            } else {
                state[me] = POINT;
                pendingOp[me] = op;
                pendingShared[me] = s;
                pendingArg[me] = arg;
                if (step >= maxSteps && !prerun) {
                    livelock("step bound " + maxSteps + " reached");
                    throw ABORT;
                }
                reschedule(me);
                state[me] = RUNNING;
                pendingOp[me] = null;
                pendingShared[me] = null;
                pendingArg[me] = 0;
            }
            ExecutionListener[] ls = listeners;
            if (ls.length != 0) {
                try {
                    for (ExecutionListener l : ls)
                        l.point(step, me, op, s, arg);
                } catch (RuntimeException | Error x) {
                    fail(x);
                    throw ABORT;
                }
            }
            actorSteps[me]++;
            step++;
        }

        @Override
        public void block(Task t, Waiter w) {
            int me = actorOf(t);
            if (aborted)
                throw ABORT;
            state[me] = BLOCKED;
            waiter[me] = w;
            if (listeners.length != 0) {
                fire(l -> l.block(step, me, w));
                if (aborted)
                    throw ABORT;
            }
            if (me == n) {
                if (!w.ready()) {
                    deadlock();
                    throw ABORT;
                }
            } else {
                reschedule(me);
            }
            state[me] = RUNNING;
            waiter[me] = null;
        }

        @Override
        public void spin(Task t, String why) {
            int me = actorOf(t);
            if (aborted)
                throw ABORT;
            if (listeners.length != 0) {
                fire(l -> l.spin(step, me, why));
                if (aborted)
                    throw ABORT;
            }
            if (me == n) {
                if (++cleanupSpins > config.spinBound()) {
                    state[me] = SPINNING;
                    spinWhy[me] = why;
                    livelock(Actor.KTHREAD + " kept spinning (" + why + ") in the cleanup");
                    throw ABORT;
                }
                return;
            }
            state[me] = SPINNING;
            spinWhy[me] = why;
            lastSpin[me] = decisions;
            reschedule(me);
            state[me] = RUNNING;
            spinWhy[me] = null;
        }

        @Override
        public void note(Task t, String fmt, Object[] args) {
            if (listeners.length != 0) {
                int me = actorOf(t);
                fire(l -> l.note(step, me, fmt, args));
            }
        }

        @Override
        public void tracepoint(Task t, Tracepoint tp, Object a, long b) {
            if (listeners.length != 0) {
                int me = actorOf(t);
                fire(l -> l.tracepoint(step, me, tp, a, b));
            }
        }

        @Override
        public void probe(Task t, int id) {
            if (listeners.length != 0) {
                int me = actorOf(t);
                fire(l -> l.probe(step, me, id));
            }
        }

        @Override
        public void report(Task t, Report r) {
            if (listeners.length != 0) {
                int me = actorOf(t);
                fire(l -> l.report(step, me, r));
            }
        }
    }

    // ------------------------------------------------------------------ the strategy's view

    private final class View implements Choice {
        @Override
        public long step() {
            return step;
        }

        @Override
        public int current() {
            return current;
        }

        @Override
        public boolean canContinue() {
            return currentCanContinue;
        }

        @Override
        public int actors() {
            return n;
        }

        @Override
        public int runnableCount() {
            return runnableCount;
        }

        @Override
        public int runnable(int i) {
            if (i < 0 || i >= runnableCount)
                throw new IndexOutOfBoundsException(i);
            return runnable[i];
        }

        @Override
        public boolean isRunnable(int actor) {
            return actor >= 0 && actor < n && isRunnable[actor];
        }

        @Override
        public Access pendingOp(int actor) {
            return pendingOp[actor];
        }

        @Override
        public Shared pendingShared(int actor) {
            return pendingShared[actor];
        }

        @Override
        public long pendingArg(int actor) {
            return pendingArg[actor];
        }
    }
}
