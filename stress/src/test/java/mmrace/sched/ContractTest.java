package mmrace.sched;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import mmrace.runtime.Atomic;
import mmrace.runtime.Field;
import mmrace.runtime.Kernel;
import mmrace.runtime.Access;
import mmrace.runtime.Rcuwait;
import mmrace.runtime.RwSemaphore;
import mmrace.runtime.Shared;
import mmrace.runtime.Task;
import mmrace.runtime.Word;
import org.junit.jupiter.api.Test;

/** The listener and strategy contracts, sleeping locks, and scheduler failures. */
class ContractTest {
    private static final Field X = new Field("x"), FLAG = new Field("flag"), SEM = new Field("mmap_lock"), D = new Field("data");

    /**
     * Krace-style alias coverage computed by a listener from point events alone: ordered pairs of
     * accesses by different actors to the same Shared, at least one a write, adjacent in the
     * access order of that object. Over the lost-update program's random walks all four orders of
     * the read/set pairs between "a" and "b" appear.
     */
    static final class AliasCoverage implements ExecutionListener {
        private record Last(int actor, Access op) {}

        final TreeSet<String> pairs = new TreeSet<>();
        private final Map<Shared, Last> last = new IdentityHashMap<>();
        private List<String> names;

        @Override
        public void start(Execution e) {
            last.clear();
            names = e.actorNames();
        }

        @Override
        public void point(long step, int actor, Access op, Shared s, long arg) {
            Last prev = last.put(s, new Last(actor, op));
            if (prev != null && prev.actor != actor && (prev.op.writes || op.writes))
                pairs.add(s.name() + ": " + prev.op.text + "@" + names.get(prev.actor) + " -> " + op.text + "@" + names.get(actor));
        }
    }

    @Test
    void aliasCoverageFromPointEvents() {
        AliasCoverage cov = new AliasCoverage();
        Explorer.explore(() -> new LostUpdateTest.Prog().program, new RandomWalk(5), Config.DEFAULT, 200, r -> true, cov);
        assertEquals(new TreeSet<>(List.of(
                "x: READ_ONCE@a -> WRITE_ONCE@b", "x: READ_ONCE@b -> WRITE_ONCE@a",
                "x: WRITE_ONCE@a -> READ_ONCE@b", "x: WRITE_ONCE@a -> WRITE_ONCE@b",
                "x: WRITE_ONCE@b -> READ_ONCE@a", "x: WRITE_ONCE@b -> WRITE_ONCE@a")), cov.pairs);
    }

    /** Events reach listeners in order, with steps that agree with the schedule, and only one actor at a time. */
    @Test
    void listenerSeesEveryEventInOrder() {
        List<String> ev = new ArrayList<>();
        ExecutionListener l = new ExecutionListener() {
            @Override public void actorStart(long step, int actor) { ev.add(step + " start " + actor); }
            @Override public void point(long step, int actor, Access op, Shared s, long arg) { ev.add(step + " " + actor + " " + op); }
            @Override public void actorFinish(long step, int actor, Throwable t) { ev.add(step + " finish " + actor); }
        };
        Program p = new LostUpdateTest.Prog().program;
        Result r = new Execution(p, Replay.of("0:a 1:b 3:a"), Config.DEFAULT).listen(l).run();
        assertEquals(List.of("0 start 0", "0 start 1", "0 0 READ", "1 1 READ", "2 1 WRITE", "3 finish 1", "3 0 WRITE", "4 finish 0"), ev);
        assertEquals("0:a 1:b 3:a", r.schedule().toString());
    }

    /**
     * Sleeping locks: down_write blocks down_read until up_write. Exhaustively (2 preemptions) the
     * reader never sees the writer's half-done update, and every execution finishes.
     * <pre>
     *   writer:  down_write(mmap_lock); WRITE_ONCE(data, 1); WRITE_ONCE(data, 2); up_write(mmap_lock);
     *   reader:  down_read(mmap_lock); r = READ_ONCE(data); up_read(mmap_lock);      r != 1
     * </pre>
     */
    @Test
    void rwsemBlocksReadersWhileWriteLocked() {
        long[] seen = new long[1];
        TreeSet<Long> values = new TreeSet<>();
        Bounded b = new Bounded(2);
        Explorer.explore(() -> {
            Kernel k = new Kernel();
            RwSemaphore sem = new RwSemaphore(null, SEM, "mmap_lock");
            Word d = new Word(null, D, 0);
            return Program.of(k,
                    new Actor("writer", () -> {
                        sem.downWrite();
                        d.writeOnce(1);
                        d.writeOnce(2);
                        sem.upWrite();
                    }),
                    new Actor("reader", () -> {
                        sem.downRead();
                        seen[0] = d.readOnce();
                        sem.upRead();
                    }));
        }, b, Config.DEFAULT, 10_000, r -> {
            assertTrue(r.finished() && r.reports().isEmpty(), r::toString);
            values.add(seen[0]);
            return true;
        });
        assertTrue(b.exhausted());
        assertEquals(new TreeSet<>(List.of(0L, 2L)), values);
    }

