package mmrace.sched;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import mmrace.runtime.Atomic;
import mmrace.runtime.Field;
import mmrace.runtime.KObject;
import mmrace.runtime.Kernel;
import mmrace.runtime.SpinLock;
import mmrace.runtime.Task;
import mmrace.runtime.Trace;
import mmrace.runtime.Word;
import org.junit.jupiter.api.Test;

/**
 * Determinism and replay. The program has three actors over one object "B" and uses most kinds of
 * event: a spinlock, RCU (a read section and synchronize_rcu), plain and READ_ONCE/WRITE_ONCE
 * accesses, a refcount, a spin loop and printk-style notes:
 *
 * <pre>
 *   reader:  rcu_read_lock(); s = READ_ONCE(B.vm_start); note; spin_lock(B.ptl); r = B.vm_refcnt; spin_unlock; rcu_read_unlock();
 *   writer:  spin_lock(B.ptl); WRITE_ONCE(B.vm_start, 0x2000); spin_unlock; synchronize_rcu(); refcount_dec(B.vm_refcnt)
 *   waiter:  while (READ_ONCE(B.vm_start) != 0x2000) spin;  note
 * </pre>
 *
 * Every outcome is acceptable here; what is checked is that a strategy and seed fix the execution
 * byte for byte (trace text, schedule, steps), and that replaying the recorded schedule line gives
 * the same execution again.
 */
class DeterminismTest {
    static final class Obj extends KObject {
        private final String name;

        Obj(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }
    }

    private static final Field VM_START = new Field("vm_start");
    private static final Field VM_REFCNT = new Field("vm_refcnt", true);
    private static final Field PTL = new Field("ptl");

    static Program program() {
        Kernel k = new Kernel();
        Obj b = new Obj("B");
        Word start = new Word(b, VM_START, 0x1000);
        Atomic ref = new Atomic(b, VM_REFCNT, 2);
        SpinLock ptl = new SpinLock(b, PTL, "ptlock");
        Runnable reader = () -> {
            k.rcu.readLock();
            long s = start.readOnce();
            Trace.note("reader: vm_start %#x", s);
            ptl.lock();
            int r = ref.read();
            Trace.note("reader: vm_refcnt %d", r);
            ptl.unlock();
            k.rcu.readUnlock();
        };
        Runnable writer = () -> {
            ptl.lock();
            start.writeOnce(0x2000);
            ptl.unlock();
            k.rcu.synchronize();
            ref.refcountDecAndTest();
        };
        Runnable waiter = () -> {
            int spins = 0;
            while (start.readOnce() != 0x2000) {
                spins++;
                Task.current().spin("wait for B.vm_start");
            }
            Trace.note("waiter: saw the move after %d spins", spins);
        };
        return Program.of(k, new Actor("reader", reader), new Actor("writer", writer), new Actor("waiter", waiter));
    }

    private static final Config TRACE = Config.DEFAULT.withTrace(true);

    private static String text(Result r) {
        assertNotNull(r.trace());
        return TraceRecorder.text(r.trace(), r.actors());
    }

    /** The same strategy and seed give the same trace text, schedule and step counts, 100 times. */
    @Test
    void sameSeedSameExecution100Times() {
        for (String which : new String[] {"random", "pct"}) {
            Result first = Runs.once(program(), strategy(which, 7), TRACE);
            assertTrue(first.finished(), first::toString);
            String t0 = text(first);
            for (int i = 0; i < 100; i++) {
                Result r = Runs.once(program(), strategy(which, 7), TRACE);
                assertEquals(t0, text(r), which + " run " + i);
                assertEquals(first.schedule(), r.schedule());
                assertEquals(first.steps(), r.steps());
                assertEquals(java.util.Arrays.toString(first.actorSteps()), java.util.Arrays.toString(r.actorSteps()));
            }
        }
    }

    private static Strategy strategy(String which, long seed) {
        return which.equals("pct") ? new Pct(3, 40, seed) : new RandomWalk(seed);
    }

    /** Seeds matter: over 30 seeds random walk takes many different schedules. */
    @Test
    void differentSeedsTakeDifferentSchedules() {
        Set<Schedule> seen = new HashSet<>();
        for (long seed = 0; seed < 30; seed++)
            seen.add(Runs.once(program(), new RandomWalk(seed)).schedule());
        assertTrue(seen.size() > 10, "only " + seen.size() + " distinct schedules");
    }

