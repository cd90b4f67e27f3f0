package mmrace.cli;

import mmrace.oracle.Verdict;
import mmrace.run.Runner;
import mmrace.scenario.Scenario;
import mmrace.scenario.ScenarioError;
import mmrace.scenario.Variant;
import mmrace.sched.Config;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Stack;
import java.util.concurrent.Callable;

/**
 * ./mmrace run: replay scenarios under their recorded schedules and check the verdicts. Every
 * file gets its line (a verdict per variant, or why it was not run), whatever the files before it
 * did; the exit status is the worst of them ({@link Main#worst}).
 */
@Command(name = "run", mixinStandardHelpOptions = true, description = {"Replays scenarios (files or directories of .scn) and prints one verdict line per file and variant.",
        "A line ends in 'ok' when the verdict matches the file's expect line, 'MISMATCH' when it does not.",
        "A file that cannot be run (malformed, its layout refused, beyond the model's capacity) gets a line too,",
        "and the files after it still run. Exit status: the worst of the files' (./mmrace --help)."})
final class RunCmd implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "FILE|DIR", description = "Scenario files or directories.")
    List<Path> paths;

    @Option(names = "--variant", paramLabel = "V[,V...]", description = "Variants to run (default: those the file expects, else all).")
    String variant;

    @Option(names = "--trace", arity = "0..1", fallbackValue = "calls", paramLabel = "calls|full", parameterConsumer = TraceValue.class,
            description = "Print the trace: 'calls' (kernel functions, waits, reports; the default) or 'full' (every shared access).")
    String trace;

    @Option(names = "--html", paramLabel = "OUT", description = "Write the trace as HTML to OUT (a directory when several runs).")
    Path html;

    @Option(names = "--max-steps", paramLabel = "N", description = {"Step bound of each execution (default: " + Config.MAX_STEPS
            + ", more for long scenarios: docs/SCENARIOS.md, Limits)."})
    Long maxSteps;

    @Spec
    CommandSpec spec;

    /**
     * {@code --trace} takes a value only when it is {@code calls} or {@code full} (or attached,
     * {@code --trace=full}): {@code run --trace FILE} traces FILE instead of taking its name as
     * the trace level.
     */
    static final class TraceValue implements CommandLine.IParameterConsumer {
        @Override
        public void consumeParameters(Stack<String> args, CommandLine.Model.ArgSpec arg, CommandSpec cmd) {
            String next = args.isEmpty() ? null : args.peek();
            boolean value = next != null && (next.equals("calls") || next.equals("full")
                    || !next.startsWith("-") && !next.endsWith(".scn") && !Files.exists(Path.of(next)) && !next.contains("/"));
            arg.setValue(value ? args.pop() : "calls");
        }
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        if (trace != null && !trace.equals("calls") && !trace.equals("full"))
            throw new Main.BadInput("--trace takes calls or full, not '" + trace + "'");
        if (maxSteps != null && maxSteps <= 0)
            throw new Main.BadInput("--max-steps must be positive, not " + maxSteps);
        List<Variant> only = variant == null ? null : Scenarios.parseVariants(variant);
        List<String> problems = new ArrayList<>();
        List<Path> files = Scenarios.files(paths, problems);
        int status = Main.OK;
        for (String p : problems) {
            err.println("mmrace: " + p);
            status = Main.BAD_INPUT;
        }
        boolean many = files.size() > 1;
        for (Path f : files) {
            status = Main.worst(status, file(f, only, many, out, err));
            out.flush();
        }
        return status;
    }

    /** Runs one file under its variants, prints its lines; its exit status. */
    private int file(Path f, List<Variant> only, boolean many, PrintWriter out, PrintWriter err) {
        Scenario s;
        try {
            s = Scenarios.load(f);
        } catch (ScenarioError e) {
            err.println("mmrace: " + e.getMessage());
            out.printf("%s  %-24s not run: bad input%n", f, "-");
            return Main.BAD_INPUT;
        }
        List<Variant> vs = only != null ? only : Scenarios.variants(s, null);
        int status = Main.OK;
        for (Variant v : vs) {
            Runner.Outcome o;
            try {
                Config c = Runner.config(s).withTrace(trace != null || html != null);
                o = Runner.run(s, v, Runner.strategy(s, v), maxSteps == null ? c : c.withMaxSteps(maxSteps));
            } catch (RuntimeException | StackOverflowError | AssertionError e) {
                String bad = Main.badInput(e instanceof mmrace.runtime.ModelLimit ? new Main.BadInput(s.source + ": " + e.getMessage()) : e);
                if (bad != null) {
                    // the layout cannot be set up whatever the variant: one line for the file
                    err.println("mmrace: " + bad);
                    out.printf("%s  %-24s not run: bad input (its layout cannot be set up)%n", f, "-");
                    return Main.worst(status, Main.BAD_INPUT);
                }
                err.println("mmrace: " + f + " " + v.id + ": " + Crash.line(e, Crash.record(e)));
                out.printf("%s  %-24s not run: internal error%n", f, v.id);
                status = Main.worst(status, Main.INTERNAL_ERROR);
                continue;
            }
            status = Main.worst(status, verdict(s, v, o, many || vs.size() > 1, out));
        }
        return status;
    }

    /** Prints one verdict line (and its detail and trace); its exit status. */
    private int verdict(Scenario s, Variant v, Runner.Outcome o, boolean many, PrintWriter out) {
        Verdict got = o.verdict();
        Scenario.Expect want = s.expects.get(v);
        String check = want == null ? "" : matches(got, want) ? "  ok" : "  MISMATCH (expected " + want.cls()
                + (want.reason() == null ? "" : " " + want.reason()) + ")";
        out.printf("%s  %-24s %s (step %d)%s%n", s.source, v.id, got.label(), got.step(), check);
        if (got.cls() != Verdict.Cls.ACCEPTABLE && !got.detail().isEmpty())
            out.printf("    %s%n", got.detail());
        if (got.cls() == Verdict.Cls.LIMIT)
            out.printf("    no verdict: raise the bound with --max-steps N (this scenario's: %d)%n", Runner.maxSteps(s));
        if (trace != null)
            out.print(TraceView.text(o.trace(), o.result().actors(), o.oracle(), got, trace.equals("full")));
        if (html != null)
            writeHtml(s, v, o, got, many);
        if (want != null && !matches(got, want) && got.cls() != Verdict.Cls.LIMIT)
            return Main.FORBIDDEN;
        return switch (got.cls()) {
            case FORBIDDEN -> Main.FORBIDDEN;
            case NEEDS_TRIAGE -> Main.NEEDS_TRIAGE;
            case LIMIT -> Main.BAD_INPUT;
            default -> Main.OK;
        };
    }

    static boolean matches(Verdict got, Scenario.Expect want) {
        return got.cls().word().equals(want.cls()) && (want.reason() == null || want.reason().equals(got.reason().code()));
    }

    private void writeHtml(Scenario s, Variant v, Runner.Outcome o, Verdict got, boolean many) {
        Path target = many ? html.resolve(s.name + "." + v.id + ".html") : html;
        Scenarios.writeAtomically(target, TraceView.html(s.name + " — " + v.id, o.trace(), o.result().actors(), o.oracle(), got));
    }
}
