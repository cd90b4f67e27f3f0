package mmrace.cli;

import mmrace.oracle.Verdict;
import mmrace.run.Runner;
import mmrace.scenario.KnownIssues;
import mmrace.scenario.Scenario;
import mmrace.scenario.ScenarioError;
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
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * ./mmrace gate: the regression gate. Replays every scenario of the corpus under every variant it
 * has an expect line for and compares verdicts (a variant expected safe that turns forbidden fails,
 * and so does a recorded forbidden outcome of a known-bad variant that no longer reproduces), checks
 * the corpus's known issues ({@link KnownIssues}: each not fixed still shows its root cause in its
 * files, and no forbidden or needs-triage replay has a root cause they do not record), then runs a time-boxed
 * JCStress pass over the variants expected to be safe. It always reports: a scenario it cannot
 * judge (malformed, its layout cannot be set up, a limit reached, its replay crashes) is a FAIL line
 * with the command that shows why, and the JUnit XML is written whatever happens.
 */
@Command(name = "gate", mixinStandardHelpOptions = true, description = {"The regression gate: corpus replay against recorded verdicts and known issues, then a time-boxed",
        "JCStress pass over the variants expected to be safe. One FAIL line per failure with the command that replays it;",
        "a scenario that cannot be judged (malformed, set-up failed, a limit reached, replay crashed) is a FAIL line too.",
        "Known issues: DIR/known-issues.txt (or --known-issues): each must still show its root cause in its files, and a",
        "forbidden or needs-triage replay whose root cause is not recorded there fails.",
        "Exit status: 0 pass, 1 a regression, 2 no regression but a scenario could not be judged, an empty corpus or",
        "bad input, 4 JCStress itself failed, 70 a replay crashed (./mmrace --help)."})
final class GateCmd implements Callable<Integer> {
    @Option(names = "--quick", description = "Fit in 5 minutes on a 2-core machine (CI).")
    boolean quick;

    @Option(names = "--junit-xml", paramLabel = "FILE", description = "Also write the results as JUnit XML (always, even when the gate cannot judge a file).")
    Path junit;

    @Option(names = "--corpus", defaultValue = "corpus", paramLabel = "DIR", description = "Default: ${DEFAULT-VALUE} (queue/ is skipped).")
    Path corpus;

    @Option(names = "--known-issues", paramLabel = "FILE", description = "The known issues (default: DIR/known-issues.txt; none if absent).")
    Path knownIssues;

    @Option(names = "--no-jcstress", description = "Only the corpus replay.")
    boolean noJcstress;

    @Spec
    CommandSpec spec;

    /** What one replay gave: the verdict and the root cause the oracle named (null: none). */
    record Replay(Verdict verdict, String rootCause) {}

    /** How one scenario is replayed under one variant (tests replace it to make a replay crash). */
    interface Replayer {
        Replay replay(Scenario s, Variant v);
    }

    Replayer replayer = (s, v) -> {
        Runner.Outcome o = Runner.run(s, v, false);
        return new Replay(o.verdict(), o.oracle().rootCause());
    };

    /**
     * One check: a scenario under a variant, a known issue, or a JCStress test. {@code status}: the
     * exit status it stands for ({@link Main#OK} when ok; {@link Main#FORBIDDEN} a regression, a JUnit
     * failure; any other: it could not be judged, a JUnit error).
     */
    record Check(String suite, String name, boolean ok, double seconds, String failure, int status) {
        Check(String suite, String name, boolean ok, double seconds, String failure) {
            this(suite, name, ok, seconds, failure, ok ? Main.OK : Main.FORBIDDEN);
        }

