package mmrace.runtime;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Helpers for the tests that run the port on real threads (no scheduler), so that a hang or a
 * wait that never happened fails the test instead of passing it.
 */
public final class TestThreads {
    private TestThreads() {}

    /**
     * Joins every thread within {@code limit} (all together); a thread still alive then fails the
     * test with the stack trace of each thread still running (where it hangs).
     */
    public static void joinOrFail(List<Thread> threads, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        for (Thread t : threads)
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        StringBuilder dump = new StringBuilder();
        for (Thread t : threads)
            if (t.isAlive()) {
                dump.append('"').append(t.getName()).append("\" ").append(t.getState()).append('\n');
                for (StackTraceElement e : t.getStackTrace())
                    dump.append("    at ").append(e).append('\n');
            }
        if (!dump.isEmpty())
            fail("still running after " + limit.toSeconds() + " s (a hang):\n" + dump);
    }

    /**
     * Waits (up to {@code limit}) until {@code t} waits in {@link Task#waitUntil} (a blocked
     * primitive on a real thread: a lock, a grace period, an IPI). True once it does; false if it
     * ended, or never got there, first.
     */
    public static boolean awaitWaiting(Thread t, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (t.isAlive() && System.nanoTime() - deadline < 0) {
            for (StackTraceElement e : t.getStackTrace())
                if (e.getClassName().equals(Task.class.getName()) && e.getMethodName().equals("waitUntil"))
                    return true;
            Thread.onSpinWait();
        }
        return false;
    }
}
