package mmrace.fuzz;

import mmrace.scenario.Scenario;
import mmrace.scenario.Variant;
import mmrace.sched.Choice;
import mmrace.sched.Execution;
import mmrace.sched.Pct;
import mmrace.sched.RandomWalk;
import mmrace.sched.Replay;
import mmrace.sched.Result;
import mmrace.sched.Strategy;

/** Strategies from scenario schedule lines, as the fuzzer runs them. */
public final class Schedules {
    private Schedules() {}

    /**
     * The strategy of a schedule line: {@code steps} replays it, {@code random SEED} is a random
     * walk, {@code pct DEPTH SEED} is PCT over {@code k} steps ({@code k <= 0}: as the scenario
     * runner does, learnt, so a single execution has no change point). The fuzzer passes the step
     * count of an earlier execution of the same input as {@code k}, and records the schedule each
     * execution took as a {@code steps} line, so every file it writes replays exactly.
     */
    public static Strategy strategy(Scenario.Sched sc, long k) {
        return switch (sc.kind()) {
            case "random" -> new RandomWalk(sc.seed());
            case "pct" -> new Pct(sc.depth(), Math.max(0, k), sc.seed());
            default -> Replay.of(sc.steps());
        };
    }

    public static Strategy strategy(Scenario s, Variant v, long k) {
        return strategy(s.scheduleFor(v), k);
    }

    /** A copy of {@code s} whose schedule for {@code v} is the one {@code r} took. */
    public static Scenario withSteps(Scenario s, Variant v, Result r) {
        Scenario c = s.copy();
        c.schedules.put(v, Scenario.Sched.steps(r.schedule().toString()));
        return c;
    }

    /** Wraps a strategy and counts preemptions: switches away from an actor that could go on. */
    public static final class Counting implements Strategy {
        private final Strategy inner;
        private int preemptions;

        public Counting(Strategy inner) {
            this.inner = inner;
        }

        @Override
        public boolean hasNext() {
            return inner.hasNext();
        }

        @Override
        public void begin(Execution e) {
            preemptions = 0;
            inner.begin(e);
        }

        @Override
        public int choose(Choice c) {
            int a = inner.choose(c);
            if (c.canContinue() && a != c.current())
                preemptions++;
            return a;
        }

        @Override
        public void end(Result r) {
            inner.end(r);
        }

        @Override
        public int divergences() {
            return inner.divergences();
        }

        @Override
        public String describe() {
            return inner.describe();
        }

        /** Preemptions of the last execution. */
        public int preemptions() {
            return preemptions;
        }
    }
}
