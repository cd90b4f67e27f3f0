package mmrace.sched;

import static mmrace.sched.Abort.ABORT;

import mmrace.runtime.Task;

/**
 * {@link Handoff} on one thread: every actor's body runs in a continuation of its own, on the
 * driver's thread. The driver runs the actor that {@link #next} names until it yields (it is waiting
 * at an event and chose another actor, whose index it left in {@code next}) or its body returns
 * (having left the next actor's index, or DRIVER at the end). A switch costs one yield and one
 * resume; no thread is parked, unparked or scheduled, and {@link Execution#run} may be called from
 * any thread. Each resume binds the actor's task ({@code Task.current}) to the thread first.
 */
final class ContinuationHandoff extends Handoff {
    private final Object[] conts;
    /** The actor the driver runs next, or DRIVER: set by the running actor before it yields or returns. */
    private int next = DRIVER;

    ContinuationHandoff(Execution x, int n, byte[] state) {
        super(x, n, state);
        this.conts = new Object[n];
    }

    @Override
    boolean needsVirtualDriver() {
        return false;
    }

    @Override
    void runActors() {
        Task previous = Task.currentOrNull();
        for (int i = 0; i < n; i++) {
            final int a = i;
            conts[i] = Continuations.create(() -> actorMain(a));
        }
        prerun = true;
        started[0] = true;
        next = 0;
        try {
            while (next != DRIVER) {
                int a = next;
                next = DRIVER;
                x.task(a).bind();
                Continuations.run(conts[a]);
            }
        } finally {
            Task.unbind();
            if (previous != null)
                previous.bind();
        }
    }

    @Override
    void start(int a) {
        next = a;
    }

    @Override
    void switchTo(int a) {
        next = a;
    }

    @Override
    void awaitTurn(int me) {
        try {
            Continuations.yieldNow();
        } catch (IllegalStateException e) { // pinned: a monitor or a native frame on the stack
            x.fail(new IllegalStateException(x.actorName(me) + " cannot give up control here", e));
        }
        if (x.aborted)
            throw ABORT;
    }

    @Override
    void handToDriver() {
        next = DRIVER;
    }

    @Override
    Life life(int actor) {
        return !started[actor] ? Life.NEVER_STARTED : Continuations.isDone(conts[actor]) ? Life.ENDED : Life.ALIVE;
    }
}
