package mmrace.fuzz;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import mmrace.fuzz.FindingsPipeline.Pending;
import mmrace.fuzz.ParentPool.Seed;
import mmrace.oracle.Verdict;
import mmrace.scenario.Scenario;
import mmrace.scenario.Variant;
import mmrace.sched.Config;
import mmrace.sched.RandomWalk;
import mmrace.sched.Strategy;

/**
 * One worker's fuzzing loop (in this process, or in a worker process). After a dry run of fresh
 * inputs, each iteration either runs the baseline's next fresh input (a share falling to 20%) or
 * takes a parent, mostly the favoured (cheapest) input of a rare feature ({@link ParentPool#pick}), and
 * makes a child: a splice, a schedule-only mutation of a near miss, or 1-4 stacked mutations
 * ({@link Mutator}). It runs the child once under one of the campaign's variants with the
 * {@link Coverage} listener, and keeps it (memory and {@code queue/}) when it added a probe, an
 * operation pair, a race, a window or an outcome. A forbidden verdict is queued, minimised
 * ({@link Minimize}) within a share of the campaign's time, and saved under {@code findings/}
 * once per signature.
 *
 * <p>The parents and their features are a {@link ParentPool}; writing kept inputs to
 * {@code queue/} is {@link QueueSync}'s; minimising, saving and replaying findings is
 * {@link FindingsPipeline}'s; the {@code -Dmmrace.fuzz.*} knobs are {@link FuzzKnobs}.
 *
 * <p>With feedback off, it runs only the fresh stream ({@link #freshRng}), with no listener:
 * the baseline the guided campaign must beat, input for input the fresh inputs of a guided
 * campaign of the same seed.
 */
final class Fuzzer {
    /** Callbacks (all on the fuzzing thread). */
    interface Events {
        default void progress(Campaign.Progress p) {}

        default void finding(Campaign.FindingEvent e) {}
    }

    private static final Duration RESCAN = Duration.ofSeconds(10);
    /** The tuning knobs, read once from this JVM's system properties. */
    static final FuzzKnobs KNOBS = FuzzKnobs.fromSystemProperties();
    /** The longest random walk recorded as a {@code steps} line (see {@link #ran}). */
    private static final int MAX_RECORDED = 32;

    private final Campaign.Options o;
    private final Target target;
    private final int worker;
    private final Events events;
    private final SplittableRandom rng;
    private final Gen gen;
    /**
     * The baseline's stream: freshly generated inputs with 1-4 stacked mutations, drawn from
     * their own random stream, run under a variant drawn from it and with PCT over the mean step
     * count of the stream's own executions. Without feedback it is all the fuzzer runs; with
     * feedback it is a share of the executions, input for input the baseline's of the same seed.
     */
    private final SplittableRandom freshRng;
    private final Gen freshGen;
    private final Mutator freshMut;
    private final Map<Variant, long[]> freshStats = new HashMap<>();
    private final Mutator mut;
    /** Interleaving edges only when they may keep an input ({@link FuzzKnobs#keepEdges}): otherwise they would only be counted, at a cost of several percent of each execution. */
    private final Coverage coverage = new Coverage(KNOBS.keepEdges() ? Coverage.Context.PROBE : Coverage.Context.OFF);
    private final ExecutionCoverage exec = coverage.newExec();
    private final Anchors.Tracker tracker = new Anchors.Tracker();
    /** The last execution's recorder, and whether its anchors mean something ({@link Anchors.Tracker#consistent}). */
    private Anchors.Recorder lastRecorder;
    private boolean lastConsistent;
    private final ParentPool pool;
    private final QueueSync queue;
    private final FindingsPipeline findings;
    private final Corpus corpus;
    private final Map<Variant, long[]> stepStats = new HashMap<>();
    private long executions, errors;
    /** Executions before the loop (imports, replayed findings); the length of the dry run. */
    private long fresh0, dry;
    private String lastError;
    /** Generated inputs whose layout the kernel refused at set-up (skipped). */
    private long invalid;
    private long t0;
    private long firstExecs = -1;
    private Duration firstTime;
    private volatile boolean stop;
    private boolean stoppedOnForbidden;
    /** Where the time goes ({@link FuzzKnobs#stats} prints it at the end): nanos in make, run, bookkeeping, findings. */
    private final long[] nanos = new long[4];
    private long sumSteps, sumOps, sumActors, kept;
    /** Statistics by how the input was made (0 fresh; then 3 * pick kind (rare, recent, tournament) + 1 splice, 2 schedule only, 3 havoc): executions, forbidden, with a window. */
    private int arm;
    private final long[][] arms = new long[10][3];

