package mmrace.fuzz;

import java.util.Arrays;

/** An open-addressing map from 64-bit hashes to counts (0 is kept apart). No removal, no boxing. */
final class LongIntMap {
    private long[] keys = new long[256];
    private int[] vals = new int[256];
    private int size;
    private boolean hasZero;
    private int zero;

    /** Adds {@code d} to the count of {@code k} (absent: 0); returns the new count. */
    int add(long k, int d) {
        if (k == 0) {
            if (!hasZero) {
                hasZero = true;
                size++;
            }
            return zero += d;
        }
        if ((size + 1) * 2 > keys.length)
            grow();
        int m = keys.length - 1;
        int i = (int) LongSet.mix(k) & m;
        while (keys[i] != 0) {
            if (keys[i] == k)
                return vals[i] += d;
            i = (i + 1) & m;
        }
        keys[i] = k;
        size++;
        return vals[i] = d;
    }

    /** The count of {@code k}, 0 if absent. */
    int get(long k) {
        if (k == 0)
            return hasZero ? zero : 0;
        int m = keys.length - 1;
        int i = (int) LongSet.mix(k) & m;
        while (keys[i] != 0) {
            if (keys[i] == k)
                return vals[i];
            i = (i + 1) & m;
        }
        return 0;
    }

    boolean contains(long k) {
        if (k == 0)
            return hasZero;
        int m = keys.length - 1;
        int i = (int) LongSet.mix(k) & m;
        while (keys[i] != 0) {
            if (keys[i] == k)
                return true;
            i = (i + 1) & m;
        }
        return false;
    }

    int size() {
        return size;
    }

    private void grow() {
        long[] ok = keys;
        int[] ov = vals;
        keys = new long[ok.length * 2];
        vals = new int[ok.length * 2];
        int m = keys.length - 1;
        for (int j = 0; j < ok.length; j++) {
            if (ok[j] == 0)
                continue;
            int i = (int) LongSet.mix(ok[j]) & m;
            while (keys[i] != 0)
                i = (i + 1) & m;
            keys[i] = ok[j];
            vals[i] = ov[j];
        }
    }

    void clear() {
        Arrays.fill(keys, 0);
        size = 0;
        hasZero = false;
        zero = 0;
    }
}
