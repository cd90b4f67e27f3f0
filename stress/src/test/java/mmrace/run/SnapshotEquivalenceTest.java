package mmrace.run;

import mmrace.fuzz.Gen;
import mmrace.fuzz.Mutator;
import mmrace.runtime.Mutant;
import mmrace.scenario.Corpus;
import mmrace.scenario.Scenario;
import mmrace.scenario.ScenarioParser;
import mmrace.scenario.ScenarioSetupError;
import mmrace.scenario.Variant;
import mmrace.sched.Config;
import mmrace.sched.Pct;
import mmrace.sched.RandomWalk;
import mmrace.sched.Strategy;
import mmrace.sched.TraceRecorder;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An execution over a copy of a prepared initial state ({@link Prepared}, {@link Snapshot}) is the
 * execution over a freshly built one, bit for bit: the same steps per actor, the same schedule, the
 * same kernel reports, the same trace (every row, probes and notes included, with the names the
 * objects carry: vma#3, folio 17) and the same verdict. Checked for every corpus scenario under every
 * variant it names, with its recorded schedule and with random and PCT schedules over several seeds;
 * and for inputs the fuzzer generates and mutates (files, devices, injections, init operations),
 * each with several copies of one prepared state (a copy must not share anything an execution
 * changes with the original or with another copy). And with a mutant of the port on
 * ({@link Mutant}): each mutant's regression scenario runs the same on a copy, through the cache as
 * the tools use it, after the same set-up was cached with no mutant on; its site fires as often.
 */
class SnapshotEquivalenceTest {
    private static final int SEEDS = Integer.getInteger("mmrace.snapshotTest.seeds", 6);

    @TestFactory
    List<DynamicTest> everyCorpusScenarioRunsTheSameOnACopy() throws IOException, mmrace.scenario.ScenarioError {
        assertTrue(Raw.AVAILABLE, "raw field access unavailable: the test JVM needs --add-exports java.base/jdk.internal.misc=ALL-UNNAMED");
        List<DynamicTest> tests = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> s = Files.walk(Corpus.dir())) {
            files = s.filter(p -> p.toString().endsWith(".scn")).sorted().toList();
        }
        for (Path f : files) {
            Scenario s = ScenarioParser.parse(f);
            for (Variant v : s.expects.keySet())
                tests.add(DynamicTest.dynamicTest(Corpus.dir().relativize(f) + " [" + v.id + "]", () -> sameEverywhere(s, v)));
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> mutantRegressionsRunTheSameOnACopyWithTheirMutantOn() throws IOException, mmrace.scenario.ScenarioError {
        List<DynamicTest> tests = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> s = Files.list(Corpus.dir().resolve("regressions"))) {
            files = s.filter(p -> p.getFileName().toString().matches("mutant-.*\\.scn")).sorted().toList();
        }
        for (Path f : files) {
            String name = f.getFileName().toString();
            String id = name.substring("mutant-".length(), name.length() - ".scn".length());
            if (Mutant.info(id) == null)
                continue; // a regression named after a mutant the catalogue no longer has
            Scenario s = ScenarioParser.parse(f);
            for (Variant v : s.expects.keySet())
                tests.add(DynamicTest.dynamicTest(name + " [" + v.id + "] with " + id, () -> sameWithMutant(s, v, id)));
        }
        assertTrue(tests.size() >= 10, "only " + tests.size() + " mutant regressions found");
        return tests;
    }

    /**
     * With mutant {@code id} on: the same outcome and the same number of firings of its site fresh
     * and through {@link Runner#build} three times (first sight: fresh; then from the cache), after
     * the same set-up was seen twice with no mutant on (a state prepared without the mutant must not
     * be used with it).
     */
    private static void sameWithMutant(Scenario s, Variant v, String id) {
        Config c = Config.DEFAULT.withTrace(true);
        Set<String> before = Mutant.set(Set.of());
        try {
            for (int i = 0; i < 2; i++)
                Runner.run(s, v, Runner.strategy(s, v), c);
            Mutant.set(Set.of(id));
            long f0 = Mutant.fired();
            String fresh = describe(Runner.run(Runner.buildFresh(s, v), Runner.strategy(s, v), c));
            long firedFresh = Mutant.fired() - f0;
            for (int i = 0; i < 3; i++) {
                long f1 = Mutant.fired();
                String viaCache = describe(Runner.run(s, v, Runner.strategy(s, v), c));
                assertEquals(fresh, viaCache, "run " + i + " of " + s.source + " under " + v.id + " with mutant " + id
                        + " differs from a fresh build");
                assertEquals(firedFresh, Mutant.fired() - f1, "mutant " + id + " fired a different number of times in run " + i);
            }
        } finally {
            Mutant.set(before);
        }
    }

    @Test
    void generatedAndMutatedInputsRunTheSameOnACopy() {
        Gen g = new Gen(new SplittableRandom(7), mmrace.fuzz.Limits.DEFAULT);
        Mutator m = new Mutator(g);
        Variant[] variants = Variant.values();
        int checked = 0;
        Scenario s = g.initial();
        for (int i = 0; i < 60; i++) {
            s = i % 6 == 5 ? g.initial() : m.mutate(s);
            Variant v = variants[i % variants.length];
            Prepared p;
            try {
                p = Prepared.prepare(s, v);
            } catch (ScenarioSetupError e) {
                continue; // the kernel refused the layout: nothing to copy
            }
            if (s.usesProcesses()) { // a fork or VMA-reuse race: built fresh every time, never copied
                assertTrue(!p.copyable(), s.text());
                continue;
            }
            assertTrue(p.copyable(), "state of a generated input cannot be copied: " + Prepared.lastRefusal + "\n" + s.text());
            for (int seed = 0; seed < 3; seed++) {
                long sd = seed;
                Scenario sc = s;
                same(sc, v, () -> new RandomWalk(sd), p);
            }
            checked++;
        }
        assertTrue(checked > 30, "only " + checked + " generated inputs could be set up");
    }

    /** The file's schedule, random walks and PCT, each fresh and on a copy. */
    private static void sameEverywhere(Scenario s, Variant v) {
        Prepared p = Prepared.prepare(s, v);
        assertNotNull(p);
        if (s.usesProcesses()) { // never prepared: every execution builds its processes fresh
            assertTrue(!p.copyable() && Prepared.of(s, v) == null, s.source + " has processes and must be built fresh");
            return;
        }
        assertTrue(p.copyable(), "the initial state of " + s.source + " cannot be copied: " + Prepared.lastRefusal);
        same(s, v, () -> Runner.strategy(s, v), p);
        long k = Runner.run(Runner.buildFresh(s, v), Runner.strategy(s, v), Config.DEFAULT).result().steps();
        for (int seed = 0; seed < SEEDS; seed++) {
            long sd = seed;
            same(s, v, () -> new RandomWalk(sd), p);
            same(s, v, () -> new Pct(2 + (int) (sd % 2), k, sd), p);
        }
    }

    private static void same(Scenario s, Variant v, Supplier<Strategy> strategy, Prepared p) {
        Config c = Config.DEFAULT.withTrace(true);
        String fresh = describe(Runner.run(Runner.buildFresh(s, v), strategy.get(), c));
        // two copies of the one prepared state, one after the other: neither may see the other's run
        for (int copy = 0; copy < 2; copy++) {
            String restored = describe(Runner.run(Runner.build(p, s, v), strategy.get(), c));
            assertEquals(fresh, restored, "copy " + copy + " of " + s.source + " under " + v.id + " with " + strategy.get().describe()
                    + " differs from a fresh build\n" + s.text());
        }
    }

    private static String describe(Runner.Outcome o) {
        StringBuilder b = new StringBuilder();
        b.append(o.result()).append('\n').append(o.result().schedule()).append('\n').append(o.verdict()).append('\n');
        for (TraceRecorder.Row r : o.trace())
            b.append(r.step()).append(' ').append(r.actor()).append(' ').append(r.kind()).append(' ').append(r.text()).append('\n');
        return b.toString();
    }
}
