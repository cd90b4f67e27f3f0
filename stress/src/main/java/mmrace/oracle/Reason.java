package mmrace.oracle;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reason codes of verdicts, each tied to the rule it comes from (PORT_SPEC section 5: F1-F9
 * forbidden, A1-A9 acceptable).
 */
public final class Reason {
    private Reason() {}

    public static final String OK = "ok";

    // forbidden
    /** F1: no single instant during the read held every byte it returned (layout-consistency). */
    public static final String TORN_READ = "torn-read";
    /** F2: KASAN report, or bytes of freed (poisoned) memory returned. */
    public static final String FREED_MEMORY = "freed-memory";
    /** F3: bytes from a mapping no state during the read allowed this caller to read. */
    public static final String PERMISSION_BYPASS = "permission-bypass";
    /** F4: a lock, RCU section or disabled interrupts still held at return to user space. */
    public static final String LOCK_LEAK = "lock-leak";
    /** F5: a reference count (vm_refcnt, folio refcount) not back at its expected value; a leaked object. */
    public static final String REFCOUNT_LEAK = "refcount-leak";
    /** F6: no task can run and some have not finished. */
    public static final String DEADLOCK = "deadlock";
    /** F6 (livelock form): the step bound was reached. */
    public static final String LIVELOCK = "livelock";
    /** A kernel assertion (WARN, lockdep assertion, BUG) fired. */
    public static final String KERNEL_ASSERTION = "kernel-assertion";
    /** A Java exception escaped port code. */
    public static final String JAVA_EXCEPTION = "java-exception";
    /** An operation returned, and an address does not hold what the completed operations leave there. */
    public static final String CONTRACT = "contract";
    /** The oracle cannot explain the outcome: class needs-triage, its own limit and not a kernel rule. */
    public static final String UNEXPLAINED = "unexplained";

    // interesting
    /** A7: the fast path fell back to the mmap_lock path. */
    public static final String FAST_FALLBACK = "fast-fallback";
    /** The read saw more than one layout generation, yet one instant explains every byte. */
    public static final String MULTI_LAYOUT = "multi-layout";
    /** A3: a short read because a concurrent munmap, mremap, mprotect or mmap made the rest unreadable. */
    public static final String SHORT_READ = "short-read";
    /** A5/A6: page contents from different instants of one layout (DONTNEED, a user write). */
    public static final String CONTENT_MIX = "content-mix";
    /** A8: lock_vma_under_rcu retried on a detached VMA. */
    public static final String VMA_LOCK_RETRY = "vma-lock-retry";
    /** The slow path's one layout break: expand_stack dropped mmap_lock inside the read. */
    public static final String STACK_LOCK_DROP = "stack-lock-drop";
    /** Bytes of a folio the read took while it was mapped, copied after the address was given another (COW). */
    public static final String PINNED_FOLIO = "pinned-folio";

    private static final Map<String, String> WHY = new LinkedHashMap<>();
    static {
        WHY.put(TORN_READ, "F1: returned bytes combine two address-space layouts (PORT_SPEC 4.3, 5.1)");
        WHY.put(FREED_MEMORY, "F2: use-after-free or type-confused data (PORT_SPEC 5.1)");
        WHY.put(PERMISSION_BYPASS, "F3: data from a mapping the caller may not read (check_vma_flags)");
        WHY.put(LOCK_LEAK, "F4: lock, RCU section or irqs-off leaked (PORT_SPEC 5.1)");
        WHY.put(REFCOUNT_LEAK, "F5: reference count not restored, or object leaked (PORT_SPEC 5.1)");
        WHY.put(DEADLOCK, "F6: deadlock (PORT_SPEC 5.1)");
        WHY.put(LIVELOCK, "F6: no progress within the step bound");
        WHY.put(KERNEL_ASSERTION, "a kernel assertion failed (WARN, lockdep, BUG)");
        WHY.put(JAVA_EXCEPTION, "a Java exception escaped the port");
        WHY.put(CONTRACT, "a completed mmap, munmap, mremap, mprotect, DONTNEED or store did not leave what it must (lost effect)");
        WHY.put(UNEXPLAINED, "needs triage: the oracle cannot explain the outcome (its own limit, not a kernel rule)");
        WHY.put(FAST_FALLBACK, "A7: the fast path fell back to the mmap_lock path");
        WHY.put(MULTI_LAYOUT, "the read spanned layout changes but one instant explains it");
        WHY.put(SHORT_READ, "A3: short read: a concurrent change made the rest unreadable");
        WHY.put(CONTENT_MIX, "A5/A6: page contents from different instants of one layout");
        WHY.put(VMA_LOCK_RETRY, "A8: lock_vma_under_rcu retried on a detached VMA");
        WHY.put(STACK_LOCK_DROP, "expand_stack dropped mmap_lock inside the read (slow path)");
        WHY.put(PINNED_FOLIO, "bytes of a folio mapped at the address when the read took it, as it held them at the copy");
        WHY.put(OK, "the slow path could have returned this");
    }

    /** What a reason code means and which rule it comes from. */
    public static String why(String code) {
        return WHY.getOrDefault(code, code);
    }

    public static Map<String, String> all() {
        return WHY;
    }
}
