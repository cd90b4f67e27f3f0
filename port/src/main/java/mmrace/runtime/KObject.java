package mmrace.runtime;

/**
 * A kernel object with an allocation state: what KASAN's shadow memory knows about it.
 * Objects come from a {@link KmemCache} or the {@link PageAlloc}; {@link #freed} is set while
 * the object sits free, and a primitive touching a non-typesafe field of a freed object files a
 * use-after-free report.
 */
public abstract class KObject {
    /** Set while the object is free (on a slab freelist, or a free page). Read by KASAN checks. */
    public volatile boolean freed;
    /** Which object of its slab cache this is (1, 2, ...), per machine, so names replay identically. */
    int index;

    public int index() {
        return index;
    }

    /** Nonzero (a -errno) only for an ERR_PTR sentinel made by {@link Err}: never a live object. */
    int errPtr;

    /** How many times this memory has been handed out; a recycled object has a higher number. */
    public volatile int allocations;

    /**
     * Called on every store to a field of a live object: the place for a lockdep-like rule such as
     * "a VMA is only changed while write-locked". Must not take points (use peek()).
     */
    protected void checkWrite(Task t, Shared field) {}

    /** Called by the allocator when the object is freed: scribble what the allocator overwrites. */
    protected void poison() {}

    /** A short name for traces ("B", "vma#3", "folio 17"). */
    public abstract String name();

    @Override
    public String toString() {
        return errPtr != 0 ? "ERR_PTR(-" + Errno.name(errPtr) + ")" : name();
    }
}
