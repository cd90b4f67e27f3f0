package mmrace.runtime;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * spinlock_t (page-table locks, mm->page_table_lock). Taking it disables preemption, so sleeping
 * while holding it is reported; waiting for it is spinning, which a scheduler sees as blocked.
 */
public final class SpinLock extends Shared {
    private final AtomicReference<Task> owner = new AtomicReference<>();
    public final Lockdep.Map map;

    public SpinLock(KObject owner, Field field, String lockClass) {
        super(owner, field);
        this.map = new Lockdep.Map(lockClass, this);
    }

    /** spin_lock(). */
    public void lock() {
        Task t = Task.current();
        t.point(Access.SPIN_LOCK, this, 0);
        check(t, true);
        t.preemptCount++;
        t.kernel.lockdep.acquire(t, map, false, false);
        while (!owner.compareAndSet(null, t)) {
            t.waitUntil(new Waiter() {
                @Override public boolean ready() { return owner.get() == null; }
                @Override public String what() { return "spin_lock(" + name() + ")"; }
                @Override public List<Task> holders() {
                    Task o = owner.get();
                    return o == null ? List.of() : List.of(o);
                }
            });
        }
    }

    /** spin_trylock(). */
    public boolean trylock() {
        Task t = Task.current();
        t.point(Access.SPIN_LOCK, this, 1);
        check(t, true);
        if (!owner.compareAndSet(null, t))
            return false;
        t.preemptCount++;
        t.kernel.lockdep.acquire(t, map, false, true);
        return true;
    }

    /** spin_unlock(). */
    public void unlock() {
        Task t = Task.current();
        t.point(Access.SPIN_UNLOCK, this, 0);
        check(t, true);
        if (owner.get() != t) {
            t.kernel.reports.file(t, Report.Kind.BUG, "spin_unlock of a lock not held", name() + " owner " + owner.get());
            return;
        }
        owner.set(null);
        t.preemptCount--;
        t.kernel.lockdep.release(t, map);
    }

    /** spin_is_locked(), without a point: for assertions. */
    public boolean isLocked() {
        return owner.get() != null;
    }

    /** lockdep_assert_held(). */
    public void assertHeld(String assertion) {
        Task t = Task.current();
        if (owner.get() != t)
            t.kernel.reports.file(t, Report.Kind.LOCKDEP, assertion + " failed", name() + " not held by " + t.name);
    }

    public Task owner() {
        return owner.get();
    }
}
