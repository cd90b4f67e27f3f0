package mmrace.runtime;

import java.util.ArrayList;
import java.util.List;

/**
 * Allocation failure that a test or scenario injects (the kernel's fail_page_alloc/failslab):
 * "the Nth allocation at SITE by TASK fails". Sites: "page", "pgtable", "slab:NAME", "maple".
 */
public final class FaultInject {
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