    Fuzzer(Campaign.Options o, Target target, int worker, long seed, Events events) throws IOException {
        this.o = o;
        this.target = target;
        this.worker = worker;
        this.events = events;
        this.freshRng = new SplittableRandom(seed);
        this.freshGen = new Gen(freshRng, Limits.DEFAULT);
        this.freshMut = new Mutator(freshGen);
        this.rng = new SplittableRandom(LongSet.mix(seed ^ 0x6A09E667F3BCC909L));
        this.gen = new Gen(rng, Limits.DEFAULT);
        this.mut = new Mutator(gen);
        this.corpus = o.corpus() == null ? null : new Corpus(o.corpus());
        this.pool = new ParentPool(rng, coverage, exec, KNOBS);
        this.queue = new QueueSync(corpus);
        this.findings = new FindingsPipeline(this, o, target, worker, corpus, events, KNOBS.shrinkShare());
    }

    Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    /** Executions so far, imports and replayed findings included. */
    long executions() {
        return executions;
    }

    /** An input that could not be run or written: counted, and the last one is in the summary. */
    void error(String message) {
        errors++;
        lastError = message;
    }

    /** Stops the loop at the next iteration (from another thread: a shutdown hook); findings not yet minimised are dropped. */
    void requestStop() {
        findings.abort = true;
        stop = true;
    }

    Campaign.Summary run() throws IOException {
        t0 = System.nanoTime();
        long deadline = o.time() == null ? Long.MAX_VALUE : t0 + o.time().toNanos();
        long nextProgress = t0 + o.progressEvery().toNanos();
        long nextScan = t0 + RESCAN.toNanos(), nextWrite = t0 + 1_000_000_000L;
        if (corpus != null) {
            corpus.cleanTemps(Duration.ofMinutes(10));
            findings.loadFindings();
            if (o.feedback())
                importQueue();
        }
        fresh0 = executions;
        dry = pool.size() >= KNOBS.initial() ? 0 : KNOBS.initial(); // a resumed campaign has its corpus already
        while (!done(deadline)) {
            long tm = System.nanoTime();
            Scenario child;
            Seed parent = null;
            int r = o.feedback() ? rng.nextInt(100) : 0;
            if (!o.feedback() || pool.isEmpty() || executions - fresh0 < dry || r < freshShare()) {
                arm = 0;
                nanos[0] += System.nanoTime() - tm;
                fresh();
            } else {
                int stack = 1 + (rng.nextInt(3) == 0 ? rng.nextInt(4) : 0);
                parent = pool.pick();
                if (r >= 92 && pool.size() > 1) {
                    child = mut.splice(parent.s, pool.pick().s);
                    arm = 1;
                } else if (parent.nearMiss && rng.nextInt(100) < KNOBS.sched()) {
                    child = scheduleOnly(parent.s); // a near miss: try interleavings next to it
                    arm = 2;
                } else {
                    child = mut.havoc(parent.s, stack);
                    arm = 3;
                }
                arm += 3 * pool.pickKind();
                nanos[0] += System.nanoTime() - tm;
                iterate(child, parent);
            }
            if (findings.hasPending())
                nanos[3] += findings.shrinkPending(false, t0);
            long now = System.nanoTime();
            if (now - nextProgress > 0) {
                nextProgress = now + o.progressEvery().toNanos();
                events.progress(progress());
            }
            if (corpus != null && now - nextWrite > 0) {
                nextWrite = now + 1_000_000_000L;
                queue.submitQueue();
            }
            if (corpus != null && now - nextScan > 0) {
                nextScan = now + RESCAN.toNanos();
                if (o.feedback())
                    importQueue();
                findings.scanNewFindings();
            }
        }
        nanos[3] += findings.shrinkPending(true, t0);
        flushWrites();
        queue.close();
        if (KNOBS.stats())
            System.err.printf("fuzz stats (%s): %d execs, make %d ms, run %d ms, keep %d ms, findings %d ms; per exec: steps %.1f ops %.2f actors %.2f; kept %d, favoured %d, features %d, races %d, windows %d%n",
                    o.feedback() ? "feedback" : "no feedback", executions, nanos[0] / 1_000_000, nanos[1] / 1_000_000, nanos[2] / 1_000_000,
                    nanos[3] / 1_000_000, sumSteps / (double) Math.max(1, executions), sumOps / (double) Math.max(1, executions),
                    sumActors / (double) Math.max(1, executions), kept, pool.favouredCount(), pool.features(), coverage.races(), coverage.windows());
        if (KNOBS.stats()) {
            StringBuilder b = new StringBuilder("fuzz arms (execs/forbidden/with a window):");
            String[] names = {"fresh", "rare-splice", "rare-sched", "rare-havoc", "recent-splice", "recent-sched", "recent-havoc", "tour-splice",
                    "tour-sched", "tour-havoc"};
            for (int i = 0; i < arms.length; i++)
                if (arms[i][0] > 0)
                    b.append(' ').append(names[i]).append(' ').append(arms[i][0]).append('/').append(arms[i][1]).append('/').append(arms[i][2]);
            System.err.println(b);
        }
        events.progress(progress());
        return summary();
    }