    /**
     * Replaying the recorded schedule line (through its text form) repeats the execution exactly:
     * same trace text, same schedule, no divergence. For random walk, PCT and every bounded(1)
     * schedule.
     */
    @Test
    void replayOfTheScheduleLineReproducesTheTrace() {
        for (long seed = 0; seed < 40; seed++) {
            for (Strategy s : new Strategy[] {new RandomWalk(seed), new Pct(2, 0, seed)}) {
                Result r = Runs.once(program(), s, TRACE);
                Result again = Runs.once(program(), Replay.of(r.schedule().toString()), TRACE);
                assertEquals(text(r), text(again), s.describe());
                assertEquals(r.schedule(), again.schedule());
                assertEquals(0, again.divergences());
            }
        }
        Bounded b = new Bounded(1);
        Explorer.explore(DeterminismTest::program, b, TRACE, 10_000, r -> {
            Result again = Runs.once(program(), new Replay(r.schedule()), TRACE);
            assertEquals(text(r), text(again), r.schedule().toString());
            assertEquals(0, again.divergences());
            return true;
        });
        assertTrue(b.exhausted());
    }

    /** Under the scheduler the kernel's step count is the number of points executed, so report steps match trace steps. */
    @Test
    void kernelStepsEqualScheduledSteps() {
        for (long seed = 0; seed < 20; seed++) {
            Program p = program();
            Result r = Runs.once(p, new RandomWalk(seed), TRACE);
            assertEquals(p.kernel().steps(), r.steps());
            long points = r.trace().stream().filter(x -> x.kind() == TraceRecorder.Kind.POINT).count();
            assertEquals(r.steps(), points);
            long sum = 0;
            for (long s : r.actorSteps())
                sum += s;
            assertEquals(r.steps(), sum);
        }
    }

    /**
     * A schedule that no longer fits the program (an unknown actor, a switch past the end) still
     * runs to the end, deterministically, and says how many recorded choices it could not follow.
     */
    @Test
    void replayOfAnEditedScheduleFallsBackAndCountsDivergences() {
        Result r = Runs.once(program(), Replay.of("0:writer 3:nobody 5:reader 100000:waiter"), TRACE);
        assertTrue(r.finished(), r::toString);
        // at least "3:nobody" (unknown actor) and "100000:waiter" (never reached); more where the
        // current actor blocked and no switch was recorded at that step
        assertTrue(r.divergences() >= 2, r.toString());
        Result again = Runs.once(program(), Replay.of("0:writer 3:nobody 5:reader 100000:waiter"), TRACE);
        assertEquals(text(r), text(again));
        assertEquals(r.divergences(), again.divergences());
    }

    /** The schedule line round-trips through its text form. */
    @Test
    void scheduleLineRoundTrips() {
        Schedule s = Schedule.parse("0:reader 14:writer 40:reader 40:waiter");
        assertEquals("0:reader 14:writer 40:reader 40:waiter", s.toString());
        assertEquals(s, Schedule.parse("  0:reader   14:writer 40:reader\t40:waiter "));
        assertEquals(4, s.size());
        assertEquals(3, s.contextSwitches());
        assertEquals("", Schedule.parse("").toString());
        for (String bad : new String[] {"x:reader", "0reader", "0:", ":a", "5:a 3:b", "-1:a"}) {
            try {
                Schedule.parse(bad);
                throw new AssertionError("parsed " + bad);
            } catch (IllegalArgumentException expected) {
                // ok
            }
        }
    }

    /**
     * One execution, printed one column per actor (for eyeballing), and checked: the columns show
     * exactly the recorded rows (each under its actor, a point with its step number); each actor's
     * column is its program in order; and the values the notes print are the kernel's. The reader
     * prints the vm_start it read: 0x2000 only if the writer's WRITE_ONCE came first. It prints
     * vm_refcnt 1 only if the writer's refcount_dec came first, which RCU forbids once the reader
     * was inside its read section when synchronize_rcu began (the grace period waits for it). The
     * waiter prints how often it spun: its spins in the trace. The same checks hold for 40 other
     * seeds.
     */
    @Test
    void oneTraceInKernelWords() {
        Result r = Runs.once(program(), new RandomWalk(3), TRACE);
        String columns = TraceRecorder.columns(r.trace(), r.actors());
        System.out.println(r);
        System.out.println(columns);
        assertColumns(r, columns);
        checkTrace(r);
        for (long seed = 0; seed < 40; seed++) {
            Result x = Runs.once(program(), new RandomWalk(seed), TRACE);
            assertColumns(x, TraceRecorder.columns(x.trace(), x.actors()));
            checkTrace(x);
        }
    }

