package mmrace.oracle;

import mmrace.runtime.Mutant;
import mmrace.run.Runner;
import mmrace.scenario.Scenario;
import mmrace.scenario.ScenarioParser;
import mmrace.scenario.Variant;
import mmrace.sched.Config;
import mmrace.sched.RandomWalk;
import mmrace.sched.Strategy;
import mmrace.sched.TraceRecorder;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The oracle's rules on small races through the port, each under the schedule its scenario file
 * records (stress/src/test/resources/mmrace/oracle/): the verdict, and the steps of the trace that
 * make it so, in order. A failure prints the whole trace.
 */
class OracleScenariosTest {
    static Scenario scenario(String name) throws Exception {
        return ScenarioParser.parse(Path.of(OracleScenariosTest.class.getResource("/mmrace/oracle/" + name).toURI()));
    }

    /** Runs the scenario under v with its recorded schedule; asserts the verdict and that the trace has these lines in order. */
    static Runner.Outcome expect(String file, Variant v, String label, String... lines) throws Exception {
        Runner.Outcome o = Runner.run(scenario(file), v, true);
        String trace = TraceRecorder.text(o.trace(), o.result().actors()) + "verdict: " + o.verdict();
        assertEquals(label, o.verdict().label(), trace);
        inOrder(o.trace(), trace, lines);
        return o;
    }

    static void inOrder(List<TraceRecorder.Row> rows, String trace, String... lines) {
        int at = 0;
        for (String want : lines) {
            while (at < rows.size() && !rows.get(at).text().contains(want))
                at++;
            assertTrue(at < rows.size(), "no '" + want + "' after the lines before it in\n" + trace);
        }
    }

    /**
     * Item 1: fast-v1 copies A's bytes, mprotect makes A PROT_NONE (a new layout; this read has no
     * FOLL_FORCE), then B is written and fast-v1 copies B's new bytes. Each byte sat in memory at
     * some instant, but 'c' at 0x11000 only in the layout where A was no longer readable: no content
     * mix, a torn read. (Graded "interesting content-mix" while the judge took B's bytes from any
     * instant of the read.)
     */
    @Test
    void bytesFromALaterLayoutAcrossTwoVmasAreTorn() throws Exception {
        expect("later-layout-bytes.scn", Variant.FAST_V1, "forbidden torn-read",
                "copy 8 bytes from folio 6 at 0x10ff8", "mprotect(0x10000, 0x1000, none) = 0x0",
                "user store of 4096 bytes at 0x11000", "copy 8 bytes from folio 7 at 0x11000");
    }

    /** The same with the slow path: mprotect waits for mmap_read_lock; the read stops short at A. */
    @Test
    void theSlowPathCannotReturnIt() throws Exception {
        expect("later-layout-bytes.scn", Variant.SLOW, "interesting short-read",
                "mprotect(0x10000, 0x1000, none) = 0x0", "__access_remote_vm stops at 0x10ff8");
    }

    /**
     * Item 1, inside one VMA: fast-one-vma copies the prefix from A's present first page, falls back
     * at 0x11000 (not present), and before the slow path takes mmap_lock the first page becomes
     * PROT_NONE and 0x11000 is written. The remainder comes from a layout in which the prefix was
     * not readable.
     */
    @Test
    void prefixThenFallbackBytesFromALaterLayoutAreTorn() throws Exception {
        expect("later-layout-fallback.scn", Variant.FAST_ONE_VMA, "forbidden torn-read",
                "copy 8 bytes from folio 6 at 0x10ff8", "fast path falls back at 0x11000",
                "mprotect(0x10000, 0x1000, none) = 0x0", "user store of 4096 bytes at 0x11000",
                "mmap_read_lock_killable(mm)", "copy 8 bytes from folio 7 at 0x11000");
    }

    /**
     * Item 2: the ptlock of a freed page table is freed memory. The slow path's second read is
     * inside pte_offset_map_lock (RCU held, table mapped, ptlock not yet taken) when khugepaged
     * retracts F's table. With the known-bad change that frees the table at once instead of through
     * pte_free_defer, the reader's spin_lock on the table's ptlock is a KASAN use-after-free. (While
     * the ptlock was treated as a permanent struct page field, the lock was taken, the pmd re-check
     * failed, the walk retried and nothing was reported.)
     */
    @Test
    void ptlockOfATableFreedWithoutAGracePeriodIsFreedMemory() throws Exception {
        Set<String> before = Mutant.set(Set.of(Mutant.RETRACT_FREE_NOW));
        try {
            expect("retract-free-now.scn", Variant.SLOW, "forbidden freed-memory",
                    "mmap_read_lock_killable(mm)", "retract_page_tables: F 0x200000: table pte table 6",
                    "use-after-free write of ptl");
        } finally {
            Mutant.set(before);
        }
    }

