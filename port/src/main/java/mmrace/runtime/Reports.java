package mmrace.runtime;

import java.util.ArrayList;
import java.util.List;

/** The dmesg of one {@link Kernel}: every report filed, in order. Thread-safe. */
public final class Reports {
    private final List<Report> list = new ArrayList<>();
    private final java.util.concurrent.locks.ReentrantLock guard = new java.util.concurrent.locks.ReentrantLock();

    public void file(Task t, Report.Kind kind, String title, String detail) {
        Report r = new Report(kind, title, detail, t == null ? "?" : t.name, t == null ? -1 : t.kernel.steps());
        guard.lock();
        try {
            list.add(r);
        } finally {
            guard.unlock();
        }
        if (t != null && t.hook != null)
            t.hook.report(t, r);
    }

    public List<Report> all() {
        guard.lock();
        try {
            return List.copyOf(list);
        } finally {
            guard.unlock();
        }
    }

    public boolean isEmpty() {
        return all().isEmpty();
    }

    public void clear() {
        guard.lock();
        try {
            list.clear();
        } finally {
            guard.unlock();
        }
    }
}
