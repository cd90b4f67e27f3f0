package mmrace.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import mmrace.scenario.Scenario;
import mmrace.scenario.Variant;
import org.junit.jupiter.api.Test;

/** The mutators keep scenarios parseable (round trip through ScenarioParser) and within the limits. */
class MutatorTest {
    /** A generated input with a recorded steps schedule, as kept inputs have. */
    private static Scenario input(Gen g) {
        Scenario s = g.initial();
        StringBuilder steps = new StringBuilder("0:" + s.actors.get(0).name());
        long st = 0;
        for (int i = 0; i < 4; i++) {
            st += 1 + g.rng.nextInt(20);
            steps.append(' ').append(st).append(':').append(s.actors.get(i % 2 == 0 ? 1 : 0).name());
        }
        s.schedules.put(Variant.FAST_V1, Scenario.Sched.steps(steps.toString()));
        assertNull(Limits.DEFAULT.check(s));
        return s;
    }

    /** Every kind of mutation, on many inputs: either not applicable (null) or a valid scenario; each applies somewhere. */
    @Test
    void everyMutationKeepsScenariosValid() {
        Gen g = new Gen(11);
        Mutator m = new Mutator(g);
        Map<Mutator.Kind, Integer> applied = new EnumMap<>(Mutator.Kind.class);
        Scenario s = input(g);
        for (int i = 0; i < 400; i++) {
            for (Mutator.Kind k : Mutator.Kind.values()) {
                Scenario c = m.apply(k, s);
                if (c == null)
                    continue;
                assertNull(Limits.DEFAULT.check(c), () -> k + " gave\n" + c.text());
                applied.merge(k, 1, Integer::sum);
            }
            s = i % 10 == 9 ? input(g) : m.mutate(s);
            if (!ScheduleMutations.hasSteps(s))
                s.schedules.put(Variant.FAST_V1, Scenario.Sched.steps("0:" + s.actors.get(0).name() + " 7:" + s.actors.get(s.actors.size() - 1).name()));
        }
        for (Mutator.Kind k : Mutator.Kind.values())
            assertTrue(applied.getOrDefault(k, 0) > 0, k + " never applied");
    }

    /** mutate, havoc and splice always return valid scenarios, and the same seed gives the same sequence. */
    @Test
    void mutateIsValidAndDeterministic() {
        assertEquals(run(5), run(5));
        assertNotEquals(run(5), run(6));
    }

    private static List<String> run(long seed) {
        Gen g = new Gen(seed);
        Mutator m = new Mutator(g);
        List<Scenario> pool = new ArrayList<>();
        pool.add(g.initial());
        List<String> out = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            Scenario p = pool.get(g.rng.nextInt(pool.size()));
            Scenario c = i % 7 == 0 ? m.splice(p, pool.get(g.rng.nextInt(pool.size()))) : m.havoc(p, 1 + i % 4);
            assertNull(Limits.DEFAULT.check(c), c::text);
            out.add(c.text());
            pool.add(c);
        }
        return out;
    }

    /** Schedule mutations: moving, adding and dropping a switch change the steps line; reseeding drops it. */
    @Test
    void scheduleMutations() {
        Gen g = new Gen(2);
        Mutator m = new Mutator(g);
        Scenario s = input(g);
        String steps = s.schedules.get(Variant.FAST_V1).steps();
        Scenario add = m.apply(Mutator.Kind.SCHED_ADD_SWITCH, s);
        assertEquals(steps.split(" ").length + 1, add.schedules.get(Variant.FAST_V1).steps().split(" ").length);
        Scenario drop = m.apply(Mutator.Kind.SCHED_DROP_SWITCH, s);
        assertEquals(steps.split(" ").length - 1, drop.schedules.get(Variant.FAST_V1).steps().split(" ").length);
        Scenario move = m.apply(Mutator.Kind.SCHED_MOVE_SWITCH, s);
        assertEquals(steps.split(" ").length, move.schedules.get(Variant.FAST_V1).steps().split(" ").length);
        assertNotEquals(steps, move.schedules.get(Variant.FAST_V1).steps());
        Scenario reseed = m.apply(Mutator.Kind.SCHED_RESEED, s);
        assertNull(reseed.schedules.get(Variant.FAST_V1));
        assertNotEquals(s.schedules.get(null), reseed.schedules.get(null));
        Scenario depth = m.apply(Mutator.Kind.SCHED_DEPTH, s);
        assertEquals("pct", depth.schedules.get(null).kind());
    }
}
