package mmrace.fuzz;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import mmrace.oracle.Verdict;
import mmrace.scenario.Scenario;
import mmrace.scenario.Variant;
import mmrace.sched.Config;
import mmrace.sched.Strategy;

/**
 * One worker's fuzzing loop (in this process, or in a worker process). Each iteration takes a
 * parent from the in-memory queue (recently added inputs half the time, else a tournament favouring
 * inputs that added much coverage and were picked little), applies 1-4 stacked mutations
 * ({@link Mutator}; sometimes a splice of two parents; sometimes a freshly generated input instead),
 * runs it once under one of the campaign's variants with the {@link Coverage} listener, records the
 * schedule it took as a {@code steps} line, and keeps it (memory and {@code queue/}) when it added
 * a probe, an interleaving edge or an outcome. A forbidden verdict is minimised ({@link Minimize})
 * and saved under {@code findings/} once per signature.
 *
 * <p>With feedback off, nothing is kept: every input is a freshly generated one with the same
 * number of stacked mutations. That is the baseline the guided campaign must beat.
 */
final class Fuzzer {
    /** Callbacks (all on the fuzzing thread). */
    interface Events {
        default void progress(Campaign.Progress p) {}

        default void finding(Campaign.FindingEvent e) {}
    }

    private static final Duration RESCAN = Duration.ofSeconds(10);
    /** Percent of iterations that start from a freshly generated input even with feedback (the generator aims well). */
    private static final int FRESH = Integer.getInteger("mmrace.fuzz.fresh", 20);
    private static final int INITIAL = 8;

    private static final class Seed {
        final Scenario s;
        final long steps;
        final Variant variant;
        final int gain;
        /** The schedule it ran under, anchored to operations (null if the target does not report operation boundaries). */
        final List<Anchors.Anchor> anchors;
        int picks;
        /** The smallest kept input with some operation pair or outcome. */
        boolean favoured;

        Seed(Scenario s, long steps, Variant variant, int gain, List<Anchors.Anchor> anchors) {
            this.s = s;
            this.steps = steps;
            this.variant = variant;
            this.gain = gain;
            this.anchors = anchors;
        }
    }

