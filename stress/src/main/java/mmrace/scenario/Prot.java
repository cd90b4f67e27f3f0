package mmrace.scenario;

/** Protections in scenario files: r, rw, rwx, rx, w, x, none. */
public final class Prot {
    private Prot() {}

    public static final int READ = 1, WRITE = 2, EXEC = 4;

    /** PROT_* bits, or -1. */
    public static int parse(String s) {
        if (s.equals("none") || s.equals("---"))
            return 0;
        int p = 0;
        for (char c : s.toCharArray()) {
            int bit = switch (c) {
                case 'r' -> READ;
                case 'w' -> WRITE;
                case 'x' -> EXEC;
                case '-' -> 0;
                default -> -1;
            };
            if (bit < 0 || (bit != 0 && (p & bit) != 0))
                return -1;
            p |= bit;
        }
        return s.isEmpty() ? -1 : p;
    }

    public static String text(int p) {
        if (p == 0)
            return "none";
        return ((p & READ) != 0 ? "r" : "") + ((p & WRITE) != 0 ? "w" : "") + ((p & EXEC) != 0 ? "x" : "");
    }
}
