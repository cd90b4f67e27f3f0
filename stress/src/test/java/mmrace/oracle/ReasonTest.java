package mmrace.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import mmrace.scenario.Corpus;
import mmrace.scenario.Scenario;
import mmrace.scenario.ScenarioError;
import mmrace.scenario.ScenarioParser;
import org.junit.jupiter.api.Test;

/**
 * Reason codes are the vocabulary of scenario files' expect lines and of every output: they must
 * not change, each belongs to exactly one class, and every expect line in corpus/ names a reason
 * of the class the line gives.
 */
class ReasonTest {
    /** "NOTES 4.3", "NOTES section 5": a section of a document that is not in the repository (docs/ files are cited by path). */
    private static final java.util.regex.Pattern OUTSIDE_CITATION = java.util.regex.Pattern.compile("\\b[A-Z][A-Z_]{4,}\\s+(?:section\\s+)?\\d");

    @Test
    void theCodesAreTheOnesFilesAndOutputsUse() {
        assertEquals(List.of("torn-read", "freed-memory", "permission-bypass", "lock-leak", "refcount-leak", "deadlock", "livelock",
                "kernel-assertion", "java-exception", "cow-leak", "contract", "unexplained", "fast-fallback", "multi-layout",
                "short-read", "content-mix", "pinned-folio", "vma-lock-retry", "stack-lock-drop", "model-limit", "ok",
                // remote writes
                "cow-bypass", "torn-write", "write-lost", "write-raced"), Arrays.stream(Reason.values()).map(Reason::code).toList());
        for (Reason r : Reason.values()) {
            assertEquals(r.code(), r.toString(), "toString is the code, as outputs print it");
            assertEquals(r, Reason.of(r.code()));
            assertFalse(OUTSIDE_CITATION.matcher(r.rule()).find(), r + " cites a document outside the repository: " + r.rule());
        }
        assertNull(Reason.of("torn"));
        assertEquals("torn", Reason.rule("torn"), "an unknown code explains itself");
    }

    @Test
    void aVerdictTakesItsClassFromItsReason() {
        assertEquals(Verdict.Cls.FORBIDDEN, Verdict.forbidden(Reason.TORN_READ, 1, "").cls());
        assertEquals(Verdict.Cls.INTERESTING, Verdict.interesting(Reason.SHORT_READ, 1, "").cls());
        assertEquals(Verdict.Cls.ACCEPTABLE, Verdict.acceptable(1).cls());
        assertEquals(Verdict.Cls.NEEDS_TRIAGE, Verdict.needsTriage(Reason.UNEXPLAINED, 1, "").cls());
        assertEquals(Verdict.Cls.FORBIDDEN, Verdict.forbidden(Reason.CONTRACT, 1, "").cls());
        assertEquals(Verdict.Cls.INTERESTING, Verdict.interesting(Reason.PINNED_FOLIO, 1, "").cls());
        assertThrows(IllegalArgumentException.class, () -> Verdict.forbidden(Reason.UNEXPLAINED, 1, ""));
        assertThrows(IllegalArgumentException.class, () -> Verdict.needsTriage(Reason.TORN_READ, 1, ""));
        assertThrows(IllegalArgumentException.class, () -> Verdict.forbidden(Reason.SHORT_READ, 1, ""));
        assertThrows(IllegalArgumentException.class, () -> Verdict.interesting(Reason.TORN_READ, 1, ""));
    }

    @Test
    void everyExpectLineInTheCorpusNamesAReasonOfItsClass() throws IOException, ScenarioError {
        List<Path> files;
        try (Stream<Path> s = Files.walk(Corpus.dir())) {
            files = s.filter(p -> p.toString().endsWith(".scn")).sorted().toList();
        }
        int n = 0;
        for (Path f : files)
            for (Scenario.Expect e : ScenarioParser.parse(f).expects.values()) {
                if (e.reason() == null)
                    continue;
                Reason r = Reason.of(e.reason());
                assertNotNull(r, f + ":" + e.line() + ": unknown reason " + e.reason());
                assertEquals(e.cls(), r.cls().word(), f + ":" + e.line() + ": " + e.reason() + " is " + r.cls().word());
                n++;
            }
        assertFalse(n < 50, "only " + n + " expect lines with a reason");
    }
}
