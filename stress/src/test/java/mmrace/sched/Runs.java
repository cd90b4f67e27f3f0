package mmrace.sched;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import mmrace.runtime.Report;

/** Small helpers shared by the scheduler tests. */
final class Runs {
    private Runs() {}

    /** Runs one execution of {@code p}. */
    static Result once(Program p, Strategy s) {
        return new Execution(p, s, Config.DEFAULT).run();
    }

    static Result once(Program p, Strategy s, Config c) {
        return new Execution(p, s, c).run();
    }

    /** Runs one execution and checks that no actor thread is left alive afterwards. */
    static Result onceNoLeak(Program p, Strategy s, Config c) {
        Execution e = new Execution(p, s, c);
        Result r = e.run();
        assertNoLiveThreads(e);
        return r;
    }

    static void assertNoLiveThreads(Execution e) {
        List<Thread> ts = e.threads();
        assertEquals(e.actorCount(), ts.size(), "one thread per actor");
        for (Thread t : ts) {
            assertFalse(t.isAlive(), "actor thread still alive: " + t);
            assertEquals(Thread.State.TERMINATED, t.getState());
        }
    }

    static List<Report> reportsTitled(Result r, String title) {
        return r.reports().stream().filter(x -> x.title().equals(title)).toList();
    }
}
