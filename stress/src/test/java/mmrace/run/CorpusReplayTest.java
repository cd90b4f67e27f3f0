package mmrace.run;

import mmrace.oracle.Verdict;
import mmrace.scenario.Corpus;
import mmrace.scenario.Scenario;
import mmrace.scenario.ScenarioError;
import mmrace.scenario.ScenarioParser;
import mmrace.scenario.Variant;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The corpus replay: every scenario in corpus/ (hand-written races and the fuzzer's findings),
 * under every variant it has an expect line for, must get exactly the recorded verdict under its
 * recorded schedule. A forbidden outcome that stops reproducing fails here as much as a new one.
 */
class CorpusReplayTest {
    @TestFactory
    List<DynamicTest> everyScenarioGetsItsRecordedVerdict() throws IOException, ScenarioError {
        List<DynamicTest> tests = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> s = Files.walk(Corpus.dir())) {
            files = s.filter(p -> p.toString().endsWith(".scn")).sorted().toList();
        }
        assertFalse(files.isEmpty(), "corpus/ holds no scenarios");
        for (Path f : files) {
            Scenario s = ScenarioParser.parse(f);
            for (var e : s.expects.entrySet()) {
                Variant v = e.getKey();
                Scenario.Expect want = e.getValue();
                tests.add(DynamicTest.dynamicTest(Corpus.dir().relativize(f) + " [" + v.id + "]", () -> {
                    Verdict got = Runner.run(s, v, false).verdict();
                    String expected = want.cls() + (want.reason() == null ? "" : " " + want.reason());
                    String actual = want.reason() == null ? got.cls().word() : got.cls().word() + " " + got.reason();
                    assertEquals(expected, actual, "verdict of " + f + " under " + v.id + ": " + got
                            + "\nreplay: ./mmrace run " + f + " --variant " + v.id + " --trace");
                }));
            }
        }
        return tests;
    }
}
