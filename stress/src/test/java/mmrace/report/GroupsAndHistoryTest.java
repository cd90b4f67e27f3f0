package mmrace.report;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Grouping and the comparison across nights, over synthetic data: what a reviewer reads first
 * ("new tonight") must hold exactly the findings whose mechanism the corpus lacks and whose root
 * cause is not a recognised one; and "since last night" must name the groups that appeared and
 * those that were not seen again, with coverage and rate before and after.
 */
class GroupsAndHistoryTest {
    static final String CAUSE = "generic_access_phys copies past the looked-up page";

    /** The corpus: the reviewers' tear of fast-v1 (MAP_FIXED), the over-read under slow, the -irqoff deadlock with reclaim. */
    static Knowledge corpus() {
        Knowledge k = new Knowledge();
        k.record("corpus/reviewers-race.scn", "fast-v1", "torn-read", "fast-v1 torn-read {mmap-fixed}", null);
        k.record("corpus/regressions/device-overread.scn", "slow", "unexplained", "unexplained via " + CAUSE, CAUSE);
        k.record("corpus/irqoff-ipi-deadlock.scn", "fast-v1-irqoff", "deadlock", "fast-v1-irqoff deadlock {reclaim}", null);
        return k;
    }

    @Test
    void groupsByMechanismAndMarksWhatTheCorpusKnows() {
        List<Groups.Found> found = List.of(
                // three tears by MAP_FIXED: the corpus's mechanism; the representative is the smallest minimised one
                new Groups.Found("fast-v1 torn-read {mmap-fixed}", "fast-v1", "torn-read", null, "corpus/findings/t1.scn", 5, true),
                new Groups.Found("fast-v1 torn-read {mmap-fixed}", "fast-v1", "torn-read", null, "corpus/findings/t2.scn", 3, true),
                new Groups.Found("fast-v1 torn-read {mmap-fixed}", "fast-v1", "torn-read", null, "corpus/findings/unreproduced-t3.scn", 1, false),
                // a tear of fast-v1 by munmap: the corpus knows fast-v1 tears, not by this mechanism
                new Groups.Found("fast-v1 torn-read {munmap}", "fast-v1", "torn-read", null, "corpus/findings/t4.scn", 3, true),
                // the over-read, found under two variants: one group, known by its root cause
                new Groups.Found("unexplained via " + CAUSE, "fast-v1", "unexplained", CAUSE, "corpus/findings/u1.scn", 2, true),
                new Groups.Found("unexplained via " + CAUSE, "fast-one-vma", "unexplained", CAUSE, "corpus/findings/u2.scn", 2, true),
                // a lock leak of the redo variant: a bug class nobody recorded
                new Groups.Found("fast-one-vma-redo lock-leak {mremap-move}", "fast-one-vma-redo", "lock-leak", null, "corpus/findings/l1.scn", 4, true));
        List<Summary.Group> g = Groups.group(found, corpus());

        assertEquals(List.of("fast-one-vma-redo lock-leak {mremap-move}", "fast-v1 torn-read {munmap}", "fast-v1 torn-read {mmap-fixed}",
                "unexplained via " + CAUSE), g.stream().map(Summary.Group::key).toList(), "new of a new class, new of a known class, then known");
        Summary.Group leak = g.get(0), munmap = g.get(1), fixed = g.get(2), phys = g.get(3);
        assertFalse(leak.known());
        assertFalse(leak.knownClass(), "no corpus file records a lock leak of fast-one-vma-redo");
        assertNull(leak.knownBy());
        assertFalse(munmap.known());
        assertTrue(munmap.knownClass(), "fast-v1 tears are a known class; this mechanism is not in the corpus");
        assertTrue(fixed.known());
        assertEquals("corpus/reviewers-race.scn", fixed.knownBy());
        assertEquals(3, fixed.count());
        assertEquals("corpus/findings/t2.scn", fixed.representative(), "the smallest minimised finding, not the unreproduced one");
        assertEquals(3, fixed.files().size());
        assertTrue(phys.known());
        assertEquals("corpus/regressions/device-overread.scn", phys.knownBy());
        assertEquals(List.of("fast-one-vma", "fast-v1"), phys.variants());
        assertEquals(2, phys.count());
        assertEquals("groups/" + Groups.id(fixed.key()) + ".html", fixed.trace());
    }

