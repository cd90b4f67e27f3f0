package mmrace.runtime;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * One machine: its tasks (one CPU each), RCU, interrupts, memory allocators, lock order graph
 * and dmesg. Every execution of a scenario gets a fresh Kernel, so nothing leaks between runs.
 */
public final class Kernel {
    public final Reports reports = new Reports();
    public final FaultInject faults = new FaultInject();
    public final Lockdep lockdep = new Lockdep(this);
    public final Rcu rcu = new Rcu(this);
    public final Irq irq = new Irq(this);
    public final PageAlloc pages = new PageAlloc(this);
    /** The scheduler's own state, for sleep/wake points. */
    final Shared sched = new Shared(null, new Field("runqueue")) {};
    private final List<Task> tasks = new CopyOnWriteArrayList<>();
    private final Map<String, KmemCache<?>> caches = new HashMap<>();
    private final java.util.concurrent.locks.ReentrantLock cachesGuard = new java.util.concurrent.locks.ReentrantLock();
    /** Points passed so far (exact under a scheduler; approximate on real threads). */
    long step;

    /** Creates a task that will run with the given hook (null: real threads). */
    public Task newTask(String name, Hook hook) {
        Task t = new Task(this, tasks.size(), name, hook);
        tasks.add(t);
        return t;
    }

    /** Creates a task without a scheduler and binds it to the calling thread. */
    public Task enter(String name) {
        Task t = newTask(name, null);
        t.bind();
        return t;
    }

    public List<Task> tasks() {
        return tasks;
    }

    public long steps() {
        return step;
    }

    private final Map<Class<?>, Object> globals = new HashMap<>();

    /**
     * The machine-wide instance of a subsystem's global state (what the kernel keeps in static
     * variables, such as swap_info[]), made on first use. Per Kernel, so executions share nothing.
     */
    @SuppressWarnings("unchecked")
    public <T> T global(Class<T> type, Supplier<T> init) {
        cachesGuard.lock();
        try {
            return (T) globals.computeIfAbsent(type, t -> init.get());
        } finally {
            cachesGuard.unlock();
        }
    }

    /** The machine-wide instance of {@code type} if it was ever made, else null. */
    @SuppressWarnings("unchecked")
    public <T> T globalIfPresent(Class<T> type) {
        cachesGuard.lock();
        try {
            return (T) globals.get(type);
        } finally {
            cachesGuard.unlock();
        }
    }

    /** The slab cache of this name, made on first use (kmem_cache_create). */
    @SuppressWarnings("unchecked")
    public <T extends KObject> KmemCache<T> cache(String name, boolean typesafeByRcu, Supplier<T> ctor) {
        cachesGuard.lock();
        try {
            return (KmemCache<T>) caches.computeIfAbsent(name, n -> new KmemCache<>(this, n, typesafeByRcu, ctor));
        } finally {
            cachesGuard.unlock();
        }
    }

    public List<KmemCache<?>> caches() {
        cachesGuard.lock();
        try {
            return new ArrayList<>(caches.values());
        } finally {
            cachesGuard.unlock();
        }
    }
}
