package mmrace.cli;

import mmrace.oracle.Verdict;
import mmrace.run.Runner;
import mmrace.scenario.Scenario;
import mmrace.scenario.Variant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** ./mmrace run: replay scenarios under their recorded schedules and check the verdicts. */
@Command(name = "run", description = {"Replays scenarios (files or directories of .scn) and prints one verdict line per file and variant.",
        "A line ends in 'ok' when the verdict matches the file's expect line, 'MISMATCH' when it does not."})
final class RunCmd implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "FILE|DIR", description = "Scenario files or directories.")
    List<Path> paths;

    @Option(names = "--variant", paramLabel = "V[,V...]", description = "Variants to run (default: those the file expects, else all).")
    String variant;

    @Option(names = "--trace", arity = "0..1", fallbackValue = "calls", paramLabel = "calls|full",
            description = "Print the trace: 'calls' (kernel functions, waits, reports; the default) or 'full' (every shared access).")
    String trace;

    @Option(names = "--html", paramLabel = "OUT", description = "Write the trace as HTML to OUT (a directory when several runs).")
    Path html;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        if (trace != null && !trace.equals("calls") && !trace.equals("full"))
            throw new Main.BadInput("--trace takes calls or full, not '" + trace + "'");
        int[] errors = {0};
        List<Scenario> scenarios = Scenarios.parse(Scenarios.files(paths), err, errors);
        boolean forbidden = false, mismatch = false, triage = false;
        int runs = 0;
        for (Scenario s : scenarios) {
            List<Variant> vs = Scenarios.variants(s, variant);
            for (Variant v : vs) {
                Runner.Outcome o = Runner.run(s, v, trace != null || html != null);
                Verdict got = o.verdict();
                Scenario.Expect want = s.expects.get(v);
                String check = want == null ? "" : matches(got, want) ? "  ok" : "  MISMATCH (expected " + want.cls()
                        + (want.reason() == null ? "" : " " + want.reason()) + ")";
                out.printf("%s  %-24s %s (step %d)%s%n", s.source, v.id, got.label(), got.step(), check);
                if (got.cls() != Verdict.Cls.ACCEPTABLE && !got.detail().isEmpty())
                    out.printf("    %s%n", got.detail());
                if (trace != null)
                    out.print(TraceView.text(o.trace(), o.result().actors(), o.oracle(), got, trace.equals("full")));
                if (html != null)
                    writeHtml(s, v, o, got, runs++ > 0 || scenarios.size() * vs.size() > 1);
                forbidden |= got.cls() == Verdict.Cls.FORBIDDEN;
                triage |= got.cls() == Verdict.Cls.NEEDS_TRIAGE;
                mismatch |= want != null && !matches(got, want);
            }
        }
        out.flush();
        if (errors[0] > 0)
            return Main.BAD_INPUT;
        return forbidden || mismatch ? Main.FORBIDDEN : triage ? Main.NEEDS_TRIAGE : Main.OK;
    }

    static boolean matches(Verdict got, Scenario.Expect want) {
        return got.cls().word().equals(want.cls()) && (want.reason() == null || want.reason().equals(got.reason().code()));
    }

    private void writeHtml(Scenario s, Variant v, Runner.Outcome o, Verdict got, boolean many) {
        Path target = many ? html.resolve(s.name + "." + v.id + ".html") : html;
        Scenarios.writeAtomically(target, TraceView.html(s.name + " — " + v.id, o.trace(), o.result().actors(), o.oracle(), got));
    }
}
