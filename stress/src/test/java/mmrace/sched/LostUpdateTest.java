package mmrace.sched;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.TreeMap;
import mmrace.runtime.Atomic;
import mmrace.runtime.Field;
import mmrace.runtime.Kernel;
import org.junit.jupiter.api.Test;

/**
 * Lost update. Two actors each increment a shared atomic_t with a separate atomic_read() and
 * atomic_set() (not atomic_inc()):
 *
 * <pre>
 *   a:  v = atomic_read(&x);  atomic_set(&x, v + 1);
 *   b:  v = atomic_read(&x);  atomic_set(&x, v + 1);
 * </pre>
 *
 * Outcomes (final x):
 * <ul>
 * <li>2: the increments did not overlap (one actor read after the other's set). Acceptable.</li>
 * <li>1: lost update: both read 0 before either set. Needs exactly one preemption, between an
 *     actor's read and its set.</li>
 * </ul>
 * The program is 4 points; the schedules with no preemption are "a then b" and "b then a".
 */
class LostUpdateTest {
    private static final Field X = new Field("x");

    /** The program, and the counter it races on (read after the execution with peek). */
    static final class Prog {
        final Atomic x = new Atomic(null, X, 0);
        final Program program;

        Prog() {
            Runnable inc = () -> {
                int v = x.read();
                x.set(v + 1);
            };
            program = Program.of(new Kernel(), new Actor("a", inc), new Actor("b", inc));
        }
    }

    /** Runs the strategy to exhaustion (or {@code max} executions) and counts final values of x. */
    static TreeMap<Integer, Integer> outcomes(Strategy s, long max) {
        TreeMap<Integer, Integer> seen = new TreeMap<>();
        Prog[] cur = new Prog[1];
        Explorer.explore(() -> (cur[0] = new Prog()).program, s, Config.DEFAULT, max, r -> {
            assertTrue(r.finished(), r::toString);
            assertTrue(r.reports().isEmpty(), r.reports()::toString);
            seen.merge(cur[0].x.peek(), 1, Integer::sum);
            return true;
        });
        return seen;
    }

    /** Random walk, one execution per seed: over 200 seeds both the race-free and the lost-update outcome appear. */
    @Test
    void randomWalkFindsBothOutcomes() {
        TreeMap<Integer, Integer> seen = new TreeMap<>();
        for (long seed = 0; seed < 200; seed++) {
            Prog p = new Prog();
            Result r = Runs.once(p.program, new RandomWalk(seed));
            assertTrue(r.finished());
            assertEquals(4, r.steps());
            seen.merge(p.x.peek(), 1, Integer::sum);
        }
        assertEquals(java.util.Set.of(1, 2), seen.keySet(), "outcomes " + seen);
    }

    /** No preemption: exactly the two serial orders, both giving 2. */
    @Test
    void boundedZeroHasExactlyTwoSchedules() {
        Bounded b = new Bounded(0);
        TreeMap<Integer, Integer> seen = outcomes(b, 1_000);
        assertTrue(b.exhausted());
        assertEquals(2, b.schedules());
        assertEquals(java.util.Map.of(2, 2), seen);
    }

    /**
     * One preemption is enough for the lost update. The space: the first choice (a or b; free),
     * then either no preemption, or a preemption before the first actor's atomic_set (its only
     * point after the first); after it the budget is spent. So 4 schedules, 2 of which
     * ("0:a 1:b 3:a" and "0:b 1:a 3:b") lose the update.
     */
    @Test
    void boundedOneFindsLostUpdate() {
        Bounded b = new Bounded(1);
        TreeMap<Integer, Integer> seen = outcomes(b, 1_000);
        assertTrue(b.exhausted());
        assertTrue(seen.containsKey(1), "lost update not found: " + seen);
        assertEquals(4, b.schedules());
        assertEquals(java.util.Map.of(1, 2, 2, 2), seen);
        System.out.println("lost update, bounded(1): " + b.schedules() + " schedules, outcomes " + seen);
    }

    /** Raising the bound only adds schedules; with 2 preemptions the space of this 4-point program is complete. */
    @Test
    void boundedSpaceGrowsWithTheBound() {
        long prev = 0;
        for (int k = 0; k <= 3; k++) {
            Bounded b = new Bounded(k);
            outcomes(b, 10_000);
            assertTrue(b.exhausted());
            assertTrue(b.schedules() >= prev, "k=" + k);
            prev = b.schedules();
        }
        // every interleaving of two sequences of 2 points: C(4,2) = 6
        assertEquals(6, prev);
    }
}
