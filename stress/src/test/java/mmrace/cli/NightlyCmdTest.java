package mmrace.cli;

import mmrace.report.History;
import mmrace.report.Json;
import mmrace.report.Summary;
import mmrace.scenario.Corpus;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A nightly writes only under --out: pointed at the repository's own checked-in corpus, a tiny
 * nightly (one variant, a few seconds of fuzzing) leaves every file of it as it was and
 * {@code git status} of it unchanged; its campaigns wrote into OUT/corpus instead. With a history
 * holding an earlier night, the report compares itself with it ("since last night"), in the page
 * and in summary.json, and tonight's summary joins the history.
 */
class NightlyCmdTest {
    static String[] run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int rc = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new String[] {String.valueOf(rc), out.toString(), err.toString()};
    }

    @Test
    void aTinyNightlyLeavesTheCheckedInCorpusAloneAndComparesWithLastNight() throws Exception {
        Path corpus = Corpus.dir(), tmp = Files.createTempDirectory("nightly"), out = tmp.resolve("out"), history = tmp.resolve("history");
        Files.createDirectories(history);
        Summary last = new Summary(Summary.FORMAT, "2026-11-25T02:00:00Z", null, "10s", "test", null, null, List.of(),
                Map.of("slow", new Summary.CampaignStats(5, 100, 20, 10, 0, 5, 3, null, List.of())), List.of(), List.of(), null, null);
        Files.writeString(history.resolve(History.fileName(last.started())), Json.write(last));
        Map<String, String> before = snapshot(corpus);
        String gitBefore = gitStatus(corpus);

        String[] r = run("nightly", "--out", out.toString(), "--budget", "10s", "--no-jcstress", "--variant", "slow",
                "--corpus", corpus.toString(), "--history", history.toString(), "--mutants", "gup-read-no-perm");

        assertEquals("0", r[0], r[1] + r[2]);
        assertEquals(before, snapshot(corpus), "the checked-in corpus is unchanged, file by file");
        assertEquals(gitBefore, gitStatus(corpus), "git status of the corpus is unchanged");
        assertTrue(Files.exists(out.resolve("corpus").resolve(NightlyCorpus.MARKER)), "the campaigns worked on a copy");
        assertTrue(Files.list(out.resolve("corpus").resolve("queue")).findAny().isPresent(), "the copy's queue got the kept inputs");

        Summary s = Json.read(out.resolve("summary.json"));
        assertEquals(Summary.FORMAT, s.format());
        assertEquals("2026-11-25T02:00:00Z", s.sinceLastNight().previous());
        assertTrue(s.campaigns().get("slow").samples().size() >= 2, "progress samples over time");
        assertTrue(s.campaigns().get("slow").executions() > 0);
        String html = Files.readString(out.resolve("index.html"));
        assertTrue(html.contains("New tonight: "), html);
        assertTrue(html.contains("Compared with the night of 2026-11-25 02:00 UTC"), html);
        assertFalse(html.contains(" execs ("), "campaign logs are behind links, not in the page");
        assertTrue(html.contains("href=\"campaigns/slow.log\"") && Files.readString(out.resolve("campaigns/slow.log")).contains("fuzz: "));
        try (Stream<Path> h = Files.list(history)) {
            assertEquals(2, h.count(), "tonight's summary joined the history");
        }
        assertTrue(Files.readString(out.resolve("gate.xml")).contains("<testsuites"));
        assertEquals(1, s.mutation().total(), "the mutation pass's score, over the one mutant asked for");
        assertTrue(html.contains("href=\"mutants/index.html\"") && Files.exists(out.resolve("mutants/index.html")), "the mutation report is linked");
    }

    @Test
    void refusesAnOutDirectoryInsideTheCorpus() throws Exception {
        Path corpus = Files.createTempDirectory("corpus");
        Files.copy(Corpus.dir().resolve("reviewers-race.scn"), corpus.resolve("reviewers-race.scn"));
        String[] r = run("nightly", "--out", corpus.resolve("tonight").toString(), "--budget", "10s", "--no-jcstress", "--corpus", corpus.toString());
        assertEquals("2", r[0], r[1] + r[2]);
        assertTrue(r[2].contains("--out is inside the corpus"), r[2]);
        assertFalse(Files.exists(corpus.resolve("tonight")), "nothing was written");
    }

    /** Every file under {@code dir} with its SHA-256. */
    static Map<String, String> snapshot(Path dir) throws Exception {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList())
                m.put(dir.relativize(p).toString(), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
        }
        return m;
    }

    /** git status of dir; the test needs a git checkout (CI runs on a clone), so a failing git fails the test. */
    static String gitStatus(Path dir) throws Exception {
        Process p = new ProcessBuilder("git", "status", "--porcelain", "--untracked-files=all", "--ignored", "--", ".")
                .directory(dir.toFile()).redirectErrorStream(true).start();
        String s = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "git status finished");
        assertEquals(0, p.exitValue(), "git status in " + dir + ": " + s);
        return s;
    }
}
