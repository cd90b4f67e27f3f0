package mmrace.runtime;

/** KASAN-like reports (mm/kasan/report.c): an access to memory that is not allocated. */
public final class Kasan {
    private Kasan() {}

    static void useAfterFree(Task t, Shared s, boolean write) {
        t.kernel.reports.file(t, Report.Kind.KASAN, "use-after-free " + (write ? "write" : "read") + " of " + s.field.name,
                s.name() + " in freed " + s.owner.name());
    }

    /** An access through a pfn that is not a valid, allocated page. */
    public static void badAccess(Task t, String what) {
        t.kernel.reports.file(t, Report.Kind.KASAN, "wild-memory-access", what);
    }
}
