package mmrace.sched;

import java.util.Arrays;

/**
 * Every schedule with at most {@code k} preemptions, one per execution, by depth-first search with
 * replay from the start (the port is deterministic, so re-running a prefix of choices rebuilds the
 * state). A preemption is a switch away from an actor that stopped at a point and could go on
 * ({@link Choice#canContinue()}); switching because the current actor blocked, spun or finished,
 * and the first choice, are free. Only decisions with two or more runnable actors branch.
 *
 * <p>Run it until {@link #hasNext()} is false (for example with {@link Explorer}); then
 * {@link #exhausted()} is true and {@link #schedules()} is the size of the space, so a caller can
 * state "no forbidden outcome with at most k preemptions, N schedules". Supports up to 64 actors.
 * A program that does not replay identically makes {@link Execution#run} throw.
 */
public final class Bounded implements Strategy {
    private final int bound;
    // the DFS path: the branching decisions of the last execution
    private long[] mask = new long[64];
    private int[] cur = new int[64];
    private boolean[] cont = new boolean[64];
    private int[] pick = new int[64];
    private long[] tried = new long[64];
    private int[] preBefore = new int[64];
    /** Nodes replayed as recorded at the start of the next execution. */
    private int prefix;
    /** Branching decisions taken so far in this execution. */
    private int pos;
    private int pre;
    private long executions;
    private boolean exhausted;

    /** All schedules with at most {@code k} preemptions. */
    public Bounded(int k) {
        if (k < 0)
            throw new IllegalArgumentException("preemption bound must be >= 0");
        this.bound = k;
    }

    @Override
    public boolean hasNext() {
        return !exhausted;
    }

    @Override
    public void begin(Execution e) {
        if (exhausted)
            throw new IllegalStateException("bounded(" + bound + ") is exhausted after " + executions + " schedules");
        if (e.actorCount() > 64)
            throw new IllegalArgumentException("bounded search supports at most 64 actors");
        pos = 0;
        pre = 0;
    }

    @Override
    public int choose(Choice c) {
        int cnt = c.runnableCount();
        if (cnt == 1)
            return c.runnable(0);
        long m = 0;
        for (int i = 0; i < cnt; i++)
            m |= 1L << c.runnable(i);
        int cu = c.current();
        boolean cc = c.canContinue();
        int a;
        if (pos < prefix) {
            if (mask[pos] != m || cur[pos] != cu || cont[pos] != cc)
                throw new IllegalStateException("the program did not replay the same way (decision " + pos + " at step " + c.step()
                        + "): it is not deterministic");
            a = pick[pos];
        } else {
            a = cc ? cu : c.runnable(0);
            grow(pos + 1);
            mask[pos] = m;
            cur[pos] = cu;
            cont[pos] = cc;
            pick[pos] = a;
            tried[pos] = 1L << a;
            preBefore[pos] = pre;
        }
        if (cc && a != cu)
            pre++;
        pos++;
        return a;
    }

    @Override
    public void end(Result r) {
        executions++;
        if (pos < prefix)
            throw new IllegalStateException("the program did not replay the same way (it ended after " + pos + " of the "
                    + prefix + " recorded decisions): it is not deterministic");
        for (int j = pos - 1; j >= 0; j--) {
            long untried = mask[j] & ~tried[j];
            while (untried != 0) {
                int a = Long.numberOfTrailingZeros(untried);
                untried &= untried - 1;
                tried[j] |= 1L << a;
                int cost = cont[j] && a != cur[j] ? 1 : 0;
                if (preBefore[j] + cost <= bound) {
                    pick[j] = a;
                    prefix = j + 1;
                    return;
                }
            }
        }
        prefix = 0;
        exhausted = true;
    }

    /** Executions run so far (once exhausted: every schedule with at most k preemptions). */
    public long schedules() {
        return executions;
    }

    /** True once every schedule with at most k preemptions has been run. */
    public boolean exhausted() {
        return exhausted;
    }

    public int bound() {
        return bound;
    }

    private void grow(int need) {
        if (need <= mask.length)
            return;
        int c = Math.max(need, mask.length * 2);
        mask = Arrays.copyOf(mask, c);
        cur = Arrays.copyOf(cur, c);
        cont = Arrays.copyOf(cont, c);
        pick = Arrays.copyOf(pick, c);
        tried = Arrays.copyOf(tried, c);
        preBefore = Arrays.copyOf(preBefore, c);
    }

    /** True: a forced choice is not a branching decision. */
    @Override
    public boolean aloneNeedsNoChoice() {
        return true;
    }

    @Override
    public String describe() {
        return "bounded(k=" + bound + ", schedule " + executions + ")";
    }
}
