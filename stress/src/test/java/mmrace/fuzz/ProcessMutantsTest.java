package mmrace.fuzz;

import mmrace.oracle.Reason;
import mmrace.runtime.Mutant;
import mmrace.scenario.Op;
import mmrace.scenario.Scenario;
import mmrace.scenario.ScenarioParser;
import mmrace.scenario.Variant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fuzzer finds the processes and fork mutants from an empty corpus, on the port, under a read
 * path that is correct (fast-one-vma-redo), with no hint but its generators (which make fork races
 * and VMA-reuse races among their fresh inputs): what {@code java -Dmmrace.mutant=NAME ... fuzz
 * --stop-on-forbidden} does, in this process. Budgets are executions (the time limit is a safety
 * net), the seed is fixed: the campaign is deterministic.
 *
 * <ul>
 * <li>mmget-from-zero (mmget_not_zero taking a reference from 0): a /proc reader of a process that
 *     exits resurrects its torn-down address space; the struct is freed under the reader's open
 *     file and its release is a use-after-free (freed-memory).</li>
 * <li>dup-mmap-no-vma-lock (dup_mmap without vma_start_write of the parent's VMAs, the 6.4 bug):
 *     copy_page_range's vma_assert_write_locked fires at the first fork (kernel-assertion); the
 *     memory corruption itself (cow-leak) is {@code ProcessesTest}'s.</li>
 * </ul>
 */
class ProcessMutantsTest {
    @TempDir
    Path dir;

    @AfterEach
    void mutantsOff() {
        Mutant.set(Set.of());
    }

    private Campaign.Summary fuzz(String mutant, Set<String> stopAt) throws Exception {
        Mutant.set(Set.of(mutant));
        Campaign.Options o = Campaign.Options.of(List.of(Variant.FAST_ONE_VMA_REDO)).withTime(Duration.ofMinutes(5))
                .withMaxExecutions(4000).withCorpus(dir).withStopOnForbidden(true).withStopReasons(stopAt)
                .withShrink(Minimize.Budget.SMALL).withSeed(1).withProgressEvery(Duration.ofSeconds(30));
        return new Campaign(o, PortTarget::new).run(x -> {});
    }

    static Scenario finding(Campaign.Summary s, String reason) throws Exception {
        for (Campaign.FindingEvent e : s.events())
            if (e.reason().equals(reason))
                return ScenarioParser.parse(e.file());
        throw new AssertionError("no " + reason + " finding:\n" + s.text());
    }

    static boolean has(Scenario s, Class<? extends Op> kind) {
        return s.actors.stream().flatMap(a -> a.ops().stream()).anyMatch(kind::isInstance);
    }

    @Test
    void findsAReaderResurrectingAnExitedAddressSpace() throws Exception {
        Campaign.Summary s = fuzz(Mutant.MMGET_FROM_ZERO, Set.of(Reason.FREED_MEMORY.code()));
        assertEquals(1, s.exitCode(), s::text);
        assertTrue(s.stoppedOnForbidden(), s::text);
        Scenario f = finding(s, Reason.FREED_MEMORY.code());
        assertTrue(f.usesProcesses() && has(f, Op.Exit.class), f::text);
    }

    @Test
    void findsDupMmapWithoutTheVmaWriteLock() throws Exception {
        Campaign.Summary s = fuzz(Mutant.DUP_MMAP_NO_VMA_LOCK, Set.of(Reason.KERNEL_ASSERTION.code(), Reason.COW_LEAK.code()));
        assertEquals(1, s.exitCode(), s::text);
        assertTrue(s.stoppedOnForbidden(), s::text);
        Scenario f = finding(s, s.events().get(0).reason());
        assertTrue(has(f, Op.Fork.class), f::text);
    }
}
