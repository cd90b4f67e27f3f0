package mmrace.cli;

import mmrace.scenario.Corpus;
import mmrace.scenario.Scenario;
import mmrace.scenario.ScenarioParser;
import mmrace.scenario.Variant;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ./mmrace promote moves a finding into a corpus directory with an expect line per variant (the
 * verdicts it replays with), after which the gate replays it; it refuses (exit 2, naming the file
 * and line) a missing or malformed finding, one whose recorded verdict does not replay, or a name
 * already taken, and then writes nothing at all: no half-written file, no partial promotion.
 */
class PromoteCmdTest {
    static final String FINDING = "torn-read-fast-v1-155941eb06e2";

    static String[] run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int rc = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new String[] {String.valueOf(rc), out.toString(), err.toString()};
    }

    /** A nightly's findings directory holding the fast-v1 MAP_FIXED tear and its trace. */
    static Path findings() throws Exception {
        Path d = Files.createTempDirectory("findings");
        Files.copy(Corpus.dir().resolve("findings").resolve(FINDING + ".scn"), d.resolve(FINDING + ".scn"));
        Files.copy(Corpus.dir().resolve("findings").resolve(FINDING + ".trace"), d.resolve(FINDING + ".trace"));
        return d;
    }

    static List<Path> filesIn(Path d) throws Exception {
        if (!Files.exists(d))
            return List.of();
        try (Stream<Path> s = Files.walk(d)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }

    @Test
    void movesAFindingWithItsVerdictsAndTheGateReplaysIt() throws Exception {
        Path from = findings(), to = Files.createTempDirectory("corpus").resolve("findings");
        String before = Files.readString(from.resolve(FINDING + ".scn"));
        String[] r = run("promote", from.resolve(FINDING + ".scn").toString(), "--to", to.toString());
        assertEquals("0", r[0], r[1] + r[2]);
        assertTrue(r[1].contains("promoted " + from.resolve(FINDING + ".scn") + " -> " + to.resolve(FINDING + ".scn")), r[1]);
        assertFalse(Files.exists(from.resolve(FINDING + ".scn")), "moved, not copied");
        assertFalse(Files.exists(from.resolve(FINDING + ".trace")), "its trace moved with it");
        assertTrue(Files.exists(to.resolve(FINDING + ".trace")));
        String text = Files.readString(to.resolve(FINDING + ".scn"));
        assertTrue(text.startsWith(before), "the finding's own lines are kept as they were");
        Scenario s = ScenarioParser.parse(to.resolve(FINDING + ".scn"));
        assertEquals(Variant.all().size(), s.expects.size(), "an expect line for every variant: " + text);
        assertEquals("forbidden", s.expects.get(Variant.FAST_V1).cls());
        assertEquals("torn-read", s.expects.get(Variant.FAST_V1).reason());
        assertFalse(s.expects.get(Variant.SLOW).cls().equals("forbidden"), "upstream's slow path does not tear on it: " + text);
        assertTrue(filesIn(to.getParent()).stream().noneMatch(p -> p.getFileName().toString().startsWith(".tmp-")), "no temporary file left");

        String[] g = run("gate", "--no-jcstress", "--corpus", to.getParent().toString());
        assertEquals("0", g[0], g[1] + g[2]);
        assertTrue(g[1].contains("corpus: 1 files, " + Variant.all().size() + " variant checks, 0 failed"), g[1]);
    }

    @Test
    void refusesAMissingFileAndPromotesNothingElse() throws Exception {
        Path from = findings(), to = Files.createTempDirectory("corpus").resolve("findings");
        String[] r = run("promote", from.resolve(FINDING + ".scn").toString(), from.resolve("nope.scn").toString(), "--to", to.toString());
        assertEquals("2", r[0], r[1] + r[2]);
        assertTrue(r[2].contains(from.resolve("nope.scn") + ": no such file"), r[2]);
        assertEquals(List.of(), filesIn(to), "nothing written");
        assertTrue(Files.exists(from.resolve(FINDING + ".scn")), "the good finding stays where it was");
    }

    @Test
    void refusesAMalformedFileNamingItsLine() throws Exception {
        Path from = findings(), to = Files.createTempDirectory("corpus").resolve("findings");
        Path bad = from.resolve("bad.scn");
        Files.writeString(bad, "mmrace-scenario 1\nname bad\n\nactor reader\n  read 0x11fff\n");
        String[] r = run("promote", bad.toString(), "--to", to.toString());
        assertEquals("2", r[0], r[1] + r[2]);
        assertTrue(r[2].contains(bad + ":5: "), r[2]);
        assertTrue(r[2].contains("not promoted"), r[2]);
        assertEquals(List.of(), filesIn(to));
        assertTrue(Files.exists(bad));
    }

    @Test
    void refusesAFindingWhoseRecordedVerdictNoLongerReplays() throws Exception {
        Path from = findings(), to = Files.createTempDirectory("corpus").resolve("findings");
        Path f = from.resolve(FINDING + ".scn");
        Files.writeString(f, Files.readString(f).replace("expect fast-v1 forbidden torn-read", "expect fast-v1 acceptable"));
        String[] r = run("promote", f.toString(), "--to", to.toString());
        assertEquals("2", r[0], r[1] + r[2]);
        assertTrue(r[2].contains("records fast-v1 acceptable but replays as forbidden torn-read"), r[2]);
        assertEquals(List.of(), filesIn(to));
    }

    @Test
    void refusesANameAlreadyInTheCorpus() throws Exception {
        Path from = findings(), to = Files.createTempDirectory("corpus");
        Files.writeString(to.resolve(FINDING + ".scn"), "kept\n");
        String[] r = run("promote", from.resolve(FINDING + ".scn").toString(), "--to", to.toString());
        assertEquals("2", r[0], r[1] + r[2]);
        assertTrue(r[2].contains("already in the corpus"), r[2]);
        assertEquals("kept\n", Files.readString(to.resolve(FINDING + ".scn")), "the corpus file is untouched");
        assertTrue(Files.exists(from.resolve(FINDING + ".scn")));
    }
}
