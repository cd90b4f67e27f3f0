package mmrace.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import mmrace.oracle.Reason;
import mmrace.oracle.Verdict;
import mmrace.runtime.Field;
import mmrace.runtime.Kernel;
import mmrace.runtime.Probes;
import mmrace.runtime.Word;
import mmrace.scenario.Scenario;
import mmrace.scenario.Variant;
import mmrace.sched.Actor;
import mmrace.sched.Config;
import mmrace.sched.Execution;
import mmrace.sched.Program;
import mmrace.sched.Replay;
import org.junit.jupiter.api.Test;

/** The coverage listener on toy programs of the scheduler. */
class CoverageTest {
    private static final Field X = new Field("x"), Y = new Field("y");
    private static final int P_W = Probes.register("coverage test: writer stores x");

    /** a: WRITE_ONCE(x, 1); READ_ONCE(y).   b: READ_ONCE(x); READ_ONCE(y). */
    private static Program program() {
        Word x = new Word(null, X, 0), y = new Word(null, Y, 0);
        return Program.of(new Kernel(), new Actor("a", () -> {
            Probes.hit(P_W);
            x.writeOnce(1);
            y.readOnce();
        }), new Actor("b", () -> {
            x.readOnce();
            y.readOnce();
        }));
    }

    private static Coverage.Gain run(Coverage c, String schedule) {
        ExecutionCoverage e = c.newExec();
        new Execution(program(), Replay.of(schedule), Config.DEFAULT).listen(e).run();
        return c.merge(e, Variant.FAST_V1, null);
    }

    /**
     * "a writes x, then b reads x" and "b reads x, then a writes x" are two different edges; the
     * reads of y by both never conflict (no write), so they add nothing; running an order again
     * adds nothing.
     */
    @Test
    void newInterleavingEdge() {
        Coverage c = new Coverage();
        Coverage.Gain first = run(c, "0:a 2:b");
        assertEquals(1, first.edges(), "write x -> read x");
        assertEquals(1, first.probes());
        assertEquals(0, run(c, "0:a 2:b").total(), "same order again: nothing new");
        Coverage.Gain other = run(c, "0:b 2:a");
        assertEquals(1, other.edges(), "read x -> write x is a new edge");
        assertEquals(0, other.probes());
        assertEquals(0, run(c, "0:b 1:a 2:b").edges(), "interleaving y reads adds no conflict");
        assertEquals(2, c.edges());
    }

    /** The probe context makes the writer's site depend on the branch it is in. */
    @Test
    void contextSeparatesSites() {
        Coverage none = new Coverage(Coverage.Context.NONE);
        Coverage probe = new Coverage(Coverage.Context.PROBE);
        run(none, "0:a 2:b");
        run(probe, "0:a 2:b");
        assertEquals(none.edges(), probe.edges());
        assertTrue(none.edges() > 0);
    }

    /**
     * Operation pairs on the toy target: run serially (reader, then t1) no two operations overlap;
     * in the torn interleaving the read contains the MAP_FIXED (and the store), whose range covers
     * it: new pairs. The same interleaving again adds none.
     */
    @Test
    void operationPairs() {
        Scenario s = Toys.parse(Toys.RACE);
        Scenario torn = Toys.tornFinding();
        Coverage c = new Coverage();
        ExecutionCoverage e = c.newExec();
        new ToyTarget().run(s.copy(), Variant.FAST_V1, Replay.of("0:reader"), Config.DEFAULT, e.scenario(s));
        assertEquals(0, c.merge(e, Variant.FAST_V1, null).pairs());
        new ToyTarget().run(torn, Variant.FAST_V1, Schedules.strategy(torn, Variant.FAST_V1, 0), Config.DEFAULT, e.scenario(torn));
        Coverage.Gain g = c.merge(e, Variant.FAST_V1, null);
        assertEquals(2, g.pairs(), "read contains mmap-fixed, read contains write");
        new ToyTarget().run(torn, Variant.FAST_V1, Schedules.strategy(torn, Variant.FAST_V1, 0), Config.DEFAULT, e.scenario(torn));
        assertEquals(0, c.merge(e, Variant.FAST_V1, null).pairs());
        assertEquals(2, OpRelation.spatial(s.actors.get(0).ops().get(0), s.actors.get(1).ops().get(0)), "the mmap covers the read");
    }

