package mmrace.oracle;

import static mmrace.oracle.Verdict.Cls.ACCEPTABLE;
import static mmrace.oracle.Verdict.Cls.FORBIDDEN;
import static mmrace.oracle.Verdict.Cls.INTERESTING;
import static mmrace.oracle.Verdict.Cls.NEEDS_TRIAGE;

/**
 * Why a verdict is what it is: each reason has its code (as scenario files' {@code expect} lines
 * and every output write it), the class of verdict it gives, and the rule it comes from, with the
 * kernel code that rule rests on. The rule labels (F1-F11 forbidden, A1-A10 acceptable, W1-W3 remote writes) are those of
 * docs/ORACLE.md. {@link #toString()} is the code.
 */
public enum Reason {
    // forbidden
    TORN_READ("torn-read", FORBIDDEN,
            "F1: no single instant of the read holds every byte it returned; the slow path, __access_remote_vm (mm/memory.c),"
                    + " holds mmap_read_lock across the whole copy, so its bytes always come from one layout"),
    FREED_MEMORY("freed-memory", FORBIDDEN,
            "F2: freed memory used: a KASAN report, freed memory's poison returned, or a freed object still reachable"
                    + " (VMAs are SLAB_TYPESAFE_BY_RCU, mm/vma_init.c; folio_walk_start's folio is not referenced, mm/pagewalk.c)"),
    PERMISSION_BYPASS("permission-bypass", FORBIDDEN,
            "F3: bytes from a mapping the caller may not read (check_vma_flags, mm/gup.c)"),
    LOCK_LEAK("lock-leak", FORBIDDEN,
            "F4: a lock, RCU read section or disabled interrupts still held at return to user space"
                    + " (vma_start_read, lock_vma_under_rcu: mm/mmap_lock.c)"),
    REFCOUNT_LEAK("refcount-leak", FORBIDDEN,
            "F5: a reference count not back where it started (vm_refcnt, mm/mmap_lock.c; folio_release_kmap once per page"
                    + " in __access_remote_vm, mm/memory.c), or an object leaked"),
    DEADLOCK("deadlock", FORBIDDEN,
            "F6: no task can run and some have not finished (vma_start_write waits for readers with mmap_lock held for"
                    + " writing, mm/mmap_lock.c; a TLB shootdown waits for every CPU of the mm, arch/x86/mm/tlb.c)"),
    LIVELOCK("livelock", FORBIDDEN,
            "F6: no progress: every running task repeats the same accesses with nothing changing (a retry loop"
                    + " nobody can end), or keeps spinning while no other task can run"),
    KERNEL_ASSERTION("kernel-assertion", FORBIDDEN,
            "F8, and any other WARN, BUG or lockdep assertion (mmap_assert_locked, vma_assert_write_locked, lock order)"),
    JAVA_EXCEPTION("java-exception", FORBIDDEN,
            "a Java exception escaped port code: a bug of the port, never a kernel outcome"),
    COW_LEAK("cow-leak", FORBIDDEN,
            "F10: a store by one process reached a private anonymous page another process maps: after fork the"
                    + " shared page is write-protected in both and the first store copies it (copy_present_ptes,"
                    + " wp_page_copy: mm/memory.c); dup_mmap write-locks the parent's VMAs so no fault copies a page"
                    + " a store is still going into (mm/mmap.c, fb49c455323f)"),
    CONTRACT("contract", FORBIDDEN,
            "F11: an operation returned, and an address does not read what the completed mmap, munmap, mremap, mprotect,"
                    + " madvise(MADV_DONTNEED), store or remote write leave there: a lost effect (madvise_dontneed_single_vma zaps the"
                    + " whole range, mm/madvise.c; move_vma moves the contents with the mapping, mm/mremap.c)"),

    // needs triage
    UNEXPLAINED("unexplained", NEEDS_TRIAGE,
            "the oracle cannot explain the outcome (bytes never in the range, a short read where the next address stayed"
                    + " readable, a read or remote write that never returned): the oracle's own limit, not a kernel rule, until a person"
                    + " has read the trace"),

