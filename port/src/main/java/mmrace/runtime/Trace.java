package mmrace.runtime;

/** printk-like trace lines and tracepoints from port code; free when nobody listens. */
public final class Trace {
    private Trace() {}

    /** A trace line in kernel words: {@code Trace.note("lock_vma_under_rcu(%#x) -> %s", addr, vma)}. */
    public static void note(String fmt, Object... args) {
        Task t = Task.current();
        if (t.hook != null)
            t.hook.note(t, fmt, args);
    }

    public static void tracepoint(Tracepoint tp, Object a, long b) {
        Task t = Task.current();
        if (t.hook != null)
            t.hook.tracepoint(t, tp, a, b);
    }
}
