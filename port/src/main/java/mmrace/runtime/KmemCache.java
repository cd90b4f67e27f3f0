package mmrace.runtime;

import java.util.ArrayDeque;
import java.util.function.Supplier;

/**
 * A slab cache (mm/slub.c). Freed objects go to the front of the freelist and are handed out
 * again first, so reuse is immediate. With SLAB_TYPESAFE_BY_RCU (the VMA cache) the memory stays
 * an object of this type, possibly reallocated for another mm, and only fields marked typesafe may
 * be read without a reference; touching any other field of a free object is a KASAN report.
 */
public final class KmemCache<T extends KObject> extends Shared {
    private static final Field SLAB = new Field("slab");

    private final Kernel kernel;
    public final String cacheName;
    public final boolean typesafeByRcu;
    private final Supplier<T> ctor;
    private final ArrayDeque<T> free = new ArrayDeque<>();
    private final java.util.concurrent.locks.ReentrantLock guard = new java.util.concurrent.locks.ReentrantLock();
    private int live, created;

    KmemCache(Kernel kernel, String name, boolean typesafeByRcu, Supplier<T> ctor) {
        super(null, SLAB);
        this.kernel = kernel;
        this.cacheName = name;
        this.typesafeByRcu = typesafeByRcu;
        this.ctor = ctor;
    }

    @Override
    public String name() {
        return cacheName;
    }

    /** kmem_cache_alloc(): null when a test injected an allocation failure at "slab:NAME". */
    public T alloc() {
        Task t = Task.current();
        t.point(Access.ALLOC, this, 0);
        if (kernel.faults.shouldFail(t, "slab:" + cacheName))
            return null;
        T o;
        guard.lock();
        try {
            o = free.pollFirst();
            live++;
        } finally {
            guard.unlock();
        }
        if (o == null) {
            o = ctor.get();
            guard.lock();
            try {
                o.index = ++created;
            } finally {
                guard.unlock();
            }
        }
        o.allocations++;
        o.freed = false;
        return o;
    }

    /** kmem_cache_free(). */
    public void free(T o) {
        Task t = Task.current();
        t.point(Access.FREE, this, 0);
        if (o.freed) {
            kernel.reports.file(t, Report.Kind.KASAN, "double-free", o.name() + " in " + cacheName);
            return;
        }
        o.poison();
        o.freed = true;
        guard.lock();
        try {
            free.addFirst(o);
            live--;
        } finally {
            guard.unlock();
        }
    }

    /** Objects allocated and not freed. */
    public int live() {
        guard.lock();
        try {
            return live;
        } finally {
            guard.unlock();
        }
    }
}