        /** Could not be judged (a JUnit error, not a failure). */
        boolean error() {
            return !ok && status != Main.FORBIDDEN;
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        List<Check> checks = new ArrayList<>();
        try {
            Path dir = corpus.isAbsolute() || System.getProperty("mmrace.home") == null ? corpus
                    : Path.of(System.getProperty("mmrace.home")).resolve(corpus);
            if (!Files.isDirectory(dir))
                return unjudged(checks, corpus.toString(), corpus + ": no such directory");
            KnownIssues known;
            try {
                known = knownIssues != null ? KnownIssues.read(knownIssues) : KnownIssues.in(dir, null);
            } catch (ScenarioError e) {
                return unjudged(checks, "known issues", e.getMessage());
            }
            Map<String, String> causes = new HashMap<>();
            if (replayCorpus(dir, checks, out, known, causes) == 0)
                return unjudged(checks, corpus.toString(), corpus + ": no scenario with an expect line, nothing to check");
            checkKnown(dir, known, causes, checks, out);
            if (!noJcstress)
                jcstress(checks);
            long failed = checks.stream().filter(c -> !c.ok()).count();
            out.printf(Locale.ROOT, "gate: %d checks, %d failed%n", checks.size(), failed);
            out.flush();
            int status = Main.OK;
            for (Check c : checks)
                status = Main.worst(status, c.status());
            return status;
        } finally {
            if (junit != null)
                Scenarios.writeAtomically(junit, JunitXml.write(checks));
        }
    }

    /** The gate cannot judge at all: the message on stderr, an error check in the XML, exit 2. */
    private int unjudged(List<Check> checks, String name, String m) {
        spec.commandLine().getErr().println("mmrace: " + m);
        checks.add(new Check("corpus", name, false, 0, m, Main.BAD_INPUT));
        return Main.BAD_INPUT;
    }

    private void jcstress(List<Check> checks) {
        try {
            checks.addAll(Jcstress.gatePass(quick, spec.commandLine().getOut(), spec.commandLine().getErr()));
        } catch (RuntimeException e) {
            String m = "the JCStress pass could not run: " + e + "; rerun: ./mmrace stress";
            spec.commandLine().getOut().println("FAIL " + m);
            checks.add(new Check("jcstress", "jcstress", false, 0, m, Main.JCSTRESS_FAILED));
        }
    }