    /**
     * Races and windows on the toy target: run serially, nothing overlaps, so there are none and
     * the run is no near miss. In the torn interleaving the MAP_FIXED over the read's range
     * completes while the read is open, after the read hit a probe: windows and races, all between
     * the read and the layout change (the store, which changes no layout, adds none), and a near
     * miss. Every feature of a run counts one hit; running it again makes two.
     */
    @Test
    void racesWindowsAndHits() {
        Scenario s = Toys.parse(Toys.RACE);
        Scenario torn = Toys.tornFinding();
        Coverage c = new Coverage();
        ExecutionCoverage e = c.newExec();
        new ToyTarget().run(s.copy(), Variant.FAST_V1, Replay.of("0:reader"), Config.DEFAULT, e.scenario(s));
        Coverage.Gain serial = c.merge(e, Variant.FAST_V1, null);
        assertEquals(0, serial.races() + serial.windows());
        assertFalse(e.nearMiss());
        java.util.Map<Long, String> names = new java.util.HashMap<>();
        ExecutionCoverage.names = new java.util.concurrent.ConcurrentHashMap<>();
        try {
            new ToyTarget().run(torn, Variant.FAST_V1, Schedules.strategy(torn, Variant.FAST_V1, 0), Config.DEFAULT, e.scenario(torn));
            names.putAll(ExecutionCoverage.names);
        } finally {
            ExecutionCoverage.names = null;
        }
        Coverage.Gain g = c.merge(e, Variant.FAST_V1, null);
        assertTrue(e.nearMiss());
        assertTrue(g.windows() > 0 && g.races() > 0, g::toString);
        assertTrue(g.keep());
        java.util.List<String> ws = new java.util.ArrayList<>();
        e.features((k, type) -> {
            if (type == Coverage.WINDOW || type == Coverage.RACE)
                ws.add(names.get(k));
        });
        assertTrue(ws.stream().allMatch(n -> n.contains("read") && n.contains("mmap-fixed") && !n.contains("write")), ws::toString);
        assertTrue(ws.stream().anyMatch(n -> n.startsWith("window '") && n.endsWith("mmap-fixed covering completed")), ws::toString);
        long[] one = new long[1];
        e.features((k, type) -> one[0] = k);
        assertEquals(1, c.hits(one[0]));
        new ToyTarget().run(torn, Variant.FAST_V1, Schedules.strategy(torn, Variant.FAST_V1, 0), Config.DEFAULT, e.scenario(torn));
        assertEquals(0, c.merge(e, Variant.FAST_V1, null).total(), "the same run again adds nothing");
        assertEquals(2, c.hits(one[0]));
    }

    /** The counts behind the energy schedule: an open-addressing map that grows and keeps 0 apart. */
    @Test
    void longIntMap() {
        LongIntMap m = new LongIntMap();
        for (long k = 0; k < 5000; k++)
            assertEquals(1, m.add(k * 0x9E3779B97F4A7C15L, 1));
        for (long k = 0; k < 5000; k++)
            assertEquals(3, m.add(k * 0x9E3779B97F4A7C15L, 2));
        assertEquals(5000, m.size());
        assertEquals(3, m.get(0));
        assertEquals(0, m.get(12345));
        assertFalse(m.contains(12345));
    }

    /** Outcomes: (variant, class, reason) keys; a new one counts once. */
    @Test
    void outcomeCoverage() {
        Coverage c = new Coverage();
        ExecutionCoverage e = c.newExec();
        new Execution(program(), Replay.of("0:a"), Config.DEFAULT).listen(e).run();
        Verdict torn = Verdict.forbidden(Reason.TORN_READ, 3, "");
        assertEquals(1, c.merge(e, Variant.FAST_V1, torn).outcomes());
        assertFalse(c.wouldGain(e, Variant.FAST_V1, torn));
        assertTrue(c.wouldGain(e, Variant.SLOW, torn));
        assertEquals(1, c.merge(e, Variant.SLOW, torn).outcomes());
        assertEquals(2, c.outcomes());
        assertTrue(c.outcomeKeys().contains("fast-v1 forbidden torn-read"));
    }
}
