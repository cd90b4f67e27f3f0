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
     * lock_vma_under_rcu without mas_set(&mas, address) before its retry (mm/mmap_lock.c): a stale
     * cursor. The retry's mas_walk walks on from the node the first walk left in the state, a node
     * a concurrent store may have replaced and RCU freed once vma_start_read dropped the read lock:
     * a use-after-free read (the bug commit 270065f514c5, "mm/mmap_lock: reset maple state on
     * lock_vma_under_rcu() retry", fixed).
     */
    public static final String NO_MAS_RESET = "no-mas-reset";

    // remote writes

    /**
     * The Dirty COW bug (CVE-2016-5195), planted in __get_user_pages (mm/gup.c): before commit
     * 19be0eaffa3a ("mm: remove gup_flags FOLL_WRITE games from __get_user_pages()"), faultin_page
     * cleared FOLL_WRITE from the page's flags once the write fault had broken COW on a VMA without
     * VM_WRITE ("we can thus safely do subsequent page lookups as if they were reads"), and the
     * retry looked the page up as a read. If MADV_DONTNEED zaps the new anonymous copy in between,
     * the retry faults the page-cache page back in read-only, follows it without FOLL_WRITE, and
     * __access_remote_vm writes the FOLL_FORCE bytes into the file's page cache. 19be0eaffa3a kept
     * FOLL_WRITE and marked the COW with FOLL_COW; 5535be309971 ("mm/gup: fix FOLL_FORCE COW
     * security issue and remove FOLL_COW") replaced that with can_follow_write_pte's exclusive
     * anonymous page test, which the port has.
     */
    public static final String DIRTY_COW = "dirty-cow";

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
