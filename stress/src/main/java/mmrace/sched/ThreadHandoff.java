package mmrace.sched;

import static mmrace.sched.Abort.ABORT;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.locks.LockSupport;

/**
 * {@link Handoff} between virtual threads, one per actor: {@link #owner} says which thread may
 * run; a switch sets it, unparks that thread and parks until chosen again. The driver (a virtual
 * thread too, so that every hand-off is virtual to virtual: run with
 * {@code -Djdk.virtualThreadScheduler.parallelism=1}) starts the first actor and waits until
 * control comes back and every actor thread has ended.
 */
final class ThreadHandoff extends Handoff {
    private static final ThreadFactory ACTOR_THREADS = Thread.ofVirtual().name("mmrace-actor").factory();

    private final Thread[] threads;
    private Thread driver;
    /** Which thread may run: an actor index, or DRIVER. The one volatile of the hand-off. */
    private volatile int owner = DRIVER;

    ThreadHandoff(Execution x, int n, byte[] state) {
        super(x, n, state);
        this.threads = new Thread[n];
    }

    @Override
    boolean needsVirtualDriver() {
        return true;
    }

    @Override
    void runActors() {
        driver = Thread.currentThread();
        for (int i = 0; i < n; i++) {
            final int a = i;
            threads[i] = ACTOR_THREADS.newThread(() -> actorMain(a));
        }
        prerun = true;
        owner = 0;
        started[0] = true;
        threads[0].start();
        while (owner != DRIVER)
            LockSupport.park(x);
        boolean interrupted = false;
        for (int i = 0; i < n; i++) {
            Thread t = threads[i];
            while (started[i]) {
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

    @Override
    void start(int a) {
        owner = a;
        threads[a].start();
    }

    @Override
    void switchTo(int a) {
        owner = a;
        LockSupport.unpark(threads[a]);
    }

    @Override
    void awaitTurn(int me) {
        while (owner != me)
            LockSupport.park(x);
        if (x.aborted)
            throw ABORT;
    }

    @Override
    void handToDriver() {
        owner = DRIVER;
        LockSupport.unpark(driver);
    }

    @Override
    Life life(int actor) {
        Thread t = threads[actor];
        return t == null || t.getState() == Thread.State.NEW ? Life.NEVER_STARTED
                : t.getState() == Thread.State.TERMINATED ? Life.ENDED : Life.ALIVE;
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
}
