package mmrace.jazzer;

import java.io.ByteArrayOutputStream;

/**
 * Writes the bytes from which a FuzzedDataProvider reads given integers: libFuzzer's
 * ConsumeIntegralInRange (which Jazzer's provider follows) takes integers from the END of the
 * input, most significant byte first, as many bytes as the range needs, and reduces modulo the
 * range. So the values, written big-endian in the order they are read, reversed, are the input.
 * Tests use it to build an input for a chosen scenario; {@code JazzerTargetTest} checks that the
 * provider reads back what was written.
 */
final class FdpBytes {
    private final ByteArrayOutputStream b = new ByteArrayOutputStream();

    /** The value a later consumeInt(min, max) returns. */
    FdpBytes intIn(int min, int max, int value) {
        return range((long) max - min, (long) value - min);
    }

    /** The value a later consumeLong(min, max) returns (min and max with max - min >= 0). */
    FdpBytes longIn(long min, long max, long value) {
        return range(max - min, value - min);
    }

    /** The value a later consumeLong() returns (Jazzer reads its 8 bytes as the value itself, not offset by the minimum). */
    FdpBytes anyLong(long value) {
        long x = value;
        for (int i = 7; i >= 0; i--)
            b.write((int) (x >>> (8 * i)));
        return this;
    }

    private FdpBytes range(long range, long x) {
        int n = 0;
        while (n < 8 && (range >>> (8 * n)) != 0)
            n++;
        for (int i = n - 1; i >= 0; i--)
            b.write((int) (x >>> (8 * i)));
        return this;
    }

    byte[] bytes() {
        byte[] a = b.toByteArray();
        for (int i = 0, j = a.length - 1; i < j; i++, j--) {
            byte t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }
}
