package mmrace.sched;

import java.util.List;
import mmrace.runtime.Access;
import mmrace.runtime.Hook;
import mmrace.runtime.Kernel;
import mmrace.runtime.Shared;
import mmrace.runtime.Task;
import mmrace.runtime.Waiter;

/**
 * One execution of N actors over one {@link Kernel}, under a {@link Strategy}: the deterministic
 * scheduler.
 *
 * <p><b>Actors.</b> Each actor runs its body with its own {@link Task} bound, and exactly one
 * actor runs at a time. Control passes only at the runtime's {@link Hook} calls: at every
 * {@code point} (before every shared access), {@code block} (a wait whose condition is false) and
 * {@code spin} (a retry loop that only another task can end), and when a body ends. There the
 * running actor asks the strategy which runnable actor goes next; if it is another one, it hands
 * over and waits until chosen again ({@link Handoff}); the hook calls themselves are
 * {@link SchedHook}. Each actor is a continuation on the thread that calls {@link #run}
 * ({@link ContinuationHandoff}), or, where the JDK's continuations are not open to us, a virtual
 * thread ({@link ThreadHandoff}: then {@link #run} called from a platform thread moves to a virtual
 * thread first, and many executions are best run from one virtual thread, as {@link Explorer}
 * does, with {@code -Djdk.virtualThreadScheduler.parallelism=1}). Both give the same steps.
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
 * {@link Waiter#holders()}; {@link WaitForGraph}). Aborted executions unwind every actor: its hook
 * call throws {@link Abort}, an {@link Error} that the actor's wrapper catches; every actor has
 * ended when {@link #run} returns.
 *
 * <p><b>End of a body.</b> The wrapper calls {@code lockdep.checkReturnToUser} and
 * {@code rcu.runReadyCallbacks} on the actor's task. A Throwable out of a body is filed as a BUG
 * report "Java exception in port code" with the stack trace, and the actor counts as finished.
 * After every actor finished, the cleanup task "kthread" (created with the actors, index
 * {@link #actorCount()}) runs {@code rcu.barrier()}; if it cannot complete (a finished actor left a
 * read section open), that is a DEADLOCK naming kthread ({@link Cleanup}).
 *
 * <p>Listeners ({@link #listen}) see every event ({@link Listeners}); the strategy sees the
 * scheduling state through a {@link ChoiceView}. This class holds that state and takes the
 * decisions ({@link #decide}) and the ends (finished, deadlock, livelock, failure).
 *
 * <p>An Execution runs once. Build the Kernel and actors afresh for each execution (the port is
 * deterministic, so the same program and strategy choices give the same steps).
 */
public final class Execution {
    /**
     * Whether an execution runs its actors on the calling thread (as continuations), so that
     * executions on several platform threads run at once, one per core; if not, actors are
     * virtual threads and every execution of this JVM shares the virtual-thread scheduler's
     * carriers (one, with the launcher's {@code -Djdk.virtualThreadScheduler.parallelism=1}).
     */
    public static boolean runsOnCallingThread() {
        return Handoff.continuations;
    }

    static final int END = -2, ABORTED = -3;
    static final byte RUNNING = 0, POINT = 1, BLOCKED = 2, SPINNING = 3, FINISHED = 4;

    private final Kernel kernel;
    private final Runnable[] bodies;
    /** Actor names, then "kthread". */
    private final String[] names;
    final int n;
    /** Actor tasks, then the cleanup task. */
    private final Task[] tasks;
    private final int firstTaskId;
    private final Strategy strategy;
    private final Config config;
    final long maxSteps;
    final Listeners listeners = new Listeners(this);
    private TraceRecorder recorder;
    private final SchedHook hook = new SchedHook(this);
    private final ChoiceView choice = new ChoiceView(this);
    final Handoff handoff;
    final Cleanup cleanup;
    private final WaitForGraph graph;

    private boolean started;

