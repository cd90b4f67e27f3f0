package mmrace.sched;

import java.util.Arrays;
import mmrace.runtime.Access;
import mmrace.runtime.Report;
import mmrace.runtime.Shared;
import mmrace.runtime.Tracepoint;
import mmrace.runtime.Waiter;

/**
 * The listener fan-out of one {@link Execution}: the {@link ExecutionListener}s added before it
 * runs (and its {@link TraceRecorder} when it traces), and delivery of one event to each in the
 * order they were added, with no allocation per event. A listener that throws fails the execution
 * ({@link ExecutionListener}: listeners must not throw); an {@link Abort} passing through a
 * listener goes on unwinding.
 */
final class Listeners {
    private static final ExecutionListener[] NONE = {};

    private final Execution x;
    /** Read by the hook on every event: no copy, no iterator. */
    ExecutionListener[] all = NONE;

    Listeners(Execution x) {
        this.x = x;
    }

    void add(ExecutionListener l) {
        all = Arrays.copyOf(all, all.length + 1);
        all[all.length - 1] = l;
    }

    /** A listener threw: the execution fails (an Abort goes on unwinding). */
    private void failed(Throwable t) {
        if (t instanceof Abort a)
            throw a;
        x.fail(t);
    }

    void actorStart(long step, int actor) {
        try {
            for (ExecutionListener l : all)
                l.actorStart(step, actor);
        } catch (RuntimeException | Error t) {
            failed(t);
        }
    }

    void actorFinish(long step, int actor, Throwable thrown) {
        try {
            for (ExecutionListener l : all)
                l.actorFinish(step, actor, thrown);
        } catch (RuntimeException | Error t) {
            failed(t);
        }
    }

    void block(long step, int actor, Waiter w) {
        try {
            for (ExecutionListener l : all)
                l.block(step, actor, w);
        } catch (RuntimeException | Error t) {
            failed(t);
        }
    }

    void spin(long step, int actor, String why) {
        try {
            for (ExecutionListener l : all)
                l.spin(step, actor, why);
        } catch (RuntimeException | Error t) {
            failed(t);
        }
    }

    void note(long step, int actor, String fmt, Object[] args) {
        try {
            for (ExecutionListener l : all)
                l.note(step, actor, fmt, args);
        } catch (RuntimeException | Error t) {
            failed(t);
        }
    }

    void tracepoint(long step, int actor, Tracepoint tp, Object a, long b) {
        try {
            for (ExecutionListener l : all)
                l.tracepoint(step, actor, tp, a, b);
        } catch (RuntimeException | Error t) {
            failed(t);
        }
    }

    void probe(long step, int actor, int id) {
        try {
            for (ExecutionListener l : all)
                l.probe(step, actor, id);
        } catch (RuntimeException | Error t) {
            failed(t);
        }
    }

    void report(long step, int actor, Report r) {
        try {
            for (ExecutionListener l : all)
                l.report(step, actor, r);
        } catch (RuntimeException | Error t) {
            failed(t);
        }
    }
}
