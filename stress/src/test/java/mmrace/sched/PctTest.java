package mmrace.sched;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import mmrace.runtime.Field;
import mmrace.runtime.Kernel;
import mmrace.runtime.Task;
import mmrace.runtime.Word;
import org.junit.jupiter.api.Test;

/**
 * PCT against random walk, and PCT with spinning actors.
 *
 * <p>Torn publication. "a" publishes a pair (x, y) with two WRITE_ONCEs in the middle of a long
 * run; "b" does some work and then reads the pair:
 * <pre>
 *   a:  40 x READ_ONCE(na);  WRITE_ONCE(x, 1);  WRITE_ONCE(y, 1);  40 x READ_ONCE(na);
 *   b:  10 x READ_ONCE(nb);  r1 = READ_ONCE(x);  r2 = READ_ONCE(y);
 * </pre>
 * Outcomes of (r1, r2): (0,0) and (1,1) are the pair before and after; (0,1) b read across a's
 * whole publication; (1,0) is torn: all of b's 12 steps ran between a's two stores. That needs
 * one preemption placed exactly there: PCT with d = 2 finds it with probability about
 * 1/(2 k) per run (a must have the higher priority, and the change point must be that one step of
 * k = 94), random walk essentially never (b's progress would have to be exactly 10 steps when a
 * reaches the window, then b run twice in a row).
 */
class PctTest {
    private static final Field X = new Field("x"), Y = new Field("y"), NA = new Field("na"), NB = new Field("nb"), FLAG = new Field("flag");

    static final class Torn {
        final Word x = new Word(null, X, 0), y = new Word(null, Y, 0);
        final Word na = new Word(null, NA, 0), nb = new Word(null, NB, 0);
        final long[] seen = new long[2];
        final Program program = Program.of(new Kernel(),
                new Actor("a", () -> {
                    for (int i = 0; i < 40; i++)
                        na.readOnce();
                    x.writeOnce(1);
                    y.writeOnce(1);
                    for (int i = 0; i < 40; i++)
                        na.readOnce();
                }),
                new Actor("b", () -> {
                    for (int i = 0; i < 10; i++)
                        nb.readOnce();
                    seen[0] = x.readOnce();
                    seen[1] = y.readOnce();
                }));

        boolean torn() {
            return seen[0] == 1 && seen[1] == 0;
        }
    }

    private static int tornCount(Strategy s, int runs) {
        int[] torn = {0};
        Torn[] cur = new Torn[1];
        Explorer.explore(() -> (cur[0] = new Torn()).program, s, Config.DEFAULT, runs, r -> {
            assertTrue(r.finished());
            assertEquals(94, r.steps());
            if (cur[0].torn())
                torn[0]++;
            return true;
        });
        return torn[0];
    }

    /**
     * Same number of runs (5 seeds x 800), deterministic: PCT(d=2) finds the torn pair many times
     * (expected about 4000/188 = 21), random walk at most a handful of times. The assertion
     * leaves a wide margin.
     */
    @Test
    void pctFindsTheOnePreemptionBugMoreOftenThanRandomWalk() {
        int pct = 0, random = 0;
        for (long seed = 1; seed <= 5; seed++) {
            pct += tornCount(new Pct(2, 94, seed), 800);
            random += tornCount(new RandomWalk(seed), 800);
        }
        System.out.println("torn pair in 4000 runs: pct(d=2) " + pct + ", random walk " + random);
        assertTrue(pct >= 8, "pct found it " + pct + " times");
        assertTrue(pct >= 4 * random + 5, "pct " + pct + " vs random " + random);
    }

    /** With k not given PCT learns it from a first run with no change point, and still finds the bug. */
    @Test
    void pctLearnsK() {
        Pct p = new Pct(2, 0, 11);
        int torn = tornCount(p, 4000);
        assertEquals(94, p.k());
        assertTrue(torn >= 8, "found " + torn + " times");
    }

    /**
     * Spin loop under PCT. "a" waits in a retry loop that only "b" can end; "b" does 20 steps first.
     * <pre>
     *   a:  while (READ_ONCE(flag) == 0) spin;
     *   b:  20 x READ_ONCE(nb);  WRITE_ONCE(flag, 1);
     * </pre>
     * Whenever "a" has the higher priority, strict priority scheduling would run its loop forever.
     * A spinning actor is not runnable until another has run, so every execution finishes, for
     * every seed and depth.
     */
    @Test
    void spinningActorDoesNotMakePctLivelock() {
        int spun = 0;
        for (int d = 1; d <= 3; d++) {
            for (long seed = 0; seed < 100; seed++) {
                Word flag = new Word(null, FLAG, 0), nb = new Word(null, NB, 0);
                int[] spins = {0};
                Program p = Program.of(new Kernel(),
                        new Actor("a", () -> {
                            while (flag.readOnce() == 0) {
                                spins[0]++;
                                Task.current().spin("wait for flag");
                            }
                        }),
                        new Actor("b", () -> {
                            for (int i = 0; i < 20; i++)
                                nb.readOnce();
                            flag.writeOnce(1);
                        }));
                Result r = Runs.once(p, new Pct(d, 60, seed));
                assertTrue(r.finished(), r::toString);
                if (spins[0] > 0)
                    spun++;
            }
        }
        assertTrue(spun > 100, "the spin path ran in " + spun + " executions");
    }
}
