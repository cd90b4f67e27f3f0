package mmrace.run;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

/**
 * The layout of a class as {@link Snapshot} copies it: the offsets of its reference fields and of
 * its primitive fields with their widths, over the whole class hierarchy (JDK superclasses too).
 * Worked out once per class.
 */
final class Shape {
    private static final ClassValue<Shape> SHAPES = new ClassValue<>() {
        @Override
        protected Shape computeValue(Class<?> c) {
            return new Shape(c);
        }
    };

    final Class<?> type;
    /** Offsets of the reference fields. */
    final long[] refs;
    /** Offsets and widths (bytes) of the primitive fields. */
    final long[] bits;
    final int[] widths;

    private Shape(Class<?> c) {
        this.type = c;
        List<Long> r = new ArrayList<>();
        List<long[]> p = new ArrayList<>();
        if (!c.isArray()) {
            for (Class<?> k = c; k != null; k = k.getSuperclass())
                for (Field f : k.getDeclaredFields()) {
                    if (Modifier.isStatic(f.getModifiers()))
                        continue;
                    Class<?> t = f.getType();
                    if (!t.isPrimitive())
                        r.add(Raw.offset(f));
                    else
                        p.add(new long[] {Raw.offset(f), width(t)});
                }
        }
        refs = new long[r.size()];
        for (int i = 0; i < refs.length; i++)
            refs[i] = r.get(i);
        bits = new long[p.size()];
        widths = new int[p.size()];
        for (int i = 0; i < bits.length; i++) {
            bits[i] = p.get(i)[0];
            widths[i] = (int) p.get(i)[1];
        }
    }

    static Shape of(Class<?> c) {
        return SHAPES.get(c);
    }

    private static int width(Class<?> t) {
        return t == long.class || t == double.class ? 8 : t == int.class || t == float.class ? 4
                : t == short.class || t == char.class ? 2 : 1;
    }

    /** Fields of any kind (for the sharing rules: a class with none has no state). */
    boolean stateless() {
        return refs.length == 0 && bits.length == 0;
    }
}
