package mmrace.cli;

import mmrace.scenario.Corpus;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A finding is only believable if it replays: `./mmrace run` of the reviewers' race under its
 * recorded fast-v1 schedule prints the same verdict and the same step-by-step trace, byte for byte,
 * 100 times in a row.
 */
class ReplayDeterminismTest {
    static String run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int rc = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        assertEquals("", err.toString());
        return rc + "\n" + out;
    }

    @Test
    void recordedTornReadReplaysIdentically100Times() {
        String file = Corpus.dir().resolve("reviewers-race.scn").toString();
        String first = run("run", file, "--variant", "fast-v1", "--trace", "full");
        assertTrue(first.startsWith("1\n"), "a forbidden outcome exits 1");
        assertTrue(first.contains("forbidden torn-read"), first);
        assertTrue(first.contains("lock_vma_under_rcu(0x12000) -> C"), "the reader locks the new VMA C for the second half");
        for (int i = 1; i < 100; i++)
            assertEquals(first, run("run", file, "--variant", "fast-v1", "--trace", "full"), "run " + i + " differs");
    }
}
