package mmrace.runtime;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/** A shared pointer field: plain, READ_ONCE/WRITE_ONCE, rcu_dereference/rcu_assign_pointer. */
public final class Ref<T> extends Shared {
    private static final VarHandle V;
    static {
        try {
            V = MethodHandles.lookup().findVarHandle(Ref.class, "v", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private Object v;

    public Ref(KObject owner, Field field, T init) {
        super(owner, field);
        this.v = init;
    }

    /** A plain load. */
    @SuppressWarnings("unchecked")
    public T get() {
        Task t = Task.current();
        t.point(Access.LOAD, this, 0);
        check(t, false);
        return (T) V.get(this);
    }

    /** A plain store. */
    public void set(T x) {
        Task t = Task.current();
        t.point(Access.STORE, this, 0);
        check(t, true);
        V.set(this, x);
    }

    /** READ_ONCE(). */
    @SuppressWarnings("unchecked")
    public T readOnce() {
        Task t = Task.current();
        t.point(Access.READ, this, 0);
        check(t, false);
        return (T) V.getOpaque(this);
    }

    /** WRITE_ONCE(). */
    public void writeOnce(T x) {
        Task t = Task.current();
        t.point(Access.WRITE, this, 0);
        check(t, true);
        V.setOpaque(this, x);
    }

    /** rcu_dereference(): a dependent load, modelled as acquire. */
    @SuppressWarnings("unchecked")
    public T rcuDereference() {
        Task t = Task.current();
        t.point(Access.LOAD_ACQUIRE, this, 0);
        check(t, false);
        return (T) V.getAcquire(this);
    }

    /** rcu_assign_pointer(): a release store. */
    public void rcuAssignPointer(T x) {
        Task t = Task.current();
        t.point(Access.STORE_RELEASE, this, 0);
        check(t, true);
        V.setRelease(this, x);
    }

    @SuppressWarnings("unchecked")
    public T peek() {
        return (T) V.getVolatile(this);
    }

    public void poke(T x) {
        V.setVolatile(this, x);
    }
}
