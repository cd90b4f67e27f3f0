package mmrace.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import mmrace.scenario.Scenario;
import mmrace.scenario.ScenarioParser;
import mmrace.scenario.Variant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The corpus directory: atomic writes, content names, scans that ignore temporary files, survival of SIGKILL. */
class CorpusTest {
    @TempDir
    Path dir;

    /** A write leaves the file and no temporary; the same content is written once; names are content hashes. */
    @Test
    void atomicWritesAndContentNames() throws Exception {
        Corpus c = new Corpus(dir);
        Scenario s = new Gen(1).initial();
        Path p = c.addQueue(s);
        assertNotNull(p);
        assertEquals(Corpus.queueName(s.text()), p.getFileName().toString());
        assertEquals(s.text(), Files.readString(p));
        assertNull(c.addQueue(s.copy()), "same content, same name: written once");
        assertEquals(List.of(p.getFileName().toString()), names(c.queueDir()));
        Path f = c.addFinding("torn-read-fast-v1-abc", Toys.RACE, "the trace");
        assertEquals("the trace", Files.readString(c.findingsDir().resolve("torn-read-fast-v1-abc.trace")));
        assertEquals(Toys.RACE, Files.readString(f));
        assertNull(c.addFinding("torn-read-fast-v1-abc", Toys.RACE, "other"), "a finding of that name exists");
        assertEquals("the trace", Files.readString(c.findingsDir().resolve("torn-read-fast-v1-abc.trace")));
    }

    /** Scans skip temporary files and report unparsable ones once; known names are not re-read. */
    @Test
    void scansIgnoreTemporariesAndReportBadFiles() throws Exception {
        Corpus c = new Corpus(dir);
        Path good = c.addQueue(new Gen(2).initial());
        Files.writeString(c.queueDir().resolve(Corpus.TMP_PREFIX + "123-abc-x.scn"), "mmrace-scenario 1\nactor a\n");
        Files.writeString(c.queueDir().resolve("broken.scn"), "mmrace-scenario 1\nmap A zz\n");
        Set<String> known = new HashSet<>();
        List<Corpus.Entry> l = c.scanQueue(known);
        assertEquals(1, l.size());
        assertEquals(good, l.get(0).path());
        assertEquals(1, c.takeErrors().size());
        assertTrue(c.scanQueue(known).isEmpty());
        assertTrue(c.takeErrors().isEmpty());
        assertEquals(2, c.queueSize(), "queueSize counts .scn files that are not temporaries");
    }

