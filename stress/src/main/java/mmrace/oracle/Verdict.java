package mmrace.oracle;

/**
 * The oracle's classification of one execution (or of one read in it): a class, a reason code
 * from {@link Reason}, the step at which it was decided and a one-line explanation.
 */
public record Verdict(Cls cls, String reason, long step, String detail) {
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

    public static Verdict acceptable(long step) {
        return new Verdict(Cls.ACCEPTABLE, Reason.OK, step, "");
    }

    public static Verdict interesting(String reason, long step, String detail) {
        return new Verdict(Cls.INTERESTING, reason, step, detail);
    }

    public static Verdict forbidden(String reason, long step, String detail) {
        return new Verdict(Cls.FORBIDDEN, reason, step, detail);
    }

    /** The more severe of two verdicts; for equal classes, the earlier one. */
    public static Verdict worse(Verdict a, Verdict b) {
        if (a == null)
            return b;
        if (b == null)
            return a;
        if (a.cls != b.cls)
            return a.cls.ordinal() > b.cls.ordinal() ? a : b;
        return b.step < a.step ? b : a;
    }

    /** "forbidden torn-read" / "acceptable". */
    public String label() {
        return cls == Cls.ACCEPTABLE ? cls.word() : cls.word() + " " + reason;
    }

    @Override
    public String toString() {
        return label() + " @" + step + (detail.isEmpty() ? "" : ": " + detail);
    }
}
