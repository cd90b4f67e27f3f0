package mmrace.jcstress;

import mmrace.runtime.Task;
import mmrace.scenario.Corpus;
import mmrace.scenario.Scenario;
import mmrace.scenario.ScenarioParser;
import mmrace.scenario.Variant;
import mmrace.sched.Strategy;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The JCStress races ({@link Race}, run by the {@code *Race} classes) are the corpus races they
 * name, not Java re-encodings that may drift from them. Two checks, the second the stronger:
 *
 * <ol>
 * <li><b>The same lines.</b> The JCStress set-up and actors, run once, write down what they did as
 *     scenario lines ({@link Machine#trail}); those must be the corpus file's {@code map} and
 *     {@code init} lines, its reader's one {@code read} line and its writer's operations, in order.
 * <li><b>The same executions.</b> Under each schedule of a set (the file's own schedule for the
 *     variant, random walks, PCT), for each read variant JCStress runs the race with, the race runs
 *     three ways under the deterministic scheduler ({@link Scheduled}): the file's own actors; the
 *     JCStress actors' bodies on the file's set-up with the file's oracle watching; the JCStress
 *     actors' bodies on the JCStress set-up. All three must take the same steps (every shared
 *     access, wait, tracepoint and report, with the same arguments), read the same bytes and leave
 *     the same address space (VMAs, page contents, folio reference and map counts), and the first
 *     two must get the same verdict. So the file's expect line, replayed through the JCStress
 *     actors, is met, and both reach the same set of verdicts.
 * </ol>
 *
 * Why not generate the JCStress races from the files instead: a generator would need its own
 * interpreter of scenario operations on real threads (the runner's is wired to the oracle and the
 * scheduler), a second copy of the runner that nothing would check. Running the Java that JCStress
 * runs under the scheduler checks the code itself, set-up and system-call flags included, step by
 * step.
 */
class CorpusAgreementTest {
    /** Schedules per variant, beyond the file's own: random walks and PCT (depth 3), seeds 1..N. */
    static final int RANDOM_SEEDS = 10, PCT_SEEDS = 6;

    static Scenario scenario(Race race) {
        Path p = Corpus.dir().resolve(race.scenario);
        assertTrue(Files.isRegularFile(p), race + ": no corpus file " + p);
        try {
            return ScenarioParser.parse(p);
        } catch (Exception e) {
            throw new AssertionError(race + ": " + p + " does not parse: " + e.getMessage(), e);
        }
    }

    /** Every race is a corpus file that expects a verdict of each variant JCStress runs it with. */
    @Test
    void everyRaceIsACorpusFile() {
        Set<String> files = new TreeSet<>();
        for (Race race : Race.values()) {
            assertNotNull(race.scenario, race + " names no corpus file");
            assertTrue(files.add(race.scenario), race.scenario + " is the file of two races");
            Scenario s = scenario(race);
            for (Variant v : race.variants)
                assertNotNull(s.expects.get(v), race.scenario + " has no expect line for " + v.id
                        + ", a variant of " + race.holderClassName());
        }
    }

    /** The JCStress set-up, read and writer are the file's lines (docs/SCENARIOS.md), in order. */
    @Test
    void theJavaIsTheFilesLines() {
        for (Race race : Race.values()) {
            Scenario s = scenario(race);
            Machine m = Machine.forScheduler(race, Variant.SLOW);
            assertEquals(lines(s, null), m.trail(), race + ": the set-up of " + race.scenario);
            assertEquals(List.of("reader", "writer"), s.actors.stream().map(Scenario.Actor::name).toList(),
                    race.scenario + ": the actors JCStress runs");
            assertTrue(s.injects.isEmpty() && s.files.isEmpty(), race.scenario + ": no injection, no files (JCStress maps none)");
            List<String> read = on(m, () -> m.readInto(new byte[race.len]));
            assertEquals(lines(s, "reader"), read, race + ": the reader of " + race.scenario);
            List<String> write = on(m, m::writeOps);
            assertEquals(lines(s, "writer"), write, race + ": the writer of " + race.scenario);
        }
    }

    /** The file's set-up lines (actor null) or an actor's operations, as {@link Scenario#text} writes them. */
    static List<String> lines(Scenario s, String actor) {
        List<String> l = new ArrayList<>();
        String in = null;
        for (String line : s.text().split("\n")) {
            if (line.startsWith("actor "))
                in = line.substring("actor ".length());
            else if (!line.startsWith("  "))
                in = null;
            if (actor == null ? line.startsWith("map ") || line.startsWith("init ") : actor.equals(in) && line.startsWith("  "))
                l.add(line.trim());
        }
        return l;
    }

    /** Runs body on a task of m's kernel with no scheduler; returns the lines m wrote meanwhile. */
    private static List<String> on(Machine m, Runnable body) {
        int before = m.trail().size();
        Task t = m.kernel.newTask("check", null);
        t.bind();
        try {
            body.run();
        } finally {
            Task.unbind();
        }
        List<String> all = m.trail();
        return all.subList(before, all.size());
    }

    /** One dynamic test per JCStress test (race, variant): the three executions agree under every schedule. */
    @TestFactory
    List<DynamicTest> theSameExecutions() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Safety.Test t : Safety.tests())
            tests.add(DynamicTest.dynamicTest(t.race().scenario + " [" + t.variant().id + "] = " + t.name(),
                    () -> agree(t.race(), t.variant())));
        return tests;
    }

    static void agree(Race race, Variant v) {
        Scenario s = scenario(race);
        Set<String> corpusVerdicts = new TreeSet<>(), jcstressVerdicts = new TreeSet<>();
        String fileSchedule = null;
        for (Supplier<Strategy> strategy : Scheduled.strategies(s, v, RANDOM_SEEDS, PCT_SEEDS)) {
            String how = race.scenario + " [" + v.id + "] " + strategy.get().describe();
            Scheduled corpus = Scheduled.corpus(s, v, strategy.get());
            Scheduled onCorpus = Scheduled.jcstressOnCorpus(race, s, v, strategy.get());
            Scheduled alone = Scheduled.jcstressAlone(race, v, strategy.get());
            same(how + ": the JCStress actors on the file's set-up", corpus, onCorpus);
            same(how + ": the JCStress actors on the JCStress set-up", corpus, alone);
            assertEquals(corpus.verdict(), onCorpus.verdict(), how + ": verdict");
            if (fileSchedule == null)
                fileSchedule = onCorpus.verdict();
            corpusVerdicts.add(corpus.verdict());
            jcstressVerdicts.add(onCorpus.verdict());
        }
        Scenario.Expect want = s.expects.get(v);
        assertEquals(want.cls() + (want.reason() == null ? "" : " " + want.reason()),
                want.reason() == null ? fileSchedule.split(" ")[0] : fileSchedule,
                race.scenario + " [" + v.id + "]: the JCStress actors under the file's schedule get its expect line");
        assertEquals(corpusVerdicts, jcstressVerdicts);
        System.out.println("agree " + race.scenario + " [" + v.id + "] " + race.testName(v) + ": "
                + (1 + RANDOM_SEEDS + PCT_SEEDS) + " schedules, verdicts " + jcstressVerdicts);
    }

    /** Same steps, bytes and address space; the first difference named, with the rows around it. */
    static void same(String what, Scheduled want, Scheduled got) {
        List<String> a = want.steps(), b = got.steps();
        for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
            String x = i < a.size() ? a.get(i) : "(no more rows)", y = i < b.size() ? b.get(i) : "(no more rows)";
            if (!x.equals(y))
                fail(what + ": the steps part at row " + i + "\n  corpus:   " + x + "\n  jcstress: " + y
                        + "\n  rows before: " + a.subList(Math.max(0, Math.min(i, a.size()) - 4), Math.min(i, a.size())));
        }
        assertEquals(want.read(), got.read(), what + ": the bytes read");
        assertEquals(want.space(), got.space(), what + ": the address space left");
    }

    /** The steps comparison can fail: a different schedule of the same race takes other steps. */
    @Test
    void differentSchedulesAreTold() {
        Scenario s = scenario(Race.MAP_FIXED);
        Scheduled a = Scheduled.corpus(s, Variant.FAST_V1, Scheduled.strategies(s, Variant.FAST_V1, 1, 0).get(0).get());
        Scheduled b = Scheduled.corpus(s, Variant.FAST_V1, Scheduled.strategies(s, Variant.FAST_V1, 1, 0).get(1).get());
        AssertionError e = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class, () -> same("two schedules", a, b));
        assertTrue(e.getMessage().contains("the steps part"), e.getMessage());
    }
}
