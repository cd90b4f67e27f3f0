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

    // ---- processes, mm lifetimes and fork (kernel/fork.c, mm/mmap.c dup_mmap/exit_mmap)

    /**
     * vma_start_read without its {@code vma->vm_mm != mm} check (mm/mmap_lock.c): a VMA freed by
     * one process and reused by another is read-locked for the wrong mm.
     */
    public static final String NO_VM_MM_CHECK = "no-vm-mm-check";
    /**
     * dup_mmap without vma_start_write() of each source VMA (mm/mmap.c; the bug fixed by
     * fb49c455323f "fork: lock VMAs of the parent process when forking"): page faults under the
     * per-VMA lock run in the parent while its page tables are being copied.
     */
    public static final String DUP_MMAP_NO_VMA_LOCK = "dup-mmap-no-vma-lock";
    /**
     * mmget_not_zero that takes a reference even when mm_users is already 0 (as mmget would;
     * include/linux/sched/mm.h): a /proc reader resurrects an address space that exit_mmap is
     * tearing down, and the second __mmput drops the struct's last reference under its open file.
     */
    public static final String MMGET_FROM_ZERO = "mmget-from-zero";
}
