package mmrace.run;

import mmrace.oracle.Oracle;
import mmrace.oracle.RefModel;
import mmrace.oracle.Verdict;
import mmrace.port.File;
import mmrace.port.MmStruct;
import mmrace.runtime.Kernel;
import mmrace.runtime.Mutant;
import mmrace.runtime.Task;
import mmrace.scenario.Op;
import mmrace.scenario.Scenario;
import mmrace.scenario.Variant;
import mmrace.sched.Actor;
import mmrace.sched.Config;
import mmrace.sched.Execution;
import mmrace.sched.ExecutionListener;
import mmrace.sched.Pct;
import mmrace.sched.Program;
import mmrace.sched.RandomWalk;
import mmrace.sched.Replay;
import mmrace.sched.Result;
import mmrace.sched.Strategy;
import mmrace.sched.TraceRecorder;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns a scenario into executions: builds the initial address space the way the target would
 * ({@link SetUp}), gives every actor a body that calls the port ({@link Perform}), and lets the
 * {@link Oracle} watch. Every execution gets a Kernel of its own in the initial state (a copy of
 * one built once, or a fresh one), so the same scenario, variant and schedule give the same steps.
 */
public final class Runner {
    private Runner() {}

    /** What one execution gave: the verdict, the scheduler's result and (if asked) the trace. */
    public record Outcome(Verdict verdict, Result result, Oracle oracle) {
        public List<TraceRecorder.Row> trace() {
            return result.trace();
        }
    }

    /** One execution's program with its oracle, ready to run. */
    public record Built(Program program, Oracle oracle, ExecutionListener listener) {}

    /** The strategy a scenario's schedule line names for this variant. */
    public static Strategy strategy(Scenario s, Variant v) {
        Scenario.Sched sc = s.scheduleFor(v);
        return switch (sc.kind()) {
            case "random" -> new RandomWalk(sc.seed());
            case "pct" -> new Pct(sc.depth(), 0, sc.seed());
            default -> Replay.of(sc.steps());
        };
    }

    /** Runs s once under v with the given strategy. */
    public static Outcome run(Scenario s, Variant v, Strategy strategy, Config config, ExecutionListener... extra) {
        return run(build(s, v), strategy, config, extra);
    }

    /** Runs a built program once with the given strategy. */
    static Outcome run(Built b, Strategy strategy, Config config, ExecutionListener... extra) {
        Execution e = new Execution(b.program(), strategy, config);
        e.listen(b.listener());
        for (ExecutionListener l : extra)
            e.listen(l);
        Result r = e.run();
        return new Outcome(b.oracle().verdict(), r, b.oracle());
    }

    /** Runs s once under v with the schedule the file gives for v. */
    public static Outcome run(Scenario s, Variant v, boolean trace) {
        return run(s, v, strategy(s, v), config(s).withTrace(trace));
    }

    /** Points an operation may take before the step bound counts it as long: a base and a cost per page it spans. */
    static final long STEPS_PER_OP = 1_000, STEPS_PER_PAGE = 100, SMALL_STEPS_PER_PAGE = 20;

    /** The default configuration with the step bound this scenario needs ({@link #maxSteps}). */
    public static Config config(Scenario s) {
        return Config.DEFAULT.withMaxSteps(maxSteps(s));
    }

    /**
     * The step bound of a scenario: {@link Config#MAX_STEPS}, or twice what its operations may
     * take if that is more: {@link #STEPS_PER_OP} each, and per page they span
     * {@link #STEPS_PER_PAGE} for stores, reads and remote writes (a fault each: a 16 MiB store takes about 70
     * points a page), {@link #SMALL_STEPS_PER_PAGE} for unmapping, remapping and protecting, 512 pages
     * for a collapse. docs/SCENARIOS.md, "Limits". A livelock is found within {@link Config#WINDOW}
     * steps however high the bound.
     */
    public static long maxSteps(Scenario s) {
        long need = 0;
        for (Scenario.Actor a : s.actors)
            for (Op op : a.ops())
                need += STEPS_PER_OP + switch (op) {
                    case Op.Write w -> STEPS_PER_PAGE * pages(w.len());
                    case Op.Read r -> STEPS_PER_PAGE * pages(r.len());
                    case Op.Poke p -> STEPS_PER_PAGE * pages(p.len());
                    case Op.Collapse c -> STEPS_PER_PAGE * 512;
                    case Op.Munmap m -> SMALL_STEPS_PER_PAGE * pages(m.len());
                    case Op.Mprotect m -> SMALL_STEPS_PER_PAGE * pages(m.len());
                    case Op.Madvise m -> SMALL_STEPS_PER_PAGE * pages(m.len());
                    case Op.Mremap m -> SMALL_STEPS_PER_PAGE * (pages(m.oldLen()) + pages(m.newLen()));
                    default -> 0L;
                };
        return Math.max(Config.MAX_STEPS, 2 * need);
    }

