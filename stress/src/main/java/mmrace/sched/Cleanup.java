package mmrace.sched;

import static mmrace.sched.Execution.FINISHED;

import java.io.PrintWriter;
import java.io.StringWriter;
import mmrace.runtime.Kernel;
import mmrace.runtime.Report;
import mmrace.runtime.Task;

/**
 * What an {@link Execution} runs after port code: at the end of each actor's body, what the
 * kernel does on the way back to user space ({@code lockdep.checkReturnToUser}: no lock held, no
 * RCU read section open; {@code rcu.runReadyCallbacks}), with a Throwable out of the body filed as
 * a BUG report "Java exception in port code"; and after every actor finished, the cleanup task
 * "kthread" ({@link Actor#KTHREAD}, index {@link Execution#actorCount()}) running
 * {@code rcu.barrier()}. None of it runs in an aborted execution.
 */
final class Cleanup {
    private final Execution x;
    private final Kernel kernel;
    private final String[] names;

    Cleanup(Execution x, Kernel kernel, String[] names) {
        this.x = x;
        this.kernel = kernel;
        this.names = names;
    }

    /** Actor {@code i}'s body returned, or threw {@code thrown}: report that, and check what the return to user space checks. */
    void returnToUser(int i, Task t, Throwable thrown) {
        try {
            if (thrown != null)
                kernel.reports.file(t, Report.Kind.BUG, "Java exception in port code", names[i] + ": " + stackTrace(thrown));
            kernel.lockdep.checkReturnToUser(t);
            kernel.rcu.runReadyCallbacks(t);
        } catch (Abort a) {
            // unwound
        } catch (Throwable e) {
            if (!x.aborted)
                kernel.reports.file(t, Report.Kind.BUG, "Java exception in port code", names[i] + " (at return to user): " + stackTrace(e));
        }
    }

    /** kthread's rcu_barrier(), on the thread of the last actor to finish; a wait it cannot end aborts the execution. */
    void runCleanup() {
        int n = x.n;
        x.current = n;
        Task k = x.task(n);
        k.bind();
        try {
            kernel.rcu.barrier();
        } catch (Abort a) {
            // deadlock or livelock in the cleanup: outcome already set
        } catch (Throwable e) {
            if (!x.aborted)
                kernel.reports.file(k, Report.Kind.BUG, "Java exception in port code", Actor.KTHREAD + " (rcu_barrier): " + stackTrace(e));
        }
        k.exited = true;
        x.state[n] = FINISHED;
    }

    private static String stackTrace(Throwable e) {
        StringWriter w = new StringWriter();
        e.printStackTrace(new PrintWriter(w));
        return w.toString().stripTrailing();
    }
}
