package mmrace.sched;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Supplier;
import mmrace.runtime.Atomic;
import mmrace.runtime.Field;
import mmrace.runtime.Kernel;
import org.junit.jupiter.api.Test;

/** The usage example of the package documentation, kept compiling and true. */
class ExampleTest {
    @Test
    void packageExample() {
        Supplier<Program> lostUpdate = () -> {
            Atomic x = new Atomic(null, new Field("x"), 0);
            Runnable inc = () -> x.set(x.read() + 1);
            return Program.of(new Kernel(), new Actor("a", inc), new Actor("b", inc));
        };
        Result r = new Execution(lostUpdate.get(), new RandomWalk(42), Config.DEFAULT.withTrace(true)).run();
        System.out.println(r.outcome() + " [" + r.schedule() + "]\n" + TraceRecorder.columns(r.trace(), r.actors()));
        Result same = new Execution(lostUpdate.get(), Replay.of(r.schedule().toString()), Config.DEFAULT).run();
        Bounded b = new Bounded(2);
        Explorer.Summary s = Explorer.explore(lostUpdate, b, Config.DEFAULT, 100_000, Result::finished);

        assertEquals(r.schedule(), same.schedule());
        assertTrue(s.exhausted());
        assertFalse(s.stopped());
        assertEquals(6, b.schedules());
        assertEquals(6, s.executions());
    }
}
