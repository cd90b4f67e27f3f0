package mmrace.cli;

import mmrace.oracle.Reason;
import mmrace.oracle.Verdict;
import mmrace.scenario.Corpus;
import mmrace.scenario.Runner;
import mmrace.scenario.ScenarioParser;
import mmrace.scenario.Variant;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The nightly report is checked in a real browser, not only by eye: headless Chromium (Debian's
 * chromium package; .ci/run installs it) loads index.html, and the DOM it builds must hold the
 * outcome table with its counts, one plot per campaign series, a swimlane picture per finding with
 * the trace's kernel calls in it; a screenshot must come out.
 */
class NightlyReportBrowserTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @Test
    void reportRendersInHeadlessChromium() throws Exception {
        assertTrue(Files.isExecutable(CHROMIUM), "headless Chromium is needed (apt-get install chromium; .ci/run does it)");
        NightlyReport rep = new NightlyReport();
        rep.started = "2026-11-26T00:00:00Z";
        rep.budget = "20m";
        rep.machine = "test";
        rep.gateSummary = "gate: 3 checks, 0 failed";
        rep.count("fast-v1", Verdict.forbidden(Reason.TORN_READ, 1, ""));
        rep.count("fast-v1", Verdict.acceptable(1));
        rep.count("slow", Verdict.interesting(Reason.MULTI_LAYOUT, 1, ""));
        rep.count("slow", Verdict.needsTriage(Reason.UNEXPLAINED, 1, ""), mmrace.oracle.Oracle.ROOT_CAUSE_ACCESS_PHYS);
        rep.series.put("fast-v1", List.of(new double[] {0, 10, 1, 0}, new double[] {5, 40, 6, 900}));
        var s = ScenarioParser.parse(Corpus.dir().resolve("reviewers-race.scn"));
        Runner.Outcome o = Runner.run(s, Variant.FAST_V1, true);
        rep.findings.add(new NightlyReport.Finding("fast-v1", o.verdict().reason(), "corpus/reviewers-race.scn", o.verdict().toString(),
                o.trace(), o.result().actors(), o.oracle().generationChanges()));
        Path dir = Files.createTempDirectory("nightly");
        Files.writeString(dir.resolve("index.html"), rep.html());

        String dom = chromium(dir, "--dump-dom", dir.resolve("index.html").toUri().toString());
        assertTrue(dom.contains("id=\"outcome-table\""), dom);
        assertTrue(dom.matches("(?s).*<td class=\"l\">fast-v1</td><td class=\"\">1</td><td class=\"\">0</td><td class=\"\">0</td><td class=\"forbidden\">1</td>.*"), dom);
        assertEquals(2, count(dom, "class=\"plot\""), "two plots for the one campaign");
        assertTrue(dom.contains("needs-triage unexplained (via " + mmrace.oracle.Oracle.ROOT_CAUSE_ACCESS_PHYS + "): 1"),
                "a known root cause is named in the table: " + dom);
        assertEquals(1, count(dom, "class=\"swimlane\""));
        assertTrue(dom.contains("lock_vma_under_rcu(0x12000) -&gt; C"), "the finding's trace is drawn");
        Path png = dir.resolve("shot.png");
        chromium(dir, "--screenshot=" + png, "--window-size=1200,1600", dir.resolve("index.html").toUri().toString());
        assertTrue(Files.size(png) > 10_000, "a screenshot of the page");
    }

    static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1))
            n++;
        return n;
    }

    static String chromium(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + dir.resolve("profile")));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "chromium did not finish");
        return out;
    }
}