    // Scheduling state. Only the thread that owns control reads or writes it; every hand-off is a
    // write of the owner (Handoff) followed (in the next thread) by a read of it, which orders it all.
    final byte[] state;
    final Waiter[] waiter;
    final String[] spinWhy;
    final Access[] pendingOp;
    final Shared[] pendingShared;
    final long[] pendingArg;
    private final boolean[] inStreak;
    /** The decision at which each actor was last chosen, and last spun. */
    private final long[] lastChosen;
    final long[] lastSpin;
    long decisions;
    final long[] actorSteps;
    long step;
    int current = -1;
    boolean currentCanContinue;
    final int[] runnable;
    final boolean[] isRunnable;
    int runnableCount;
    boolean aborted;
    private int forcedActor = -1;
    private int forcedSpins;
    /** Some actor is in a forced spin streak ({@link #inStreak}). */
    private boolean streak;
    /** Actors whose body ended. */
    int finished;
    /** Whether the strategy lets the last actor left run with no decisions ({@link Strategy#aloneNeedsNoChoice}). */
    boolean aloneFree;
    int cleanupSpins;
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
        this.actorSteps = new long[n + 1];
        this.runnable = new int[n];
        this.isRunnable = new boolean[n];
        this.handoff = Handoff.of(this, n, state);
        this.cleanup = new Cleanup(this, kernel, names);
        this.graph = new WaitForGraph(this, n, names, state, waiter, spinWhy);
    }

    /** Adds a listener (before {@link #run}). */
    public Execution listen(ExecutionListener l) {
        if (started)
            throw new IllegalStateException("listeners are added before run()");
        listeners.add(l);
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

    /** What became of actor {@code i}'s thread or continuation (for tests: none alive once {@link #run} returned). */
    Handoff.Life life(int i) {
        return handoff.life(i);
    }

    /** The body of actor {@code i}. */
    Runnable body(int i) {
        return bodies[i];
    }

    /**
     * Runs the execution to its end and returns how it ended. Throws IllegalStateException if the
     * scheduler itself failed (a strategy chose an actor that cannot run, a listener threw, a
     * replayed program was not deterministic); port failures are reports, not exceptions.
     */
    public Result run() {
        if (handoff.needsVirtualDriver() && !Thread.currentThread().isVirtual())
            return ThreadHandoff.inVirtualThread(this::run);
        if (started)
            throw new IllegalStateException("an Execution runs once");
        started = true;
        strategy.begin(this);
        aloneFree = strategy.aloneNeedsNoChoice();
        if (config.trace()) {
            recorder = new TraceRecorder();
            listeners.add(recorder);
        }
        for (ExecutionListener l : listeners.all)
            l.start(this);
        handoff.runActors();
        Result r = new Result(outcome, step, schedule.build(names), List.of(names), actorSteps.clone(), kernel.reports.all(),
                recorder == null ? null : recorder.rows(), waits, detail, strategy.divergences(), strategy.describe());
        strategy.end(r);
        for (ExecutionListener l : listeners.all)
            l.end(r);
        if (internalError != null)
            throw new IllegalStateException("scheduler failure: " + internalError, internalError);
        return r;
    }

    // ------------------------------------------------------------------ decisions

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
    int decide() {
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
            streak = true;
            if (++forcedSpins > config.spinBound()) {
                livelock(names[next] + " kept spinning (" + spinWhy[next] + ") " + config.spinBound()
                        + " times with no other actor able to run");
                return ABORTED;
            }
        } else if (streak && state[next] != SPINNING && !inStreak[next]) {
            forcedActor = -1;
            forcedSpins = 0;
            java.util.Arrays.fill(inStreak, false);
            streak = false;
        }
        if (next != current) {
            schedule.add(step, next);
            current = next;
        }
        decisions++;
        lastChosen[next] = decisions;
        return next;
    }

    // ------------------------------------------------------------------ aborts

    int fail(Throwable e) {
        if (internalError == null)
            internalError = e;
        aborted = true;
        return ABORTED;
    }

    void livelock(String why) {
        outcome = Result.Outcome.LIVELOCK;
        detail = why;
        waits = graph.waitsNow();
        aborted = true;
    }

    void deadlock() {
        outcome = Result.Outcome.DEADLOCK;
        waits = graph.waitsNow();
        detail = graph.cycle(waits);
        aborted = true;
    }
}