    private static List<String> names(Path d) throws Exception {
        List<String> l = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(d)) {
            for (Path p : ds)
                l.add(p.getFileName().toString());
        }
        l.sort(null);
        return l;
    }

    /**
     * A child JVM writes a finding and then queue entries (about 300 KB each) as fast as it can;
     * it is killed with SIGKILL (Process.destroyForcibly) while writing. Afterwards every .scn file
     * is complete (it parses, and a queue file's name is the hash of its text), every entry the
     * child reported as written is there, and temporary files are not corpus entries. A campaign
     * restarted on the directory imports every entry and keeps the earlier finding (it replays,
     * still forbidden: KNOWN), so it exits 1.
     */
    @Test
    void killedWriterLeavesNoPartialFile() throws Exception {
        Path findingText = dir.resolve("finding.txt");
        Files.writeString(findingText, Toys.tornFinding().text());
        Path corpusDir = dir.resolve("corpus");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream().filter(a -> !a.startsWith("-agentlib")).toList());
        cmd.add("-cp");
        cmd.add(Campaign.classPath());
        cmd.add(CorpusWriterMain.class.getName());
        cmd.add(corpusDir.toString());
        cmd.add(findingText.toString());
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        List<String> written = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while (written.size() < 40 && (line = r.readLine()) != null)
                written.add(line);
            p.destroyForcibly();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        }
        assertTrue(written.size() >= 40, "the child wrote " + written);
        assertEquals("finding torn-read-fast-v1-000000000001.scn", written.get(0));
        Corpus c = new Corpus(corpusDir);
        for (Path d : List.of(c.queueDir(), c.findingsDir()))
            for (String n : names(d)) {
                if (n.startsWith(Corpus.TMP_PREFIX) || n.endsWith(".trace"))
                    continue;
                String text = Files.readString(d.resolve(n));
                ScenarioParser.parse(d.resolve(n)); // complete: it parses
                if (d.equals(c.queueDir()))
                    assertEquals(Corpus.queueName(text), n, "a queue file's name is the hash of its whole text");
            }
        Set<String> queue = new HashSet<>(names(c.queueDir()));
        for (String w : written.subList(1, written.size()))
            assertTrue(queue.contains(w.substring("queue ".length())), w + " was reported written");
        Set<String> known = new HashSet<>();
        int entries = c.scanQueue(known).size();
        assertTrue(entries >= written.size() - 1);
        assertTrue(c.takeErrors().isEmpty());
        assertFalse(known.stream().anyMatch(n -> n.startsWith(Corpus.TMP_PREFIX)));

        // restart a campaign on it
        Campaign.Options o = Campaign.Options.of(List.of(Variant.FAST_V1)).withTime(Duration.ofMinutes(5)).withMaxExecutions(entries + 30)
                .withCorpus(corpusDir).withShrink(Minimize.Budget.SMALL).withSeed(3);
        Campaign.Summary s = new Campaign(o, ToyTarget::new).run(x -> {});
        assertTrue(s.events().stream().anyMatch(e -> e.status() == Campaign.FindingStatus.KNOWN
                && e.file().getFileName().toString().equals("torn-read-fast-v1-000000000001.scn")), s::text);
        assertEquals(1, s.exitCode(), s::text);
        assertTrue(s.executions() >= entries + 1, "every entry and the finding ran once: " + s.executions());
        assertTrue(s.corpus() >= entries, s::text);
        assertTrue(Files.exists(c.findingsDir().resolve("torn-read-fast-v1-000000000001.trace")));
    }

    private static boolean queueWritten(Path corpusDir) throws IOException {
        Path q = corpusDir.resolve("queue");
        if (!Files.isDirectory(q))
            return false;
        try (var l = Files.list(q)) {
            return l.anyMatch(x -> x.getFileName().toString().endsWith(".scn") && !x.getFileName().toString().startsWith(Corpus.TMP_PREFIX));
        }
    }

    /**
     * The same with a real campaign: a worker process (the form a campaign's jobs take) fuzzes the
     * toy target without stopping at findings; once it has reported a new finding and written
     * queue entries it is SIGKILLed. Every .scn file left is whole, the finding and its trace are
     * there, and a restarted campaign imports the queue and keeps the finding (KNOWN, exit 1).
     */
    @Test
    void killedCampaignKeepsItsFindings() throws Exception {
        Path corpusDir = dir.resolve("corpus");
        Campaign.Options o = Campaign.Options.of(List.of(Variant.FAST_V1)).withTime(Duration.ofMinutes(10)).withCorpus(corpusDir)
                .withShrink(Minimize.Budget.SMALL).withSeed(5).withTargetClass(ToyTarget.class.getName())
                .withProgressEvery(Duration.ofMillis(200));
        Process p = new ProcessBuilder(Campaign.javaCommand(Worker.class.getName(), Worker.args(o, 0)))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Path finding = null;
        int stats = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                Worker.Message m = Worker.parse(line);
                if (m != null && m.finding() != null && m.finding().status() == Campaign.FindingStatus.NEW && finding == null)
                    finding = m.finding().file();
                // queue writes are batched a second apart: kill once some are on disk, mid-campaign
                if (m != null && m.stat() != null && finding != null && ++stats >= 3 && queueWritten(corpusDir))
                    break;
            }
            p.destroyForcibly();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        }
        assertNotNull(finding, "the worker reported a new finding");
        assertTrue(Files.exists(finding));
        assertTrue(Files.exists(Minimize.siblingWith(finding, ".trace")));
        Corpus c = new Corpus(corpusDir);
        for (Path d : List.of(c.queueDir(), c.findingsDir()))
            for (String n : names(d))
                if (n.endsWith(".scn") && !n.startsWith(Corpus.TMP_PREFIX))
                    ScenarioParser.parse(d.resolve(n));
        int queue = c.scanQueue(new HashSet<>()).size();
        assertTrue(queue > 0);
        Path f = finding;
        Campaign.Summary s = new Campaign(o.withTime(Duration.ofMinutes(5)).withMaxExecutions(queue + 20), ToyTarget::new).run(x -> {});
        assertTrue(s.events().stream().anyMatch(e -> e.status() == Campaign.FindingStatus.KNOWN && e.file().equals(f)), s::text);
        assertEquals(1, s.exitCode());
    }
}
