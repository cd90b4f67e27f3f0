package mmrace.fuzz;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import mmrace.oracle.Reason;
import mmrace.oracle.Verdict;
import mmrace.scenario.Scenario;
import mmrace.scenario.ScenarioError;
import mmrace.scenario.ScenarioParser;
import mmrace.scenario.Variant;
import mmrace.sched.Bounded;
import mmrace.sched.Config;
import mmrace.sched.Pct;
import mmrace.sched.RandomWalk;
import mmrace.sched.Replay;
import mmrace.sched.Strategy;
import mmrace.sched.TraceRecorder;

/**
 * Minimises a forbidden finding: fewest actors, fewest operations, smallest layout, simplest
 * numbers ({@link Shrinker}, with a test that accepts a candidate when it still gets the same
 * forbidden reason under the same variant), then fewest preemptions: recorded switches removed
 * one at a time (strict replay), then, if more than one preemption is left, every schedule with 0
 * and then 1 preemption ({@link Bounded}, within a budget). The result replays with
 * {@code ./mmrace run}: its schedule for the variant is the explicit {@code steps} line that
 * reproduced it, with an {@code expect} line for the verdict.
 *
 * <p>A candidate reproduces if one of these executions gets the reason: replay of its recorded
 * {@code steps} schedule for the variant (if any), its {@code *} strategy, and
 * {@link Budget#retries()} more PCT and random-walk seeds derived from the candidate (so removing
 * an operation, which shifts every step number, does not lose the race). Whichever reproduced is
 * recorded.
 */
public final class Minimize {
    private Minimize() {}

    /** How much a minimisation may spend. */
    public record Budget(int maxExecutions, Duration maxTime, int retries, int boundedExecutions) {
        public static final Budget DEFAULT = new Budget(6000, Duration.ofSeconds(120), 6, 3000);
        /** For tests and quick looks. */
        public static final Budget SMALL = new Budget(800, Duration.ofSeconds(30), 3, 300);
    }

    public enum Status {
        /** Reproduced and minimised. */
        MINIMIZED,
        /** The finding did not reproduce: it is kept as found, and reported as such. */
        UNREPRODUCED,
        /** No forbidden verdict to minimise (minimize FILE on an acceptable scenario). */
        NOT_FORBIDDEN
    }

    /**
     * The outcome of a minimisation. {@code minimized} is the file to save (for UNREPRODUCED: the
     * original with a desc line saying so); {@code trace} the columns of its execution.
     */
    public record Result(Status status, Variant variant, String reason, Scenario original, Scenario minimized, Verdict verdict,
                         String trace, String signature, int preemptions, int executions, String message) {}

