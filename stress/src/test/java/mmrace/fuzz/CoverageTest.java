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
        Coverage.Exec e = c.newExec();
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
        Coverage.Exec e = c.newExec();
        new ToyTarget().run(s.copy(), Variant.FAST_V1, Replay.of("0:reader"), Config.DEFAULT, e.scenario(s));
        assertEquals(0, c.merge(e, Variant.FAST_V1, null).pairs());
        new ToyTarget().run(torn, Variant.FAST_V1, Schedules.strategy(torn, Variant.FAST_V1, 0), Config.DEFAULT, e.scenario(torn));
        Coverage.Gain g = c.merge(e, Variant.FAST_V1, null);
        assertEquals(2, g.pairs(), "read contains mmap-fixed, read contains write");
        new ToyTarget().run(torn, Variant.FAST_V1, Schedules.strategy(torn, Variant.FAST_V1, 0), Config.DEFAULT, e.scenario(torn));
        assertEquals(0, c.merge(e, Variant.FAST_V1, null).pairs());
        assertEquals(2, Coverage.Exec.spatial(s.actors.get(0).ops().get(0), s.actors.get(1).ops().get(0)), "the mmap covers the read");
    }

    /** Outcomes: (variant, class, reason) keys; a new one counts once. */
    @Test
    void outcomeCoverage() {
        Coverage c = new Coverage();
        Coverage.Exec e = c.newExec();
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
