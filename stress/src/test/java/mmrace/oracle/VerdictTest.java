package mmrace.oracle;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Verdicts combine as JCStress grades: forbidden beats interesting beats acceptable; ties keep the earlier step. */
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
}
