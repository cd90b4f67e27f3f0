package mmrace.oracle;

/**
 * The oracle's classification of one execution (or of one read in it): a {@link Reason} (which
 * carries the class), the step at which it was decided and a one-line explanation.
 */
public record Verdict(Reason reason, long step, String detail) {
    /** As JCStress grades outcomes. */
    public enum Cls {
        ACCEPTABLE, INTERESTING, FORBIDDEN;

        public String word() {
            return name().toLowerCase();
        }

        public static Cls of(String w) {
            return valueOf(w.toUpperCase());
        }
    }

    /** The class of the verdict: its reason's. */
    public Cls cls() {
        return reason.cls();
    }

    public static Verdict acceptable(long step) {
        return new Verdict(Reason.OK, step, "");
    }

    public static Verdict interesting(Reason reason, long step, String detail) {
        return of(Cls.INTERESTING, reason, step, detail);
    }

    public static Verdict forbidden(Reason reason, long step, String detail) {
        return of(Cls.FORBIDDEN, reason, step, detail);
    }

    private static Verdict of(Cls cls, Reason reason, long step, String detail) {
        if (reason.cls() != cls)
            throw new IllegalArgumentException(reason + " is " + reason.cls().word() + ", not " + cls.word());
        return new Verdict(reason, step, detail);
    }

    /** The more severe of two verdicts; for equal classes, the earlier one. */
    public static Verdict worse(Verdict a, Verdict b) {
        if (a == null)
            return b;
        if (b == null)
            return a;
        if (a.cls() != b.cls())
            return a.cls().ordinal() > b.cls().ordinal() ? a : b;
        return b.step < a.step ? b : a;
    }

    /** "forbidden torn-read" / "acceptable". */
    public String label() {
        return cls() == Cls.ACCEPTABLE ? cls().word() : cls().word() + " " + reason;
    }

    @Override
    public String toString() {
        return label() + " @" + step + (detail.isEmpty() ? "" : ": " + detail);
    }
}
