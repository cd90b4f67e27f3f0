package mmrace.runtime;

import java.util.ArrayList;
import java.util.List;

/**
 * Allocation failure that a test or scenario injects (the kernel's fail_page_alloc/failslab):
 * "the Nth allocation at SITE by TASK fails". The sites are {@link #SITES}; a rule names one, or
 * a prefix of some ending at a ':' ("slab" fails any slab allocation).
 */
public final class FaultInject {
    /**
     * Every allocation site the port names (PageAlloc.alloc/allocPages/allocTable, KmemCache,
     * shouldFail): pages, page tables, a THP, device memory, swap slots and their blocks, the
     * mmu_gather batch pages, the maple tree's nodes and preallocation, the VMA, anon_vma, maple_node and mm_struct slabs.
     * A test keeps it in step with the port's sources.
     */
    public static final java.util.List<String> SITES = java.util.List.of("page", "pgtable", "thp", "devmem", "swap_slot", "swap_block",
            "tlb_batch", "tlb_page_batch", "maple", "maple:prealloc", "slab:vm_area_struct", "slab:anon_vma",
            "slab:maple_node", "slab:mm_struct");

    /** Does a rule for {@code site} match any allocation of the port? */
    public static boolean knownSite(String site) {
        for (String s : SITES)
            if (s.equals(site) || s.startsWith(site + ":"))
                return true;
        return false;
    }

    private static final class Rule {
        final String site, task;
        int left;

        Rule(String site, String task, int nth) {
            this.site = site;
            this.task = task;
            this.left = nth;
        }
    }

    private final List<Rule> rules = new ArrayList<>();
    private final java.util.concurrent.locks.ReentrantLock guard = new java.util.concurrent.locks.ReentrantLock();
    private int injected;

    /** Fails the {@code nth} (1-based) allocation at a site starting with {@code site}, by {@code task} ("*": any). */
    public void failNth(String site, String task, int nth) {
        guard.lock();
        try {
            rules.add(new Rule(site, task, nth));
        } finally {
            guard.unlock();
        }
    }

    public boolean shouldFail(Task t, String site) {
        guard.lock();
        try {
            if (rules.isEmpty())
                return false;
            for (Rule r : rules) {
                if (r.left > 0 && site.startsWith(r.site) && (r.task.equals("*") || r.task.equals(t.name))) {
                    if (--r.left == 0) {
                        injected++;
                        return true;
                    }
                }
            }
            return false;
        } finally {
            guard.unlock();
        }
    }

    /** How many failures were injected so far. */
    public int injected() {
        guard.lock();
        try {
            return injected;
        } finally {
            guard.unlock();
        }
    }
}
