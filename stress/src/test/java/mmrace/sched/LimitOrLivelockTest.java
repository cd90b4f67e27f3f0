package mmrace.sched;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import mmrace.runtime.Field;
import mmrace.runtime.Kernel;
import mmrace.runtime.SpinLock;
import mmrace.runtime.Word;
import org.junit.jupiter.api.Test;

/**
 * A livelock the scheduler shows, or a run longer than the model allows (issue 11 item 17)? An
 * execution that reaches the step bound while its actors still make progress ends as LIMIT (no
 * verdict), one whose actors repeat the same accesses with nothing changing ends as LIVELOCK, and
 * it does so within {@link Config#window} steps whatever the step bound.
 */
class LimitOrLivelockTest {
    static final Field W = new Field("w"), L = new Field("l");

    /** One actor storing ever new values (a long store, a counter): progress, so the bound is a limit. */
    @Test
    void progressAtTheBoundIsALimit() {
        Kernel k = new Kernel();
        Word w = new Word(null, W, 0);
        Program p = Program.of(k, new Actor("a", () -> {
            for (long i = 1; ; i++)
                w.writeOnce(i);
        }));
        Result r = Runs.onceNoLeak(p, new RandomWalk(1), Config.DEFAULT.withMaxSteps(20_000));
        assertEquals(Result.Outcome.LIMIT, r.outcome(), r::toString);
        assertEquals(20_000, r.steps());
        assertTrue(r.detail().startsWith("step bound 20000 reached while the actors were still making progress (a 20000 steps)"), r.detail());
    }

    /**
     * Two actors taking and dropping a lock and re-reading a flag nobody sets, in a random order:
     * each repeats its cycle with nothing changing, so it is a livelock, found within the first
     * windows (of 1,000 steps here; a path of the cycle met only once is known from the window
     * before) although the bound is a million.
     */
    @Test
    void aCycleWithNothingChangingIsALivelockWithinAWindow() {
        Kernel k = new Kernel();
        SpinLock l = new SpinLock(null, L, "L");
        Word flag = new Word(null, W, 0);
        Runnable spin = () -> {
            while (true) {
                l.lock();
                long v = flag.readOnce();
                l.unlock();
                if (v != 0)
                    return;
            }
        };
        Program p = Program.of(k, new Actor("a", spin), new Actor("b", spin));
        Result r = Runs.onceNoLeak(p, new RandomWalk(7), Config.DEFAULT.withMaxSteps(1_000_000).withWindow(1_000));
        assertEquals(Result.Outcome.LIVELOCK, r.outcome(), r::toString);
        assertTrue(r.steps() <= 3_000 && r.steps() % 1_000 == 0, "found at one of the first windows: " + r.steps());
        assertTrue(r.detail().matches("no progress in 1000 steps: [ab] repeats 3 accesses with nothing changing: .*"), r.detail());
        for (String what : java.util.List.of("spin_lock(l)", "READ_ONCE(w)", "spin_unlock(l)"))
            assertTrue(r.detail().contains(what), r.detail());
    }

    /** Operations that keep returning are progress, even if each does the same accesses: many short operations are a limit, not a livelock. */
    @Test
    void operationsThatReturnAreProgress() {
        Kernel k = new Kernel();
        Word w = new Word(null, W, 0);
        Program p = Program.of(k, new Actor("a", () -> {
            while (true) {
                mmrace.runtime.Trace.tracepoint(mmrace.runtime.Tracepoint.SYS_ENTER, "op", 0);
                w.readOnce();
                mmrace.runtime.Trace.tracepoint(mmrace.runtime.Tracepoint.SYS_EXIT, "op", 0);
            }
        }));
        Result r = Runs.onceNoLeak(p, new RandomWalk(1), Config.DEFAULT.withMaxSteps(5_000).withWindow(1_000));
        assertEquals(Result.Outcome.LIMIT, r.outcome(), r::toString);
        assertEquals(List.of(), r.reports());
    }
}
