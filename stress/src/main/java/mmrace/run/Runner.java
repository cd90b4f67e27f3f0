package mmrace.run;

import mmrace.oracle.Oracle;
import mmrace.oracle.RefModel;
import mmrace.oracle.Verdict;
import mmrace.port.File;
import mmrace.port.MmStruct;
import mmrace.runtime.Kernel;
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
 * {@link Oracle} watch. Every execution gets a fresh Kernel, so the same scenario, variant and
 * schedule give the same steps.
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
        Built b = build(s, v);
        Execution e = new Execution(b.program(), strategy, config);
        e.listen(b.listener());
        for (ExecutionListener l : extra)
            e.listen(l);
        Result r = e.run();
        return new Outcome(b.oracle().verdict(), r, b.oracle());
    }

    /** Runs s once under v with the schedule the file gives for v. */
    public static Outcome run(Scenario s, Variant v, boolean trace) {
        return run(s, v, strategy(s, v), Config.DEFAULT.withTrace(trace));
    }

    /**
     * Builds the initial state on the calling thread (a task "init" that no scheduler controls),
     * then the actors. Allocation-failure injections are armed after the set-up.
     */
    public static Built build(Scenario s, Variant v) {
        Kernel k = new Kernel();
        Task init = k.newTask("init", null);
        Task previous = currentOrNull();
        init.bind();
        try {
            SetUp setUp = SetUp.of(k, s, v);
            init.exited = true;
            for (Scenario.Inject i : s.injects)
                k.faults.failNth(i.site(), i.task(), i.nth());
            Oracle oracle = new Oracle(k, setUp.mm(), setUp.files());
            oracle.checkContracts(new RefModel(s));
            List<Actor> actors = new ArrayList<>();
            for (Scenario.Actor a : s.actors)
                actors.add(new Actor(a.name(), body(a, setUp.mm(), setUp.files(), v, oracle)));
            return new Built(new Program(k, actors), oracle, new OracleListener(oracle));
        } finally {
            Task.unbind();
            if (previous != null)
                previous.bind();
        }
    }

    private static Task currentOrNull() {
        try {
            return Task.current();
        } catch (IllegalStateException e) {
            return null;
        }
    }

    /** What an actor does: its operations in order, each through the port. */
    private static Runnable body(Scenario.Actor a, MmStruct mm, List<File> files, Variant v, Oracle oracle) {
        return () -> {
            for (Op op : a.ops())
                Perform.perform(op, mm, files, v, oracle);
        };
    }
}