    private boolean done(long deadline) {
        return stop || System.nanoTime() - deadline > 0 || o.maxExecutions() > 0 && executions >= o.maxExecutions();
    }

    /** A child with the parent's program and a schedule next to the parent's: a moved, added or dropped switch, or a new seed. */
    private Scenario scheduleOnly(Scenario parent) {
        if (ScheduleMutations.hasSteps(parent) && rng.nextInt(4) != 0)
            return mut.mutateSchedule(parent);
        Scenario c = mut.apply(rng.nextInt(3) == 0 ? Mutator.Kind.SCHED_DEPTH : Mutator.Kind.SCHED_RESEED, parent);
        return c != null ? c : mut.mutate(parent);
    }

    /** The percent of fresh inputs: all during the dry run ({@link FuzzKnobs#initial}), then falling as 1/executions to {@link FuzzKnobs#fresh}. */
    private int freshShare() {
        return (int) Math.max(KNOBS.fresh(), 100 * dry / Math.max(1, executions - fresh0));
    }

    /** Runs the baseline's next input (see {@link #freshRng}). */
    private void fresh() {
        long tm = System.nanoTime();
        int stack = 1 + (freshRng.nextInt(3) == 0 ? freshRng.nextInt(4) : 0);
        Scenario child = freshMut.havoc(freshGen.initial(), stack);
        Variant v = o.variants().get(freshRng.nextInt(o.variants().size()));
        long[] st = freshStats.computeIfAbsent(v, x -> new long[2]);
        nanos[0] += System.nanoTime() - tm;
        Target.Run r = iterate(child, null, v, Schedules.strategy(child, v, st[1] == 0 ? 0 : st[0] / st[1]));
        if (r != null && st[1] < 1_000_000) {
            st[0] += r.result().steps();
            st[1]++;
        }
    }

    private Variant variantFor(Scenario s) {
        List<Variant> vs = o.variants();
        List<Variant> recorded = new ArrayList<>();
        for (Variant v : vs)
            if (s.schedules.get(v) != null && s.schedules.get(v).steps() != null)
                recorded.add(v);
        if (!recorded.isEmpty() && rng.nextInt(4) != 0)
            return recorded.get(rng.nextInt(recorded.size()));
        return vs.get(rng.nextInt(vs.size()));
    }

    private long kFor(Seed parent, Variant v) {
        if (parent != null && parent.variant == v && parent.steps > 0)
            return parent.steps;
        long[] st = stepStats.get(v);
        return st == null || st[1] == 0 ? 0 : st[0] / st[1];
    }