    /**
     * Replays every scenario with expect lines; each file or replay that cannot be judged is a
     * failed check. {@code causes} gets the root cause of each forbidden or needs-triage replay ("FILE [variant]").
     * Returns how many variant checks there were.
     */
    int replayCorpus(Path dir, List<Check> checks, PrintWriter out, KnownIssues known, Map<String, String> causes) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir)) {
            files = s.filter(p -> p.toString().endsWith(".scn") && !dir.relativize(p).startsWith("queue")).sorted().toList();
        }
        int before = checks.size(), variants = 0;
        for (Path f : files) {
            Scenario s;
            try {
                s = Scenarios.load(f);
            } catch (ScenarioError e) {
                String m = e.getMessage() + " (malformed); replay: ./mmrace run " + f;
                out.println("FAIL " + m);
                checks.add(new Check("corpus", f.toString(), false, 0, m, Main.BAD_INPUT));
                continue;
            }
            for (var e : s.expects.entrySet()) {
                checks.add(check(f, s, e.getKey(), e.getValue(), out, known, causes));
                variants++;
            }
        }
        out.printf(Locale.ROOT, "corpus: %d files, %d variant checks, %d failed%n", files.size(), variants,
                checks.subList(before, checks.size()).stream().filter(c -> !c.ok()).count());
        return variants;
    }

    private Check check(Path f, Scenario s, Variant v, Scenario.Expect want, PrintWriter out, KnownIssues known, Map<String, String> causes) {
        String name = f + " [" + v.id + "]", replay = "replay: ./mmrace run " + f + " --variant " + v.id + " --trace";
        long t0 = System.nanoTime();
        Replay got;
        try {
            got = replayer.replay(s, v);
        } catch (RuntimeException | AssertionError | StackOverflowError e) {
            // a layout the kernel refuses is the scenario's fault; anything else is a crash, whose stack goes to a file
            String bad = Main.badInput(e);
            String why = bad != null ? bad : Crash.line(e, Crash.record(e));
            String m = String.format("%s %s: cannot be replayed: %s; %s", f, v.id, bad != null ? bad : e.toString(), replay);
            out.println("FAIL " + m);
            if (bad == null)
                spec.commandLine().getErr().println("mmrace: " + f + " " + v.id + ": " + why);
            return new Check("corpus", name, false, (System.nanoTime() - t0) / 1e9, m, bad != null ? Main.BAD_INPUT : Main.INTERNAL_ERROR);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        Verdict vd = got.verdict();
        if (vd.cls() == Verdict.Cls.LIMIT) {
            String m = String.format("%s %s: cannot be judged: %s (step %d): %s; %s", f, v.id, vd.label(), vd.step(), vd.detail(), replay);
            out.println("FAIL " + m);
            return new Check("corpus", name, false, secs, m, Main.BAD_INPUT);
        }
        if (vd.cls().fails() && got.rootCause() != null) {
            causes.put(name, got.rootCause());
            if (known.of(got.rootCause()) == null) {
                String m = String.format("%s %s: %s with root cause '%s', which %s does not record: add it there; %s", f, v.id, vd.label(),
                        got.rootCause(), known.source() == null ? "no known-issues file" : known.source(), replay);
                out.println("FAIL " + m);
                return new Check("corpus", name, false, secs, m);
            }
        }
        boolean ok = RunCmd.matches(vd, want);
        String wanted = want.cls() + (want.reason() == null ? "" : " " + want.reason());
        String failure = ok ? null : String.format("%s %s: expected %s, got %s (step %d)%s; %s",
                f, v.id, wanted, vd.label(), vd.step(), vd.detail().isEmpty() ? "" : ": " + vd.detail(), replay);
        if (!ok)
            out.println("FAIL " + failure);
        return new Check("corpus", name, ok, secs, failure);
    }

    /**
     * Every known issue that is not fixed still shows its root cause: each of its files is in the
     * corpus, and every variant the file expects forbidden or needs-triage replayed with that root cause.
     */
    void checkKnown(Path dir, KnownIssues known, Map<String, String> causes, List<Check> checks, PrintWriter out) {
        for (KnownIssues.Issue is : known.all()) {
            if (is.fixed())
                continue;
            String name = "known issue " + is.id();
            if (mmrace.oracle.Reason.of(is.reason()) == null) {
                String m = known.source() + ":" + is.line() + ": unknown reason code '" + is.reason() + "'";
                out.println("FAIL " + m);
                checks.add(new Check("known-issues", name, false, 0, m, Main.BAD_INPUT));
                continue;
            }
            List<String> lost = new ArrayList<>();
            int status = Main.OK;
            for (String rel : is.files()) {
                Path f = known.dir().resolve(rel).normalize();
                Path inCorpus = dir.resolve(rel).normalize();
                Path shown = Files.isRegularFile(inCorpus) ? inCorpus : f;
                if (!Files.isRegularFile(shown)) {
                    lost.add(rel + ": no such file");
                    status = Main.worst(status, Main.BAD_INPUT);
                    continue;
                }
                List<String> replayed = causes.keySet().stream().filter(k -> k.startsWith(shown + " [")).toList();
                Scenario s = Scenarios.loadOrNull(shown);
                int expected = 0;
                if (s != null)
                    for (var e : s.expects.entrySet())
                        if (Verdict.Cls.of(e.getValue().cls()).fails()) {
                            expected++;
                            String key = shown + " [" + e.getKey().id + "]";
                            if (!is.rootCause().equals(causes.get(key))) {
                                lost.add(rel + " under " + e.getKey().id + (replayed.contains(key) ? " shows another root cause" : " no longer shows it"));
                                status = Main.worst(status, Main.FORBIDDEN);
                            }
                        }
                if (s != null && expected == 0) {
                    lost.add(rel + ": expects no forbidden or needs-triage outcome, so it cannot show the issue");
                    status = Main.worst(status, Main.BAD_INPUT);
                }
            }
            String m = lost.isEmpty() ? null : String.format("%s (%s): root cause '%s' %s; replay: ./mmrace run %s --trace", name, is.status(),
                    is.rootCause(), String.join("; ", lost), String.join(" ", is.files().stream().map(r -> dir.resolve(r).toString()).toList()));
            if (m != null)
                out.println("FAIL " + m);
            checks.add(new Check("known-issues", name, lost.isEmpty(), 0, m, lost.isEmpty() ? Main.OK : status));
        }
    }
}
