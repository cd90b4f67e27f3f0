package mmrace.runtime;

/**
 * A sanitizer or assertion report: what the kernel would print to dmesg. Every report is a
 * failed kernel assertion for the oracle (forbidden), with the step and task it happened at.
 */
public record Report(Kind kind, String title, String detail, String task, long step) {
    public enum Kind {
        /** KASAN: use-after-free or out-of-bounds access. */
        KASAN,
        /** lockdep: assertion failed, bad unlock, inversion, lock held at return to user. */
        LOCKDEP,
        /** WARN_ON / VM_WARN_ON fired. */
        WARN,
        /** BUG(): sleeping in atomic context, bad page state, a Java exception in port code. */
        BUG,
    }

    @Override
    public String toString() {
        return kind + ": " + title + (detail.isEmpty() ? "" : " (" + detail + ")") + " [" + task + ", step " + step + "]";
    }
}