    /** Minimises {@code s}, which got forbidden {@code reason} under {@code v} (with {@code k}: steps of that execution, for PCT). */
    public static Result minimize(Target target, Scenario s, Variant v, String reason, Budget budget, long k) {
        Run run = new Run(target, v, reason, budget, k);
        Scenario start = run.reproduces(s);
        if (start == null) {
            Scenario keep = s.copy();
            keep.desc.add(Finding.oneLine("UNREPRODUCED: " + reason + " under " + v.id + " did not reproduce in " + run.executions
                    + " executions (replay of the recorded schedule, the * strategy, " + budget.retries() + " more seeds); kept as found"));
            keep.expects.put(v, new Scenario.Expect(Verdict.failing(reason).word(), reason, 0));
            return new Result(Status.UNREPRODUCED, v, reason, s, keep, null, "", Finding.signature(s, v, reason), -1, run.executions,
                    "did not reproduce");
        }
        long deadline = System.nanoTime() + budget.maxTime().toNanos();
        Shrinker program = new Shrinker(run, budget.maxExecutions() / Math.max(1, budget.retries() + 2), deadline);
        Scenario small = program.shrinkProgram(start);
        Shrinker sched = new Shrinker(run::strict, budget.maxExecutions(), deadline);
        small = sched.shrinkSchedule(small);
        // fewest preemptions
        Counted c = run.counted(small, Schedules.strategy(small, v, run.k));
        int pre = c == null ? Integer.MAX_VALUE : c.preemptions;
        for (int bound = 0; bound <= 1 && pre > bound && System.nanoTime() - deadline < 0; bound++) {
            Scenario b = run.bounded(small, bound, budget.boundedExecutions());
            if (b != null) {
                small = b;
                pre = bound;
                break;
            }
        }
        // the final replay, traced
        Scenario.Sched sc = small.scheduleFor(v);
        if (sc.steps() == null) {
            Counted again = run.counted(small, Schedules.strategy(sc, run.k));
            if (again != null && again.verdict.cls().fails() && again.verdict.reason().code().equals(reason))
                small = Schedules.withSteps(small, v, again.run.result());
        }
        Schedules.Counting cs = new Schedules.Counting(Schedules.strategy(small, v, run.k));
        Target.Run tr = run.exec(small, cs, true);
        if (tr == null || !tr.verdict().cls().fails() || !tr.verdict().reason().code().equals(reason)) {
            // the replay diverged (should not happen: the port is deterministic): keep the reproducing start
            Scenario keep = start.copy();
            keep.desc.add(Finding.oneLine("UNREPRODUCED after minimisation: the minimised form did not replay; kept the first reproduction"));
            keep.expects.put(v, new Scenario.Expect(Verdict.failing(reason).word(), reason, 0));
            return new Result(Status.UNREPRODUCED, v, reason, s, keep, tr == null ? null : tr.verdict(), "",
                    Finding.signature(start, v, reason), -1, run.executions, "minimised form did not replay");
        }
        small = Schedules.withSteps(small, v, tr.result());
        small.expects.clear();
        small.expects.put(v, new Scenario.Expect(Verdict.failing(reason).word(), reason, 0));
        String trace = TraceRecorder.columns(tr.result().trace(), tr.result().actors());
        String cause = Finding.rootCause(tr);
        if (cause != null)
            small.desc.add(0, ROOT_CAUSE + cause);
        return new Result(Status.MINIMIZED, v, reason, s, small, tr.verdict(), trace, Finding.signature(small, v, reason, cause),
                cs.preemptions(), run.executions, "minimised in " + run.executions + " executions");
    }

    private record Counted(Target.Run run, Verdict verdict, int preemptions) {}

    /** The executions of one minimisation. */
    private static final class Run implements Shrinker.Test {
        final Target target;
        final Variant v;
        final String reason;
        final Budget budget;
        long k;
        int executions;
        /** Anchored schedules of the scenarios that reproduced, by text. */
        final Map<String, List<Anchors.Anchor>> anchors = new HashMap<>();
        private final Anchors.Tracker tracker = new Anchors.Tracker();

        Run(Target target, Variant v, String reason, Budget budget, long k) {
            this.target = target;
            this.v = v;
            this.reason = reason;
            this.budget = budget;
            this.k = k;
        }

        Target.Run exec(Scenario s, Strategy st, boolean trace) {
            executions++;
            try {
                return target.run(s, v, st, Config.DEFAULT.withTrace(trace));
            } catch (RuntimeException e) {
                return null;
            }
        }

        boolean hit(Target.Run r) {
            return r != null && r.verdict().cls().fails() && r.verdict().reason().code().equals(reason);
        }

        /** Runs c under st, recording anchors; the scenario with the schedule taken if it reproduced, else null. */
        Scenario attempt(Scenario c, Strategy st) {
            executions++;
            Anchors.Recorder rec = new Anchors.Recorder(st, tracker);
            Target.Run r;
            try {
                r = target.run(c, v, rec, Config.DEFAULT, tracker);
            } catch (RuntimeException e) {
                return null;
            }
            if (r.result() != null)
                k = Math.max(k, r.result().steps());
            if (!hit(r))
                return null;
            Scenario out = Schedules.withSteps(c, v, r.result());
            if (tracker.consistent(c))
                anchors.put(out.text(), rec.anchors());
            return out;
        }

