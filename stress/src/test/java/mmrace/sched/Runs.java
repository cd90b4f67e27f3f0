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

    /** Runs one execution and checks that no actor (thread or continuation) is left alive afterwards. */
    static Result onceNoLeak(Program p, Strategy s, Config c) {
        Execution e = new Execution(p, s, c);
        Result r = e.run();
        assertNoLiveThreads(e);
        return r;
    }

    static void assertNoLiveThreads(Execution e) {
        for (int i = 0; i < e.actorCount(); i++)
            assertFalse(e.life(i) == Handoff.Life.ALIVE, "actor " + e.actorName(i) + " still alive after the execution");
    }

    static List<Report> reportsTitled(Result r, String title) {
        return r.reports().stream().filter(x -> x.title().equals(title)).toList();
    }
}
