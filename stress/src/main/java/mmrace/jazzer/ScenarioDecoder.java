package mmrace.jazzer;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import java.util.ArrayList;
import java.util.List;
import mmrace.fuzz.Gen;
import mmrace.fuzz.Limits;
import mmrace.fuzz.Mutator;
import mmrace.fuzz.Schedules;
import mmrace.scenario.Op;
import mmrace.scenario.Scenario;
import mmrace.scenario.Variant;
import mmrace.sched.Strategy;

/**
 * Decodes a Jazzer input into a scenario of the project's own model ({@link Scenario}), with the
 * fuzzer's own domain generators ({@link Gen}) and mutators ({@link Mutator}): no second scenario
 * language. The bytes choose, in this order:
 * <ol>
 * <li>the initial layout: Gen's default A|B, with the file mapping one time in four;</li>
 * <li>the reader's one or two remote reads and one or two target threads of one to three
 *     operations each, each operation drawn by a {@link Gen} seeded from the input (so a mutation
 *     of one seed changes one operation, and Gen aims every address at a boundary);</li>
 * <li>zero to three {@link Mutator} mutations, each seeded from the input (they reach what Gen
 *     alone does not: layouts with pages not present, fault injection, more actors);</li>
 * <li>the schedule: a random walk or PCT (depth 1-4) with a seed and the number of steps its change
 *     points are drawn from (a one-off PCT execution cannot learn it as {@code explore} does), or an
 *     explicit list of context switches in the {@code steps} form of a scenario file
 *     ("0:reader 38:t1 ...").</li>
 * </ol>
 * A short input decodes too (the provider gives zeros when it runs dry). Deterministic: the same
 * bytes give the same scenario, whether the provider reads Jazzer's native buffer or a Java array
 * ({@code FuzzedDataProviderImpl.withJavaData}, as {@code from-jazzer} replays a crash).
 */
public final class ScenarioDecoder {
    private ScenarioDecoder() {}

    /** The most context switches an explicit schedule gets, and the most steps between two. */
    static final int MAX_SWITCHES = 8, MAX_GAP = 400;

    /** PCT's k: the steps its change points are drawn from. */
    static final int MIN_PCT_STEPS = 16, MAX_PCT_STEPS = 2048;

    /** A decoded input: the scenario (its schedule line for every variant) and PCT's k (0 for other schedules). */
    public record Decoded(Scenario scenario, long pctSteps) {
        /** The strategy this input runs under: the scenario's schedule, PCT over {@link #pctSteps} steps. */
        public Strategy strategy(Variant v) {
            return Schedules.strategy(scenario.scheduleFor(v), pctSteps);
        }
    }

    /** The scenario the input describes, or null when it breaks the fuzzer's limits (skipped, not a finding). */
    public static Decoded decode(FuzzedDataProvider d) {
        Scenario s = Gen.defaultLayout(d.consumeInt(0, 3) == 0);
        s.name = "jazzer";
        s.source = "<jazzer>";
        List<Op> reads = new ArrayList<>();
        s.actors.add(new Scenario.Actor("reader", reads, 0));
        int nr = d.consumeInt(1, 2);
        for (int i = 0; i < nr; i++)
            reads.add(new Gen(d.consumeLong()).read(s));
        int nt = d.consumeInt(1, 2);
        for (int t = 1; t <= nt; t++) {
            List<Op> ops = new ArrayList<>();
            s.actors.add(new Scenario.Actor("t" + t, ops, 0));
            int n = d.consumeInt(1, 3);
            for (int i = 0; i < n; i++)
                ops.add(new Gen(d.consumeLong()).targetOp(s));
        }
        int mutations = d.consumeInt(0, 3);
        for (int i = 0; i < mutations; i++)
            s = new Mutator(new Gen(d.consumeLong())).mutate(s);
        s.schedules.clear();
        Scenario.Sched sc = schedule(d, s);
        s.schedules.put(null, sc);
        long k = sc.kind().equals("pct") ? d.consumeInt(MIN_PCT_STEPS, MAX_PCT_STEPS) : 0;
        return Limits.DEFAULT.check(s) == null ? new Decoded(s, k) : null;
    }

    /** A random walk, PCT, or explicit switches between the scenario's actors. */
    static Scenario.Sched schedule(FuzzedDataProvider d, Scenario s) {
        switch (d.consumeInt(0, 2)) {
            case 0:
                return Scenario.Sched.random(d.consumeLong(0, (1L << 31) - 1));
            case 1:
                return Scenario.Sched.pct(d.consumeInt(1, 4), d.consumeLong(0, (1L << 31) - 1));
            default:
                StringBuilder b = new StringBuilder();
                long step = 0;
                int n = d.consumeInt(1, MAX_SWITCHES);
                for (int i = 0; i < n; i++) {
                    if (i > 0)
                        step += 1 + d.consumeInt(0, MAX_GAP);
                    Scenario.Actor a = s.actors.get(d.consumeInt(0, s.actors.size() - 1));
                    b.append(i == 0 ? "" : " ").append(step).append(':').append(a.name());
                }
                return Scenario.Sched.steps(b.toString());
        }
    }
}
