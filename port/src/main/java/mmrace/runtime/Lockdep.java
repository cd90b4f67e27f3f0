package mmrace.runtime;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A lockdep-like validator (kernel/locking/lockdep.c): which locks each task holds, the order in
 * which lock classes were taken, and the assertions kernel code makes about them. Every problem is
 * filed as a {@link Report.Kind#LOCKDEP} or {@link Report.Kind#BUG} report; nothing passes silently.
 */
public final class Lockdep {
    /** struct lockdep_map: a lock instance and its class ("mmap_lock", "ptlock", "vm_lock"). */
    public static final class Map {
        public final String cls;
        private final Object instance;

        /** {@code instance} names the lock in reports (its toString, taken when the report is made). */
        public Map(String cls, Object instance) {
            this.cls = cls;
            this.instance = instance;
        }

        public String instance() {
            return String.valueOf(instance);
        }

        @Override
        public String toString() {
            return instance();
        }
    }

    /** One held lock. */
    record HeldLock(Map map, boolean read, boolean trylock) {}

    /** The held-lock stack of one task. Only its own task touches it. */
    static final class Held {
        final ArrayList<HeldLock> locks = new ArrayList<>(4);
    }

    private final Kernel kernel;
    private final java.util.Map<String, Set<String>> after = new HashMap<>();
    private final java.util.concurrent.locks.ReentrantLock guard = new java.util.concurrent.locks.ReentrantLock();

    Lockdep(Kernel kernel) {
        this.kernel = kernel;
    }

    /** lock_acquire: record the dependency of every held class on this one, then hold it. */
    public void acquire(Task t, Map m, boolean read, boolean trylock) {
        if (!trylock) {
            for (HeldLock h : t.held.locks) {
                if (h.map == m && !(read && h.read)) {
                    kernel.reports.file(t, Report.Kind.LOCKDEP, "possible recursive locking detected", m.instance());
                    continue;
                }
                addDependency(t, h.map, m);
            }
        }
        t.held.locks.add(new HeldLock(m, read, trylock));
    }

    /** lock_release: it must be held. */
    public void release(Task t, Map m) {
        ArrayList<HeldLock> l = t.held.locks;
        for (int i = l.size() - 1; i >= 0; i--) {
            if (l.get(i).map == m) {
                l.remove(i);
                return;
            }
        }
        kernel.reports.file(t, Report.Kind.LOCKDEP, "bad unlock balance detected", m.instance() + " is not held by " + t.name);
    }

    public boolean isHeld(Task t, Map m) {
        for (HeldLock h : t.held.locks)
            if (h.map == m)
                return true;
        return false;
    }

    public boolean isHeldWrite(Task t, Map m) {
        for (HeldLock h : t.held.locks)
            if (h.map == m && !h.read)
                return true;
        return false;
    }

    /** lockdep_assert_held: report when {@code m} is not held by {@code t}. */
    public void assertHeld(Task t, Map m, String assertion) {
        if (!isHeld(t, m))
            kernel.reports.file(t, Report.Kind.LOCKDEP, assertion + " failed", m.instance() + " not held by " + t.name);
    }

    /** Tasks that hold {@code m} now (for the wait-for graph). */
    public List<Task> holders(Map m) {
        List<Task> r = new ArrayList<>();
        for (Task t : kernel.tasks())
            for (HeldLock h : t.held.locks)
                if (h.map == m) {
                    r.add(t);
                    break;
                }
        return r;
    }

    /** Tasks that hold {@code m} for read now (readers a writer waits for). */
    public List<Task> readHolders(Map m) {
        List<Task> r = new ArrayList<>();
        for (Task t : kernel.tasks())
            for (HeldLock h : t.held.locks)
                if (h.map == m && h.read) {
                    r.add(t);
                    break;
                }
        return r;
    }

    /** Names of the locks {@code t} holds, innermost last. */
    public List<String> heldBy(Task t) {
        List<String> r = new ArrayList<>();
        for (HeldLock h : t.held.locks)
            r.add(h.map.instance() + (h.read ? " (read)" : ""));
        return r;
    }

    /**
     * lockdep_sys_exit and friends: on return to user space nothing may be held, no RCU read
     * section open and interrupts enabled.
     */
    public void checkReturnToUser(Task t) {
        for (HeldLock h : t.held.locks)
            kernel.reports.file(t, Report.Kind.LOCKDEP, "lock held when returning to user space", h.map.instance());
        if (t.rcuNesting != 0)
            kernel.reports.file(t, Report.Kind.LOCKDEP, "RCU read-side critical section still open at return to user space", "nesting " + t.rcuNesting);
        if (t.irqNesting != 0)
            kernel.reports.file(t, Report.Kind.BUG, "interrupts left disabled at return to user space", "nesting " + t.irqNesting);
        if (t.preemptCount != 0)
            kernel.reports.file(t, Report.Kind.BUG, "preempt count leaked at return to user space", "count " + t.preemptCount);
    }

    /** might_sleep(): sleeping inside a spinlock, an RCU read section or with interrupts off is a bug. */
    public static void mightSleep(Task t, String where) {
        if (t.inAtomic())
            t.kernel.reports.file(t, Report.Kind.BUG, "sleeping function called from invalid context", where
                    + ": preempt_count " + t.preemptCount + ", irqs_disabled " + t.irqsDisabled() + ", rcu nesting " + t.rcuNesting);
    }

    private void addDependency(Task t, Map held, Map next) {
        if (held.cls.equals(next.cls))
            return;
        guard.lock();
        try {
            Set<String> s = after.computeIfAbsent(held.cls, k -> new HashSet<>());
            if (!s.add(next.cls))
                return;
            if (reaches(next.cls, held.cls)) {
                kernel.reports.file(t, Report.Kind.LOCKDEP, "possible circular locking dependency detected",
                        t.name + " takes " + next.instance() + " while holding " + held.instance() + "; the opposite order was seen before");
            }
        } finally {
            guard.unlock();
        }
    }

    private boolean reaches(String from, String to) {
        ArrayDeque<String> work = new ArrayDeque<>();
        Set<String> seen = new HashSet<>();
        work.add(from);
        while (!work.isEmpty()) {
            String c = work.poll();
            if (c.equals(to))
                return true;
            if (seen.add(c))
                work.addAll(after.getOrDefault(c, Set.of()));
        }
        return false;
    }
}
