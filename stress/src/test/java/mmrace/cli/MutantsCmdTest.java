package mmrace.cli;

import mmrace.report.Json;
import mmrace.report.MutationReport;
import mmrace.runtime.Mutant;
import mmrace.scenario.Corpus;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ./mmrace mutants measures what kills each mutant and reports it as a table, JSON (with the
 * nightly's MutationScore shape) and a page.
 */
class MutantsCmdTest {
    static String[] run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int rc = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new String[] {String.valueOf(rc), out.toString(), err.toString()};
    }

    /**
     * The gate kills expand_downwards without vma_start_write (stack-expand.scn: the store to vm_start
     * of an attached VMA without its write lock), with the scenario and the forbidden outcome named;
     * the unmutated port passes the gate; nothing is fuzzed with a zero budget.
     */
    @Test
    void theGateKillsAMutantAndTheReportSaysWith() throws Exception {
        Path out = Files.createTempDirectory("mutants");
        String[] r = run("mutants", "--only", Mutant.EXPAND_STACK_UNLOCKED, "--budget", "0s", "--out", out.toString(),
                "--corpus", Corpus.dir().toString());
        assertEquals("0", r[0], r[1] + r[2]);
        MutationReport rep = Json.readMutation(out.resolve("mutants.json"));
        assertTrue(rep.baseline().startsWith("passed"), rep.baseline());
        MutationReport.Mutant m = rep.mutants().get(0);
        assertTrue(m.killed() && m.gate().killed(), m.toString());
        assertTrue(m.gate().kill().contains("stack-expand.scn slow: expected interesting multi-layout, got forbidden kernel-assertion"), m.gate().kill());
        assertNull(m.fuzz(), "a zero budget fuzzes nothing");
        assertEquals(1, rep.mutation().killed());
        assertEquals(1, rep.mutation().total());
        assertTrue(r[1].contains("mutation score: 1 of 1 (100%)"), r[1]);
        assertTrue(Files.readString(out.resolve("index.html")).contains("id=\"m-expand-stack-unlocked\""));
        assertTrue(Files.readString(out.resolve("mutants.txt")).contains("expand-stack-unlocked"));
    }

    /**
     * Fuzzing from an empty corpus kills check_vma_flags without its read-permission test (a read of a
     * PROT_NONE mapping returns its bytes: permission-bypass) within a few executions, and the kill's
     * minimised finding shows the mechanism: forbidden with the mutant on, not with it off. The
     * equivalent mutant (vma_start_read without its early lockless check) survives and is left out of
     * the score's total.
     */
    @Test
    void fuzzingKillsAMutantAndShowsItsMechanism() throws Exception {
        Path out = Files.createTempDirectory("mutants");
        String[] r = run("mutants", "--only", Mutant.GUP_READ_NO_PERM + "," + Mutant.NO_EARLY_SEQ_CHECK, "--budget", "15s", "--no-gate",
                "--out", out.toString());
        assertEquals("0", r[0], r[1] + r[2]);
        MutationReport rep = Json.readMutation(out.resolve("mutants.json"));
        MutationReport.Mutant gup = rep.mutants().get(0), eq = rep.mutants().get(1);
        assertEquals(1, gup.fuzz().kills(), gup.toString());
        MutationReport.Kill k = gup.fuzz().first();
        assertEquals("permission-bypass", k.reason());
        assertTrue(k.mechanism(), k.toString());
        assertEquals("forbidden permission-bypass", k.mutantOn());
        assertFalse(k.mutantOff().startsWith("forbidden"), k.mutantOff());
        assertNotNull(k.finding());
        assertTrue(Files.isRegularFile(out.resolve(k.finding())), "the minimised finding is under OUT");
        assertFalse(eq.killed(), "the equivalent mutant survives");
        assertEquals("equivalent", eq.kind());
        assertEquals(1, rep.mutation().total(), "equivalent mutants are left out of the total");
        assertEquals(Set.of(), Mutant.enabled(), "no mutant is left switched on");
    }

    /**
     * A campaign whose executions needed triage (outcomes the oracle could not explain) did not kill:
     * the mutant survives, and the table and the page say how many such outcomes it reached, so that
     * a person can look at them.
     */
    @Test
    void outcomesThatNeedTriageAreShownNotScored() throws Exception {
        MutationReport.Fuzz f = new MutationReport.Fuzz(1, 0, null, null, null,
                java.util.List.of(new MutationReport.Trial(1, false, 1.0, 40, 0, 3)));
        MutationReport.Mutant m = new MutationReport.Mutant("x-mutant", "mutators", "mm/x.c:x", "a bug class in kernel words", "a citation",
                java.util.List.of("slow"), "killable", null, false, null, f);
        var score = new mmrace.report.Summary.MutationScore(0, 1);
        MutationReport r = new MutationReport(MutationReport.FORMAT, "s", "f", "1s", 1, "m", "passed", score, score, score, java.util.List.of(m));
        String text = MutantsText.table(r);
        assertTrue(text.contains("survived: x-mutant [killable]"), text);
        assertTrue(text.contains("needed triage while fuzzing (outcomes the oracle cannot explain; not kills): x-mutant (3)"), text);
        assertTrue(MutantsPage.render(r, "out").contains("3 needed triage"));
    }

    @Test
    void anUnknownMutantIsBadInput() {
        String[] r = run("mutants", "--only", "no-such-mutant", "--budget", "0s");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("no mutant no-such-mutant"), r[2]);
    }
}
