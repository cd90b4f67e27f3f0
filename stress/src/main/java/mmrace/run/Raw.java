package mmrace.run;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Field;

import static java.lang.invoke.MethodType.methodType;

/**
 * Raw field access for {@link Snapshot}: allocating an instance without running a constructor,
 * and reading and writing any instance field by its offset, final fields and JDK classes' fields
 * included (jdk.internal.misc.Unsafe). Needs {@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED}
 * (the launcher, the jar's manifest, the test and worker JVMs pass it); without it
 * {@link #AVAILABLE} is false and scenarios are built fresh for every execution.
 */
final class Raw {
    static final boolean AVAILABLE;
    private static final MethodHandle STATIC_BASE, STATIC_OFFSET;
    private static final MethodHandle ALLOCATE, OFFSET, GET_REF, PUT_REF, GET_LONG, PUT_LONG, GET_INT, PUT_INT,
            GET_SHORT, PUT_SHORT, GET_BYTE, PUT_BYTE;

    static {
        MethodHandle[] h = new MethodHandle[14];
        boolean ok;
        try {
            Class<?> u = Class.forName("jdk.internal.misc.Unsafe");
            Object unsafe = u.getMethod("getUnsafe").invoke(null);
            MethodHandles.Lookup l = MethodHandles.lookup();
            h[0] = l.findVirtual(u, "allocateInstance", methodType(Object.class, Class.class)).bindTo(unsafe);
            h[1] = l.findVirtual(u, "objectFieldOffset", methodType(long.class, Field.class)).bindTo(unsafe);
            Class<?>[] types = {Object.class, long.class, int.class, short.class, byte.class};
            String[] names = {"Reference", "Long", "Int", "Short", "Byte"};
            for (int i = 0; i < types.length; i++) {
                h[2 + 2 * i] = l.findVirtual(u, "get" + names[i], methodType(types[i], Object.class, long.class)).bindTo(unsafe);
                h[3 + 2 * i] = l.findVirtual(u, "put" + names[i], methodType(void.class, Object.class, long.class, types[i])).bindTo(unsafe);
            }
            h[12] = l.findVirtual(u, "staticFieldBase", methodType(Object.class, Field.class)).bindTo(unsafe);
            h[13] = l.findVirtual(u, "staticFieldOffset", methodType(long.class, Field.class)).bindTo(unsafe);
            ok = true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            ok = false; // not exported to us: no snapshots
        }
        AVAILABLE = ok;
        ALLOCATE = h[0];
        OFFSET = h[1];
        GET_REF = h[2];
        PUT_REF = h[3];
        GET_LONG = h[4];
        PUT_LONG = h[5];
        GET_INT = h[6];
        PUT_INT = h[7];
        GET_SHORT = h[8];
        PUT_SHORT = h[9];
        GET_BYTE = h[10];
        PUT_BYTE = h[11];
        STATIC_BASE = h[12];
        STATIC_OFFSET = h[13];
    }

    private Raw() {}

    static Object allocate(Class<?> c) {
        try {
            return (Object) ALLOCATE.invokeExact(c);
        } catch (Throwable e) {
            throw new Snapshot.Unsupported("cannot allocate " + c.getName() + ": " + e);
        }
    }

    static long offset(Field f) {
        try {
            return (long) OFFSET.invokeExact(f);
        } catch (Throwable e) {
            throw new Snapshot.Unsupported("no offset for " + f + ": " + e);
        }
    }

    /** The value of a static reference field, whatever its access (the class is initialised by then). */
    static Object staticValue(Field f) {
        try {
            return GET_REF.invokeExact((Object) STATIC_BASE.invokeExact(f), (long) STATIC_OFFSET.invokeExact(f));
        } catch (Throwable e) {
            throw new Snapshot.Unsupported("cannot read " + f + ": " + e);
        }
    }

    static Object getReference(Object o, long off) {
        try {
            return (Object) GET_REF.invokeExact(o, off);
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    static void putReference(Object o, long off, Object v) {
        try {
            PUT_REF.invokeExact(o, off, v);
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /** The primitive field of {@code width} bytes (8, 4, 2 or 1) at {@code off}, as raw bits. */
    static long getBits(Object o, long off, int width) {
        try {
            return switch (width) {
                case 8 -> (long) GET_LONG.invokeExact(o, off);
                case 4 -> (int) GET_INT.invokeExact(o, off);
                case 2 -> (short) GET_SHORT.invokeExact(o, off);
                default -> (byte) GET_BYTE.invokeExact(o, off);
            };
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stores raw bits read by {@link #getBits} into the primitive field of {@code width} bytes at {@code off}. */
    static void putBits(Object o, long off, long v, int width) {
        try {
            switch (width) {
                case 8 -> PUT_LONG.invokeExact(o, off, v);
                case 4 -> PUT_INT.invokeExact(o, off, (int) v);
                case 2 -> PUT_SHORT.invokeExact(o, off, (short) v);
                default -> PUT_BYTE.invokeExact(o, off, (byte) v);
            }
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }
}