    /**
     * Runs one input; returns its run (null if it failed to run); {@link #lastAnchors} gives its
     * anchored schedule. Without feedback, nothing but the outcome is collected.
     */
    private Target.Run execute(Scenario s, Variant v, Strategy st) {
        executions++;
        lastRecorder = null;
        try {
            if (!o.feedback()) {
                // the baseline uses neither coverage nor anchors: it runs without their listeners (about 15% faster)
                Target.Run r = target.run(s, v, st, Config.DEFAULT);
                return r;
            }
            Anchors.Recorder rec = new Anchors.Recorder(st, tracker);
            exec.scenario(s);
            Target.Run r = target.run(s, v, rec, Config.DEFAULT, exec, tracker);
            long[] stat = stepStats.computeIfAbsent(v, x -> new long[2]);
            if (stat[1] < 1_000_000) {
                stat[0] += r.result().steps();
                stat[1]++;
            }
            lastRecorder = rec;
            lastConsistent = tracker.consistent(s);
            return r;
        } catch (RuntimeException e) {
            if (e instanceof mmrace.scenario.ScenarioSetupError) {
                invalid++; // a layout the kernel refuses: not an input, not an error
                return null;
            }
            errors++;
            lastError = Finding.oneLine(e.toString());
            if (KNOBS.dumpErrors())
                System.err.println("execution failed: " + e + "\n" + s.text());
            return null;
        }
    }

    /** The schedule of the last execution anchored to operations (null if it cannot be). */
    private List<Anchors.Anchor> lastAnchors() {
        return lastRecorder != null && lastConsistent ? lastRecorder.anchors() : null;
    }

    /**
     * Do two scenarios have the same program: layout, initial stores, actors and their
     * operations, injections (schedules and expectations aside)? Compares the records, so an
     * element re-created with other line numbers counts as changed: harmless, its parent's
     * schedule is then replayed anchored to operations.
     */
    static boolean sameProgram(Scenario a, Scenario b) {
        if (!a.maps.equals(b.maps) || !a.files.equals(b.files) || !a.init.equals(b.init) || !a.injects.equals(b.injects)
                || a.actors.size() != b.actors.size())
            return false;
        for (int i = 0; i < a.actors.size(); i++) {
            Scenario.Actor x = a.actors.get(i), y = b.actors.get(i);
            if (!x.name().equals(y.name()) || !x.ops().equals(y.ops()))
                return false;
        }
        return true;
    }

    /**
     * The strategy for a child: when it kept the parent's recorded schedule but its program
     * changed, the parent's schedule anchored to operations (so the interleaving that made the
     * parent interesting is tried on the changed program); else the child's own schedule line.
     */
    private Strategy strategyFor(Scenario child, Seed parent, Variant v) {
        Scenario.Sched sc = child.scheduleFor(v);
        if (parent != null && parent.anchors != null && parent.variant == v && (sc.steps() != null || sc.kind().equals("random"))
                && sc.equals(parent.s.scheduleFor(v)) && !sameProgram(child, parent.s))
            return new Anchors.Replay(Anchors.remap(parent.s, child, parent.anchors), tracker);
        return Schedules.strategy(child, v, kFor(parent, v));
    }

    /**
     * The input as it ran: with the schedule it took as a {@code steps} line for {@code v}, except
     * after a random walk of its own {@code random SEED} line with more than {@link #MAX_RECORDED}
     * switches: that line replays it exactly already, and a long steps line makes every later
     * mutation, check and copy of the input slower.
     */
    private static Scenario ran(Scenario child, Variant v, Strategy st, Target.Run r) {
        if (st instanceof RandomWalk && r.result().schedule().size() > MAX_RECORDED)
            return child;
        return Schedules.withSteps(child, v, r.result());
    }

    private void iterate(Scenario child, Seed parent) {
        Variant v = parent != null && parent.anchors != null && child.schedules.get(parent.variant) != null && rng.nextInt(4) != 0
                ? parent.variant : variantFor(child);
        long t1 = System.nanoTime();
        Strategy st = strategyFor(child, parent, v);
        nanos[0] += System.nanoTime() - t1;
        iterate(child, parent, v, st);
    }

