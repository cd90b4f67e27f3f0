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
 * schedule in which a VMA is split between the tree walk and vma_start_read), and three more
 * mutants of the catalogue (runtime.Mutant, docs/MUTANTS.md), each failing the gate with the
 * forbidden outcome the corpus scenario that exercises it gives.
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

    /**
     * Runs the gate with {@code mutant} on: it must fail (exit 1) on {@code scenario} under slow
     * with a forbidden {@code reason} where the corpus expects a non-forbidden outcome.
     */
    static void failsWith(String mutant, String scenario, String reason) throws Exception {
        Path xml = Files.createTempFile("gate", ".xml");
        Set<String> before = Mutant.set(Set.of(mutant));
        try {
            String[] bad = gate(xml);
            assertEquals("1", bad[0], mutant + ": " + bad[1] + bad[2]);
            String line = "FAIL " + Corpus.dir().resolve(scenario) + " slow: expected ";
            assertTrue(bad[1].lines().anyMatch(l -> l.startsWith(line) && l.contains(", got forbidden " + reason + " ")),
                    mutant + " should fail " + scenario + " with forbidden " + reason + ":\n" + bad[1]);
        } finally {
            Mutant.set(before);
        }
    }

    /** expand_downwards without vma_start_write (before c137381f71ae): the VMA's vm_start changes under no VMA write lock. */
    @Test
    void failsWhenStackExpansionDoesNotLockTheVma() throws Exception {
        failsWith(Mutant.EXPAND_STACK_UNLOCKED, "stack-expand.scn", "kernel-assertion");
    }

    /** mprotect_fixup changing vm_flags before vma_start_write: vma_assert_write_locked fires in vm_flags_reset_once. */
    @Test
    void failsWhenMprotectChangesFlagsBeforeLocking() throws Exception {
        failsWith(Mutant.MPROTECT_FLAGS_BEFORE_LOCK, "mprotect-none.scn", "kernel-assertion");
    }

    /** mmap_write_unlock without vma_end_write_all: the write section never ends (mm_lock_seq left odd), a lock leak. */
    @Test
    void failsWhenMmapWriteUnlockLeavesTheVmasWriteLocked() throws Exception {
        failsWith(Mutant.UNLOCK_NO_END_WRITE, "device-io.scn", "lock-leak");
    }
}