    // interesting
    FAST_FALLBACK("fast-fallback", INTERESTING,
            "A7: the fast path fell back to mmap_lock (lock_vma_under_rcu returned NULL, mm/mmap_lock.c, or folio_walk_start"
                    + " found nothing present, mm/pagewalk.c)"),
    MULTI_LAYOUT("multi-layout", INTERESTING,
            "the read saw more than one layout, yet one instant explains every byte (a neighbour replaced between two VMA locks)"),
    SHORT_READ("short-read", INTERESTING,
            "A3: a read cut short because a concurrent munmap, mremap, mprotect or mmap made the rest unreadable"
                    + " (vms_gather_munmap_vmas, mm/vma.c)"),
    CONTENT_MIX("content-mix", INTERESTING,
            "A5, A6: page contents from different instants of one layout (MADV_DONTNEED under a VMA read lock, get_lock_mode"
                    + " in mm/madvise.c; a store by another thread)"),
    PINNED_FOLIO("pinned-folio", INTERESTING,
            "A10: a page copied from the folio the read took while it was mapped readable there, as that folio held it at"
                    + " the copy, after a COW gave the address another folio (the reference try_grab_folio takes for"
                    + " get_user_pages_remote, mm/gup.c, outlives the PTE that wp_page_copy replaces, mm/memory.c)"),
    VMA_LOCK_RETRY("vma-lock-retry", INTERESTING,
            "A8: lock_vma_under_rcu (mm/mmap_lock.c) retried on a VMA a writer had detached but not yet removed from the tree"),
    STACK_LOCK_DROP("stack-lock-drop", INTERESTING,
            "expand_stack (mm/mmap.c) dropped mmap_lock inside the slow path's read: its one layout break"),

    // no verdict
    MODEL_LIMIT("model-limit", Verdict.Cls.LIMIT,
            "no verdict: the execution reached a limit of the model (its step bound, its memory) while the tasks were"
                    + " still making progress; the scenario is longer or bigger than the model runs, not a kernel outcome"),

    // acceptable
    OK("ok", ACCEPTABLE,
            "A1, A2, A4: what __access_remote_vm (mm/memory.c) could have returned under mmap_read_lock: the bytes of one"
                    + " instant, possibly short, zeros from memory never written"),

    // remote writes (access_remote_vm with FOLL_WRITE: WriteJudge)
    COW_BYPASS("cow-bypass", FORBIDDEN,
            "W1: a remote write changed a page it must not: a file's page-cache page through a private mapping (FOLL_FORCE"
                    + " must break COW into an anonymous folio: do_cow_fault and wp_page_copy in mm/memory.c, can_follow_write_pte"
                    + " in mm/gup.c), the zero page, or a page of another mm (the Dirty COW class)"),
    TORN_WRITE("torn-write", FORBIDDEN,
            "W2: the bytes of one remote write went into pages of two layouts; __access_remote_vm (mm/memory.c) holds"
                    + " mmap_read_lock across the whole copy, so one layout receives them all"),
    WRITE_LOST("write-lost", FORBIDDEN,
            "W3: a remote write returned N, nothing raced with it, yet the target does not read its first N bytes back as written"),
    WRITE_RACED("write-raced", INTERESTING,
            "W3: the target reads other bytes than a remote write stored, because another task changed that memory before the"
                    + " write returned (MADV_DONTNEED zapped the page GUP had returned, a store, a layout change)");

    private final String code;
    private final Verdict.Cls cls;
    private final String rule;

    Reason(String code, Verdict.Cls cls, String rule) {
        this.code = code;
        this.cls = cls;
        this.rule = rule;
    }

    /** The code, as {@code expect} lines and outputs write it: "torn-read". */
    public String code() {
        return code;
    }

    /** The class of verdict this reason gives. */
    public Verdict.Cls cls() {
        return cls;
    }

    /** The rule it comes from, and the kernel code that rule rests on. */
    public String rule() {
        return rule;
    }

    /** The reason with this code, or null. */
    public static Reason of(String code) {
        for (Reason r : values())
            if (r.code.equals(code))
                return r;
        return null;
    }

    /** The rule of the reason with this code, or the code itself if there is none. */
    public static String rule(String code) {
        Reason r = of(code);
        return r == null ? code : r.rule;
    }

    @Override
    public String toString() {
        return code;
    }
}
