package mmrace.sched;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import mmrace.runtime.Field;
import mmrace.runtime.Kernel;
import mmrace.runtime.Report;
import mmrace.runtime.SpinLock;
import mmrace.runtime.Task;
import mmrace.runtime.Word;
import org.junit.jupiter.api.Test;

/**
 * Deadlock, livelock and their clean-up.
 *
 * <p>ABBA: two spinlocks taken in opposite orders.
 * <pre>
 *   a:  spin_lock(L1); spin_lock(L2); spin_unlock(L2); spin_unlock(L1);
 *   b:  spin_lock(L2); spin_lock(L1); spin_unlock(L1); spin_unlock(L2);
 * </pre>
 * Outcomes: both finish (one took both locks before the other took its first), or DEADLOCK: a holds
 * L1 and waits for L2, b holds L2 and waits for L1. The deadlock needs one preemption (between a's
 * two spin_lock calls, or b's). Either way lockdep files "possible circular locking dependency" once
 * both orders were seen.
 */
class DeadlockTest {
    private static final Field L1 = new Field("L1");
    private static final Field L2 = new Field("L2");
    private static final Field W = new Field("w");

    static Program abba() {
        Kernel k = new Kernel();
        SpinLock l1 = new SpinLock(null, L1, "L1");
        SpinLock l2 = new SpinLock(null, L2, "L2");
        return Program.of(k,
                new Actor("a", () -> {
                    l1.lock();
                    l2.lock();
                    l2.unlock();
                    l1.unlock();
                }),
                new Actor("b", () -> {
                    l2.lock();
                    l1.lock();
                    l1.unlock();
                    l2.unlock();
                }));
    }

    /**
     * The schedule "0:a 1:b": a takes L1, is preempted, b takes L2 and blocks on L1, a blocks on L2.
     * DEADLOCK, with the cycle in kernel words naming both locks and both actors, and no actor
     * thread left behind.
     */
    @Test
    void abbaDeadlockIsReportedWithItsCycle() {
        Result r = Runs.onceNoLeak(abba(), Replay.of("0:a 1:b"), Config.DEFAULT);
        assertEquals(Result.Outcome.DEADLOCK, r.outcome(), r::toString);
        assertEquals("a waits for spin_lock(L2) held by b -> b waits for spin_lock(L1) held by a", r.detail());
        assertEquals(List.of(new Result.Wait("a", "spin_lock(L2)", List.of("b")), new Result.Wait("b", "spin_lock(L1)", List.of("a"))),
                r.waits());
        assertEquals(0, r.divergences());
        assertEquals(1, Runs.reportsTitled(r, "possible circular locking dependency detected").size(), r.reports()::toString);
        // the unwound actors were not checked at return to user (they never returned)
        assertTrue(Runs.reportsTitled(r, "lock held when returning to user space").isEmpty());
    }

    /**
     * Every schedule with at most one preemption: some deadlock, some finish; every deadlock names
     * the cycle; every execution leaves no live thread (thousands of aborted executions would
     * otherwise pile up parked virtual threads).
     */
    @Test
    void boundedSearchFindsTheDeadlockAndLeaksNoThread() {
        Bounded b = new Bounded(1);
        int[] deadlocks = {0}, finished = {0};
        Explorer.explore(DeadlockTest::abba, b, Config.DEFAULT, 1_000, r -> {
            if (r.outcome() == Result.Outcome.DEADLOCK) {
                deadlocks[0]++;
                assertTrue(r.detail().contains("spin_lock(L1)") && r.detail().contains("spin_lock(L2)"), r.detail());
            } else {
                assertTrue(r.finished(), r::toString);
                finished[0]++;
            }
            return true;
        });
        assertTrue(b.exhausted());
        assertTrue(deadlocks[0] > 0 && finished[0] > 0, deadlocks[0] + " deadlocks, " + finished[0] + " finished");
        for (int i = 0; i < 2_000; i++) {
            Result r = Runs.onceNoLeak(abba(), new RandomWalk(i), Config.DEFAULT);
            if (r.outcome() == Result.Outcome.DEADLOCK)
                deadlocks[0]++;
        }
        assertTrue(deadlocks[0] > 100);
    }

