package mmrace.cli;

import mmrace.oracle.Verdict;
import mmrace.run.Runner;
import mmrace.scenario.Scenario;
import mmrace.scenario.ScenarioError;
import mmrace.scenario.ScenarioParser;
import mmrace.scenario.Variant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * ./mmrace gate: the regression gate. Replays every scenario of the corpus under every variant it
 * has an expect line for and compares verdicts (a variant expected safe that turns forbidden fails,
 * and so does a recorded forbidden outcome of a known-bad variant that no longer reproduces), then
 * runs a time-boxed JCStress pass over the variants expected to be safe.
 */
@Command(name = "gate", description = {"The regression gate: corpus replay against recorded verdicts, then a time-boxed JCStress",
        "pass over the variants expected to be safe. One line per failure with the command that replays it.",
        "Exit status: 0 pass, 1 a regression, 2 bad input."})
final class GateCmd implements Callable<Integer> {
    @Option(names = "--quick", description = "Fit in 5 minutes on a 2-core machine (CI).")
    boolean quick;

    @Option(names = "--junit-xml", paramLabel = "FILE", description = "Also write the results as JUnit XML.")
    Path junit;

    @Option(names = "--corpus", defaultValue = "corpus", paramLabel = "DIR", description = "Default: ${DEFAULT-VALUE} (queue/ is skipped).")
    Path corpus;

    @Option(names = "--no-jcstress", description = "Only the corpus replay.")
    boolean noJcstress;

    @Spec
    CommandSpec spec;

    /** One check: a scenario under a variant, or a JCStress test. */
    record Check(String suite, String name, boolean ok, double seconds, String failure) {}

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path dir = corpus.isAbsolute() || System.getProperty("mmrace.home") == null ? corpus
                : Path.of(System.getProperty("mmrace.home")).resolve(corpus);
        if (!Files.isDirectory(dir))
            throw new Main.BadInput(corpus + ": no such directory");
        List<Check> checks = new ArrayList<>();
        int bad = replayCorpus(dir, checks, out);
        if (bad > 0)
            return Main.BAD_INPUT;
        if (!noJcstress)
            checks.addAll(Jcstress.gatePass(quick, out, spec.commandLine().getErr()));
        long failed = checks.stream().filter(c -> !c.ok()).count();
        out.printf(Locale.ROOT, "gate: %d checks, %d failed%n", checks.size(), failed);
        out.flush();
        if (junit != null)
            Scenarios.writeAtomically(junit, junitXml(checks));
        return failed > 0 ? Main.FORBIDDEN : Main.OK;
    }

    /** Replays every scenario with expect lines; returns the number of malformed files. */
    int replayCorpus(Path dir, List<Check> checks, PrintWriter out) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir)) {
            files = s.filter(p -> p.toString().endsWith(".scn") && !dir.relativize(p).startsWith("queue")).sorted().toList();
        }
        int bad = 0;
        for (Path f : files) {
            Scenario s;
            try {
                s = ScenarioParser.parse(f);
            } catch (ScenarioError e) {
                spec.commandLine().getErr().println("mmrace: " + e.getMessage());
                bad++;
                continue;
            }
            for (var e : s.expects.entrySet()) {
                Variant v = e.getKey();
                Scenario.Expect want = e.getValue();
                long t0 = System.nanoTime();
                Verdict got = Runner.run(s, v, false).verdict();
                double secs = (System.nanoTime() - t0) / 1e9;
                boolean ok = RunCmd.matches(got, want);
                String wanted = want.cls() + (want.reason() == null ? "" : " " + want.reason());
                String failure = ok ? null : String.format("%s %s: expected %s, got %s (step %d)%s; replay: ./mmrace run %s --variant %s --trace",
                        f, v.id, wanted, got.label(), got.step(), got.detail().isEmpty() ? "" : ": " + got.detail(), f, v.id);
                if (!ok)
                    out.println("FAIL " + failure);
                checks.add(new Check("corpus", f + " [" + v.id + "]", ok, secs, failure));
            }
        }
        out.printf(Locale.ROOT, "corpus: %d files, %d variant checks, %d failed%n", files.size() - bad,
                checks.size(), checks.stream().filter(c -> !c.ok()).count());
        return bad;
    }

    static String junitXml(List<Check> checks) {
        StringBuilder b = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"mmrace gate\">\n");
        for (String suite : checks.stream().map(Check::suite).distinct().toList()) {
            List<Check> cs = checks.stream().filter(c -> c.suite().equals(suite)).toList();
            b.append(String.format(Locale.ROOT, "  <testsuite name=\"%s\" tests=\"%d\" failures=\"%d\">%n", x(suite), cs.size(),
                    cs.stream().filter(c -> !c.ok()).count()));
            for (Check c : cs) {
                b.append(String.format(Locale.ROOT, "    <testcase classname=\"%s\" name=\"%s\" time=\"%.3f\"", x(suite), x(c.name()), c.seconds()));
                if (c.ok())
                    b.append("/>\n");
                else
                    b.append(">\n      <failure message=\"").append(x(c.failure())).append("\"/>\n    </testcase>\n");
            }
            b.append("  </testsuite>\n");
        }
        return b.append("</testsuites>\n").toString();
    }

    static String x(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