    /** Runs {@code child} under {@code v} and {@code st}, merges its coverage, queues a finding, keeps it if it added coverage. */
    private Target.Run iterate(Scenario child, Seed parent, Variant v, Strategy st) {
        long t1 = System.nanoTime();
        Target.Run r = execute(child, v, st);
        long t2 = System.nanoTime();
        nanos[1] += t2 - t1;
        if (r == null)
            return null;
        sumSteps += r.result().steps();
        arms[arm][0]++;
        if (r.verdict().cls().fails())
            arms[arm][1]++;
        if (exec.windows.size() > 0)
            arms[arm][2]++;
        sumOps += Minimize.ops(child);
        sumActors += child.actors.size();
        Scenario ran = null; // made only for a finding or a kept input (it costs a copy and the schedule's text)
        Coverage.Gain g = coverage.merge(exec, v, r.verdict());
        if (r.verdict().cls().fails()) {
            if (firstExecs < 0) {
                firstExecs = executions;
                firstTime = elapsed();
            }
            String reason = r.verdict().reason().code();
            boolean stops = o.stopsAt(reason, o.knownIssue(Finding.rootCause(r)));
            if (o.shrinks(reason))
                findings.queueFinding(new Pending(ran = ran(child, v, st, r), v, r, executions, elapsed()), stops);
            if (stops) {
                stop = true;
                stoppedOnForbidden = true;
            }
        }
        if (o.feedback() && (KNOBS.keepEdges() ? g.any() : g.keep()) && Minimize.ops(child) <= KNOBS.maxKeptOps() && child.actors.size() <= KNOBS.maxKeptActors()) {
            if (ran == null)
                ran = ran(child, v, st, r);
            Seed kept = new Seed(ran, r.result().steps(), v, g.weight(), lastAnchors(), exec.nearMiss());
            pool.add(kept);
            pool.favour(kept, v, r.verdict());
            if (corpus != null && QueueSync.switchesOk(ran))
                queue.saveQueue(ran);
            this.kept++;
        }
        nanos[2] += System.nanoTime() - t2;
        return r;
    }

    /** Waits for the queue writes; those that failed count as errors. */
    private void flushWrites() {
        long failed = queue.flushWrites();
        if (failed > 0) {
            errors += failed;
            lastError = "cannot write the queue";
        }
    }

    /**
     * Runs an input of an earlier run once ({@link FindingsPipeline#loadFindings}): its coverage
     * is merged and, with feedback, it becomes a parent. Null if it failed to run.
     */
    Target.Run replay(Scenario s, Variant v) {
        Target.Run r = execute(s, v, Schedules.strategy(s, v, 0));
        if (r != null) {
            coverage.merge(exec, v, r.verdict());
            if (o.feedback())
                pool.add(new Seed(s, r.result().steps(), v, 1, lastAnchors(), exec.nearMiss()));
        }
        return r;
    }

    /** Imports queue entries written by other workers or earlier runs: each runs once for its coverage. */
    private void importQueue() throws IOException {
        List<Corpus.Entry> l = corpus.scanQueue(queue.knownQueue);
        for (Corpus.Entry en : l) {
            if (stop)
                return;
            Scenario s = en.scenario();
            Variant v = variantFor(s);
            Target.Run r = execute(s, v, Schedules.strategy(s, v, 0));
            if (r == null)
                continue;
            Coverage.Gain g = coverage.merge(exec, v, r.verdict());
            Seed kept = new Seed(s, r.result().steps(), v, Math.max(1, g.weight()), lastAnchors(), exec.nearMiss());
            pool.add(kept);
            pool.favour(kept, v, r.verdict());
        }
    }

    // ------------------------------------------------------------------ reports

    Campaign.Progress progress() {
        Duration el = elapsed();
        Map<String, Integer> byReason = new TreeMap<>();
        for (String r : findings.files().values())
            byReason.merge(r, 1, Integer::sum);
        double rate = el.toMillis() == 0 ? 0 : executions * 1000.0 / el.toMillis();
        int size = corpus != null && o.feedback() ? queue.knownQueue.size() : pool.size();
        return new Campaign.Progress(el, executions, rate, coverage.probes(), coverage.edges(), coverage.pairs(), coverage.outcomes(), size,
                Collections.unmodifiableMap(byReason), 1, errors);
    }

    Campaign.Summary summary() {
        Campaign.Progress p = progress();
        return new Campaign.Summary(p.elapsed(), executions, p.probes(), p.edges(), p.pairs(), p.outcomes(), p.corpus(), p.findings(),
                List.copyOf(findings.found()), firstExecs, firstTime, stoppedOnForbidden, errors, lastError, invalid);
    }
}
