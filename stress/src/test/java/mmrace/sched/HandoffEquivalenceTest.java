package mmrace.sched;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import mmrace.run.Runner;
import mmrace.scenario.Corpus;
import mmrace.scenario.Scenario;
import mmrace.scenario.ScenarioParser;
import mmrace.scenario.Variant;
import org.junit.jupiter.api.Test;

/**
 * The two ways of handing control between actors ({@link ContinuationHandoff}: continuations on
 * one thread; {@link ThreadHandoff}: virtual threads) give the same executions: for every corpus
 * scenario under every variant it names, with its recorded schedule and random walks, the same
 * result (outcome, steps per actor, schedule, reports: deadlocks and livelocks included) and the
 * same trace, row for row. The test JVM has the JDK's continuations (surefire passes
 * {@code --add-exports java.base/jdk.internal.vm=ALL-UNNAMED}), so both are really run.
 */
class HandoffEquivalenceTest {
    @Test
    void continuationsAndVirtualThreadsGiveTheSameExecutions() throws Exception {
        assertTrue(Continuations.AVAILABLE, "the test JVM needs --add-exports java.base/jdk.internal.vm=ALL-UNNAMED");
        List<Path> files;
        try (Stream<Path> s = Files.walk(Corpus.dir())) {
            files = s.filter(p -> p.toString().endsWith(".scn")).sorted().toList();
        }
        assertFalse(files.isEmpty());
        int compared = 0;
        boolean before = Handoff.continuations;
        try {
            for (Path f : files) {
                Scenario s = ScenarioParser.parse(f);
                for (Variant v : s.expects.keySet()) {
                    List<Supplier<Strategy>> strategies = new ArrayList<>();
                    strategies.add(() -> Runner.strategy(s, v));
                    for (long seed = 0; seed < 3; seed++) {
                        long sd = seed;
                        strategies.add(() -> new RandomWalk(sd));
                    }
                    for (Supplier<Strategy> st : strategies) {
                        String viaContinuations = run(s, v, st, true), viaThreads = run(s, v, st, false);
                        assertEquals(viaThreads, viaContinuations, f + " under " + v.id + " with " + st.get().describe());
                        compared++;
                    }
                }
            }
        } finally {
            Handoff.continuations = before;
        }
        assertTrue(compared > 100, "compared only " + compared);
    }

    private static String run(Scenario s, Variant v, Supplier<Strategy> st, boolean continuations) {
        Handoff.continuations = continuations;
        Runner.Outcome o = Runner.run(s, v, st.get(), Config.DEFAULT.withTrace(true));
        StringBuilder b = new StringBuilder().append(o.result()).append('\n').append(o.verdict()).append('\n');
        for (TraceRecorder.Row r : o.trace())
            b.append(r).append('\n');
        return b.toString();
    }
}
