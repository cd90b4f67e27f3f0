package mmrace.mutate;

import mmrace.fuzz.PortTarget;
import mmrace.fuzz.Target;
import mmrace.oracle.Reason;
import mmrace.oracle.Verdict;
import mmrace.runtime.Mutant;
import mmrace.scenario.Scenario;
import mmrace.scenario.Variant;
import mmrace.sched.Config;
import mmrace.sched.ExecutionListener;
import mmrace.sched.Pct;
import mmrace.sched.RandomWalk;
import mmrace.sched.Replay;
import mmrace.sched.Strategy;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The port with mutants switched on, graded by the difference it makes: a mutant is killed by an
 * execution only if the unmutated port does not give the same forbidden outcome on the same
 * input. Each execution runs with the mutants on; a forbidden verdict is then checked against the
 * unmutated port, under the schedule the mutated execution took and under a few random and PCT
 * schedules of the same program. If the unmutated port gives that reason too, or the oracle names
 * a known root cause (an upstream bug every variant shares, such as generic_access_phys reading
 * past the looked-up page), the execution is not a kill: its verdict is returned as acceptable,
 * with a detail saying why, so that the fuzzer neither stops nor saves it.
 *
 * <p>An outcome that needs triage (reason {@code unexplained}) is never a kill either: it says the
 * oracle has no rule that explains the outcome, which is the oracle's limit, not the mutant's
 * mechanism shown (a kill names the kernel rule the mutant broke). It comes back acceptable the same
 * way, and is counted ({@link #triage}) so that the report can show a mutant that only ever
 * reaches outcomes nobody has judged.
 *
 * <p>Deterministic as {@link Target} requires (the reference schedules have fixed seeds). The
 * mutants are switched on for each execution and back off after it, in this process: campaigns on
 * this target run with one job.
 */
public final class MutantTarget implements Target {
    /** Random and PCT schedules tried on the unmutated port, each. */
    static final int REFERENCE_SCHEDULES = 8;

    private final Target port = new PortTarget();
    private final Set<String> mutants;
    private long masked, triage;

    public MutantTarget(Set<String> mutants) {
        this.mutants = Set.copyOf(mutants);
    }

    @Override
    public Run run(Scenario s, Variant v, Strategy strategy, Config config, ExecutionListener... extra) {
        Run r = mutated(s, v, strategy, config, extra);
        if (r.verdict().cls() == Verdict.Cls.NEEDS_TRIAGE) {
            triage++;
            return new Run(new Verdict(Reason.OK, r.verdict().step(), "not a kill: " + r.verdict().label()
                    + ", an outcome the oracle cannot explain (needs triage), not a kernel rule broken"), r.result(), r.oracle());
        }
        if (r.verdict().cls() != Verdict.Cls.FORBIDDEN)
            return r;
        String shared = sharedWithPort(s, v, r, config);
        if (shared == null)
            return r;
        masked++;
        return new Run(new Verdict(Reason.OK, r.verdict().step(), "not a kill: " + r.verdict().label() + ", " + shared),
                r.result(), r.oracle());
    }

    /** One execution with the mutants on, its verdict as the oracle gave it. */
    public Run mutated(Scenario s, Variant v, Strategy strategy, Config config, ExecutionListener... extra) {
        return withMutants(mutants, () -> port.run(s, v, strategy, config, extra));
    }

    /**
     * Why a forbidden outcome of the mutated port is not the mutant's (a known root cause, or the
     * unmutated port gives the same reason on this program), or null if it is.
     */
    public String sharedWithPort(Scenario s, Variant v, Run mutated, Config config) {
        String cause = mutated.oracle() == null ? null : mutated.oracle().rootCause();
        if (cause != null)
            return "known root cause: " + cause;
        Reason reason = mutated.verdict().reason();
        long steps = Math.max(1, mutated.result().steps());
        List<Strategy> schedules = new ArrayList<>();
        schedules.add(new Replay(mutated.result().schedule()));
        for (int i = 0; i < REFERENCE_SCHEDULES; i++) {
            schedules.add(new RandomWalk(1000 + i));
            schedules.add(new Pct(2 + i % 2, steps, 2000 + i));
        }
        return withMutants(Set.of(), () -> {
            for (Strategy st : schedules) {
                Run o = port.run(s, v, st, config);
                if (o.verdict().cls() == Verdict.Cls.FORBIDDEN && o.verdict().reason() == reason)
                    return "the unmutated port gives " + reason + " too (" + st.describe() + ")";
            }
            return null;
        });
    }

    /** Forbidden outcomes this target did not count as kills. */
    public long masked() {
        return masked;
    }

    /** Outcomes that needed triage, which this target never counts as kills. */
    public long triage() {
        return triage;
    }

    @Override
    public String describe() {
        return "port with mutant " + String.join(",", mutants.stream().sorted().toList());
    }

    /** Runs {@code body} with exactly {@code ids} switched on, then restores what was on. */
    static <T> T withMutants(Set<String> ids, java.util.function.Supplier<T> body) {
        Set<String> before = Mutant.set(ids);
        try {
            return body.get();
        } finally {
            Mutant.set(before);
        }
    }
}
