package mmrace.run;

import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A deep copy, made as often as needed, of an object graph that does not change: the state a
 * scenario's set-up left (the Kernel, its mm, its files and all they reach). Generic over the
 * graph: every object is copied field by field from its class's layout ({@link Shape}), whatever
 * the class (port, runtime or JDK), so state a port class gains is copied with no change here.
 *
 * <p>Made in two parts. {@link #of} walks the graph once and compiles it: the objects to copy, in
 * order, and for every reference field the index of its target, or a value shared with the
 * original ({@link Sharing}: immutable values and the port's constants, whose identity the port
 * compares). {@link #copy} then allocates every object without running a constructor and fills
 * its fields: no hashing, no reflection, a few nanoseconds a field.
 *
 * <p>Identity is kept (two references to one object become two references to its one copy).
 * What depends on identity hash codes is rebuilt: a hash map or set whose keys are copied (their
 * hash codes are new) is refilled through its API after the copy. What cannot be copied (a
 * thread, a held lock's owner, a weak reference, an immutable hashed set of copied keys) fails
 * {@link #of} with {@link Unsupported}.
 */
final class Snapshot {
    /** The graph holds something a copy cannot duplicate. */
    static final class Unsupported extends RuntimeException {
        Unsupported(String what) {
            super(what);
        }
    }

    private static final int NULL = -1;

    // The compiled copy, as flat arrays read in order. Object i is an instance of types[i], or (types[i]
    // null) a clone of the array templates[i]. Its nonzero primitive fields are prims[primStart[i] ..]
    // (offset, value, width); its reference slots that are not null (and, in an array, not already
    // right in the clone) are refOff/refTarget[refStart[i] ..]: a field offset or an array index, and
    // the copied object's index or a shared value (-2 - k: shared[k]).
    private final Class<?>[] types;
    private final Object[] templates;
    private final int[] primStart;
    private final long[] primOff, primVal;
    private final byte[] primWidth;
    private final int[] refStart;
    private final long[] refOff;
    private final int[] refTarget;
    private final Object[] shared;
    /** The copied objects that are hash containers to refill. */
    private final int[] rehash;
    private final int[] roots;

    private Snapshot(Compiler k) {
        int n = k.objects.size();
        types = new Class<?>[n];
        templates = new Object[n];
        for (int i = 0; i < n; i++) {
            Object o = k.objects.get(i);
            if (o.getClass().isArray())
                templates[i] = o;
            else
                types[i] = o.getClass();
        }
        primStart = k.primStart.toArray();
        primOff = k.primOff.toArray();
        primVal = k.primVal.toArray();
        primWidth = new byte[k.primWidth.size()];
        for (int i = 0; i < primWidth.length; i++)
            primWidth[i] = (byte) k.primWidth.get(i);
        refStart = k.refStart.toArray();
        refOff = k.refOff.toArray();
        refTarget = k.refTarget.toIntArray();
        shared = k.sharedValues.toArray();
        rehash = k.rehash.toIntArray();
        roots = k.roots;
    }

    /** Compiles the graph reachable from {@code roots} (which must not change afterwards). */
    static Snapshot of(Object... roots) {
        if (!Raw.AVAILABLE)
            throw new Unsupported("raw field access is not available (run with --add-exports java.base/jdk.internal.misc=ALL-UNNAMED)");
        return new Snapshot(new Compiler(roots));
    }

    /** A fresh copy of the graph: the copies of the roots, in order. */
    Object[] copy() {
        int n = types.length;
        Object[] c = new Object[n];
        for (int i = 0; i < n; i++)
            c[i] = types[i] == null ? cloneArray(templates[i]) : Raw.allocate(types[i]);
        long[] off = primOff, val = primVal;
        byte[] w = primWidth;
        for (int i = 0, p = 0, r = 0; i < n; i++) {
            Object d = c[i];
            for (int end = primStart[i + 1]; p < end; p++)
                Raw.putBits(d, off[p], val[p], w[p]);
            int end = refStart[i + 1];
            if (d instanceof Object[] arr) {
                for (; r < end; r++)
                    arr[(int) refOff[r]] = target(c, refTarget[r]);
            } else {
                for (; r < end; r++)
                    Raw.putReference(d, refOff[r], target(c, refTarget[r]));
            }
        }
        for (int i : rehash)
            refill(c[i]);
        Object[] out = new Object[roots.length];
        for (int i = 0; i < roots.length; i++)
            out[i] = target(c, roots[i]);
        return out;
    }

    /** Objects a copy allocates. */
    int size() {
        return types.length;
    }

    private Object target(Object[] c, int t) {
        return t >= 0 ? c[t] : t == NULL ? null : shared[-2 - t];
    }

    private static Object cloneArray(Object o) {
        return switch (o) {
            case Object[] a -> a.clone();
            case byte[] a -> a.clone();
            case long[] a -> a.clone();
            case int[] a -> a.clone();
            case boolean[] a -> a.clone();
            case char[] a -> a.clone();
            case short[] a -> a.clone();
            case double[] a -> a.clone();
            case float[] a -> a.clone();
            default -> throw new IllegalStateException(o.getClass().getName());
        };
    }

    /** A hash container whose keys were copied: its buckets follow the originals' hash codes; put everything in again. */
    @SuppressWarnings("unchecked")
    private static void refill(Object container) {
        if (container instanceof Map<?, ?> m) {
            Map<Object, Object> mm = (Map<Object, Object>) m;
            List<Object[]> kv = new ArrayList<>(m.size());
            for (Map.Entry<?, ?> e : m.entrySet())
                kv.add(new Object[] {e.getKey(), e.getValue()});
            mm.clear();
            for (Object[] e : kv)
                mm.put(e[0], e[1]);
        } else {
            Collection<Object> s = (Collection<Object>) container;
            List<Object> l = new ArrayList<>(s);
            s.clear();
            s.addAll(l);
        }
    }

    // ------------------------------------------------------------------ compiling

    private static final class Compiler {
        private final IdentityHashMap<Object, Integer> index = new IdentityHashMap<>();
        private final IdentityHashMap<Object, Integer> sharedIndex = new IdentityHashMap<>();
        final List<Object> objects = new ArrayList<>();
        final List<Object> sharedValues = new ArrayList<>();
        final Ints rehash = new Ints(), primStart = new Ints(), primWidth = new Ints(), refStart = new Ints(), refTarget = new Ints();
        final Longs primOff = new Longs(), primVal = new Longs(), refOff = new Longs();
        final int[] roots;

        Compiler(Object[] rootObjects) {
            roots = new int[rootObjects.length];
            for (int i = 0; i < roots.length; i++)
                roots[i] = target(rootObjects[i]);
            primStart.add(0);
            refStart.add(0);
            for (int i = 0; i < objects.size(); i++) { // grows as targets are discovered
                Object o = objects.get(i);
                if (o instanceof Object[] a) {
                    for (int j = 0; j < a.length; j++) {
                        int t = target(a[j]);
                        if (t >= 0) { // null and shared elements are right in the clone already
                            refOff.add(j);
                            refTarget.add(t);
                        }
                    }
                } else if (!o.getClass().isArray()) {
                    Shape s = Shape.of(o.getClass());
                    for (int j = 0; j < s.bits.length; j++) {
                        long v = Raw.getBits(o, s.bits[j], s.widths[j]);
                        if (v != 0) {
                            primOff.add(s.bits[j]);
                            primVal.add(v);
                            primWidth.add(s.widths[j]);
                        }
                    }
                    for (long off : s.refs) {
                        int t = target(Raw.getReference(o, off));
                        if (t != NULL) {
                            refOff.add(off);
                            refTarget.add(t);
                        }
                    }
                }
                primStart.add(primOff.size());
                refStart.add(refOff.size());
                if (needsRefill(o))
                    rehash.add(i);
            }
        }

        private int target(Object v) {
            if (v == null)
                return NULL;
            Integer i = index.get(v);
            if (i != null)
                return i;
            if (Sharing.shared(v)) {
                Integer k = sharedIndex.get(v);
                if (k == null) {
                    k = sharedValues.size();
                    sharedValues.add(v);
                    sharedIndex.put(v, k);
                }
                return -2 - k;
            }
            Sharing.checkCopyable(v);
            int k = objects.size();
            objects.add(v);
            index.put(v, k);
            return k;
        }

        /** Hash containers whose keys (or elements) get copies with new hash codes; immutable ones cannot be refilled. */
        private static boolean needsRefill(Object o) {
            Collection<?> keys = o instanceof Map<?, ?> m ? m.keySet() : null;
            boolean hashed = o instanceof java.util.HashMap<?, ?> || o instanceof java.util.concurrent.ConcurrentHashMap<?, ?>
                    || o instanceof java.util.IdentityHashMap<?, ?> || o instanceof java.util.Hashtable<?, ?>;
            boolean immutable = o.getClass().getName().startsWith("java.util.ImmutableCollections$")
                    && (o instanceof java.util.Set<?> || o instanceof Map<?, ?>);
            if (immutable)
                keys = o instanceof Map<?, ?> m ? m.keySet() : (Collection<?>) o;
            if (!hashed && !immutable)
                return false;
            for (Object k : keys)
                if (k != null && !Sharing.shared(k)) {
                    if (immutable && keys.size() > 2)
                        throw new Unsupported("an immutable hashed " + o.getClass().getName() + " of copied keys");
                    return hashed;
                }
            return false;
        }
    }

    /** A growable int array. */
    private static final class Ints {
        private int[] a = new int[64];
        private int n;

        void add(int v) {
            if (n == a.length)
                a = java.util.Arrays.copyOf(a, 2 * n);
            a[n++] = v;
        }

        int size() {
            return n;
        }

        int get(int i) {
            return a[i];
        }

        int[] toArray() {
            return java.util.Arrays.copyOf(a, n);
        }

        int[] toIntArray() {
            return toArray();
        }
    }

    /** A growable long array. */
    private static final class Longs {
        private long[] a = new long[64];
        private int n;

        void add(long v) {
            if (n == a.length)
                a = java.util.Arrays.copyOf(a, 2 * n);
            a[n++] = v;
        }

        int size() {
            return n;
        }

        long[] toArray() {
            return java.util.Arrays.copyOf(a, n);
        }
    }
}