        Counted counted(Scenario s, Strategy st) {
            Schedules.Counting c = new Schedules.Counting(st);
            Target.Run r = exec(s, c, false);
            return r == null ? null : new Counted(r, r.verdict(), c.preemptions());
        }

        @Override
        public Scenario reproduces(Scenario c) {
            return reproduces(null, c);
        }

        /**
         * Lenient: the candidate's recorded steps schedule; the schedule of the scenario it was
         * made from, anchored to operations; its * strategy; then a few derived seeds.
         */
        @Override
        public Scenario reproduces(Scenario cur, Scenario c) {
            Scenario.Sched own = c.schedules.get(v);
            Scenario r;
            if (own != null && own.steps() != null && (r = attempt(c, Replay.of(own.steps()))) != null)
                return r;
            List<Anchors.Anchor> an = cur == null ? null : anchors.get(cur.text());
            if (an != null && (r = attempt(c, new Anchors.Replay(Anchors.remap(cur, c, an), tracker))) != null)
                return r;
            Scenario.Sched star = c.schedules.get(null);
            if (star == null)
                star = Scenario.Sched.random(0);
            if ((r = attempt(c, Schedules.strategy(star, k))) != null)
                return r;
            long base = Coverage.hash(c.text());
            for (int i = 0; i < budget.retries(); i++) {
                long seed = Strategy.runSeed(base, i) & 0x7fffffffL;
                Strategy st = i % 3 == 2 ? new RandomWalk(seed) : new Pct(2 + (i % 3), Math.max(k, 1), seed);
                if ((r = attempt(c, st)) != null)
                    return r;
            }
            return null;
        }

        /** Strict: only the candidate's own schedule for the variant. */
        Scenario strict(Scenario c) {
            return attempt(c, Schedules.strategy(c, v, k));
        }

        /** The first schedule with at most {@code bound} preemptions that reproduces, within {@code max} executions. */
        Scenario bounded(Scenario s, int bound, int max) {
            Bounded b = new Bounded(bound);
            for (int i = 0; i < max && b.hasNext(); i++) {
                Target.Run r;
                try {
                    executions++;
                    r = target.run(s, v, b, Config.DEFAULT);
                } catch (RuntimeException e) {
                    return null; // not deterministic enough for a bounded search: keep what we have
                }
                if (hit(r))
                    return Schedules.withSteps(s, v, r.result());
            }
            return null;
        }
    }

    // ------------------------------------------------------------------ the file

    /** The desc line that names a finding's root cause (see {@link Finding#rootCause}). */
    static final String ROOT_CAUSE = "Root cause: ";

    static String rootCause(Scenario s) {
        for (String d : s.desc)
            if (d.startsWith(ROOT_CAUSE))
                return d.substring(ROOT_CAUSE.length());
        return null;
    }

    /** The finding as a file: name, desc lines (how it was found, the verdict, the signature), the scenario. */
    public static String findingText(Result r, String foundBy) {
        Scenario s = r.minimized().copy();
        s.name = r.reason() + "-" + r.variant().id + "-" + r.signature();
        List<String> desc = new ArrayList<>();
        if (foundBy != null && !foundBy.isEmpty())
            desc.add(foundBy);
        if (r.verdict() != null)
            desc.add("Verdict under " + r.variant().id + ": " + r.verdict());
        desc.add("Why forbidden: " + Reason.rule(r.reason()));
        desc.add("Signature " + r.signature() + ": " + Finding.describe(r.minimized(), r.variant(), r.reason(), rootCause(r.minimized())));
        if (r.status() == Status.MINIMIZED)
            desc.add("Minimised from " + r.original().actors.size() + " actors and " + ops(r.original()) + " operations to "
                    + r.minimized().actors.size() + " actors, " + ops(r.minimized()) + " operations, " + r.preemptions()
                    + " preemption(s), in " + r.executions() + " executions");
        for (String d : r.minimized().desc)
            if (!desc.contains(d) && !d.startsWith("Verdict under") && !d.startsWith("Signature ") && !d.startsWith("Why forbidden")
                    && !d.startsWith("Minimised from"))
                desc.add(d);
        s.desc.clear();
        for (String d : desc)
            s.desc.add(Finding.oneLine(d));
        return s.text();
    }

