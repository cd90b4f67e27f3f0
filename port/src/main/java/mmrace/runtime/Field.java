package mmrace.runtime;

/**
 * A field of a kernel structure, as the trace and the sanitizers see it.
 * {@code typesafe} fields may be read after the object is freed: for SLAB_TYPESAFE_BY_RCU
 * VMAs these are vm_mm, vm_lock_seq and vm_refcnt (include/linux/mm_types.h).
 */
public final class Field {
    private static final java.util.concurrent.atomic.AtomicInteger NEXT = new java.util.concurrent.atomic.AtomicInteger();
    public final String name;
    public final boolean typesafe;
    public final int id;

    public Field(String name, boolean typesafe) {
        this.name = name;
        this.typesafe = typesafe;
        this.id = NEXT.getAndIncrement();
    }

    public Field(String name) {
        this(name, false);
    }

    @Override
    public String toString() {
        return name;
    }
}