    /** The column view holds the rows of {@code r}'s trace, one line each: the step of a point, the text in its actor's column. */
    private static void assertColumns(Result r, String columns) {
        String[] lines = columns.split("\n");
        assertEquals(List.of("step", "reader", "writer", "waiter"), cells(lines[0]), lines[0]);
        List<TraceRecorder.Row> rows = r.trace();
        assertEquals(rows.size() + 1, lines.length, columns);
        for (int i = 0; i < rows.size(); i++) {
            TraceRecorder.Row row = rows.get(i);
            List<String> c = cells(lines[i + 1]);
            assertEquals(row.kind() == TraceRecorder.Kind.POINT ? Long.toString(row.step()) : "", c.get(0), lines[i + 1]);
            for (int a = 0; a < 3; a++)
                assertEquals(a == row.actor() ? row.text() : "", c.get(1 + a), lines[i + 1]);
        }
    }

    private static List<String> cells(String line) {
        List<String> l = new ArrayList<>();
        for (String c : line.split("\\|", -1))
            l.add(c.strip());
        while (l.size() < 4)
            l.add(""); // trailing empty columns are trimmed
        return l;
    }

    /** What the kernel guarantees about one execution of {@link #program()}, read from its trace. */
    private static void checkTrace(Result r) {
        assertTrue(r.finished(), r::toString);
        assertTrue(r.reports().isEmpty(), r.reports()::toString);
        List<TraceRecorder.Row> rows = r.trace();
        assertInOrder(rows, 0, "start", "rcu_read_lock", "READ_ONCE(B.vm_start)", "reader: vm_start ", "spin_lock(B.ptl)",
                "READ_ONCE(B.vm_refcnt)", "reader: vm_refcnt ", "spin_unlock(B.ptl)", "rcu_read_unlock", "return");
        assertInOrder(rows, 1, "start", "spin_lock(B.ptl)", "WRITE_ONCE(B.vm_start, 0x2000)", "spin_unlock(B.ptl)", "synchronize_rcu",
                "atomic(B.vm_refcnt, -1)", "return");
        assertInOrder(rows, 2, "start", "READ_ONCE(B.vm_start)", "waiter: saw the move after ", "return");

        int store = at(rows, 1, "WRITE_ONCE(B.vm_start"), load = at(rows, 0, "READ_ONCE(B.vm_start)");
        assertEquals(store < load ? "reader: vm_start 0x2000" : "reader: vm_start 0x1000", rows.get(at(rows, 0, "reader: vm_start")).text(),
                r.schedule().toString());
        int dec = at(rows, 1, "atomic(B.vm_refcnt"), read = at(rows, 0, "READ_ONCE(B.vm_refcnt)");
        assertEquals(dec < read ? "reader: vm_refcnt 1" : "reader: vm_refcnt 2", rows.get(at(rows, 0, "reader: vm_refcnt")).text(),
                r.schedule().toString());
        if (at(rows, 0, "rcu_read_lock") < at(rows, 1, "synchronize_rcu"))
            assertTrue(at(rows, 0, "rcu_read_unlock") < dec, "refcount_dec inside the reader's grace period: " + r.schedule());
        long spins = rows.stream().filter(x -> x.actor() == 2 && x.kind() == TraceRecorder.Kind.SPIN).count();
        assertEquals("waiter: saw the move after " + spins + " spins", rows.get(at(rows, 2, "waiter: saw")).text());
    }

    /** The rows of {@code actor} include rows starting with each prefix, in this order. */
    private static void assertInOrder(List<TraceRecorder.Row> rows, int actor, String... prefixes) {
        int k = 0;
        for (TraceRecorder.Row row : rows)
            if (row.actor() == actor && k < prefixes.length && row.text().startsWith(prefixes[k]))
                k++;
        assertEquals(prefixes.length, k, "actor " + actor + " misses '" + (k < prefixes.length ? prefixes[k] : "") + "' in order");
    }

    /** The index of the first row of {@code actor} that starts with {@code prefix}. */
    private static int at(List<TraceRecorder.Row> rows, int actor, String prefix) {
        for (int i = 0; i < rows.size(); i++)
            if (rows.get(i).actor() == actor && rows.get(i).text().startsWith(prefix))
                return i;
        throw new AssertionError("actor " + actor + " has no row '" + prefix + "'");
    }
}