    static int ops(Scenario s) {
        int n = 0;
        for (Scenario.Actor a : s.actors)
            n += a.ops().size();
        return n;
    }

    /**
     * {@code minimize FILE}: reads the scenario, finds the forbidden verdict to keep (the variant
     * and reason of its first {@code expect ... forbidden} line, else the first variant whose own
     * schedule gives a forbidden verdict, trying {@code only} if given), minimises it and writes
     * {@code OUT} (default: FILE with {@code .min.scn}) and its {@code .trace}. Exit status: 0 no
     * forbidden verdict (or it did not reproduce: said on {@code out}), 1 a forbidden finding was
     * minimised, 2 bad input.
     */
    public static int file(Path in, Path outFile, Variant only, Target target, Budget budget, PrintStream out) {
        Scenario s;
        try {
            s = ScenarioParser.parse(in);
        } catch (ScenarioError e) {
            out.println(e.getMessage());
            return 2;
        }
        Variant v = null;
        String reason = null;
        for (Map.Entry<Variant, Scenario.Expect> e : s.expects.entrySet())
            if (Verdict.Cls.of(e.getValue().cls()).fails() && e.getValue().reason() != null && (only == null || e.getKey() == only)) {
                v = e.getKey();
                reason = e.getValue().reason();
                break;
            }
        long k = 0;
        if (v == null) {
            for (Variant c : only == null ? Variant.all() : List.of(only)) {
                Target.Run r;
                try {
                    r = target.run(s, c, Schedules.strategy(s, c, 0), Config.DEFAULT);
                } catch (RuntimeException e) {
                    out.println(in + ": cannot run under " + c.id + ": " + e.getMessage());
                    return 2;
                }
                if (r.verdict().cls().fails()) {
                    v = c;
                    reason = r.verdict().reason().code();
                    k = r.result().steps();
                    s = Schedules.withSteps(s, c, r.result());
                    break;
                }
            }
        }
        if (v == null) {
            out.println(in + ": no forbidden verdict under " + (only == null ? "any variant" : only.id) + ": nothing to minimise");
            return 0;
        }
        Result r = minimize(target, s, v, reason, budget, k);
        if (r.status() == Status.UNREPRODUCED) {
            out.println(in + ": forbidden " + reason + " under " + v.id + " did NOT reproduce (" + r.message() + ", " + r.executions()
                    + " executions); nothing written");
            return 0;
        }
        Path o = outFile != null ? outFile : siblingWith(in, ".min.scn");
        Path t = siblingWith(o, ".trace");
        try {
            Corpus.writeAtomic(t, (traceHeader(r) + r.trace()).getBytes(StandardCharsets.UTF_8));
            Corpus.writeAtomic(o, findingText(r, "Minimised by mmrace minimize from " + in.getFileName()).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            out.println("cannot write " + o + ": " + e.getMessage());
            return 2;
        }
        out.println(in + ": " + Verdict.failing(reason).word() + " " + reason + " under " + v.id + " minimised to " + r.minimized().actors.size() + " actors, "
                + ops(r.minimized()) + " operations, " + r.preemptions() + " preemption(s) in " + r.executions() + " executions: " + o);
        return Verdict.failing(reason) == Verdict.Cls.NEEDS_TRIAGE ? 3 : 1;
    }

    static String traceHeader(Result r) {
        return "# " + r.reason() + " under " + r.variant().id + " (signature " + r.signature() + ")\n# " + (r.verdict() == null ? "" : r.verdict())
                + "\n# schedule " + r.variant().id + " " + r.minimized().scheduleFor(r.variant()).steps() + "\n\n";
    }

    /** {@code dir/x.scn} -> {@code dir/x} + suffix (suffix replaces a trailing .scn). */
    static Path siblingWith(Path p, String suffix) {
        String n = p.getFileName().toString();
        if (n.endsWith(".scn"))
            n = n.substring(0, n.length() - 4);
        return p.resolveSibling(n + suffix);
    }
}