    private final Campaign.Options o;
    private final Target target;
    private final int worker;
    private final Events events;
    private final SplittableRandom rng;
    private final Gen gen;
    private final Mutator mut;
    private final Coverage coverage = new Coverage();
    private final Coverage.Exec exec = coverage.newExec();
    private final Anchors.Tracker tracker = new Anchors.Tracker();
    private List<Anchors.Anchor> lastAnchors;
    private final List<Seed> seeds = new ArrayList<>();
    /** Operation-pair and outcome keys -> the smallest kept input that has it. */
    private final Map<Long, Seed> favoured = new HashMap<>();
    private final List<Seed> favouredList = new ArrayList<>();
    private final Corpus corpus;
    private final Set<String> knownQueue = new HashSet<>(), knownFindings = new HashSet<>();
    /** Unique finding files (and unreproduced ones) by name -> reason label. */
    private final Map<String, String> findingFiles = new TreeMap<>();
    private final Set<String> seenRaw = new HashSet<>();
    private final List<Campaign.FindingEvent> found = new ArrayList<>();
    private final Map<Variant, long[]> stepStats = new HashMap<>();
    private final java.util.concurrent.ExecutorService writer = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "mmrace-corpus-writer");
        t.setDaemon(true);
        return t;
    });
    private final List<java.util.concurrent.Future<?>> pendingWrites = new ArrayList<>();
    private final java.util.concurrent.atomic.AtomicLong writeErrors = new java.util.concurrent.atomic.AtomicLong();
    private long executions, errors;
    private String lastError;
    private long t0;
    private long firstExecs = -1;
    private Duration firstTime;
    private boolean stop, stoppedOnForbidden;

    Fuzzer(Campaign.Options o, Target target, int worker, long seed, Events events) throws IOException {
        this.o = o;
        this.target = target;
        this.worker = worker;
        this.events = events;
        this.rng = new SplittableRandom(seed);
        this.gen = new Gen(rng, Limits.DEFAULT);
        this.mut = new Mutator(gen);
        this.corpus = o.corpus() == null ? null : new Corpus(o.corpus());
    }

    Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    /** Stops the loop at the next iteration (from another thread: a shutdown hook). */
    void requestStop() {
        stop = true;
    }

    Campaign.Summary run() throws IOException {
        t0 = System.nanoTime();
        long deadline = o.time() == null ? Long.MAX_VALUE : t0 + o.time().toNanos();
        long nextProgress = t0 + o.progressEvery().toNanos();
        long nextScan = t0 + RESCAN.toNanos();
        if (corpus != null) {
            corpus.cleanTemps(Duration.ofMinutes(10));
            loadFindings();
            if (o.feedback())
                importQueue();
        }
        for (int i = 0; i < INITIAL && !done(deadline); i++)
            iterate(gen.initial(), null);
        while (!done(deadline)) {
            Scenario child;
            Seed parent = null;
            int r = rng.nextInt(100);
            int stack = 1 + (rng.nextInt(3) == 0 ? rng.nextInt(4) : 0);
            if (!o.feedback() || seeds.isEmpty() || r < FRESH) {
                child = mut.havoc(gen.initial(), o.feedback() ? stack - 1 : stack);
            } else {
                parent = pick();
                if (r < FRESH + 8 && seeds.size() > 1)
                child = mut.splice(parent.s, pick().s);
            else if (parent.favoured && Mutator.hasSteps(parent.s) && rng.nextBoolean())
                child = mut.mutateSchedule(parent.s); // a near miss: try interleavings next to it
            else
                child = mut.havoc(parent.s, stack);
            }
            iterate(child, parent);
            long now = System.nanoTime();
            if (now - nextProgress > 0) {
                nextProgress = now + o.progressEvery().toNanos();
                events.progress(progress());
            }
            if (corpus != null && now - nextScan > 0) {
                nextScan = now + RESCAN.toNanos();
                if (o.feedback())
                    importQueue();
                scanNewFindings();
            }
        }
        flushWrites();
        writer.shutdown();
        events.progress(progress());
        return summary();
    }

    private boolean done(long deadline) {
        return stop || System.nanoTime() - deadline > 0 || o.maxExecutions() > 0 && executions >= o.maxExecutions();
    }

    /**
     * Picks a parent: a third of the time one of the inputs "favoured" for an operation pair or an
     * outcome (the smallest kept input that has it, as AFL favours the cheapest input per edge:
     * few, and each the nearest known miss of some race), a third one of the 16 newest, otherwise
     * a tournament of four by {@link #score}.
     */
    private Seed pick() {
        Seed s;
        int r = rng.nextInt(3);
        if (r == 0 && !favouredList.isEmpty()) {
            s = favouredList.get(rng.nextInt(favouredList.size()));
        } else if (r == 1) {
            int recent = Math.min(16, seeds.size());
            s = seeds.get(seeds.size() - 1 - rng.nextInt(recent));
        } else {
            s = seeds.get(rng.nextInt(seeds.size()));
            for (int i = 0; i < 3; i++) {
                Seed c = seeds.get(rng.nextInt(seeds.size()));
                if (score(c) > score(s))
                    s = c;
            }
        }
        s.picks++;
        return s;
    }

    /** Inputs that added rare coverage, were picked little, and are small (fast, and easier to mutate into a race) first. */
    private static double score(Seed s) {
        return (1.0 + Math.min(s.gain, 64)) / (1.0 + s.picks / 8.0) / (1.0 + Minimize.ops(s.s) / 6.0);
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

    /** Runs one input; returns its run (null if it failed to run); {@link #lastAnchors} gets its anchored schedule. */
    private Target.Run execute(Scenario s, Variant v, Strategy st) {
        executions++;
        lastAnchors = null;
        try {
            Anchors.Recorder rec = new Anchors.Recorder(st, tracker);
            exec.scenario(s);
            Target.Run r = target.run(s, v, rec, Config.DEFAULT, exec, tracker);
            long[] stat = stepStats.computeIfAbsent(v, x -> new long[2]);
            if (stat[1] < 1_000_000) {
                stat[0] += r.result().steps();
                stat[1]++;
            }
            if (tracker.consistent(s))
                lastAnchors = List.copyOf(rec.anchors);
            return r;
        } catch (RuntimeException e) {
            errors++;
            lastError = Finding.oneLine(e.toString());
            return null;
        }
    }

    /** Makes {@code s} the favoured input of every operation pair and outcome it has and no smaller kept input has. */
    private void favour(Seed s, Variant v, Verdict verdict) {
        int size = Minimize.ops(s.s);
        List<Long> keys = new ArrayList<>();
        exec.pairs.forEach(keys::add);
        keys.add(Coverage.hash(Coverage.outcomeKey(v, verdict)));
        boolean changed = false;
        for (long k : keys) {
            Seed old = favoured.get(k);
            if (old == null || Minimize.ops(old.s) > size) {
                favoured.put(k, s);
                changed = true;
            }
        }
        if (changed) {
            favouredList.clear();
            for (Seed x : seeds)
                x.favoured = false;
            for (Seed x : favoured.values())
                if (!x.favoured) {
                    x.favoured = true;
                    favouredList.add(x);
                }
        }
    }

    /** The layout, actors and injections (what the program is, without schedules and expectations). */
    private static String program(Scenario s) {
        Scenario c = s.copy();
        c.schedules.clear();
        c.expects.clear();
        c.desc.clear();
        return c.text();
    }

    /**
     * The strategy for a child: when it kept the parent's recorded schedule but its program
     * changed, the parent's schedule anchored to operations (so the interleaving that made the
     * parent interesting is tried on the changed program); else the child's own schedule line.
     */
    private Strategy strategyFor(Scenario child, Seed parent, Variant v) {
        Scenario.Sched sc = child.schedules.get(v);
        if (parent != null && parent.anchors != null && parent.variant == v && sc != null && sc.steps() != null
                && sc.equals(parent.s.schedules.get(v)) && !program(child).equals(program(parent.s)))
            return new Anchors.Replay(Anchors.remap(parent.s, child, parent.anchors), tracker);
        return Schedules.strategy(child, v, kFor(parent, v));
    }

    private void iterate(Scenario child, Seed parent) {
        Variant v = parent != null && parent.anchors != null && child.schedules.get(parent.variant) != null && rng.nextInt(4) != 0
                ? parent.variant : variantFor(child);
        Target.Run r = execute(child, v, strategyFor(child, parent, v));
        if (r == null)
            return;
        Scenario ran = Schedules.withSteps(child, v, r.result());
        Coverage.Gain g = coverage.merge(exec, v, r.verdict());
        if (r.verdict().cls() == Verdict.Cls.FORBIDDEN) {
            if (firstExecs < 0) {
                firstExecs = executions;
                firstTime = elapsed();
            }
            finding(ran, v, r, executions, elapsed());
            if (o.stopsAt(r.verdict().reason())) {
                stop = true;
                stoppedOnForbidden = true;
            }
        }
        if (o.feedback() && g.any()) {
            Seed kept = new Seed(ran, r.result().steps(), v, g.weight(), lastAnchors);
            seeds.add(kept);
            favour(kept, v, r.verdict());
            if (corpus != null && limitsOk(ran))
                saveQueue(ran);
        }
    }

    /**
     * Writes a kept input into queue/ on a background thread (each write is atomic and fsynced;
     * the fuzzing thread does not wait for the disk). Findings are written synchronously. Pending
     * queue writes are finished before {@link #run} returns; a kill loses only inputs not yet
     * written, never leaves half of one.
     */
    private void saveQueue(Scenario s) {
        String name = Corpus.queueName(s.text());
        knownQueue.add(name);
        pendingWrites.add(writer.submit(() -> {
            try {
                corpus.addQueue(s);
            } catch (IOException e) {
                writeErrors.incrementAndGet();
            }
        }));
        pendingWrites.removeIf(java.util.concurrent.Future::isDone);
    }

    private void flushWrites() {
        for (java.util.concurrent.Future<?> f : pendingWrites) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (java.util.concurrent.ExecutionException e) {
                writeErrors.incrementAndGet();
            }
        }
        pendingWrites.clear();
        if (writeErrors.get() > 0) {
            errors += writeErrors.getAndSet(0);
            lastError = "cannot write the queue";
        }
    }

    private static boolean limitsOk(Scenario s) {
        return Limits.DEFAULT.ok(s);
    }

    // ------------------------------------------------------------------ findings

    /** A forbidden outcome, seen at execution {@code seenAt} and time {@code seenTime}: minimise, deduplicate, save, report. */
    private void finding(Scenario s, Variant v, Target.Run r, long seenAt, Duration seenTime) {
        String reason = r.verdict().reason();
        if (!seenRaw.add(v.id + "|" + reason + "|" + Finding.shape(s)))
            return;
        Minimize.Result m = Minimize.minimize(target, s, v, reason, o.shrink(), r.result().steps());
        String foundBy = "Found by mmrace fuzz (worker " + worker + ", seed " + o.seed() + ", " + (o.feedback() ? "feedback" : "no feedback")
                + ") after " + seenAt + " executions, " + Campaign.clock(seenTime) + ", on " + target.describe();
        String sig = m.signature();
        Campaign.FindingStatus status;
        Path file = null;
        String base = m.status() == Minimize.Status.MINIMIZED ? reason + "-" + v.id + "-" + sig
                : "unreproduced-" + reason + "-" + v.id + "-" + Finding.sha256(s.text()).substring(0, 12);
        if (findingFiles.containsKey(base + ".scn")) {
            status = Campaign.FindingStatus.DUPLICATE;
        } else {
            status = m.status() == Minimize.Status.MINIMIZED ? Campaign.FindingStatus.NEW : Campaign.FindingStatus.UNREPRODUCED;
            if (corpus != null) {
                try {
                    String text = Minimize.findingText(m, foundBy);
                    String trace = m.status() == Minimize.Status.MINIMIZED ? Minimize.traceHeader(m) + m.trace() : null;
                    file = corpus.addFinding(base, text, trace);
                    if (file == null) {
                        status = status == Campaign.FindingStatus.NEW ? Campaign.FindingStatus.DUPLICATE : status;
                        file = corpus.findingsDir().resolve(base + ".scn");
                    }
                    knownFindings.add(base + ".scn");
                } catch (IOException e) {
                    errors++;
                    lastError = "cannot write a finding: " + e.getMessage();
                }
            }
            findingFiles.put(base + ".scn", status == Campaign.FindingStatus.UNREPRODUCED ? reason + "(unreproduced)" : reason);
        }
        Campaign.FindingEvent e = new Campaign.FindingEvent(status, v, reason, sig, file, seenAt, seenTime, worker, m.message());
        found.add(e);
        events.finding(e);
    }

    /** Loads findings of earlier runs: each is replayed; if it still reproduces it counts (KNOWN), else it is GONE. */
    private void loadFindings() throws IOException {
        for (Corpus.Entry en : corpus.scanFindings(knownFindings))
            replayFinding(en, false);
    }

    private void scanNewFindings() throws IOException {
        for (Corpus.Entry en : corpus.scanFindings(knownFindings))
            replayFinding(en, true);
    }

    private void replayFinding(Corpus.Entry en, boolean fromOthers) {
        Scenario s = en.scenario();
        Variant v = null;
        String reason = null;
        for (Map.Entry<Variant, Scenario.Expect> x : s.expects.entrySet())
            if (x.getValue().cls().equals("forbidden")) {
                v = x.getKey();
                reason = x.getValue().reason();
                break;
            }
        if (v == null)
            return;
        boolean unrepro = en.name().startsWith("unreproduced-");
        if (fromOthers) {
            // another worker saved it: count it, do not replay
            findingFiles.put(en.name(), unrepro ? reason + "(unreproduced)" : reason);
            seenRaw.add(v.id + "|" + reason + "|" + Finding.shape(s));
            return;
        }
        seenRaw.add(v.id + "|" + reason + "|" + Finding.shape(s));
        Target.Run r = execute(s, v, Schedules.strategy(s, v, 0));
        boolean still = r != null && r.verdict().cls() == Verdict.Cls.FORBIDDEN && (reason == null || r.verdict().reason().equals(reason));
        if (r != null) {
            coverage.merge(exec, v, r.verdict());
            if (o.feedback())
                seeds.add(new Seed(s, r.result().steps(), v, 1, lastAnchors));
        }
        Campaign.FindingStatus st = unrepro ? Campaign.FindingStatus.UNREPRODUCED : still ? Campaign.FindingStatus.KNOWN : Campaign.FindingStatus.GONE;
        if (st != Campaign.FindingStatus.GONE)
            findingFiles.put(en.name(), unrepro ? reason + "(unreproduced)" : reason);
        Campaign.FindingEvent e = new Campaign.FindingEvent(st, v, reason == null ? "?" : reason, en.name(), en.path(), executions,
                elapsed(), worker, st == Campaign.FindingStatus.GONE ? "no longer reproduces: " + (r == null ? "did not run" : r.verdict().label()) : "");
        found.add(e);
        events.finding(e);
    }

    /** Imports queue entries written by other workers or earlier runs: each runs once for its coverage. */
    private void importQueue() throws IOException {
        List<Corpus.Entry> l = corpus.scanQueue(knownQueue);
        for (Corpus.Entry en : l) {
            if (stop)
                return;
            Scenario s = en.scenario();
            Variant v = variantFor(s);
            Target.Run r = execute(s, v, Schedules.strategy(s, v, 0));
            if (r == null)
                continue;
            Coverage.Gain g = coverage.merge(exec, v, r.verdict());
            seeds.add(new Seed(s, r.result().steps(), v, Math.max(1, g.weight()), lastAnchors));
        }
    }

    // ------------------------------------------------------------------ reports

    Campaign.Progress progress() {
        Duration el = elapsed();
        Map<String, Integer> byReason = new TreeMap<>();
        for (String r : findingFiles.values())
            byReason.merge(r, 1, Integer::sum);
        double rate = el.toMillis() == 0 ? 0 : executions * 1000.0 / el.toMillis();
        int size = corpus != null && o.feedback() ? corpus.queueSize() : seeds.size();
        return new Campaign.Progress(el, executions, rate, coverage.probes(), coverage.edges(), coverage.pairs(), coverage.outcomes(), size,
                Collections.unmodifiableMap(byReason), 1, errors);
    }

    Campaign.Summary summary() {
        Campaign.Progress p = progress();
        return new Campaign.Summary(p.elapsed(), executions, p.probes(), p.edges(), p.pairs(), p.outcomes(), p.corpus(), p.findings(),
                List.copyOf(found), firstExecs, firstTime, stoppedOnForbidden, errors, lastError);
    }
}
