package mmrace.sched;

import java.util.SplittableRandom;

/**
 * At every decision, a runnable actor chosen uniformly at random. Run {@code r} of a RandomWalk
 * seeded with {@code s} uses its own stream ({@link Strategy#runSeed}), so it can be reproduced
 * alone with {@code new RandomWalk(s, r)}.
 */
public final class RandomWalk implements Strategy {
    private final long seed;
    private long nextRun;
    private long run = -1;
    private SplittableRandom rng;

    public RandomWalk(long seed) {
        this(seed, 0);
    }

    /** Starts at run {@code firstRun} of the sequence seeded with {@code seed}. */
    public RandomWalk(long seed, long firstRun) {
        this.seed = seed;
        this.nextRun = firstRun;
    }

    @Override
    public void begin(Execution e) {
        run = nextRun++;
        rng = new SplittableRandom(Strategy.runSeed(seed, run));
    }

    @Override
    public int choose(Choice c) {
        int k = c.runnableCount();
        return c.runnable(k == 1 ? 0 : rng.nextInt(k));
    }

    /** True: a forced choice draws no number. */
    @Override
    public boolean aloneNeedsNoChoice() {
        return true;
    }

    @Override
    public String describe() {
        return "random(seed=" + seed + ", run=" + run + ")";
    }
}
