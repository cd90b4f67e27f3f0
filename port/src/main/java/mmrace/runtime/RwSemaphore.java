package mmrace.runtime;

import java.util.ArrayList;
import java.util.List;

/**
 * struct rw_semaphore (kernel/locking/rwsem.c), as mmap_lock uses it. Waiters queue in order;
 * once anyone waits, a new reader queues behind them instead of joining the readers that hold the
 * lock, so a waiting writer blocks new readers. When the lock is released, the waiter at the head
 * is granted it, together with every reader queued directly behind a granted reader.
 *
 * <p>model: no optimistic spinning or writer lock stealing; those only reorder grants among tasks
 * that are all waiting, and the FIFO order is one of the orders the kernel allows.
 */
public final class RwSemaphore extends Shared {
    private static final int READ = 0, WRITE = 1;

    private record Waiting(Task task, int mode) {}

    private final java.util.concurrent.locks.ReentrantLock guard = new java.util.concurrent.locks.ReentrantLock();
    private Task writer;
    private final List<Task> readers = new ArrayList<>();
    private final List<Waiting> queue = new ArrayList<>();
    public final Lockdep.Map map;

    public RwSemaphore(KObject owner, Field field, String lockClass) {
        super(owner, field);
        this.map = new Lockdep.Map(lockClass, this);
    }

    /** down_read(). */
    public void downRead() {
        acquire(READ, false);
    }

    /** down_read_killable(): 0, or -EINTR if a fatal signal arrived while waiting. */
    public int downReadKillable() {
        return acquire(READ, true);
    }

    /** down_read_trylock(). */
    public boolean downReadTrylock() {
        Task t = Task.current();
        t.point(Access.DOWN_READ, this, 1);
        check(t, true);
        guard.lock();
        try {
            if (writer != null || !queue.isEmpty())
                return false;
            readers.add(t);
        } finally {
            guard.unlock();
        }
        t.kernel.lockdep.acquire(t, map, true, true);
        return true;
    }

    /** down_write(). */
    public void downWrite() {
        acquire(WRITE, false);
    }

    /** down_write_killable(). */
    public int downWriteKillable() {
        return acquire(WRITE, true);
    }

    /** down_write_trylock(). */
    public boolean downWriteTrylock() {
        Task t = Task.current();
        t.point(Access.DOWN_WRITE, this, 1);
        check(t, true);
        guard.lock();
        try {
            if (writer != null || !readers.isEmpty() || !queue.isEmpty())
                return false;
            writer = t;
        } finally {
            guard.unlock();
        }
        t.kernel.lockdep.acquire(t, map, false, true);
        return true;
    }

    /** up_read(). */
    public void upRead() {
        Task t = Task.current();
        t.point(Access.UP_READ, this, 0);
        check(t, true);
        guard.lock();
        try {
            if (!readers.remove(t)) {
                t.kernel.reports.file(t, Report.Kind.BUG, "up_read of an rwsem not held for read", name());
                return;
            }
            grantWaiters();
        } finally {
            guard.unlock();
        }
        t.kernel.lockdep.release(t, map);
    }

    /** up_write(). */
    public void upWrite() {
        Task t = Task.current();
        t.point(Access.UP_WRITE, this, 0);
        check(t, true);
        guard.lock();
        try {
            if (writer != t) {
                t.kernel.reports.file(t, Report.Kind.BUG, "up_write of an rwsem not held for write", name() + " writer " + writer);
                return;
            }
            writer = null;
            grantWaiters();
        } finally {
            guard.unlock();
        }
        t.kernel.lockdep.release(t, map);
    }

    /** downgrade_write(): write to read, atomically; queued readers at the head may join. */
    public void downgradeWrite() {
        Task t = Task.current();
        t.point(Access.DOWNGRADE, this, 0);
        check(t, true);
        guard.lock();
        try {
            if (writer != t) {
                t.kernel.reports.file(t, Report.Kind.BUG, "downgrade_write of an rwsem not held for write", name());
                return;
            }
            writer = null;
            readers.add(t);
            grantWaiters();
        } finally {
            guard.unlock();
        }
        t.kernel.lockdep.release(t, map);
        t.kernel.lockdep.acquire(t, map, true, true);
    }

    public boolean isWriteLockedBy(Task t) {
        guard.lock();
        try {
            return writer == t;
        } finally {
            guard.unlock();
        }
    }

    public boolean isReadLockedBy(Task t) {
        guard.lock();
        try {
            return readers.contains(t);
        } finally {
            guard.unlock();
        }
    }

    /**
     * A wait until down_read_trylock could succeed (no writer holds or waits): for code that, like
     * khugepaged, gives up on a busy lock and comes back later. model: "later" is when it can win.
     */
    public Waiter untilReadable(String what) {
        return new Waiter() {
            @Override public boolean ready() {
                guard.lock();
                try {
                    return writer == null && queue.isEmpty();
                } finally {
                    guard.unlock();
                }
            }
            @Override public String what() { return what; }
            @Override public List<Task> holders() { return holdersAndQueueAhead(null); }
        };
    }

    public boolean isLocked() {
        guard.lock();
        try {
            return writer != null || !readers.isEmpty();
        } finally {
            guard.unlock();
        }
    }

    private int acquire(int mode, boolean killable) {
        Task t = Task.current();
        Lockdep.mightSleep(t, mode == READ ? "down_read" : "down_write");
        t.point(mode == READ ? Access.DOWN_READ : Access.DOWN_WRITE, this, 0);
        check(t, true);
        t.kernel.lockdep.acquire(t, map, mode == READ, false);
        Waiting me = new Waiting(t, mode);
        guard.lock();
        try {
            if (queue.isEmpty() && grantable(mode)) {
                take(me);
                return 0;
            }
            queue.add(me);
        } finally {
            guard.unlock();
        }
        Waiter w = new Waiter() {
            @Override public boolean ready() { return granted(me) || (killable && t.fatalSignal); }
            @Override public String what() { return (mode == READ ? "down_read(" : "down_write(") + name() + ")"; }
            @Override public List<Task> holders() { return holdersAndQueueAhead(me); }
        };
        while (true) {
            t.waitUntil(w);
            guard.lock();
            try {
                if (granted(me))
                    return 0;
                if (killable && t.fatalSignal) {
                    queue.remove(me);
                    grantWaiters();
                    break;
                }
            } finally {
                guard.unlock();
            }
        }
        t.kernel.lockdep.release(t, map);
        return -Errno.EINTR;
    }

    private boolean granted(Waiting me) {
        guard.lock();
        try {
            return !queue.contains(me) && (writer == me.task || readers.contains(me.task));
        } finally {
            guard.unlock();
        }
    }

    private boolean grantable(int mode) {
        return writer == null && (mode == READ || readers.isEmpty());
    }

    private void take(Waiting w) {
        if (w.mode == WRITE)
            writer = w.task;
        else
            readers.add(w.task);
    }

    /** rwsem_mark_wake(): grant the head, and readers right behind a granted reader. */
    private void grantWaiters() {
        while (!queue.isEmpty()) {
            Waiting head = queue.get(0);
            if (!grantable(head.mode))
                return;
            queue.remove(0);
            take(head);
            if (head.mode == WRITE)
                return;
        }
    }

    private List<Task> holdersAndQueueAhead(Waiting me) {
        guard.lock();
        try {
            List<Task> r = new ArrayList<>(readers);
            if (writer != null)
                r.add(writer);
            for (Waiting w : queue) {
                if (w == me)
                    break;
                r.add(w.task);
            }
            return r;
        } finally {
            guard.unlock();
        }
    }
}
