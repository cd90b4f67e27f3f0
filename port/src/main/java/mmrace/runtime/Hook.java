package mmrace.runtime;

/**
 * How a scheduler takes control of the port. Each method has exactly one call site:
 * {@link #point}, {@link #block} and {@link #spin} in {@link Task} (every runtime primitive goes
 * through {@link Task#point}, every wait through {@link Task#waitUntil}, every retry loop through
 * {@link Task#spin}); {@link #note} and {@link #tracepoint} in {@link Trace}; {@link #probe} in
 * {@link Probes}; {@link #report} in {@link Reports}. With no hook installed (real threads,
 * JCStress) the port runs free.
 */
public interface Hook {
    /** Before a shared access ({@code arg}: an index or operand, 0 if none): the scheduler may run other tasks first. */
    void point(Task t, Access op, Shared obj, long arg);

    /**
     * {@code t} cannot go on until {@code w.ready()}: the scheduler runs others and returns
     * when {@code w} may have become ready (it is re-checked by the caller).
     */
    void block(Task t, Waiter w);

    /** {@code t} is in a retry loop that only other tasks can end: run them first. */
    void spin(Task t, String why);

    /** A trace line in kernel words, from port code (printk-like; only formatted if traced). */
    void note(Task t, String fmt, Object[] args);

    /** A tracepoint the oracle listens to (layout changes, reads beginning and ending). */
    void tracepoint(Task t, Tracepoint tp, Object a, long b);

    /** A coverage probe at a kernel branch (see {@link Probes}). */
    void probe(Task t, int id);

    /** A report (KASAN, lockdep, WARN, BUG) was filed. */
    default void report(Task t, Report r) {}
}
