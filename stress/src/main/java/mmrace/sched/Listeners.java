package mmrace.sched;

import java.util.Arrays;

/**
 * The listener fan-out of one {@link Execution}: the {@link ExecutionListener}s added before it
 * runs (and its {@link TraceRecorder} when it traces), and delivery of one event to each in the
 * order they were added. A listener that throws fails the execution
 * ({@link ExecutionListener}: listeners must not throw); an {@link Abort} passing through a
 * listener goes on unwinding.
 */
final class Listeners {
    private static final ExecutionListener[] NONE = {};

    private final Execution x;
    /** Read by the hook on every point: no copy, no iterator. */
    ExecutionListener[] all = NONE;

    Listeners(Execution x) {
        this.x = x;
    }

    void add(ExecutionListener l) {
        all = Arrays.copyOf(all, all.length + 1);
        all[all.length - 1] = l;
    }

    /** One event, as delivered to one listener. */
    interface Event {
        void to(ExecutionListener l);
    }

    void fire(Event e) {
        try {
            for (ExecutionListener l : all)
                e.to(l);
        } catch (RuntimeException | Error t) {
            if (t instanceof Abort)
                throw t;
            x.fail(t);
        }
    }
}