    /**
     * rcuwait: the waker sets the condition, then wakes. Every schedule finishes. With the wake-up
     * left out, the schedules where the sleeper went to sleep before the condition was set are
     * DEADLOCKs naming the sleeper's wait (a lost wake-up).
     */
    @Test
    void rcuwaitSleepAndWake() {
        for (boolean wake : new boolean[] {true, false}) {
            int[] deadlocks = {0};
            Bounded b = new Bounded(2);
            Explorer.explore(() -> {
                Kernel k = new Kernel();
                Rcuwait w = new Rcuwait(null);
                Atomic flag = new Atomic(null, FLAG, 0);
                Task[] waker = new Task[1];
                return Program.of(k,
                        new Actor("sleeper", () -> w.waitEvent(() -> flag.read() == 1, false, "rcuwait_wait_event(flag)",
                                () -> waker[0] == null ? List.of() : List.of(waker[0]))),
                        new Actor("waker", () -> {
                            waker[0] = Task.current();
                            flag.set(1);
                            if (wake)
                                w.wakeUp();
                        }));
            }, b, Config.DEFAULT, 10_000, r -> {
                if (r.outcome() == Result.Outcome.DEADLOCK) {
                    deadlocks[0]++;
                    assertEquals("sleeper waits for rcuwait_wait_event(flag) held by waker (finished)", r.detail());
                } else {
                    assertTrue(r.finished(), r::toString);
                }
                return true;
            });
            assertTrue(b.exhausted());
            if (wake)
                assertEquals(0, deadlocks[0]);
            else
                assertTrue(deadlocks[0] > 0);
        }
    }

    /** A strategy that picks an actor that cannot run is a scheduler failure: run() throws, and no thread is left. */
    @Test
    void badStrategyChoiceThrows() {
        Strategy bad = new Strategy() {
            @Override public void begin(Execution e) {}
            @Override public int choose(Choice c) { return 7; }
            @Override public String describe() { return "bad"; }
        };
        Execution e = new Execution(new LostUpdateTest.Prog().program, bad, Config.DEFAULT);
        IllegalStateException x = assertThrows(IllegalStateException.class, e::run);
        assertTrue(x.getMessage().contains("bad chose actor 7"), x.getMessage());
        Runs.assertNoLiveThreads(e);
    }

    /** A listener that throws aborts the execution; run() rethrows its exception. */
    @Test
    void throwingListenerThrows() {
        ExecutionListener l = new ExecutionListener() {
            @Override public void point(long step, int actor, Access op, Shared s, long arg) {
                if (step == 2)
                    throw new UnsupportedOperationException("listener bug");
            }
        };
        Execution e = new Execution(new LostUpdateTest.Prog().program, new RandomWalk(1), Config.DEFAULT).listen(l);
        IllegalStateException x = assertThrows(IllegalStateException.class, e::run);
        assertTrue(x.getCause() instanceof UnsupportedOperationException);
        Runs.assertNoLiveThreads(e);
    }

    /** A listener failing while the actors start (before the first step) aborts cleanly too: later actors never start. */
    @Test
    void listenerFailingAtStartThrows() {
        ExecutionListener l = new ExecutionListener() {
            @Override public void actorStart(long step, int actor) {
                throw new UnsupportedOperationException("start bug");
            }
        };
        Execution e = new Execution(new LostUpdateTest.Prog().program, new RandomWalk(1), Config.DEFAULT).listen(l);
        IllegalStateException x = assertThrows(IllegalStateException.class, e::run);
        assertTrue(x.getCause() instanceof UnsupportedOperationException);
        assertEquals(Handoff.Life.ENDED, e.life(0), "the first actor unwound");
        assertEquals(Handoff.Life.NEVER_STARTED, e.life(1), "the second actor never started");
    }

    /** Bounded search replays prefixes; a program that does not replay the same way is detected. */
    @Test
    void nondeterministicProgramIsDetectedByBounded() {
        int[] builds = {0};
        Bounded b = new Bounded(2);
        IllegalStateException x = assertThrows(IllegalStateException.class, () -> Explorer.explore(() -> {
            int n = ++builds[0];
            Atomic a = new Atomic(null, X, 0);
            // the second build has one more access in "a": a different program
            return Program.of(new Kernel(),
                    new Actor("a", () -> {
                        for (int i = 0; i < (n == 1 ? 2 : 1); i++)
                            a.read();
                    }),
                    new Actor("b", () -> a.set(1)));
        }, b, Config.DEFAULT, 100, r -> true));
        assertTrue(x.getMessage().contains("not deterministic"), x.getMessage());
    }

    /** An Execution runs once, and names must be usable in a schedule line. */
    @Test
    void argumentChecks() {
        Execution e = new Execution(new LostUpdateTest.Prog().program, new RandomWalk(1), Config.DEFAULT);
        e.run();
        assertThrows(IllegalStateException.class, e::run);
        assertThrows(IllegalArgumentException.class, () -> new Actor("two words", () -> {}));
        assertThrows(IllegalArgumentException.class, () -> new Actor("kthread", () -> {}));
        assertThrows(IllegalArgumentException.class,
                () -> new Execution(Program.of(new Kernel(), new Actor("a", () -> {}), new Actor("a", () -> {})), new RandomWalk(1), Config.DEFAULT));
    }

    /** Actors with no point at all, and a single actor, run to the end. */
    @Test
    void degeneratePrograms() {
        Result r = Runs.onceNoLeak(Program.of(new Kernel(), new Actor("a", () -> {}), new Actor("b", () -> {})), new RandomWalk(1), Config.DEFAULT);
        assertTrue(r.finished());
        assertEquals(0, r.steps());
        Atomic x = new Atomic(null, X, 0);
        Result one = Runs.onceNoLeak(Program.of(new Kernel(), new Actor("solo", () -> x.set(x.read() + 1))), new Bounded(0), Config.DEFAULT);
        assertTrue(one.finished());
        assertEquals(2, one.steps());
        assertEquals("0:solo", one.schedule().toString());
    }
}
