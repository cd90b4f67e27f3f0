package mmrace.runtime;

import java.util.Set;

/**
 * Known-bad changes to the port that tests can switch on, to show that mmrace catches them (a
 * tool that stops finding a bug it should find is a regression too). Off unless the system
 * property {@code mmrace.mutant} names them (comma-separated) or a test calls {@link #set}. Port
 * code asks {@link #on} at the one place each mutant changes; nothing else depends on it.
 */
public final class Mutant {
    private Mutant() {}

    /** lock_vma_under_rcu without its range re-check after vma_start_read (mm/mmap_lock.c). */
    public static final String NO_RANGE_RECHECK = "no-range-recheck";
    /**
     * retract_page_tables frees the PTE table it took away at once (pte_free) instead of through
     * pte_free_defer (mm/khugepaged.c): a walker inside its RCU section is not waited for.
     */
    public static final String RETRACT_FREE_NOW = "retract-free-now";
    /**
     * madvise_dontneed_single_vma zaps its range but the last page (mm/madvise.c): MADV_DONTNEED
     * returns 0 and that page keeps its old contents.
     */
    public static final String DONTNEED_SKIPS_LAST_PAGE = "dontneed-skips-last-page";

    /**
     * lock_vma_under_rcu without mas_set(&mas, address) before its retry (mm/mmap_lock.c): a stale
     * cursor. The retry's mas_walk walks on from the node the first walk left in the state, a node
     * a concurrent store may have replaced and RCU freed once vma_start_read dropped the read lock:
     * a use-after-free read (the bug commit 270065f514c5, "mm/mmap_lock: reset maple state on
     * lock_vma_under_rcu() retry", fixed).
     */
    public static final String NO_MAS_RESET = "no-mas-reset";

    private static volatile Set<String> enabled = parse(System.getProperty("mmrace.mutant", ""));

    public static boolean on(String name) {
        Set<String> e = enabled;
        return !e.isEmpty() && e.contains(name);
    }

    /** Switches mutants on (empty: all off); returns what was on before. */
    public static Set<String> set(Set<String> names) {
        Set<String> old = enabled;
        enabled = Set.copyOf(names);
        return old;
    }

    private static Set<String> parse(String s) {
        return s.isBlank() ? Set.of() : Set.of(s.split(","));
    }
}
