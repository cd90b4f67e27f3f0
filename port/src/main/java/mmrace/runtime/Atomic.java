package mmrace.runtime;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * atomic_t and refcount_t (include/linux/atomic, include/linux/refcount.h): a 32-bit word with
 * read-modify-write operations. Each compare-and-exchange attempt is one point, so a retry loop
 * can lose to another task exactly as a cmpxchg loop does. refcount_t saturation and underflow are
 * reported as the kernel's WARNs.
 */
public final class Atomic extends Shared {
    private static final VarHandle V;
    static {
        try {
            V = MethodHandles.lookup().findVarHandle(Atomic.class, "v", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile int v;

    public Atomic(KObject owner, Field field, int init) {
        super(owner, field);
        this.v = init;
    }

    /** A plain load of the word ({@code x = vma->vm_lock_seq}). */
    public int get() {
        Task t = Task.current();
        t.point(Access.LOAD, this, 0);
        check(t, false);
        return (int) V.get(this);
    }

    /** atomic_read() / refcount_read(): READ_ONCE. */
    public int read() {
        Task t = Task.current();
        t.point(Access.READ, this, 0);
        check(t, false);
        return (int) V.getOpaque(this);
    }

    /** atomic_read_acquire(). */
    public int readAcquire() {
        Task t = Task.current();
        t.point(Access.LOAD_ACQUIRE, this, 0);
        check(t, false);
        return (int) V.getAcquire(this);
    }

    /** atomic_set() / refcount_set(). */
    public void set(int x) {
        Task t = Task.current();
        t.point(Access.WRITE, this, x);
        check(t, true);
        V.setOpaque(this, x);
    }

    /** atomic_set_release(). */
    public void setRelease(int x) {
        Task t = Task.current();
        t.point(Access.STORE_RELEASE, this, x);
        check(t, true);
        V.setRelease(this, x);
    }

    /** atomic_add_return() (fully ordered). */
    public int addReturn(int d) {
        Task t = Task.current();
        t.point(Access.RMW, this, d);
        check(t, true);
        return (int) V.getAndAdd(this, d) + d;
    }

    /** atomic_cmpxchg() (fully ordered): returns the value found. */
    public int cmpxchg(int old, int nu) {
        Task t = Task.current();
        t.point(Access.RMW, this, nu);
        check(t, true);
        return (int) V.compareAndExchange(this, old, nu);
    }

    /** atomic_cmpxchg_acquire(). */
    public int cmpxchgAcquire(int old, int nu) {
        Task t = Task.current();
        t.point(Access.RMW, this, nu);
        check(t, true);
        return (int) V.compareAndExchangeAcquire(this, old, nu);
    }

    // --- refcount_t (include/linux/refcount.h) ---

    /** refcount_inc(): +1, WARN on increment from 0 ("refcount_t: addition on 0; use-after-free"). */
    public void refcountInc() {
        int old = addReturn(1) - 1;
        if (old == 0)
            warn("refcount_t: addition on 0; use-after-free");
        else if (old < 0)
            warn("refcount_t: saturated");
    }

    /** refcount_add_not_zero(i, r): adds unless 0; returns false if it was 0. */
    public boolean refcountAddNotZero(int i) {
        int old = read();
        do {
            if (old == 0)
                return false;
        } while ((old = cmpxchgFailed(old, old + i)) != Integer.MIN_VALUE);
        return true;
    }

    /**
     * __refcount_inc_not_zero_limited_acquire(r, &oldp, limit): increments unless the value is 0
     * or the result would exceed {@code limit}; {@code oldOut[0]} gets the value seen.
     */
    public boolean refcountIncNotZeroLimitedAcquire(int limit, int[] oldOut) {
        int old = read();
        while (true) {
            oldOut[0] = old;
            if (old == 0 || old + 1 > limit)
                return false;
            Task t = Task.current();
            t.point(Access.RMW, this, old + 1);
            check(t, true);
            int seen = (int) V.compareAndExchangeAcquire(this, old, old + 1);
            if (seen == old)
                return true;
            old = seen;
        }
    }

    /** refcount_sub_and_test(i, r): release-ordered; true when the result is 0. */
    public boolean refcountSubAndTest(int i) {
        int nu = addReturn(-i);
        if (nu < 0)
            warn("refcount_t: underflow; use-after-free");
        return nu == 0;
    }

    /** refcount_dec_and_test(). */
    public boolean refcountDecAndTest() {
        return refcountSubAndTest(1);
    }

    /** __refcount_dec(r, &oldp): returns the old value. */
    public int refcountDecReturnOld() {
        int old = addReturn(-1) + 1;
        if (old <= 0)
            warn("refcount_t: underflow; use-after-free");
        return old;
    }

    public int peek() {
        return v;
    }

    public void poke(int x) {
        v = x;
    }

    /** One cmpxchg attempt for a loop: MIN_VALUE on success, else the value found. */
    private int cmpxchgFailed(int old, int nu) {
        int seen = cmpxchg(old, nu);
        return seen == old ? Integer.MIN_VALUE : seen;
    }

    private void warn(String what) {
        Task t = Task.current();
        t.kernel.reports.file(t, Report.Kind.WARN, what, name());
    }
}
