package mmrace.oracle;

/**
 * The oracle's classification of one execution (or of one read in it): a {@link Reason} (which
 * carries the class), the step at which it was decided and a one-line explanation.
 */
public record Verdict(Reason reason, long step, String detail) {
    /**
     * As JCStress grades outcomes, and LIMIT: no verdict, the execution reached a limit of the
     * model (its step bound, its memory) while still making progress. A limit is neither the
     * kernel's outcome nor a finding; it ranks below forbidden, so that a forbidden outcome seen
     * before the limit is still the verdict.
     */
    public enum Cls {
        ACCEPTABLE, INTERESTING, LIMIT, FORBIDDEN;

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

    /** No verdict: a limit of the model was reached ({@link Reason#MODEL_LIMIT}). */
    public static Verdict limit(long step, String detail) {
        return of(Cls.LIMIT, Reason.MODEL_LIMIT, step, detail);
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
