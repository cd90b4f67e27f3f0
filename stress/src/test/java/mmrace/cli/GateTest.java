package mmrace.cli;

import mmrace.runtime.Mutant;
import mmrace.scenario.Corpus;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gate passes on this tree, and fails with a line naming the scenario, the variant, the
 * expected and the actual verdict and the replay command when a known-bad change is made to the
 * port: lock_vma_under_rcu without its range re-check (corpus/split-under-lookup.scn records a
 * schedule in which a VMA is split between the tree walk and vma_start_read).
 */
class GateTest {
    static String[] gate(Path xml) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int rc = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), "gate", "--quick", "--no-jcstress",
                "--corpus", Corpus.dir().toString(), "--junit-xml", xml.toString());
        return new String[] {String.valueOf(rc), out.toString(), err.toString()};
    }

    @Test
    void passesOnMainAndFailsWithoutTheRangeRecheck() throws Exception {
        Path xml = Files.createTempFile("gate", ".xml");
        String[] ok = gate(xml);
        assertEquals("0", ok[0], ok[1] + ok[2]);
        assertTrue(Files.readString(xml).contains("failures=\"0\""));
        Set<String> before = Mutant.set(Set.of(Mutant.NO_RANGE_RECHECK));
        try {
            String[] bad = gate(xml);
            assertEquals("1", bad[0], bad[1] + bad[2]);
            assertTrue(bad[1].contains("FAIL " + Corpus.dir().resolve("split-under-lookup.scn") + " fast-v1: expected interesting multi-layout, got forbidden kernel-assertion"), bad[1]);
            assertTrue(bad[1].contains("replay: ./mmrace run " + Corpus.dir().resolve("split-under-lookup.scn") + " --variant fast-v1 --trace"), bad[1]);
            assertTrue(Files.readString(xml).contains("<failure message="), "the JUnit XML records the failure");
        } finally {
            Mutant.set(before);
        }
    }
}
