package mmrace.scenario;

/** Numbers in scenario files: 0x1000, 4096, 4k, 2m. */
public final class Num {
    private Num() {}

    /** Parses a number, or returns null. */
    public static Long parse(String s) {
        try {
            long mul = 1;
            String t = s.toLowerCase();
            if (t.endsWith("k") && !t.startsWith("0x")) {
                mul = 1024;
                t = t.substring(0, t.length() - 1);
            } else if (t.endsWith("m") && !t.startsWith("0x")) {
                mul = 1024 * 1024;
                t = t.substring(0, t.length() - 1);
            }
            long v = t.startsWith("0x") ? Long.parseUnsignedLong(t.substring(2), 16) : Long.parseLong(t);
            return Math.multiplyExact(v, mul);
        } catch (NumberFormatException | ArithmeticException e) {
            return null;
        }
    }

    public static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