    @Test
    void aRootCauseTheOracleRecognisesIsKnownEvenWithoutACorpusFile() {
        Knowledge k = new Knowledge();
        Summary.Group g = Groups.group(List.of(new Groups.Found("permission-bypass via " + CAUSE, "slow", "permission-bypass", CAUSE,
                "corpus/findings/p.scn", 2, true)), k).get(0);
        assertTrue(g.known());
        assertEquals("known root cause: " + CAUSE, g.knownBy());
    }

    @Test
    void outcomesArePlacedAgainstTheCorpus() {
        Knowledge k = corpus();
        assertEquals(Summary.Category.FORBIDDEN_KNOWN_CLASS, k.category("forbidden", "fast-v1", "torn-read", null));
        assertEquals(Summary.Category.FORBIDDEN_NEW, k.category("forbidden", "slow", "torn-read", null), "slow never tears in the corpus");
        assertEquals(Summary.Category.FORBIDDEN_NEW, k.category("forbidden", "slow", "unexplained", null),
                "the corpus's unexplained outcome of slow is the over-read; without that root cause it is new");
        assertEquals(Summary.Category.KNOWN_ROOT_CAUSE, k.category("forbidden", "fast-one-vma-redo", "unexplained", CAUSE));
        assertEquals(Summary.Category.INTERESTING, k.category("interesting", "slow", "multi-layout", null));
        assertEquals(Summary.Category.ACCEPTABLE, k.category("acceptable", "slow", "ok", null));
    }

    /** Last night: the MAP_FIXED tear and a munmap tear; 90 probes, 200/s on fast-v1. */
    static final String LAST_NIGHT = """
            {"format": 2, "started": "2026-11-25T02:00:00Z", "budget": "2h",
             "campaigns": {"fast-v1": {"seconds": 600, "executions": 120000, "execsPerSecond": 200, "probes": 90, "edges": 0,
                                       "pairs": 300, "corpus": 150, "samples": []},
                           "slow": {"seconds": 600, "executions": 60000, "execsPerSecond": 100, "probes": 80, "edges": 0,
                                    "pairs": 200, "corpus": 100, "samples": []}},
             "groups": [{"id": "a", "key": "fast-v1 torn-read {mmap-fixed}", "reason": "torn-read", "variants": ["fast-v1"],
                         "known": true, "knownBy": "corpus/reviewers-race.scn", "count": 4, "files": [], "representative": "x"},
                        {"id": "b", "key": "fast-v1 torn-read {munmap}", "reason": "torn-read", "variants": ["fast-v1"],
                         "known": false, "knownClass": true, "count": 1, "files": [], "representative": "y"}],
             "mutation": {"killed": 40, "total": 50},
             "somethingALaterFormatAdds": [1, 2, 3]}
            """;

    /** Tonight: the MAP_FIXED tear again and a new lock leak; the munmap tear was not seen; fast-v1 covers more and runs slower. */
    static final String TONIGHT = """
            {"format": 2, "started": "2026-11-26T02:00:00Z", "budget": "2h",
             "campaigns": {"fast-v1": {"seconds": 600, "executions": 108000, "execsPerSecond": 180, "probes": 95, "edges": 0,
                                       "pairs": 320, "corpus": 160, "samples": []},
                           "fast-one-vma": {"seconds": 600, "executions": 1, "execsPerSecond": 1, "probes": 1, "edges": 0,
                                            "pairs": 1, "corpus": 1, "samples": []}},
             "groups": [{"id": "a", "key": "fast-v1 torn-read {mmap-fixed}", "reason": "torn-read", "variants": ["fast-v1"],
                         "known": true, "knownBy": "corpus/reviewers-race.scn", "count": 2, "files": [], "representative": "x"},
                        {"id": "c", "key": "fast-one-vma-redo lock-leak {mremap-move}", "reason": "lock-leak",
                         "variants": ["fast-one-vma-redo"], "known": false, "count": 1, "files": [], "representative": "z"}]}
            """;

