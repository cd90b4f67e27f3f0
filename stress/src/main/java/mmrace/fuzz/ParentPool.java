package mmrace.fuzz;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import mmrace.oracle.Verdict;
import mmrace.scenario.Scenario;
import mmrace.scenario.Variant;

/**
 * The fuzzer's parents: the kept inputs ({@link Seed}) and, for every feature they have (a
 * probe, an operation pair, a race, a window, an outcome: {@link Coverage}), its favoured input,
 * the cheapest kept input that has it ({@link #favour}). {@link #pick} draws the next parent:
 * mostly the favoured input of a rare feature ({@link #pickRare}), else one of the newest
 * inputs or the winner of a tournament. Draws come from the fuzzer's own random stream, in the
 * order it asks.
 */
final class ParentPool {
    /** A kept input: what it ran as, under which variant, with which schedule, what it added. */
    static final class Seed {
        final Scenario s;
        final long steps;
        final Variant variant;
        final int gain;
        /** The schedule it ran under, anchored to operations (null if the target does not report operation boundaries). */
        final List<Anchors.Anchor> anchors;
        /** What one execution costs, roughly: its steps and operations. The favoured input of a feature is the cheapest. */
        final long cost;
        /** A read overlapped a layout change over its range ({@link ExecutionCoverage#nearMiss}). */
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

    private final SplittableRandom rng;
    private final Coverage coverage;
    private final ExecutionCoverage exec;
    /** {@link FuzzKnobs#rare} and {@link FuzzKnobs#shares}. */
    private final int rare;
    private final int[] shares;
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
    /** How the last {@link #pick} chose: 0 a rare feature, 1 a recent input, 2 a tournament. */
    private int pickKind;

    ParentPool(SplittableRandom rng, Coverage coverage, ExecutionCoverage exec, FuzzKnobs knobs) {
        this.rng = rng;
        this.coverage = coverage;
        this.exec = exec;
        this.rare = knobs.rare();
        this.shares = knobs.shares();
    }

    int size() {
        return seeds.size();
    }

    boolean isEmpty() {
        return seeds.isEmpty();
    }

    /** Keeps {@code s} as a parent (it favours no feature until {@link #favour}). */
    void add(Seed s) {
        seeds.add(s);
    }

    /** How the last {@link #pick} chose: 0 a rare feature, 1 a recent input, 2 a tournament. */
    int pickKind() {
        return pickKind;
    }

    /** Features of the kept inputs. */
    int features() {
        return nFeatures;
    }

    /**
     * Picks a parent: {@code rare} percent ({@link FuzzKnobs#rare}) of the time the favoured input
     * of a rare feature ({@link #pickRare}), half the rest one of the 16 newest, otherwise a
     * tournament of four by {@link #score}. (Measured on the port, children of rare-feature
     * parents hit forbidden outcomes several times as often as children of the newest inputs or
     * of the tournament.)
     */
    Seed pick() {
        Seed s;
        int r = rng.nextInt(100);
        if (r < rare && nFeatures > 0) {
            s = pickRare();
            pickKind = 0;
        } else if (r < rare + (100 - rare) / 2) {
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
                total += shares[t];
        int t = 0;
        if (total > 0) {
            int x = rng.nextInt(total);
            while (rareIdx[t].length == 0 || (x -= shares[t]) >= 0)
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
    int favouredCount() {
        java.util.Set<Seed> s = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (int f = 0; f < nFeatures; f++)
            s.add(fSeed[f]);
        return s.size();
    }

    /** Inputs that added rare coverage, were picked little, and are small (fast, and easier to mutate into a race) first. */
    private static double score(Seed s) {
        return (1.0 + Math.min(s.gain, 64)) / (1.0 + s.picks / 8.0) / (1.0 + Minimize.ops(s.s) / 6.0);
    }

    /** Makes {@code s} the favoured input of every feature it has and no cheaper kept input has. */
    void favour(Seed s, Variant v, Verdict verdict) {
        ExecutionCoverage.FeatureSink f = (k, type) -> {
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
}
