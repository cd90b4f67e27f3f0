package mmrace.mutate;

import mmrace.fuzz.Target;
import mmrace.oracle.Verdict;
import mmrace.run.Runner;
import mmrace.runtime.Mutant;
import mmrace.scenario.Corpus;
import mmrace.scenario.Scenario;
import mmrace.scenario.ScenarioParser;
import mmrace.scenario.Variant;
import mmrace.sched.Config;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The mutation target grades an execution by the difference the mutant makes: a forbidden outcome
 * is a kill only if the unmutated port does not give that reason on the same program; an outcome
 * that needs triage never is.
 */
class MutantTargetTest {
    /**
     * corpus/split-under-lookup.scn records a split of VMA A between lock_vma_under_rcu's tree walk
     * and vma_start_read; with the range re-check left out the fast path walks an address outside
     * the VMA it locked (folio_walk_start's WARN). The unmutated port re-checks and falls back, so
     * this forbidden outcome is the mutant's: a kill.
     */
    @Test
    void aForbiddenOutcomeOnlyTheMutantGivesIsAKill() throws Exception {
        Scenario s = ScenarioParser.parse(Corpus.dir().resolve("split-under-lookup.scn"));
        MutantTarget t = new MutantTarget(Set.of(Mutant.NO_RANGE_RECHECK));
        Target.Run r = t.run(s, Variant.FAST_V1, Runner.strategy(s, Variant.FAST_V1), Config.DEFAULT);
        assertEquals("forbidden kernel-assertion", r.verdict().label(), r.verdict().toString());
        assertEquals(0, t.masked());
        assertEquals(Set.of(), Mutant.enabled(), "the mutant is switched off again after the execution");
    }

    /**
     * A recorded fast-v1 tear (the patch's own bug) under a mutant whose site the scenario never
     * reaches (reclaim freeing before the TLB flush; the scenario has no reclaim): the unmutated port
     * tears the same way, so it is not a kill and comes back acceptable, saying why.
     */
    @Test
    void aForbiddenOutcomeTheUnmutatedPortAlsoGivesIsNotAKill() throws Exception {
        Scenario s = ScenarioParser.parse(Corpus.dir().resolve("findings/torn-read-fast-v1-155941eb06e2.scn"));
        MutantTarget t = new MutantTarget(Set.of(Mutant.RECLAIM_FREE_BEFORE_FLUSH));
        Target.Run raw = t.mutated(s, Variant.FAST_V1, Runner.strategy(s, Variant.FAST_V1), Config.DEFAULT);
        assertEquals("forbidden torn-read", raw.verdict().label(), "the mutated port tears, as the unmutated one does");
        Target.Run r = t.run(s, Variant.FAST_V1, Runner.strategy(s, Variant.FAST_V1), Config.DEFAULT);
        assertEquals(Verdict.Cls.ACCEPTABLE, r.verdict().cls(), r.verdict().toString());
        assertTrue(r.verdict().detail().startsWith("not a kill: forbidden torn-read, the unmutated port gives torn-read too"), r.verdict().detail());
        assertEquals(1, t.masked());
        assertEquals(0, t.triage());
    }

    /**
     * An outcome that needs triage is the oracle's limit, not a mutant's mechanism, so it is never a
     * kill. corpus/regressions/device-overread.scn: generic_access_phys is asked for 16 bytes across
     * the end of a device mapping onto RAM, x86's ioremap refuses RAM and the read returns nothing,
     * an outcome no rule of the oracle explains (needs-triage unexplained). Under a mutant the
     * scenario never reaches it comes back acceptable, counted as needing triage, not as masked.
     */
    @Test
    void anOutcomeThatNeedsTriageIsNeverAKill() throws Exception {
        Scenario s = ScenarioParser.parse(Corpus.dir().resolve("regressions/device-overread.scn"));
        MutantTarget t = new MutantTarget(Set.of(Mutant.RECLAIM_FREE_BEFORE_FLUSH));
        Target.Run raw = t.mutated(s, Variant.SLOW, Runner.strategy(s, Variant.SLOW), Config.DEFAULT);
        assertEquals("needs-triage unexplained", raw.verdict().label(), raw.verdict().toString());
        Target.Run r = t.run(s, Variant.SLOW, Runner.strategy(s, Variant.SLOW), Config.DEFAULT);
        assertEquals(Verdict.Cls.ACCEPTABLE, r.verdict().cls(), r.verdict().toString());
        assertTrue(r.verdict().detail().startsWith("not a kill: needs-triage unexplained, an outcome the oracle cannot explain"), r.verdict().detail());
        assertEquals(1, t.triage());
        assertEquals(0, t.masked());
    }
}
