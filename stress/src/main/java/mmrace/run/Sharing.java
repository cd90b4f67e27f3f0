package mmrace.run;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Set;

/**
 * Which objects of a set-up's state a copy shares with the original instead of copying
 * ({@link Snapshot}), and which it cannot copy at all.
 *
 * <p>Shared: values of immutable types (strings, boxes, enums, classes, reflection and method
 * handles), empty arrays, objects with no fields (capture-less lambdas, stateless operation
 * tables), objects of a class outside the JDK whose instance fields are all final and of such
 * types ({@code mmrace.runtime.Field}), and the port's static constants ({@link Constants}).
 * Refused: threads, class loaders, references, thread-locals, anything closeable: state a copy
 * cannot duplicate.
 */
final class Sharing {
    private Sharing() {}

    private static final Set<Class<?>> VALUE_TYPES = Set.of(String.class, Integer.class, Long.class, Short.class,
            Byte.class, Character.class, Boolean.class, Double.class, Float.class, java.math.BigInteger.class,
            java.math.BigDecimal.class, Class.class);

    private static final ClassValue<Boolean> IMMUTABLE = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> c) {
            return immutableClass(c);
        }
    };

    /** The copy refers to {@code o} itself. */
    static boolean shared(Object o) {
        if (o.getClass().isArray())
            return java.lang.reflect.Array.getLength(o) == 0;
        return IMMUTABLE.get(o.getClass()) || Constants.is(o);
    }

    /** Throws {@link Snapshot.Unsupported} for an object a copy cannot duplicate. */
    static void checkCopyable(Object o) {
        if (o instanceof Thread || o instanceof ThreadGroup || o instanceof ClassLoader || o instanceof java.lang.ref.Reference<?>
                || o instanceof ThreadLocal<?> || o instanceof Module || o instanceof AutoCloseable)
            throw new Snapshot.Unsupported("the state holds a " + o.getClass().getName());
    }

    private static boolean immutableClass(Class<?> c) {
        if (VALUE_TYPES.contains(c) || c.isEnum() || (c.getSuperclass() != null && c.getSuperclass().isEnum()))
            return true;
        String n = c.getName();
        if (n.startsWith("java.lang.reflect.") || n.startsWith("java.lang.invoke."))
            return true;
        if (c.isArray() || c == Object.class)
            return false; // a bare Object is a token or a lock of one machine
        if (Shape.of(c).stateless())
            return true;
        if (isJdk(c))
            return false;
        for (Class<?> k = c; k != Object.class; k = k.getSuperclass())
            for (Field f : k.getDeclaredFields()) {
                int m = f.getModifiers();
                if (!Modifier.isStatic(m) && (!Modifier.isFinal(m) || !immutableType(f.getType())))
                    return false;
            }
        return true;
    }

    /** A declared field type whose every value is immutable. */
    private static boolean immutableType(Class<?> t) {
        if (t.isPrimitive() || VALUE_TYPES.contains(t) || t.isEnum())
            return true;
        return Modifier.isFinal(t.getModifiers()) && !t.isArray() && !isJdk(t) && IMMUTABLE.get(t);
    }

    private static boolean isJdk(Class<?> c) {
        String n = c.getName();
        return n.startsWith("java.") || n.startsWith("javax.") || n.startsWith("jdk.") || n.startsWith("sun.") || n.startsWith("com.sun.");
    }
}
