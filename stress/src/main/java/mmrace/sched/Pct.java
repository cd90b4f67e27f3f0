package mmrace.sched;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * PCT, probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte, ASPLOS 2010).
 * Each execution gives the actors distinct random priorities and picks {@code depth - 1} distinct
 * priority-change points uniformly in [1, k]; at every decision the highest-priority runnable actor
 * runs; when the step about to be taken (counted from 1) reaches a change point, the actor that
 * would run has its priority lowered below every other. One execution finds a bug of depth d with
 * probability at least 1/(n k^(d-1)) for n actors and k steps.
 *
 * <p>Blocked and spinning actors are not runnable (see {@link Execution}), so a high-priority actor
 * spinning on a condition lets the others run rather than livelock.
 *
 * <p>k: given, or, if {@code k <= 0}, learnt: the first execution runs with no change point and
 * k becomes the largest step count seen so far (updated after every execution).
 */
public final class Pct implements Strategy {
    private final int depth;
    private final long seed;
    private final boolean learn;
    private long k;
    private long nextRun;
    private long run = -1;
    private int[] prio = new int[0];
    private long[] changes = new long[0];
    private int nextChange;
    private int lowest;

    /** PCT of bug depth {@code depth} (>= 1) over about {@code k} steps ({@code k <= 0}: learn it). */
    public Pct(int depth, long k, long seed) {
        this(depth, k, seed, 0);
    }

    /** Starts at run {@code firstRun} of the sequence (k must be given to reproduce a run alone). */
    public Pct(int depth, long k, long seed, long firstRun) {
        if (depth < 1)
            throw new IllegalArgumentException("PCT depth must be at least 1");
        this.depth = depth;
        this.seed = seed;
        this.learn = k <= 0;
        this.k = Math.max(0, k);
        this.nextRun = firstRun;
    }

    @Override
    public void begin(Execution e) {
        run = nextRun++;
        SplittableRandom rng = new SplittableRandom(Strategy.runSeed(seed, run));
        int n = e.actorCount();
        prio = new int[n];
        for (int i = 0; i < n; i++)
            prio[i] = depth + i;
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = prio[i];
            prio[i] = prio[j];
            prio[j] = t;
        }
        lowest = depth;
        nextChange = 0;
        int m = (int) Math.min(depth - 1, k);
        changes = new long[m];
        for (int i = 0; i < m; i++) {
            long c;
            boolean dup;
            do {
                c = 1 + rng.nextLong(k);
                dup = false;
                for (int j = 0; j < i; j++)
                    dup |= changes[j] == c;
            } while (dup);
            changes[i] = c;
        }
        Arrays.sort(changes);
    }

    @Override
    public int choose(Choice c) {
        long s = c.step() + 1;
        while (nextChange < changes.length && s >= changes[nextChange]) {
            prio[highest(c)] = --lowest;
            nextChange++;
        }
        return highest(c);
    }

    private int highest(Choice c) {
        int best = c.runnable(0);
        for (int i = 1, m = c.runnableCount(); i < m; i++) {
            int a = c.runnable(i);
            if (prio[a] > prio[best])
                best = a;
        }
        return best;
    }

    @Override
    public void end(Result r) {
        if (learn)
            k = Math.max(k, r.steps());
    }

    /** The k used for the next execution. */
    public long k() {
        return k;
    }

    /** True: lowering the only actor's priority changes no later choice: no other actor is left. */
    @Override
    public boolean aloneNeedsNoChoice() {
        return true;
    }

    @Override
    public String describe() {
        return "pct(d=" + depth + ", k=" + k + (learn ? " learnt" : "") + ", seed=" + seed + ", run=" + run
                + ", changes=" + Arrays.toString(changes) + ")";
    }
}
