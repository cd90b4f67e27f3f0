package mmrace.oracle;

/**
 * The oracle's classification of one execution (or of one read in it): a {@link Reason} (which
 * carries the class), the step at which it was decided and a one-line explanation.
 */
public record Verdict(Reason reason, long step, String detail) {
    /**
     * As JCStress grades outcomes, plus two classes of their own. NEEDS_TRIAGE: an outcome the
     * oracle cannot explain by its rules. That is the oracle's limit, not a kernel rule broken: it
     * fails the gate like a forbidden outcome, but is reported apart until a person has read the
     * trace (docs/ORACLE.md). A forbidden outcome in the same execution is the verdict: it is a
     * definite result. LIMIT: no verdict, the execution reached a limit of the model (its step
     * bound, its memory) while still making progress. A limit is neither the kernel's outcome nor a
     * finding; it ranks below needs-triage and forbidden, so that such an outcome seen before the
     * limit is still the verdict.
     */
    public enum Cls {
        ACCEPTABLE, INTERESTING, LIMIT, NEEDS_TRIAGE, FORBIDDEN;

        /** "acceptable", "needs-triage": as expect lines and reports write it. */
        public String word() {
            return name().toLowerCase().replace('_', '-');
        }

        public static Cls of(String w) {
            return valueOf(w.toUpperCase().replace('-', '_'));
        }

        /** Forbidden or needs triage: a finding that fails the gate and a run's exit status. */
        public boolean fails() {
            return this == FORBIDDEN || this == NEEDS_TRIAGE;
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

    /** The oracle cannot explain the outcome (reason {@link Reason#UNEXPLAINED}). */
    public static Verdict needsTriage(Reason reason, long step, String detail) {
        return of(Cls.NEEDS_TRIAGE, reason, step, detail);
    }

    /**
     * The class a finding with this reason code gets: its reason's when that fails (needs-triage for
     * "unexplained"), else forbidden (a finding is never acceptable or interesting).
     */
    public static Cls failing(String code) {
        Reason r = Reason.of(code);
        return r != null && r.cls().fails() ? r.cls() : Cls.FORBIDDEN;
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
