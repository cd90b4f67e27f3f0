package mmrace.run;

import mmrace.fuzz.Campaign;
import mmrace.fuzz.PortTarget;
import mmrace.oracle.Reason;
import mmrace.oracle.Verdict;
import mmrace.runtime.Mutant;
import mmrace.scenario.Corpus;
import mmrace.scenario.Scenario;
import mmrace.scenario.ScenarioParser;
import mmrace.scenario.Variant;
import mmrace.sched.Config;
import mmrace.sched.Pct;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Dirty COW bug class, planted through the mutant seam ({@link Mutant#DIRTY_COW}: the
 * pre-19be0eaffa3a faultin_page, which dropped FOLL_WRITE once the write fault had broken COW on a
 * VMA without VM_WRITE). A FOLL_FORCE write racing MADV_DONTNEED of the same page must then be
 * caught by rule W1: the bytes land in the file's page cache (corpus/regressions/dirty-cow.scn) or
 * in the zero page (dirty-cow-zero-page.scn). Without the mutant the same schedules are acceptable,
 * and a PCT exploration finds nothing forbidden. What {@code MMRACE_MUTANT=dirty-cow ./mmrace fuzz}
 * does from an empty corpus, it finds within 60 s.
 */
class DirtyCowTest {
    static Scenario corpus(String name) throws Exception {
        return ScenarioParser.parse(Corpus.dir().resolve("regressions").resolve(name));
    }

    static <T> T withMutant(java.util.function.Supplier<T> body) {
        Set<String> before = Mutant.set(Set.of(Mutant.DIRTY_COW));
        try {
            return body.get();
        } finally {
            Mutant.set(before);
        }
    }

    /** PCT of depth 2 over {@code runs} seeds on slow: how many executions got each verdict label. */
    static TreeMap<String, Integer> explore(Scenario s, int runs) {
        TreeMap<String, Integer> counts = new TreeMap<>();
        for (long seed = 1; seed <= runs; seed++) {
            Verdict v = Runner.run(s, Variant.SLOW, new Pct(2, 256, seed), Config.DEFAULT).verdict();
            counts.merge(v.label(), 1, Integer::sum);
        }
        return counts;
    }

    /** The recorded schedules: acceptable on the port, forbidden cow-bypass with the mutant, naming the page. */
    @Test
    void recordedRacesAreForbiddenOnlyWithTheMutant() throws Exception {
        Scenario file = corpus("dirty-cow.scn"), zero = corpus("dirty-cow-zero-page.scn");
        assertEquals(Verdict.Cls.ACCEPTABLE, Runner.run(file, Variant.SLOW, false).verdict().cls());
        assertEquals(Verdict.Cls.ACCEPTABLE, Runner.run(zero, Variant.SLOW, false).verdict().cls());
        Verdict f = withMutant(() -> Runner.run(file, Variant.SLOW, false).verdict());
        assertEquals(Reason.COW_BYPASS, f.reason(), f.toString());
        assertTrue(f.detail().startsWith("page 0 of file F's page cache was written at 0x20010 through P"), f.detail());
        Verdict z = withMutant(() -> Runner.run(zero, Variant.SLOW, false).verdict());
        assertEquals(Reason.COW_BYPASS, z.reason(), z.toString());
        assertEquals("the zero page was written at 0x40010", z.detail());
    }

    /**
     * Exploring the race without a recorded schedule: with the mutant PCT finds the forbidden
     * write within 200 schedules (about one in twenty hits the window between the COW fault and the
     * retried lookup); without it the same 200 are acceptable, or interesting write-raced where the
     * zap came after GUP took the page.
     */
    @Test
    void pctFindsTheMutantAndNothingForbiddenWithoutIt() throws Exception {
        Scenario s = corpus("dirty-cow.scn");
        TreeMap<String, Integer> bad = withMutant(() -> explore(s, 200));
        assertTrue(bad.getOrDefault("forbidden cow-bypass", 0) > 0, bad.toString());
        TreeMap<String, Integer> good = explore(s, 200);
        assertFalse(good.keySet().stream().anyMatch(k -> k.startsWith("forbidden")), good.toString());
        assertTrue(good.containsKey("acceptable"), good.toString());
    }

    @TempDir
    Path dir;

    /**
     * {@code MMRACE_MUTANT=dirty-cow ./mmrace fuzz --variant slow --time 60s --stop-on-forbidden
     * --stop-reasons cow-bypass --seed 2} from an empty corpus: the generator makes a FOLL_FORCE
     * poke into the private file mapping raced by a MADV_DONTNEED of its page, PCT hits the window,
     * and the campaign stops on forbidden cow-bypass within its 60 s budget (about 200 executions
     * for this seed; other seeds take a few thousand: ./mmrace mutants measures them), minimised
     * and saved; the saved finding replays forbidden with the mutant and not without it. The
     * generic_access_phys over-read every variant shares is found on the way by some seeds
     * (unexplained) and does not stop the campaign. Without the mutant the same campaign, stopped at
     * the same number of executions, finds no cow-bypass.
     */
    @Test
    void fuzzingFromAnEmptyCorpusFindsTheMutantWithin60s() throws Exception {
        Campaign.Summary sum = withMutant(() -> campaign(dir.resolve("on"), Duration.ofSeconds(60), 0));
        Campaign.FindingEvent e = sum.events().stream().filter(x -> x.reason().equals(Reason.COW_BYPASS.code())).findFirst().orElse(null);
        assertTrue(e != null && sum.stoppedOnForbidden(), sum::text);
        assertTrue(e.at().compareTo(Duration.ofSeconds(60)) < 0, sum::text);
        System.out.println("dirty-cow fuzzing: cow-bypass after " + e.executions() + " executions, " + e.at().toMillis() / 1000.0 + " s");
        assertTrue(e.file() != null && Files.isRegularFile(e.file()), sum::text);
        Scenario found = ScenarioParser.parse(e.file());
        Verdict on = withMutant(() -> Runner.run(found, Variant.SLOW, false).verdict());
        assertEquals(Reason.COW_BYPASS, on.reason(), on.toString());
        Verdict off = Runner.run(found, Variant.SLOW, false).verdict();
        assertFalse(off.cls() == Verdict.Cls.FORBIDDEN, off.toString());

        Campaign.Summary without = campaign(dir.resolve("off"), Duration.ofSeconds(120), e.executions());
        assertFalse(without.findings().containsKey(Reason.COW_BYPASS.code()), without::text);
    }

    /** A stop-on-forbidden campaign on slow, seed 2, stopping only at cow-bypass; an execution budget if {@code execs > 0}. */
    static Campaign.Summary campaign(Path corpus, Duration time, long execs) {
        Campaign.Options o = Campaign.Options.of(List.of(Variant.SLOW)).withTime(time).withSeed(2).withCorpus(corpus)
                .withStopOnForbidden(true).withStopReasons(Set.of(Reason.COW_BYPASS.code()));
        if (execs > 0)
            o = o.withMaxExecutions(execs);
        try {
            return new Campaign(o, PortTarget::new).run(p -> {});
        } catch (java.io.IOException x) {
            throw new java.io.UncheckedIOException(x);
        }
    }
}