    /**
     * A body that never ends: "a" loops on READ_ONCE forever and "b" waits for a lock "a" holds.
     * The step bound ends it as LIVELOCK and both threads are unwound.
     */
    @Test
    void stepBoundEndsAnEndlessLoopAsLivelock() {
        Kernel k = new Kernel();
        SpinLock l = new SpinLock(null, L1, "L1");
        Word w = new Word(null, W, 0);
        Program p = Program.of(k,
                new Actor("a", () -> {
                    l.lock();
                    while (w.readOnce() == 0) {
                        // model of a loop that waits for nothing
                    }
                    l.unlock();
                }),
                new Actor("b", () -> {
                    l.lock();
                    w.writeOnce(1);
                    l.unlock();
                }));
        // a takes L, b preempts it and blocks on L, a loops
        Result r = Runs.onceNoLeak(p, Replay.of("0:a 1:b"), Config.DEFAULT.withMaxSteps(1_000));
        assertEquals(Result.Outcome.LIVELOCK, r.outcome(), r::toString);
        assertEquals("step bound 1000 reached", r.detail());
        assertEquals(1_000, r.steps());
        assertEquals(List.of(new Result.Wait("b", "spin_lock(L1)", List.of("a"))), r.waits());
    }

    /**
     * A spin that nobody can end: "a" spins on a flag that only "b" would set, but "b" is blocked on
     * a lock "a" holds. Spinning actors run again only when nothing else can; after the spin bound
     * in a row this is a LIVELOCK naming the spin, and the threads are unwound.
     */
    @Test
    void spinWithNobodyElseAbleToRunIsALivelock() {
        Kernel k = new Kernel();
        SpinLock l = new SpinLock(null, L1, "L1");
        Word w = new Word(null, W, 0);
        Program p = Program.of(k,
                new Actor("a", () -> {
                    l.lock();
                    while (w.readOnce() == 0)
                        Task.current().spin("wait for w");
                    l.unlock();
                }),
                new Actor("b", () -> {
                    l.lock();
                    w.writeOnce(1);
                    l.unlock();
                }));
        Result r = Runs.onceNoLeak(p, Replay.of("0:a 1:b"), Config.DEFAULT.withSpinBound(50));
        assertEquals(Result.Outcome.LIVELOCK, r.outcome(), r::toString);
        assertEquals("a kept spinning (wait for w) 50 times with no other actor able to run", r.detail());
        assertTrue(r.waits().contains(new Result.Wait("b", "spin_lock(L1)", List.of("a"))), r.waits()::toString);
        assertTrue(r.steps() < 200, r::toString);
    }

    /**
     * A Java exception out of a body is a BUG report "Java exception in port code" with the stack
     * trace; the actor counts as finished and the other goes on. Here "a" throws while holding L1,
     * so lockdep also reports the lock held at return to user space, and "b", which needs L1, can
     * never run again: DEADLOCK naming the finished holder.
     */
    @Test
    void exceptionInABodyIsABugReport() {
        Kernel k = new Kernel();
        Word w = new Word(null, W, 0);
        Program p = Program.of(k,
                new Actor("a", () -> {
                    w.writeOnce(1);
                    throw new IllegalStateException("boom");
                }),
                new Actor("b", () -> w.writeOnce(2)));
        for (long seed = 0; seed < 20; seed++) {
            Kernel k2 = new Kernel();
            Word w2 = new Word(null, W, 0);
            Program p2 = Program.of(k2,
                    new Actor("a", () -> {
                        w2.writeOnce(1);
                        throw new IllegalStateException("boom");
                    }),
                    new Actor("b", () -> w2.writeOnce(2)));
            Result r = Runs.onceNoLeak(p2, new RandomWalk(seed), Config.DEFAULT.withTrace(true));
            assertTrue(r.finished(), r::toString);
            assertEquals(1, r.reports().size(), r.reports()::toString);
            var bug = r.reports().get(0);
            assertEquals(Report.Kind.BUG, bug.kind());
            assertEquals("Java exception in port code", bug.title());
            assertEquals("a", bug.task());
            assertTrue(bug.detail().contains("java.lang.IllegalStateException: boom"), bug.detail());
            assertTrue(bug.detail().contains("DeadlockTest"), "stack trace in the detail");
            assertEquals(1, r.actorSteps(0));
            assertEquals(1, r.actorSteps(1));
        }
        assertTrue(Runs.once(p, new RandomWalk(1)).finished());

        Kernel k3 = new Kernel();
        SpinLock l = new SpinLock(null, L1, "L1");
        Program held = Program.of(k3,
                new Actor("a", () -> {
                    l.lock();
                    throw new IllegalStateException("boom under L1");
                }),
                new Actor("b", () -> {
                    l.lock();
                    l.unlock();
                }));
        Result r = Runs.onceNoLeak(held, Replay.of("0:a"), Config.DEFAULT);
        assertEquals(Result.Outcome.DEADLOCK, r.outcome(), r::toString);
        assertEquals("b waits for spin_lock(L1) held by a (finished)", r.detail());
        assertEquals(1, Runs.reportsTitled(r, "Java exception in port code").size());
        assertEquals(1, Runs.reportsTitled(r, "lock held when returning to user space").size());
        assertFalse(Runs.reportsTitled(r, "preempt count leaked at return to user space").isEmpty());
    }
}
