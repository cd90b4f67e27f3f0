package mmrace.sched;

import static mmrace.sched.Abort.ABORT;
import static mmrace.sched.Execution.ABORTED;
import static mmrace.sched.Execution.END;
import static mmrace.sched.Execution.FINISHED;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.locks.LockSupport;
import mmrace.runtime.Task;

/**
 * The actor threads of an {@link Execution} and the hand-off of control between them. Each actor
 * runs on its own virtual thread; {@link #owner} says which thread may run. An actor that reaches
 * an event asks the execution who goes next ({@link Execution#decide}); if another actor, it sets
 * {@code owner}, unparks that thread and parks until chosen again ({@link #reschedule}). Before
 * the first decision the actors start one after the other, each running to its first event
 * ({@link #prerun}). An aborted execution unwinds actor by actor ({@link #abortChain}); the last
 * thread hands control back to the driver, the thread that called {@link Execution#run}.
 */
final class Handoff {
    static final int DRIVER = -1;
    private static final ThreadFactory ACTOR_THREADS = Thread.ofVirtual().name("mmrace-actor").factory();

    private final Execution x;
    private final int n;
    private final byte[] state;
    final Thread[] threads;
    private final boolean[] threadStarted;
    private Thread driver;
    /** Which thread may run: an actor index, or DRIVER. The one volatile of the hand-off. */
    private volatile int owner = DRIVER;
    /** The actors are starting, each running to its first event before the next starts; no decision yet. */
    boolean prerun;

    Handoff(Execution x, int n, byte[] state) {
        this.x = x;
        this.n = n;
        this.state = state;
        this.threads = new Thread[n];
        this.threadStarted = new boolean[n];
    }

    /** On the driver: starts the actors, waits until control comes back and every actor thread has ended. */
    void runActors() {
        driver = Thread.currentThread();
        for (int i = 0; i < n; i++) {
            final int a = i;
            threads[i] = ACTOR_THREADS.newThread(() -> actorMain(a));
        }
        prerun = true;
        owner = 0;
        threadStarted[0] = true;
        threads[0].start();
        while (owner != DRIVER)
            LockSupport.park(x);
        boolean interrupted = false;
        for (int i = 0; i < n; i++) {
            Thread t = threads[i];
            while (threadStarted[i]) {
                try {
                    t.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted)
            Thread.currentThread().interrupt();
    }

    /** Runs {@code body} on a fresh virtual thread and waits for it (a platform caller's entry). */
    static <T> T inVirtualThread(java.util.function.Supplier<T> body) {
        Object[] out = new Object[1];
        Throwable[] err = new Throwable[1];
        Thread t = Thread.ofVirtual().name("mmrace-driver").start(() -> {
            try {
                out[0] = body.get();
            } catch (Throwable e) {
                err[0] = e;
            }
        });
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted)
            Thread.currentThread().interrupt();
        if (err[0] instanceof RuntimeException re)
            throw re;
        if (err[0] instanceof Error er)
            throw er;
        if (err[0] != null)
            throw new IllegalStateException(err[0]);
        @SuppressWarnings("unchecked")
        T r = (T) out[0];
        return r;
    }

    // ------------------------------------------------------------------ actors

    private void actorMain(int i) {
        Task t = x.task(i);
        t.bind();
        if (x.listeners.all.length != 0)
            x.listeners.fire(l -> l.actorStart(x.step, i));
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
        if (!x.aborted && x.listeners.all.length != 0) {
            Throwable th = thrown;
            x.listeners.fire(l -> l.actorFinish(x.step, i, th));
        }
        if (x.aborted)
            abortChain();
        else
            reschedule(i);
    }

    /**
     * Actor {@code me} has reached an event (its state says which) and gives up control: picks who
     * goes next and, if not itself, hands over and parks until chosen again. Returns when {@code me}
     * may go on (or, if {@code me} finished, once control is handed on: its thread then ends).
     * Throws {@link Abort} when the execution was aborted.
     */
    void reschedule(int me) {
        if (prerun) {
            int nx = me + 1;
            if (nx < n) {
                owner = nx;
                threadStarted[nx] = true;
                threads[nx].start();
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
        owner = next;
        LockSupport.unpark(threads[next]);
        if (state[me] != FINISHED)
            awaitTurn(me);
    }

    private void awaitTurn(int me) {
        while (owner != me)
            LockSupport.park(x);
        if (x.aborted)
            throw ABORT;
    }

    private void handToDriver() {
        owner = DRIVER;
        LockSupport.unpark(driver);
    }

    /** In an aborted execution, called by a thread whose actor finished: wake the next actor to unwind, or the driver. */
    private void abortChain() {
        for (int i = 0; i < n; i++) {
            if (state[i] == FINISHED)
                continue;
            if (!threadStarted[i]) {
                state[i] = FINISHED;
                continue;
            }
            owner = i;
            LockSupport.unpark(threads[i]);
            return;
        }
        handToDriver();
    }
}
