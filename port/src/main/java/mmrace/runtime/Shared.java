package mmrace.runtime;

/**
 * A piece of shared kernel state reached through a runtime primitive: a field of a kernel object
 * ({@link #owner}, {@link #field}), a lock, or a global such as the RCU state.
 */
public abstract class Shared {
    /** The object this is a field of, or null for a global. */
    public final KObject owner;
    /** Which field: its name and whether it may be read after the owner is freed. */
    public final Field field;

    protected Shared(KObject owner, Field field) {
        this.owner = owner;
        this.field = field;
    }

    /** "B.vm_refcnt", "mmap_lock", "pte[0x12000]": for traces. */
    public String name() {
        return owner == null ? field.name : owner.name() + "." + field.name;
    }

    /**
     * KASAN: complain when a freed object is touched through a field that does not survive free;
     * on a store, let the owner check its locking rule (lockdep-like, see {@link KObject#checkWrite}).
     */
    protected final void check(Task t, boolean write) {
        KObject o = owner;
        if (o == null)
            return;
        if (o.freed && !field.typesafe)
            Kasan.useAfterFree(t, this, write);
        else if (write)
            o.checkWrite(t, this);
    }

    @Override
    public String toString() {
        return name();
    }
}
