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
 * runs a time-boxed JCStress pass over the variants expected to be safe. It always reports: a
 * scenario it cannot judge (malformed, its layout cannot be set up, its replay crashes) is a FAIL
 * line with the command that shows why, and the JUnit XML is written whatever happens.
 */
@Command(name = "gate", mixinStandardHelpOptions = true, description = {"The regression gate: corpus replay against recorded verdicts, then a time-boxed JCStress",
        "pass over the variants expected to be safe. One FAIL line per failure with the command that replays it;",
        "a scenario that cannot be judged (malformed, set-up failed, replay crashed) is a FAIL line too.",
        "Exit status: 0 pass, 1 a regression, 2 no regression but a scenario could not be judged (or bad input)."})
final class GateCmd implements Callable<Integer> {
    @Option(names = "--quick", description = "Fit in 5 minutes on a 2-core machine (CI).")
    boolean quick;

    @Option(names = "--junit-xml", paramLabel = "FILE", description = "Also write the results as JUnit XML (always, even when the gate cannot judge a file).")
    Path junit;

    @Option(names = "--corpus", defaultValue = "corpus", paramLabel = "DIR", description = "Default: ${DEFAULT-VALUE} (queue/ is skipped).")
    Path corpus;

    @Option(names = "--no-jcstress", description = "Only the corpus replay.")
    boolean noJcstress;

    @Spec
    CommandSpec spec;

    /** How one scenario is replayed under one variant (tests replace it to make a replay crash). */
    interface Replayer {
        Verdict replay(Scenario s, Variant v);
    }

    Replayer replayer = (s, v) -> Runner.run(s, v, false).verdict();

    /**
     * One check: a scenario under a variant, or a JCStress test. {@code error}: it could not be
     * judged (a JUnit error, not a failure).
     */
    record Check(String suite, String name, boolean ok, double seconds, String failure, boolean error) {
        Check(String suite, String name, boolean ok, double seconds, String failure) {
            this(suite, name, ok, seconds, failure, false);
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        List<Check> checks = new ArrayList<>();
        try {
            Path dir = corpus.isAbsolute() || System.getProperty("mmrace.home") == null ? corpus
                    : Path.of(System.getProperty("mmrace.home")).resolve(corpus);
            if (!Files.isDirectory(dir)) {
                String m = corpus + ": no such directory";
                spec.commandLine().getErr().println("mmrace: " + m);
                checks.add(new Check("corpus", corpus.toString(), false, 0, m, true));
                return Main.BAD_INPUT;
            }
            replayCorpus(dir, checks, out);
            if (!noJcstress)
                jcstress(checks);
            long failed = checks.stream().filter(c -> !c.ok()).count();
            out.printf(Locale.ROOT, "gate: %d checks, %d failed%n", checks.size(), failed);
            out.flush();
            if (checks.stream().anyMatch(c -> !c.ok() && !c.error()))
                return Main.FORBIDDEN;
            return failed > 0 ? Main.BAD_INPUT : Main.OK;
        } finally {
            if (junit != null)
                Scenarios.writeAtomically(junit, JunitXml.write(checks));
        }
    }

    private void jcstress(List<Check> checks) {
        try {
            checks.addAll(Jcstress.gatePass(quick, spec.commandLine().getOut(), spec.commandLine().getErr()));
        } catch (RuntimeException e) {
            String m = "the JCStress pass could not run: " + e + "; rerun: ./mmrace stress";
            spec.commandLine().getOut().println("FAIL " + m);
            checks.add(new Check("jcstress", "jcstress", false, 0, m, true));
        }
    }

    /** Replays every scenario with expect lines; each file or replay that cannot be judged is a failed check. */
    void replayCorpus(Path dir, List<Check> checks, PrintWriter out) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir)) {
            files = s.filter(p -> p.toString().endsWith(".scn") && !dir.relativize(p).startsWith("queue")).sorted().toList();
        }
        for (Path f : files) {
            Scenario s;
            try {
                s = ScenarioParser.parse(f);
            } catch (ScenarioError e) {
                String m = e.getMessage() + " (malformed); replay: ./mmrace run " + f;
                out.println("FAIL " + m);
                checks.add(new Check("corpus", f.toString(), false, 0, m, true));
                continue;
            }
            for (var e : s.expects.entrySet())
                checks.add(check(f, s, e.getKey(), e.getValue(), out));
        }
        out.printf(Locale.ROOT, "corpus: %d files, %d variant checks, %d failed%n", files.size(),
                checks.size(), checks.stream().filter(c -> !c.ok()).count());
    }

    private Check check(Path f, Scenario s, Variant v, Scenario.Expect want, PrintWriter out) {
        String name = f + " [" + v.id + "]", replay = "replay: ./mmrace run " + f + " --variant " + v.id + " --trace";
        long t0 = System.nanoTime();
        Verdict got;
        try {
            got = replayer.replay(s, v);
        } catch (RuntimeException | AssertionError | StackOverflowError e) {
            // a layout the kernel refuses is the scenario's fault; anything else is a crash, whose stack goes to stderr
            boolean setup = e instanceof mmrace.scenario.ScenarioSetupError;
            String m = String.format("%s %s: cannot be replayed: %s; %s", f, v.id, setup ? e.getMessage() : e.toString(), replay);
            out.println("FAIL " + m);
            if (!setup)
                e.printStackTrace(spec.commandLine().getErr());
            return new Check("corpus", name, false, (System.nanoTime() - t0) / 1e9, m, true);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        boolean ok = RunCmd.matches(got, want);
        String wanted = want.cls() + (want.reason() == null ? "" : " " + want.reason());
        String failure = ok ? null : String.format("%s %s: expected %s, got %s (step %d)%s; %s",
                f, v.id, wanted, got.label(), got.step(), got.detail().isEmpty() ? "" : ": " + got.detail(), replay);
        if (!ok)
            out.println("FAIL " + failure);
        return new Check("corpus", name, ok, secs, failure);
    }
}
