package mmrace.jcstress;

import mmrace.runtime.Task;
import org.junit.jupiter.api.Test;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.infra.results.L_Result;

import java.lang.reflect.Method;
import java.util.EnumMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Every JCStress test's actors, run one after the other on this thread (no JCStress): the reader
 * before the writer must read the initial state, the reader after the writer the final one, and
 * the arbiter must find nothing leaked. Both outcomes are graded ACCEPTABLE by the test's own
 * annotations. This is what JCStress's quiet runs (no overlap) give; the races are its business.
 */
class RaceActorsTest {
    /** What a read returns before and after the writer, race by race. */
    static final Map<Race, String[]> QUIET = new EnumMap<>(Race.class);

    static {
        QUIET.put(Race.MAP_FIXED, new String[] {"A|B", "C|C"});
        QUIET.put(Race.NEIGHBOUR, new String[] {"A|B", "A|D"});
        QUIET.put(Race.MREMAP, new String[] {"A|B", "M|M"});
        QUIET.put(Race.MPROTECT, new String[] {"A|A", "A|A"});
        QUIET.put(Race.PREFIX_FALLBACK, new String[] {"A|Z", "C|C"});
        QUIET.put(Race.DONTNEED, new String[] {"A|A", "Z|X"});
        QUIET.put(Race.RECLAIM, new String[] {"A|B", "A|B"});
        QUIET.put(Race.THP_COLLAPSE, new String[] {"A|B", "A|B"});
    }

    /** Runs the named actors of a fresh state of the test class, in order; returns the result. */
    static String run(Class<?> test, String... actors) throws Exception {
        Object state = test.getConstructor().newInstance();
        L_Result r = new L_Result();
        for (String a : actors) {
            Method m = a.equals("writer") ? test.getMethod(a) : test.getMethod(a, L_Result.class);
            if (a.equals("writer"))
                m.invoke(state);
            else
                m.invoke(state, r);
        }
        return (String) r.r1;
    }

    @Test
    void quietRunsReadTheInitialAndTheFinalState() throws Exception {
        for (Safety.Test t : Safety.tests()) {
            Class<?> c = RaceExpectationsTest.testClass(t);
            String[] q = QUIET.get(t.race());
            String before = run(c, "reader", "writer", "arbiter");
            String after = run(c, "writer", "reader", "arbiter");
            assertEquals(q[0], before, t.name() + ": read, then write");
            assertEquals(q[1], after, t.name() + ": write, then read");
            Map<String, Expect> d = RaceExpectationsTest.declared(c);
            assertEquals(Expect.ACCEPTABLE, d.get(Outcomes.id(before)), t.name() + " grades " + before);
            assertEquals(Expect.ACCEPTABLE, d.get(Outcomes.id(after)), t.name() + " grades " + after);
        }
        assertThrows(IllegalStateException.class, Task::current, "the actors unbind their tasks");
    }

    /** Reclaim and collapse do their work when nothing races them (else those tests test nothing). */
    @Test
    void reclaimAndCollapseSucceedAlone() {
        Machine m = new Machine(Race.RECLAIM, mmrace.scenario.Variant.SLOW);
        m.write();
        assertArrayEquals(new long[] {mmrace.port.Vmscan.RECLAIMED, mmrace.port.Vmscan.RECLAIMED}, m.results());
        assertEquals("A|B", m.judge(m.read()), "faulted back from swap, nothing leaked");

        m = new Machine(Race.THP_COLLAPSE, mmrace.scenario.Variant.FAST_V1);
        m.write();
        assertArrayEquals(new long[] {0}, m.results(), "SCAN_SUCCEED");
        assertEquals("A|B", m.judge(m.read()));
    }

    /** The arbiter names what the final check found: a lock left held is ",leak:lock-leak". */
    @Test
    void arbiterNamesALeak() {
        Machine m = new Machine(Race.MPROTECT, mmrace.scenario.Variant.SLOW);
        String read = m.read();
        Task t = m.kernel.newTask("leaker", null);
        t.bind();
        try {
            mmrace.port.MmapLock.mmapReadLock(m.mm);
        } finally {
            Task.unbind();
        }
        assertEquals("A|A,leak:lock-leak", m.judge(read));
    }

    /** Outcome strings name the source of each chunk, and the short reads. */
    @Test
    void outcomeNames() {
        byte[] b = new byte[16];
        java.util.Arrays.fill(b, 0, 8, (byte) 'a');
        assertEquals("A|Z", Outcomes.name(0x11ff8, 16, b, 16));
        assertEquals("A|short:8", Outcomes.name(0x11ff8, 16, b, 8));
        assertEquals("short:0", Outcomes.name(0x11ff8, 16, b, 0));
        b[9] = (byte) 'c';
        assertEquals("A|MIXED(Z+C)", Outcomes.name(0x11ff8, 16, b, 16));
        java.util.Arrays.fill(b, 8, 16, (byte) 0xaa);
        assertEquals("A|POISON", Outcomes.name(0x11ff8, 16, b, 16));
        assertEquals("A\\|C", Outcomes.id("A|C"));
        assertEquals(8, Outcomes.parse(0x11ff8, 16, "A|short:8").n());
    }
}
