package mmrace.cli;

import mmrace.runtime.Access;
import mmrace.runtime.Report;
import mmrace.runtime.Tracepoint;
import mmrace.runtime.Waiter;
import mmrace.runtime.Shared;
import mmrace.oracle.Verdict;
import mmrace.run.Runner;
import mmrace.scenario.KnownIssues;
import mmrace.scenario.Scenario;
import mmrace.scenario.Variant;
import mmrace.sched.Bounded;
import mmrace.sched.Config;
import mmrace.sched.Execution;
import mmrace.sched.ExecutionListener;
import mmrace.sched.Explorer;
import mmrace.sched.Pct;
import mmrace.sched.Program;
import mmrace.sched.RandomWalk;
import mmrace.sched.Result;
import mmrace.sched.Strategy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/** ./mmrace explore: many schedules of one scenario, a table of outcomes, and the forbidden ones saved. */
@Command(name = "explore", mixinStandardHelpOptions = true, description = {"Runs many schedules of one scenario under one variant and prints a table of outcomes",
        "(count, class, reason) the way JCStress prints its results. The first schedule of each forbidden",
        "reason is saved as a scenario file with that schedule."})
final class ExploreCmd implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE")
    Path file;

    @Option(names = "--variant", required = true, paramLabel = "V")
    String variant;

    @Option(names = "--strategy", defaultValue = "random", paramLabel = "random|pct|bounded")
    String strategy;

    @Option(names = "--runs", defaultValue = "10000", paramLabel = "N", description = "Most executions (default ${DEFAULT-VALUE}).")
    long runs;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "S")
    long seed;

    @Option(names = "--depth", defaultValue = "3", paramLabel = "D", description = "PCT depth (default ${DEFAULT-VALUE}).")
    int depth;

    @Option(names = "--bound", defaultValue = "2", paramLabel = "K", description = "Preemption bound for bounded (default ${DEFAULT-VALUE}).")
    int bound;

    @Option(names = "--save", defaultValue = "findings", paramLabel = "DIR", description = "Where forbidden schedules go (default ${DEFAULT-VALUE}).")
    Path save;

    @Option(names = "--stop-on-forbidden", description = "Stop at the first forbidden outcome (not at a known issue without --stop-on-known).")
    boolean stop;

    @Option(names = "--stop-on-known", description = "With --stop-on-forbidden: stop at a known issue too.")
    boolean stopOnKnown;

    @Option(names = "--known-issues", paramLabel = "FILE", description = {"The known issues (default: corpus/known-issues.txt): a forbidden outcome",
            "with one of their root causes is counted apart, not saved, and does not make the exit status 1."})
    Path knownIssues;

    @Option(names = "--max-steps", paramLabel = "N", description = "Step bound of each execution (default: " + Config.MAX_STEPS
            + ", more for long scenarios).")
    Long maxSteps;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Scenario s = Scenarios.loadOrBad(file);
        List<Variant> vs = Scenarios.parseVariants(variant);
        if (vs.size() != 1)
            throw new Main.BadInput("explore takes one variant");
        Variant v = vs.get(0);
        if (runs < 1 || depth < 1 || bound < 0)
            throw new Main.BadInput("--runs and --depth must be positive, --bound not negative");
        if (maxSteps != null && maxSteps <= 0)
            throw new Main.BadInput("--max-steps must be positive, not " + maxSteps);
        KnownIssues known = Known.issues(knownIssues, null);
        Config config = maxSteps == null ? Runner.config(s) : Runner.config(s).withMaxSteps(maxSteps);
        Strategy st = switch (strategy) {
            case "random" -> new RandomWalk(seed);
            case "pct" -> new Pct(depth, 0, seed);
            case "bounded" -> new Bounded(bound);
            default -> throw new Main.BadInput("unknown strategy '" + strategy + "': expected random, pct or bounded");
        };
        Map<String, long[]> counts = new TreeMap<>();
        Map<String, Verdict> examples = new LinkedHashMap<>();
        Map<String, Path> saved = new LinkedHashMap<>();
        long[] firstForbidden = {-1}, limits = {0};
        int[] worst = {0};
        long[] n = {0};
        Map<String, long[]> knownHits = new TreeMap<>();
        Runner.Built[] current = new Runner.Built[1];
        ExecutionListener forward = new Forwarding(current);
        long t0 = System.nanoTime();
        double[] firstSeconds = {-1};
        Explorer.Summary sum = Explorer.explore(() -> {
            current[0] = Runner.build(s, v);
            return current[0].program();
        }, st, config, runs, r -> {
            n[0]++;
            Verdict verdict = current[0].oracle().verdict();
            KnownIssues.Issue issue = verdict.cls().fails() ? known.of(current[0].oracle().rootCause()) : null;
            String key = verdict.label() + (issue == null ? "" : " (known issue " + issue.id() + ")");
            counts.computeIfAbsent(key, k -> new long[1])[0]++;
            examples.putIfAbsent(key, verdict);
            if (verdict.cls() == Verdict.Cls.LIMIT)
                limits[0]++;
            if (issue != null) {
                knownHits.computeIfAbsent(issue.label(), k -> new long[1])[0]++;
                return !(stop && stopOnKnown);
            }
            if (verdict.cls().fails()) {
                worst[0] = Math.max(worst[0], verdict.cls().ordinal());
                if (firstForbidden[0] < 0) {
                    firstForbidden[0] = n[0];
                    firstSeconds[0] = (System.nanoTime() - t0) / 1e9;
                }
                saved.computeIfAbsent(verdict.reason().code(), reason -> saveFinding(s, v, r, verdict));
                return !stop;
            }
            return true;
        }, forward);
        double secs = (System.nanoTime() - t0) / 1e9;
        out.printf(Locale.ROOT, "%s under %s, strategy %s: %d executions in %.2f s (%.0f/s)%n", file, v.id, st.describe(),
                sum.executions(), secs, sum.executions() / Math.max(secs, 1e-9));
        out.printf("%n  %-36s %10s %7s  %-11s %s%n", "RESULT", "SAMPLES", "FREQ", "EXPECT", "DESCRIPTION");
        for (Map.Entry<String, long[]> e : counts.entrySet()) {
            Verdict ex = examples.get(e.getKey());
            out.printf(Locale.ROOT, "  %-36s %,10d %6.2f%%  %-11s %s%n", e.getKey(), e.getValue()[0], 100.0 * e.getValue()[0] / n[0],
                    e.getKey().contains("(known issue ") ? "KNOWN" : ex.cls().name(), ex.reason().rule());
        }
        out.println();
        if (firstForbidden[0] > 0)
            out.printf(Locale.ROOT, "first forbidden outcome after %d executions, %.2f s%n", firstForbidden[0], firstSeconds[0]);
        for (Map.Entry<String, long[]> e : knownHits.entrySet())
            out.printf(Locale.ROOT, "known issue %s: %d executions (%s; not a finding, not saved)%n", e.getKey(), e.getValue()[0], known.source());
        if (limits[0] > 0)
            out.printf(Locale.ROOT, "%d executions reached a limit of the model (no verdict): raise the bound with --max-steps N (this one: %d)%n",
                    limits[0], config.maxSteps());
        for (Map.Entry<String, Path> e : saved.entrySet())
            out.printf("saved %s: %s (replay: ./mmrace run %s --variant %s --trace)%n", e.getKey(), e.getValue(), e.getValue(), v.id);
        if (st instanceof Bounded b)
            out.printf("bounded: %d schedules with at most %d preemptions; space %s%n", b.schedules(), bound,
                    b.exhausted() ? "exhausted" : "NOT exhausted (raise --runs)");
        if (st instanceof Bounded b && b.exhausted() && firstForbidden[0] < 0)
            out.printf("no forbidden outcome with at most %d preemptions (%d schedules)%n", bound, b.schedules());
        out.flush();
        if (firstForbidden[0] < 0)
            return limits[0] > 0 ? Main.BAD_INPUT : Main.OK;
        return worst[0] == Verdict.Cls.FORBIDDEN.ordinal() ? Main.FORBIDDEN : Main.NEEDS_TRIAGE;
    }

    private Path saveFinding(Scenario s, Variant v, Result r, Verdict verdict) {
        Scenario f = s.copy();
        f.schedules.clear();
        f.schedules.put(v, Scenario.Sched.steps(r.schedule().toString()));
        f.expects.clear();
        f.expects.put(v, new Scenario.Expect(verdict.cls().word(), verdict.reason().code(), 0));
        f.desc.add("found by explore --strategy " + strategy + " (" + r.strategy() + "): " + verdict.detail());
        Path p = save.resolve(s.name + "." + v.id + "." + verdict.reason() + ".scn");
        Scenarios.writeAtomically(p, f.text());
        return p;
    }

    /** Sends events to the listener of the program built for the current execution. */
    static final class Forwarding implements ExecutionListener {
        private final Runner.Built[] current;
        private ExecutionListener l;

        Forwarding(Runner.Built[] current) {
            this.current = current;
        }

        @Override public void start(Execution e) { l = current[0].listener(); l.start(e); }
        @Override public void actorStart(long step, int actor) { l.actorStart(step, actor); }
        @Override public void point(long step, int actor, Access op, Shared s, long arg) { l.point(step, actor, op, s, arg); }
        @Override public void block(long step, int actor, Waiter w) { l.block(step, actor, w); }
        @Override public void spin(long step, int actor, String why) { l.spin(step, actor, why); }
        @Override public void note(long step, int actor, String fmt, Object[] args) { l.note(step, actor, fmt, args); }
        @Override public void tracepoint(long step, int actor, Tracepoint tp, Object a, long b) { l.tracepoint(step, actor, tp, a, b); }
        @Override public void probe(long step, int actor, int id) { l.probe(step, actor, id); }
        @Override public void report(long step, int actor, Report r) { l.report(step, actor, r); }
        @Override public void actorFinish(long step, int actor, Throwable thrown) { l.actorFinish(step, actor, thrown); }
        @Override public void end(Result r) { l.end(r); }
    }
}
