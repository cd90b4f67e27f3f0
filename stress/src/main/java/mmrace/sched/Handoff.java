package mmrace.sched;

import static mmrace.sched.Abort.ABORT;
import static mmrace.sched.Execution.ABORTED;
import static mmrace.sched.Execution.END;
import static mmrace.sched.Execution.FINISHED;

import mmrace.runtime.Task;

/**
 * How control passes between the actors of an {@link Execution}: exactly one runs at a time. An
 * actor that reaches an event asks the execution who goes next ({@link Execution#decide}); if
 * another actor, control goes to it and this one waits until chosen again ({@link #reschedule}).
 * Before the first decision the actors start one after the other, each running to its first event
 * ({@link #prerun}). An aborted execution unwinds actor by actor ({@link #abortChain}), then
 * control returns to the driver, the thread that called {@link Execution#run}.
 *
 * <p>Two ways to pass control, with the same steps, decisions and events:
 * {@link ContinuationHandoff} (every actor a continuation on the driver's own thread; a switch is a
 * yield to the driver and a resume of the next actor, a fraction of a microsecond) when the JDK's
 * continuations are open to us, else {@link ThreadHandoff} (every actor a virtual thread; a switch
 * is an unpark and a park). {@code -Dmmrace.handoff=threads} chooses the second.
 */
abstract class Handoff {
    static final int DRIVER = -1;
    /** Actors as continuations (else virtual threads); tests switch it to run both. */
    static volatile boolean continuations = Continuations.AVAILABLE && !"threads".equals(System.getProperty("mmrace.handoff"));

    /** What became of an actor's carrier once the execution ended (for tests). */
    enum Life { NEVER_STARTED, ENDED, ALIVE }

    final Execution x;
    final int n;
    final byte[] state;
    final boolean[] started;
    /** The actors are starting, each running to its first event before the next starts; no decision yet. */
    boolean prerun;

    Handoff(Execution x, int n, byte[] state) {
        this.x = x;
        this.n = n;
        this.state = state;
        this.started = new boolean[n];
    }

    static Handoff of(Execution x, int n, byte[] state) {
        return continuations ? new ContinuationHandoff(x, n, state) : new ThreadHandoff(x, n, state);
    }

    /** On the driver: runs the actors from the start to the end of the execution. */
    abstract void runActors();

    /** Starts actor {@code a}, which runs to its first event (prerun). */
    abstract void start(int a);

    /** Control goes to actor {@code a}, which was waiting at an event. */
    abstract void switchTo(int a);

    /** Actor {@code me} waits until control comes back to it; throws {@link Abort} if the execution was aborted. */
    abstract void awaitTurn(int me);

    /** Control goes back to the driver: the execution is over. */
    abstract void handToDriver();

    /** Whether {@link Execution#run} must be called on a virtual thread. */
    abstract boolean needsVirtualDriver();

    abstract Life life(int actor);

    /** An actor's whole life: its body, the return to user space, and handing control on. */
    final void actorMain(int i) {
        Task t = x.task(i);
        t.bind();
        if (x.listeners.all.length != 0)
            x.listeners.actorStart(x.step, i);
        Throwable thrown = null;
        if (!x.aborted) {
            try {
                x.body(i).run();
            } catch (Abort a) {
                // unwound
            } catch (Throwable e) {
                thrown = e;
            }
        }
        if (!x.aborted)
            x.cleanup.returnToUser(i, t, thrown);
        t.exited = true;
        state[i] = FINISHED;
        x.finished++;
        if (!x.aborted && x.listeners.all.length != 0) {
            Throwable th = thrown;
            x.listeners.actorFinish(x.step, i, th);
        }
        if (x.aborted)
            abortChain();
        else
            reschedule(i);
    }

    /**
     * Actor {@code me} has reached an event (its state says which) and gives up control: picks who
     * goes next and, if not itself, hands over and waits until chosen again. Returns when {@code me}
     * may go on (or, if {@code me} finished, once control is handed on: its body then ends).
     * Throws {@link Abort} when the execution was aborted.
     */
    final void reschedule(int me) {
        if (prerun) {
            int nx = me + 1;
            if (nx < n) {
                started[nx] = true;
                start(nx);
                if (state[me] != FINISHED)
                    awaitTurn(me);
                return;
            }
            prerun = false;
        }
        int next = x.decide();
        if (next == me)
            return;
        if (next == END) {
            x.cleanup.runCleanup();
            handToDriver();
            return;
        }
        if (next == ABORTED) {
            if (state[me] != FINISHED)
                throw ABORT;
            abortChain();
            return;
        }
        switchTo(next);
        if (state[me] != FINISHED)
            awaitTurn(me);
    }

    /** In an aborted execution, called by an actor that finished: the next actor unwinds, or the driver goes on. */
    final void abortChain() {
        for (int i = 0; i < n; i++) {
            if (state[i] == FINISHED)
                continue;
            if (!started[i]) {
                state[i] = FINISHED;
                continue;
            }
            switchTo(i);
            return;
        }
        handToDriver();
    }
}