    @Test
    void sinceLastNightOverASyntheticPairOfSummaries() throws Exception {
        Path h = Files.createTempDirectory("history");
        Files.writeString(h.resolve(History.fileName("2026-11-25T02:00:00Z")), LAST_NIGHT);
        Files.createDirectories(h.resolve("2026-11-26"));
        Files.writeString(h.resolve("2026-11-26").resolve("summary.json"), TONIGHT);
        Files.writeString(h.resolve("notes.json"), "[\"not a summary\"]");
        List<String> notes = new ArrayList<>();
        List<History.Night> nights = History.load(List.of(h), notes);
        assertEquals(List.of("2026-11-25T02:00:00Z", "2026-11-26T02:00:00Z"), nights.stream().map(n -> n.summary().started()).toList(),
                "both nights, oldest first, from DIR/*.json and DIR/*/summary.json");
        assertEquals(1, notes.size(), "the file that is not a summary is skipped with a note: " + notes);
        assertTrue(notes.get(0).contains("notes.json"));

        Summary tonight = nights.get(1).summary();
        Summary last = History.previous(nights, tonight.started());
        assertEquals("2026-11-25T02:00:00Z", last.started());
        assertNull(History.previous(nights, "2026-11-25T02:00:00Z"), "nothing before the first night");

        Summary.SinceLastNight d = History.diff(last, tonight);
        assertEquals("2026-11-25T02:00:00Z", d.previous());
        assertEquals(List.of("fast-one-vma-redo lock-leak {mremap-move}"), d.newGroups());
        assertEquals(List.of("fast-v1 torn-read {munmap}"), d.goneGroups());
        assertChange(d, "groups", null, 2, 2);
        assertChange(d, "new groups", null, 1, 1);
        assertChange(d, "probes", "fast-v1", 90, 95);
        assertChange(d, "operation pairs", "fast-v1", 300, 320);
        assertChange(d, "executions/s", "fast-v1", 200, 180);
        assertChange(d, "corpus inputs", "fast-v1", 150, 160);
        assertTrue(d.changes().stream().noneMatch(c -> c.what().contains("edges")), "edges are 0 on both nights: not compared");
        assertTrue(d.changes().stream().noneMatch(c -> "slow".equals(c.campaign()) || "fast-one-vma".equals(c.campaign())),
                "a campaign of only one night is not compared");
        assertTrue(d.changes().stream().noneMatch(c -> c.what().contains("mutation")), "tonight has no mutation score: none is made up");
        assertEquals(80.0, last.mutation().percent());
        assertNull(tonight.mutation());

        // and the comparison survives the round trip through summary.json
        Summary withDiff = new Summary(tonight.format(), tonight.started(), null, tonight.budget(), null, null, null, List.of(),
                tonight.campaigns(), tonight.groups(), List.of(), null, d);
        Summary back = Json.read(Json.write(withDiff));
        assertEquals(d, back.sinceLastNight());
        assertFalse(Json.write(withDiff).contains("\"mutation\""), "an absent mutation score is left out, not written as 0");
    }

    static void assertChange(Summary.SinceLastNight d, String what, String campaign, double before, double now) {
        Summary.Change c = d.changes().stream().filter(x -> x.what().equals(what) && java.util.Objects.equals(x.campaign(), campaign))
                .findFirst().orElseThrow(() -> new AssertionError("no change named " + what + " of " + campaign + " in " + d.changes()));
        assertEquals(before, c.before(), what);
        assertEquals(now, c.now(), what);
    }
}
