package mmrace.runtime;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A word of shared state ({@code unsigned long} field): vm_start, vm_flags, a page-table entry
 * value, a counter. Plain accesses are plain Java accesses (data races are real on real threads);
 * READ_ONCE/WRITE_ONCE are opaque; acquire/release map to the VarHandle modes of those names.
 */
public final class Word extends Shared {
    private static final VarHandle V;
    static {
        try {
            V = MethodHandles.lookup().findVarHandle(Word.class, "v", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private long v;

    public Word(KObject owner, Field field, long init) {
        super(owner, field);
        this.v = init;
    }

    /** A plain load ({@code x = vma->vm_start}). */
    public long get() {
        Task t = Task.current();
        t.point(Access.LOAD, this, 0);
        check(t, false);
        return (long) V.get(this);
    }

    /** A plain store. */
    public void set(long x) {
        Task t = Task.current();
        t.point(Access.STORE, this, x);
        check(t, true);
        V.set(this, x);
    }

    /** READ_ONCE(). */
    public long readOnce() {
        Task t = Task.current();
        t.point(Access.READ, this, 0);
        check(t, false);
        return (long) V.getOpaque(this);
    }

    /** WRITE_ONCE(). */
    public void writeOnce(long x) {
        Task t = Task.current();
        t.point(Access.WRITE, this, x);
        check(t, true);
        V.setOpaque(this, x);
    }

    /** smp_load_acquire(). */
    public long loadAcquire() {
        Task t = Task.current();
        t.point(Access.LOAD_ACQUIRE, this, 0);
        check(t, false);
        return (long) V.getAcquire(this);
    }

    /** smp_store_release(). */
    public void storeRelease(long x) {
        Task t = Task.current();
        t.point(Access.STORE_RELEASE, this, x);
        check(t, true);
        V.setRelease(this, x);
    }

    /** set_bit()/test_and_set_bit() on the word (fully ordered RMW): returns the old value. */
    public long fetchOr(long bits) {
        Task t = Task.current();
        t.point(Access.RMW, this, bits);
        check(t, true);
        return (long) V.getAndBitwiseOr(this, bits);
    }

    /** clear_bit()/clear_bit_unlock() on the word (fully ordered RMW): returns the old value. */
    public long fetchAnd(long mask) {
        Task t = Task.current();
        t.point(Access.RMW, this, mask);
        check(t, true);
        return (long) V.getAndBitwiseAnd(this, mask);
    }

    /** The value, with no point and no check: for sanitizers, the oracle and set-up code only. */
    public long peek() {
        return (long) V.getVolatile(this);
    }

    /** Stores with no point and no check: for initialisation before the object is shared, and poisoning. */
    public void poke(long x) {
        V.setVolatile(this, x);
    }
}