    private static long pages(long len) {
        return Math.max(1, Math.min(len, 1L << 40) >>> 12) + 1;
    }

    /**
     * The program of one execution of s under v: the initial state (a copy of the set-up built
     * once, {@link Prepared}, or built fresh), its oracle and its actors. Allocation-failure
     * injections are armed after the set-up.
     */
    public static Built build(Scenario s, Variant v) {
        Prepared p = Prepared.of(s, v);
        if (p == null || !p.copyable())
            return buildFresh(s, v);
        return build(p, s, v);
    }

    /** The program of s under v over a copy of its prepared initial state. */
    static Built build(Prepared p, Scenario s, Variant v) {
        Prepared.Copy c = p.copy();
        Task previous = Task.currentOrNull();
        c.init().bind();
        try {
            return program(c.kernel(), new SetUp(c.mm(), c.files(), java.util.Map.of(), null), s, v);
        } finally {
            Task.unbind();
            if (previous != null)
                previous.bind();
        }
    }

    /**
     * Builds the initial state afresh on the calling thread (a task "init" that no scheduler
     * controls), then the actors: what {@link #build} gives, without the copy.
     */
    public static Built buildFresh(Scenario s, Variant v) {
        Kernel k = new Kernel();
        Task init = k.newTask("init", null);
        Task previous = Task.currentOrNull();
        init.bind();
        try {
            long fired = Mutant.fired();
            SetUp setUp = SetUp.of(k, s, v);
            if (Mutant.fired() != fired)
                Prepared.setUpFiredMutant(s, v);
            init.exited = true;
            return program(k, setUp, s, v);
        } finally {
            Task.unbind();
            if (previous != null)
                previous.bind();
        }
    }

    /** The injections, the oracle and the actors over a built initial state (with its processes, if any). */
    private static Built program(Kernel k, SetUp setUp, Scenario s, Variant v) {
        for (Scenario.Inject i : s.injects)
            k.faults.failNth(i.site(), i.task(), i.nth());
        Oracle oracle = new Oracle(k, setUp.mm(), setUp.files());
        for (MmStruct other : setUp.others().values())
            oracle.track(other);
        // post-conditions against the reference model of the one address space; with processes
        // (fork, exit, another mm's operations) the model would need one per mm: not checked
        if (!s.usesProcesses())
            oracle.checkContracts(new RefModel(s));
        List<Actor> actors = new ArrayList<>();
        for (Scenario.Actor a : s.actors)
            actors.add(new Actor(a.name(), setUp.procs() == null ? body(a, setUp.mm(), setUp.files(), v, oracle)
                    : body(a, setUp.procs(), setUp.files(), v, oracle)));
        return new Built(new Program(k, actors), oracle, new OracleListener(oracle));
    }

    /**
     * What an actor of a scenario with processes does: it becomes a thread of its process (waiting
     * for the fork that creates it), runs its operations in order until it exits, then closes the
     * /proc files it opened.
     */
    private static Runnable body(Scenario.Actor a, Processes procs, List<File> files, Variant v, Oracle oracle) {
        return () -> {
            Processes.Member me = procs.attach(a);
            if (me != null) {
                for (Op op : a.ops()) {
                    if (me.exited)
                        break; // an exited thread runs nothing more
                    Perform.perform(op, procs, me, files, v, oracle);
                }
                Perform.release(me);
            }
            procs.actorDone(a.name());
        };
    }

    /** What an actor does: its operations in order, each through the port. */
    private static Runnable body(Scenario.Actor a, MmStruct mm, List<File> files, Variant v, Oracle oracle) {
        return () -> {
            for (Op op : a.ops())
                Perform.perform(op, mm, files, v, oracle);
        };
    }
}
