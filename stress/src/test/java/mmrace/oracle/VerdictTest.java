package mmrace.oracle;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Verdicts combine as JCStress grades: forbidden beats needs-triage beats interesting beats acceptable; ties keep the earlier step. */
class VerdictTest {
    @Test
    void worseTakesTheMoreSevereThenTheEarlier() {
        Verdict a = Verdict.acceptable(5), i = Verdict.interesting(Reason.FAST_FALLBACK, 9, ""),
                f1 = Verdict.forbidden(Reason.TORN_READ, 30, ""), f2 = Verdict.forbidden(Reason.LOCK_LEAK, 10, "");
        assertEquals(i, Verdict.worse(a, i));
        assertEquals(f1, Verdict.worse(i, f1));
        assertEquals(f2, Verdict.worse(f1, f2));
        assertEquals("forbidden torn-read", f1.label());
    }

    /**
     * An outcome the oracle cannot explain (needs triage) fails like a forbidden one but is its own
     * class; a forbidden verdict in the same execution is the verdict.
     */
    @Test
    void needsTriageRanksBelowForbiddenAndAboveInteresting() {
        Verdict i = Verdict.interesting(Reason.CONTENT_MIX, 1, ""), t = Verdict.needsTriage(Reason.UNEXPLAINED, 50, ""),
                f = Verdict.forbidden(Reason.TORN_READ, 90, "");
        assertEquals(t, Verdict.worse(i, t));
        assertEquals(f, Verdict.worse(t, f));
        assertEquals("needs-triage unexplained", t.label());
        assertEquals(Verdict.Cls.NEEDS_TRIAGE, Verdict.Cls.of("needs-triage"));
        assertEquals(Verdict.Cls.NEEDS_TRIAGE, Verdict.failing("unexplained"));
        assertEquals(Verdict.Cls.FORBIDDEN, Verdict.failing("freed-memory"));
        assertEquals(Verdict.Cls.FORBIDDEN, Verdict.failing("no-such-code"), "a finding is never acceptable");
        assertTrue(t.cls().fails() && f.cls().fails() && !i.cls().fails());
    }
}