    /**
     * The same schedule as the kernel runs it: pte_free_defer keeps the table, and its ptlock, until
     * the reader leaves its RCU section; the reader locks it, sees the pmd changed, and retries.
     */
    @Test
    void ptlockOfATableFreedThroughPteFreeDeferStaysUsable() throws Exception {
        Runner.Outcome o = expect("retract-free-now.scn", Variant.SLOW, "acceptable",
                "retract_page_tables: F 0x200000: table pte table 6", "filemap_fault(G, pgoff 1)");
        assertEquals(List.of(), o.oracle().kernel().reports.all());
    }

    /**
     * Item 4 (corpus/regressions/gup-pin-outlives-pte.scn): the slow path's GUP pins the page-cache
     * folio D maps; t1's store COWs D to a new folio, then writes the old one through E (a shared
     * mapping of the same file page); the reader copies from the folio it pinned. Graded forbidden
     * unexplained ("bytes at 0x12000 were never in the range") while the oracle only knew what the
     * page tables mapped; it is what the kernel does.
     */
    @Test
    void aGupPinOutlivesThePteItCameFrom() throws Exception {
        Scenario s = ScenarioParser.parse(mmrace.scenario.Corpus.dir().resolve("regressions/gup-pin-outlives-pte.scn"));
        Runner.Outcome o = Runner.run(s, Variant.SLOW, true);
        String trace = TraceRecorder.text(o.trace(), o.result().actors()) + "verdict: " + o.verdict();
        assertEquals("interesting pinned-folio", o.verdict().label(), trace);
        inOrder(o.trace(), trace, "faultin_page(D, 0x12000)", "wp_page_copy(D, 0x12000): folio 7 -> folio 8",
                "user store of 8 bytes at 0x13000 into folio 7", "copy 8 bytes from folio 7 at 0x12000");
    }

    /**
     * Item 3: a MADV_DONTNEED that zaps its range but the last page and returns 0 (the known-bad
     * change dontneed-skips-last-page). Every read of the race is still explained (a content mix is
     * allowed while the zap races with it); the operation's post-condition is not: once it has
     * returned, private anonymous memory it zapped reads zeros, and 0x11000 still holds 'a'.
     */
    @Test
    void aDontneedThatSkipsAPageBreaksItsContract() throws Exception {
        Set<String> before = Mutant.set(Set.of(Mutant.DONTNEED_SKIPS_LAST_PAGE));
        try {
            for (Variant v : List.of(Variant.SLOW, Variant.FAST_V1)) {
                Runner.Outcome o = expect("dontneed-contract.scn", v, "forbidden contract",
                        "zap_page_range_single_batched(A, 0x10000, 0x1000)", "madvise(0x10000, 0x2000, MADV_DONTNEED) = 0x0");
                assertTrue(o.verdict().detail().startsWith("0x11000 reads 'aaaaaaaa...' where the completed operations leave '\\x00"),
                        o.verdict().detail());
                assertTrue(o.verdict().detail().endsWith("the last operation to touch it: 'madvise 0x10000 0x2000 dontneed' by t1, returned 0x0"),
                        o.verdict().detail());
            }
        } finally {
            Mutant.set(before);
        }
    }

    /** The same race as the kernel runs it: the read's verdict, and no broken contract. */
    @Test
    void aDontneedAsTheKernelDoesItKeepsItsContract() throws Exception {
        assertEquals("interesting content-mix", Runner.run(scenario("dontneed-contract.scn"), Variant.SLOW, false).verdict().label());
    }

    /**
     * Room for what races: DONTNEED of two pages, a store into the first, reclaim of the second and a
     * read across both, in 200 random schedules per read path. The store lands before or after the
     * zap and reclaim swaps out whatever is there; no schedule breaks a post-condition. With the
     * known-bad DONTNEED, the same schedules do (at the second page, which only reclaim and the
     * read race for, and neither changes what it holds).
     */
    @Test
    void racingOperationsKeepTheirContractsAndABadOneIsCaught() throws Exception {
        Scenario s = scenario("contract-races.scn");
        for (Variant v : List.of(Variant.SLOW, Variant.FAST_V1)) {
            Map<String, Integer> good = outcomes(s, v, 200);
            assertTrue(good.keySet().stream().noneMatch(k -> k.startsWith("forbidden")), v.id + ": " + good);
            assertTrue(good.size() > 1, v.id + ": the schedules differ in outcome: " + good);
            Set<String> before = Mutant.set(Set.of(Mutant.DONTNEED_SKIPS_LAST_PAGE));
            try {
                Map<String, Integer> bad = outcomes(s, v, 200);
                assertTrue(bad.getOrDefault("forbidden contract", 0) > 0, v.id + ": " + bad);
            } finally {
                Mutant.set(before);
            }
        }
    }

    static Map<String, Integer> outcomes(Scenario s, Variant v, int runs) {
        Strategy st = new RandomWalk(1);
        Map<String, Integer> out = new TreeMap<>();
        for (int i = 0; i < runs; i++)
            out.merge(Runner.run(s, v, st, Config.DEFAULT).verdict().label(), 1, Integer::sum);
        return out;
    }
}
