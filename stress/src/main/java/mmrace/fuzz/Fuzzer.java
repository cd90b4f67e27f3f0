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
import mmrace.sched.RandomWalk;
import mmrace.sched.Strategy;

/**
 * One worker's fuzzing loop (in this process, or in a worker process). After a dry run of fresh
 * inputs, each iteration either runs the baseline's next fresh input (a share falling to 20%) or
 * takes a parent, mostly the favoured (cheapest) input of a rare feature ({@link #pickRare}), and
 * makes a child: a splice, a schedule-only mutation of a near miss, or 1-4 stacked mutations
 * ({@link Mutator}). It runs the child once under one of the campaign's variants with the
 * {@link Coverage} listener, and keeps it (memory and {@code queue/}) when it added a probe, an
 * operation pair, a race, a window or an outcome. A forbidden verdict is queued, minimised
 * ({@link Minimize}) within a share of the campaign's time, and saved under {@code findings/}
 * once per signature.
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
    /**
     * Percent of iterations that run the baseline's next fresh input even with feedback, once the
     * corpus has taken over ({@link #freshShare}): the generator aims well.
     */
    private static final int FRESH = Integer.getInteger("mmrace.fuzz.fresh", 20);
    /** Percent of the children of a near miss ({@link Coverage.Exec#nearMiss}) that change only its schedule. */
    private static final int SCHED = Integer.getInteger("mmrace.fuzz.sched", 50);
    /**
     * The dry run: the first executions are the baseline's (fresh inputs), building the corpus and
     * the hit counts before the rare-feature draw means anything. Measured on the port, children
     * of a corpus younger than this find a shallow bug (one fresh inputs find within a hundred
     * executions) less often than fresh inputs do.
     */
    private static final int INITIAL = Integer.getInteger("mmrace.fuzz.initial", 128);
    /** The longest random walk recorded as a {@code steps} line (see {@link #ran}). */
    private static final int MAX_RECORDED = 32;

    /** Percent of parents picked for a rare feature ({@link #pickRare}); the rest: the newest inputs, or a tournament. */
    private static final int RARE = Integer.getInteger("mmrace.fuzz.rare", 80);
    /** Keep inputs that add only interleaving edges too ({@code -Dmmrace.fuzz.keepEdges=true}; off: see {@link Coverage}). */
    private static final boolean KEEP_EDGES = Boolean.getBoolean("mmrace.fuzz.keepEdges");
    /** The most operations and actors a kept input may have: bigger ones run longer and race less cleanly. */
    private static final int MAX_KEPT_OPS = Integer.getInteger("mmrace.fuzz.maxKeptOps", 8),
            MAX_KEPT_ACTORS = Integer.getInteger("mmrace.fuzz.maxKeptActors", 3);

    private static final class Seed {
        final Scenario s;
        final long steps;
        final Variant variant;
        final int gain;
        /** The schedule it ran under, anchored to operations (null if the target does not report operation boundaries). */
        final List<Anchors.Anchor> anchors;
        /** What one execution costs, roughly: its steps and operations. The favoured input of a feature is the cheapest. */
        final long cost;
        /** A read overlapped a layout change over its range ({@link Coverage.Exec#nearMiss}). */
        final boolean nearMiss;
        int picks;

        Seed(Scenario s, long steps, Variant variant, int gain, List<Anchors.Anchor> anchors, boolean nearMiss) {
            this.s = s;
            this.steps = steps;
            this.variant = variant;
            this.gain = gain;
            this.anchors = anchors;
            this.nearMiss = nearMiss;
            this.cost = steps + 64L * Minimize.ops(s);
        }
    }

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
    /** Interleaving edges only when they may keep an input ({@link #KEEP_EDGES}): otherwise they would only be counted, at a cost of several percent of each execution. */
    private final Coverage coverage = new Coverage(KEEP_EDGES ? Coverage.Context.PROBE : Coverage.Context.OFF);
    private final Coverage.Exec exec = coverage.newExec();
    private final Anchors.Tracker tracker = new Anchors.Tracker();
    /** The last execution's recorder, and whether its anchors mean something ({@link Anchors.Tracker#consistent}). */
    private Anchors.Recorder lastRecorder;
    private boolean lastConsistent;
    private final List<Seed> seeds = new ArrayList<>();
    /**
     * The features (probes, pairs, races, windows, outcomes) of the kept inputs, by index: key,
     * type, the cheapest kept input that has it (its favoured input), how often it was drawn
     * ({@link #pickRare}).
     */
    private final LongIntMap featureIndex = new LongIntMap();
    private long[] fKey = new long[1024];
    private int[] fType = new int[1024], fPicks = new int[1024];
    private Seed[] fSeed = new Seed[1024];
    private int nFeatures;
    /** The rare-feature draw, per feature type: feature indexes and cumulative weights (see {@link #pickRare}). */
    private final int[][] rareIdx = new int[Coverage.TYPES][0];
    private final double[][] rareCum = new double[Coverage.TYPES][0];
    private int rareDraws, rareBuilt = -1;
    /**
     * Percent of rare-feature draws per feature type: probes, pairs, races, windows, outcomes
     * ({@code -Dmmrace.fuzz.shares=20,20,15,35,10}). Within a type, by rarity.
     */
    private static final int[] SHARES = shares(System.getProperty("mmrace.fuzz.shares", "20,20,15,35,10"));

    private static int[] shares(String s) {
        String[] p = s.split(",");
        int[] r = new int[Coverage.TYPES];
        for (int i = 0; i < r.length && i < p.length; i++)
            r[i] = Integer.parseInt(p[i].strip());
        return r;
    }
    private final Corpus corpus;
    /** Queue entries this worker wrote or imported (the writer thread adds to it too). */
    private final Set<String> knownQueue = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final Set<String> knownFindings = new HashSet<>();
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
    /** Kept inputs not yet handed to the writer. */
    private final List<Scenario> unwritten = new ArrayList<>();
    private final java.util.concurrent.atomic.AtomicLong writeErrors = new java.util.concurrent.atomic.AtomicLong();
    private long executions, errors;
    /** Executions before the loop (imports, replayed findings); the length of the dry run. */
    private long fresh0, dry;
    private String lastError;
    /** Generated inputs whose layout the kernel refused at set-up (skipped). */
    private long invalid;
    /** -Dmmrace.fuzz.dumpErrors=true: print every input that failed to run, with the exception. */
    private static final boolean DUMP_ERRORS = Boolean.getBoolean("mmrace.fuzz.dumpErrors");
    private long t0;
    private long firstExecs = -1;
    private Duration firstTime;
    private volatile boolean stop, abort;
    private boolean stoppedOnForbidden;
    /** Forbidden outcomes waiting to be minimised (at most {@link #PENDING_PER_REASON} per variant and reason). */
    private final List<Pending> pending = new ArrayList<>();
    private long shrinkNanos;
    /**
     * Percent of the campaign's time that minimisation may take while it fuzzes
     * ({@code -Dmmrace.fuzz.shrinkShare=N}); what waits is minimised when the campaign ends.
     */
    private static final int SHRINK_SHARE = Integer.getInteger("mmrace.fuzz.shrinkShare", 30);
    private static final int PENDING_PER_REASON = 4;

    /** A forbidden outcome seen at execution {@code seenAt}, time {@code seenTime}, not yet minimised. */
    private record Pending(Scenario s, Variant v, Target.Run r, long seenAt, Duration seenTime) {
        String key() {
            return v.id + "|" + r.verdict().reason();
        }
    }
    /** Where the time goes (-Dmmrace.fuzz.stats=true prints it at the end): nanos in make, run, bookkeeping, findings. */
    static final boolean STATS = Boolean.getBoolean("mmrace.fuzz.stats");
    private final long[] nanos = new long[4];
    private long sumSteps, sumOps, sumActors, kept;
    /** Statistics by how the input was made (0 fresh; then 3 * pick kind (rare, recent, tournament) + 1 splice, 2 schedule only, 3 havoc): executions, forbidden, with a window. */
    private int arm, pickKind;
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
    }

    Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    /** Stops the loop at the next iteration (from another thread: a shutdown hook); findings not yet minimised are dropped. */
    void requestStop() {
        abort = true;
        stop = true;
    }

    Campaign.Summary run() throws IOException {
        t0 = System.nanoTime();
        long deadline = o.time() == null ? Long.MAX_VALUE : t0 + o.time().toNanos();
        long nextProgress = t0 + o.progressEvery().toNanos();
        long nextScan = t0 + RESCAN.toNanos(), nextWrite = t0 + 1_000_000_000L;
        if (corpus != null) {
            corpus.cleanTemps(Duration.ofMinutes(10));
            loadFindings();
            if (o.feedback())
                importQueue();
        }
        fresh0 = executions;
        dry = seeds.size() >= INITIAL ? 0 : INITIAL; // a resumed campaign has its corpus already
        while (!done(deadline)) {
            long tm = System.nanoTime();
            Scenario child;
            Seed parent = null;
            int r = o.feedback() ? rng.nextInt(100) : 0;
            if (!o.feedback() || seeds.isEmpty() || executions - fresh0 < dry || r < freshShare()) {
                arm = 0;
                nanos[0] += System.nanoTime() - tm;
                fresh();
            } else {
                int stack = 1 + (rng.nextInt(3) == 0 ? rng.nextInt(4) : 0);
                parent = pick();
                if (r >= 92 && seeds.size() > 1) {
                    child = mut.splice(parent.s, pick().s);
                    arm = 1;
                } else if (parent.nearMiss && rng.nextInt(100) < SCHED) {
                    child = scheduleOnly(parent.s); // a near miss: try interleavings next to it
                    arm = 2;
                } else {
                    child = mut.havoc(parent.s, stack);
                    arm = 3;
                }
                arm += 3 * pickKind;
                nanos[0] += System.nanoTime() - tm;
                iterate(child, parent);
            }
            if (!pending.isEmpty())
                shrinkPending(false);
            long now = System.nanoTime();
            if (now - nextProgress > 0) {
                nextProgress = now + o.progressEvery().toNanos();
                events.progress(progress());
            }
            if (corpus != null && now - nextWrite > 0) {
                nextWrite = now + 1_000_000_000L;
                submitQueue();
            }
            if (corpus != null && now - nextScan > 0) {
                nextScan = now + RESCAN.toNanos();
                if (o.feedback())
                    importQueue();
                scanNewFindings();
            }
        }
        shrinkPending(true);
        flushWrites();
        writer.shutdown();
        if (STATS)
            System.err.printf("fuzz stats (%s): %d execs, make %d ms, run %d ms, keep %d ms, findings %d ms; per exec: steps %.1f ops %.2f actors %.2f; kept %d, favoured %d, features %d, races %d, windows %d%n",
                    o.feedback() ? "feedback" : "no feedback", executions, nanos[0] / 1_000_000, nanos[1] / 1_000_000, nanos[2] / 1_000_000,
                    nanos[3] / 1_000_000, sumSteps / (double) Math.max(1, executions), sumOps / (double) Math.max(1, executions),
                    sumActors / (double) Math.max(1, executions), kept, favouredCount(), nFeatures, coverage.races(), coverage.windows());
        if (STATS) {
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

    /**
     * Picks a parent: {@link #RARE} percent of the time the favoured input of a rare feature
     * ({@link #pickRare}), half the rest one of the 16 newest, otherwise a tournament of four by
     * {@link #score}. (Measured on the port, children of rare-feature parents hit forbidden
     * outcomes several times as often as children of the newest inputs or of the tournament.)
     */
    private Seed pick() {
        Seed s;
        int r = rng.nextInt(100);
        if (r < RARE && nFeatures > 0) {
            s = pickRare();
            pickKind = 0;
        } else if (r < RARE + (100 - RARE) / 2) {
            pickKind = 1;
            int recent = Math.min(16, seeds.size());
            s = seeds.get(seeds.size() - 1 - rng.nextInt(recent));
        } else {
            pickKind = 2;
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

    /**
     * The energy schedule (AFL's favoured inputs with AFLFast's rare-edge weighting, over this
     * fuzzer's features): draws a feature with weight {@code 1 / (hits + picks / 4)}, where hits
     * is the number of executions that had it and picks how often it was drawn, and returns its
     * favoured input (the cheapest kept input that has it). A feature that almost no execution
     * reaches (a race at a probe, a rare operation pair, a rare outcome) gets most of the draws;
     * one that every child of its input reaches again soon weighs little; one that children do
     * not reach again decays with its draws, so one unreachable feature cannot take everything.
     */
    private Seed pickRare() {
        rareDraws++;
        // rebuilt when features were added (at most every nFeatures / 256 draws: the rebuild costs nFeatures), else every 128 draws
        if (rareBuilt < 0 || rareDraws >= 128 || rareBuilt != nFeatures && rareDraws >= nFeatures / 256) {
            int[] n = new int[Coverage.TYPES];
            for (int f = 0; f < nFeatures; f++)
                n[fType[f]]++;
            for (int t = 0; t < Coverage.TYPES; t++)
                if (rareIdx[t].length != n[t]) {
                    rareIdx[t] = new int[n[t]];
                    rareCum[t] = new double[n[t]];
                }
            int[] i = new int[Coverage.TYPES];
            double[] sum = new double[Coverage.TYPES];
            for (int f = 0; f < nFeatures; f++) {
                int t = fType[f];
                sum[t] += 1.0 / (Math.max(1, coverage.hits(fKey[f])) + fPicks[f] / 4.0);
                rareIdx[t][i[t]] = f;
                rareCum[t][i[t]++] = sum[t];
            }
            rareDraws = 0;
            rareBuilt = nFeatures;
        }
        int total = 0;
        for (int t = 0; t < Coverage.TYPES; t++)
            if (rareIdx[t].length > 0)
                total += SHARES[t];
        int t = 0;
        if (total > 0) {
            int x = rng.nextInt(total);
            while (rareIdx[t].length == 0 || (x -= SHARES[t]) >= 0)
                t++;
        } else {
            while (rareIdx[t].length == 0)
                t++;
        }
        double[] cum = rareCum[t];
        int i = java.util.Arrays.binarySearch(cum, rng.nextDouble() * cum[cum.length - 1]);
        if (i < 0)
            i = -i - 1;
        int f = rareIdx[t][Math.min(i, cum.length - 1)];
        fPicks[f]++;
        return fSeed[f];
    }

    /** Kept inputs that are the favoured input of some feature. */
    private int favouredCount() {
        java.util.Set<Seed> s = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (int f = 0; f < nFeatures; f++)
            s.add(fSeed[f]);
        return s.size();
    }

    /** A child with the parent's program and a schedule next to the parent's: a moved, added or dropped switch, or a new seed. */
    private Scenario scheduleOnly(Scenario parent) {
        if (Mutator.hasSteps(parent) && rng.nextInt(4) != 0)
            return mut.mutateSchedule(parent);
        Scenario c = mut.apply(rng.nextInt(3) == 0 ? Mutator.Kind.SCHED_DEPTH : Mutator.Kind.SCHED_RESEED, parent);
        return c != null ? c : mut.mutate(parent);
    }

    /** Inputs that added rare coverage, were picked little, and are small (fast, and easier to mutate into a race) first. */
    private static double score(Seed s) {
        return (1.0 + Math.min(s.gain, 64)) / (1.0 + s.picks / 8.0) / (1.0 + Minimize.ops(s.s) / 6.0);
    }

    /** The percent of fresh inputs: all during the dry run ({@link #INITIAL}), then falling as 1/executions to {@link #FRESH}. */
    private int freshShare() {
        return (int) Math.max(FRESH, 100 * dry / Math.max(1, executions - fresh0));
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
            if (DUMP_ERRORS)
                System.err.println("execution failed: " + e + "\n" + s.text());
            return null;
        }
    }

    /** The schedule of the last execution anchored to operations (null if it cannot be). */
    private List<Anchors.Anchor> lastAnchors() {
        return lastRecorder != null && lastConsistent ? lastRecorder.anchors() : null;
    }

    /** Makes {@code s} the favoured input of every feature it has and no cheaper kept input has. */
    private void favour(Seed s, Variant v, Verdict verdict) {
        Coverage.Exec.FeatureSink f = (k, type) -> {
            int i = featureIndex.get(k) - 1;
            if (i < 0) {
                if (nFeatures == fKey.length) {
                    int n = nFeatures * 2;
                    fKey = java.util.Arrays.copyOf(fKey, n);
                    fType = java.util.Arrays.copyOf(fType, n);
                    fPicks = java.util.Arrays.copyOf(fPicks, n);
                    fSeed = java.util.Arrays.copyOf(fSeed, n);
                }
                i = nFeatures++;
                featureIndex.add(k, i + 1);
                fKey[i] = k;
                fType[i] = type;
                fSeed[i] = s;
            } else if (fSeed[i].cost > s.cost) {
                fSeed[i] = s;
            }
        };
        exec.features(f);
        f.accept(Coverage.outcomeFeature(v, verdict), Coverage.OUTCOME);
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
            String reason = r.verdict().reason();
            boolean stops = o.stopsAt(reason);
            if (o.shrinks(reason))
                queueFinding(new Pending(ran = ran(child, v, st, r), v, r, executions, elapsed()), stops);
            if (stops) {
                stop = true;
                stoppedOnForbidden = true;
            }
        }
        if (o.feedback() && (KEEP_EDGES ? g.any() : g.keep()) && Minimize.ops(child) <= MAX_KEPT_OPS && child.actors.size() <= MAX_KEPT_ACTORS) {
            if (ran == null)
                ran = ran(child, v, st, r);
            Seed kept = new Seed(ran, r.result().steps(), v, g.weight(), lastAnchors(), exec.nearMiss());
            seeds.add(kept);
            favour(kept, v, r.verdict());
            if (corpus != null && switchesOk(ran))
                saveQueue(ran);
            this.kept++;
        }
        nanos[2] += System.nanoTime() - t2;
        return r;
    }

    /**
     * Writes a kept input into queue/ on a background thread, in batches at most a second apart
     * ({@link #submitQueue}): each write is atomic, the fuzzing thread does not wait for the disk,
     * and a campaign that ends within its first second (a shallow bug) writes nothing while it
     * runs. Findings are written synchronously. Pending queue writes are finished before
     * {@link #run} returns; a kill loses only inputs not yet written (the last second's), never
     * leaves half of one.
     */
    private void saveQueue(Scenario s) {
        unwritten.add(s);
    }

    /** Hands the inputs kept since the last call to the writer thread (which makes their text and name: off the fuzzing thread). */
    private void submitQueue() {
        if (unwritten.isEmpty())
            return;
        List<Scenario> batch = new ArrayList<>(unwritten);
        unwritten.clear();
        pendingWrites.add(writer.submit(() -> {
            for (Scenario x : batch) {
                String text = x.text();
                String name = Corpus.queueName(text);
                if (!knownQueue.add(name))
                    continue;
                try {
                    corpus.addQueue(name, text);
                } catch (IOException e) {
                    writeErrors.incrementAndGet();
                }
            }
        }));
        pendingWrites.removeIf(java.util.concurrent.Future::isDone);
    }

    private void flushWrites() {
        if (corpus != null)
            submitQueue();
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

    /**
     * A kept input passed {@link Limits#check} when it was generated or mutated; what it ran adds
     * only a machine-written {@code steps} line, whose length is all that is left to check.
     */
    private static boolean switchesOk(Scenario s) {
        for (Scenario.Sched sc : s.schedules.values())
            if (sc.steps() != null && Limits.switches(sc.steps()) > Limits.DEFAULT.maxSwitches())
                return false;
        return true;
    }

    // ------------------------------------------------------------------ findings

    /**
     * Queues a forbidden outcome for minimisation, once per variant, reason and mechanisms (the
     * kinds of its mutations, {@link Finding#mechanisms}), or once per reason for an outcome with a known root cause (the
     * generic_access_phys over-read: every variant, every mechanism). While {@link #PENDING_PER_REASON} outcomes of its variant and reason
     * wait, a new one is not queued and not remembered: it is taken when it comes again. An
     * outcome that stops the campaign goes first.
     */
    private void queueFinding(Pending p, boolean first) {
        String cause = Finding.rootCause(p.r());
        String raw = cause != null ? cause + "|" + p.r().verdict().reason() : p.key() + "|" + Finding.mechanisms(p.s());
        if (seenRaw.contains(raw))
            return;
        int same = 0;
        for (Pending q : pending)
            if (q.key().equals(p.key()))
                same++;
        if (same >= PENDING_PER_REASON && !first)
            return;
        seenRaw.add(raw);
        if (first)
            pending.add(0, p);
        else
            pending.add(p);
    }

    /**
     * Minimises waiting findings: while fuzzing ({@code all} false) only while minimisation has
     * taken less than {@link #SHRINK_SHARE} percent of the campaign's time, so that a burst of
     * findings does not stall the search; at the end ({@code all}) every one that waits (unless
     * the campaign was told to stop from outside).
     */
    private void shrinkPending(boolean all) {
        while (!pending.isEmpty() && !abort) {
            long now = System.nanoTime();
            if (!all && shrinkNanos * 100 > SHRINK_SHARE * (now - t0))
                return;
            Pending p = pending.remove(0);
            finding(p.s(), p.v(), p.r(), p.seenAt(), p.seenTime());
            shrinkNanos += System.nanoTime() - now;
            nanos[3] += System.nanoTime() - now;
        }
    }

    /** A forbidden outcome, seen at execution {@code seenAt} and time {@code seenTime}: minimise, deduplicate, save, report. */
    private void finding(Scenario s, Variant v, Target.Run r, long seenAt, Duration seenTime) {
        String reason = r.verdict().reason();
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
            if (Verdict.Cls.of(x.getValue().cls()).fails()) {
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
            seenRaw.add(v.id + "|" + reason + "|" + Finding.mechanisms(s));
            return;
        }
        seenRaw.add(v.id + "|" + reason + "|" + Finding.mechanisms(s));
        Target.Run r = execute(s, v, Schedules.strategy(s, v, 0));
        boolean still = r != null && r.verdict().cls().fails() && (reason == null || r.verdict().reason().equals(reason));
        if (r != null) {
            coverage.merge(exec, v, r.verdict());
            if (o.feedback())
                seeds.add(new Seed(s, r.result().steps(), v, 1, lastAnchors(), exec.nearMiss()));
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
            Seed kept = new Seed(s, r.result().steps(), v, Math.max(1, g.weight()), lastAnchors(), exec.nearMiss());
            seeds.add(kept);
            favour(kept, v, r.verdict());
        }
    }

    // ------------------------------------------------------------------ reports

    Campaign.Progress progress() {
        Duration el = elapsed();
        Map<String, Integer> byReason = new TreeMap<>();
        for (String r : findingFiles.values())
            byReason.merge(r, 1, Integer::sum);
        double rate = el.toMillis() == 0 ? 0 : executions * 1000.0 / el.toMillis();
        int size = corpus != null && o.feedback() ? knownQueue.size() : seeds.size();
        return new Campaign.Progress(el, executions, rate, coverage.probes(), coverage.edges(), coverage.pairs(), coverage.outcomes(), size,
                Collections.unmodifiableMap(byReason), 1, errors);
    }

    Campaign.Summary summary() {
        Campaign.Progress p = progress();
        return new Campaign.Summary(p.elapsed(), executions, p.probes(), p.edges(), p.pairs(), p.outcomes(), p.corpus(), p.findings(),
                List.copyOf(found), firstExecs, firstTime, stoppedOnForbidden, errors, lastError, invalid);
    }
}
