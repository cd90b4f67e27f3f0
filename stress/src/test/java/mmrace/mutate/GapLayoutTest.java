package mmrace.mutate;

import mmrace.fuzz.Gen;
import mmrace.fuzz.Target;
import mmrace.oracle.Verdict;
import mmrace.run.Runner;
import mmrace.runtime.Mutant;
import mmrace.scenario.Scenario;
import mmrace.scenario.Op;
import mmrace.scenario.Prot;
import mmrace.scenario.Variant;
import mmrace.sched.Config;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Why fuzzing from an empty corpus did not kill dup-anon-vma-unlocked and anon-prepare-vma-locked,
 * and the fix. Every mapping of the default layout is written at set-up, so each has its anon_vma:
 * dup_anon_vma (vma_expand giving a target without an anon_vma its removed neighbour's) and
 * anon_vma_prepare (a first write fault) never ran in a fresh input. {@link Gen#gapLayout} has a
 * mapping never written next to a gap next to a written one with the same protection, and the
 * generator makes it one fresh input in five, with two target threads.
 */
class GapLayoutTest {
    /** The gap layout with one thread making {@code ops} under a random schedule. */
    static Scenario withThread(Op... ops) {
        Scenario s = Gen.gapLayout();
        s.actors.add(new Scenario.Actor("t1", List.of(ops), 0));
        s.schedules.put(null, Scenario.Sched.random(1));
        return s;
    }

    /**
     * A MAP_FIXED of the gap with A's protection: vma_merge_new_range merges A, the new range and
     * B (vma_expand of A removing B); A has no anon_vma, so dup_anon_vma gives it B's. With the
     * lock taken after dup_anon_vma (the mutant) its vma_assert_write_locked fires; the port
     * write-locks A first and the merge is clean.
     */
    @Test
    void mapFixedOfTheGapMergesThreeWaysAndDupsTheAnonVma() {
        Scenario s = withThread(new Op.Mmap("X", 0x11000, 0x1000, Prot.READ | Prot.WRITE, true, false, null, 0, false, 0));
        MutantTarget t = new MutantTarget(Set.of(Mutant.DUP_ANON_VMA_UNLOCKED));
        Target.Run r = t.run(s, Variant.SLOW, Runner.strategy(s, Variant.SLOW), Config.DEFAULT);
        assertEquals("forbidden kernel-assertion", r.verdict().label(), r.verdict().toString());
        Verdict off = Runner.run(s, Variant.SLOW, Runner.strategy(s, Variant.SLOW), Config.DEFAULT).verdict();
        assertEquals(Verdict.Cls.ACCEPTABLE, off.cls(), off.toString());
    }

    /** The generator makes the shape: one fresh input in five is a gap race, t1 storing into A first, t2 changing the layout. */
    @Test
    void freshInputsIncludeTheGapRace() {
        Gen g = new Gen(7);
        int gap = 0;
        for (int i = 0; i < 500; i++) {
            Scenario s = g.initial();
            if (!s.maps.equals(Gen.gapLayout().maps))
                continue;
            gap++;
            assertEquals(List.of("reader", "t1", "t2"), s.actors.stream().map(Scenario.Actor::name).toList(), s.text());
            Op first = s.actors.get(1).ops().get(0);
            assertTrue(first instanceof Op.Write w && w.addr() >= 0x10000 && w.addr() + w.len() <= 0x11000, s.text());
            assertFalse(s.actors.get(2).ops().isEmpty(), s.text());
        }
        assertTrue(gap >= 60 && gap <= 140, "about one fresh input in five is a gap race: " + gap);
    }
}
