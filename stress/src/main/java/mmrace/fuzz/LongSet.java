package mmrace.fuzz;

import java.util.Arrays;

/** An open-addressing set of 64-bit hashes (0 is stored as a separate flag). No removal. */
final class LongSet {
    private long[] slots = new long[64];
    private int size;
    private boolean hasZero;

    /** Adds {@code k}; true if it was not there. */
    boolean add(long k) {
        if (k == 0) {
            if (hasZero)
                return false;
            hasZero = true;
            size++;
            return true;
        }
        if ((size + 1) * 2 > slots.length)
            grow();
        int m = slots.length - 1;
        int i = (int) mix(k) & m;
        while (slots[i] != 0) {
            if (slots[i] == k)
                return false;
            i = (i + 1) & m;
        }
        slots[i] = k;
        size++;
        return true;
    }

    boolean contains(long k) {
        if (k == 0)
            return hasZero;
        int m = slots.length - 1;
        int i = (int) mix(k) & m;
        while (slots[i] != 0) {
            if (slots[i] == k)
                return true;
            i = (i + 1) & m;
        }
        return false;
    }

    int size() {
        return size;
    }

    /** The table itself (0: an empty slot; see {@link #hasZero}): for loops that must not allocate. Do not modify. */
    long[] keys() {
        return slots;
    }

    boolean hasZero() {
        return hasZero;
    }

    void clear() {
        if (size == 0)
            return;
        Arrays.fill(slots, 0);
        size = 0;
        hasZero = false;
    }

    /** Calls {@code f} for every element. */
    void forEach(java.util.function.LongConsumer f) {
        if (hasZero)
            f.accept(0);
        for (long k : slots)
            if (k != 0)
                f.accept(k);
    }

    private void grow() {
        long[] old = slots;
        slots = new long[old.length * 2];
        int m = slots.length - 1;
        for (long k : old) {
            if (k == 0)
                continue;
            int i = (int) mix(k) & m;
            while (slots[i] != 0)
                i = (i + 1) & m;
            slots[i] = k;
        }
    }

    static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }
}
