package mmrace.cli;

import mmrace.jazzer.JazzerLauncher;
import mmrace.scenario.Variant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** ./mmrace jazzer: the Jazzer fuzz target (mmrace.jazzer.ScenarioFuzzTarget) under Jazzer's own libFuzzer driver. */
@Command(name = "jazzer", description = {"Fuzzes one read path with Jazzer (libFuzzer for the JVM): each input decodes into a scenario",
        "(layout, actors, operations, schedule) that runs under the deterministic scheduler and the oracle; a forbidden",
        "verdict is a crash. Stops at the first crash or at the budget. Turn a crash file into a scenario with",
        "./mmrace from-jazzer CRASHFILE --variant V -o OUT.scn. libFuzzer's own output goes to stderr."},
        footer = {"", "Exit status: 0 no forbidden outcome, 1 a forbidden outcome (crash file written), 2 bad input,",
                "70 the run failed otherwise (an exception of mmrace, or Jazzer did not run)."})
final class JazzerCmd implements Callable<Integer> {
    /** Jazzer crashed on something that is not a forbidden verdict, or did not run: never a verdict (EX_SOFTWARE). */
    static final int ENGINE_FAILED = 70;

    @Option(names = "--variant", required = true, paramLabel = "V", description = "The read path to fuzz.")
    String variant;

    @Option(names = "--time", defaultValue = "60s", paramLabel = "DURATION", description = "Budget: 90s, 10m, 2h (default ${DEFAULT-VALUE}).")
    String time;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "S", description = "libFuzzer's -seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--corpus", paramLabel = "DIR", description = "libFuzzer's corpus directory (read and extended); default none (in memory).")
    Path corpus;

    @Option(names = "--out", defaultValue = "jazzer", paramLabel = "DIR", description = "Where crash files go (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--skip-known", description = "A forbidden verdict whose root cause the oracle names (a known upstream bug) is not a crash.")
    boolean skipKnown;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException, InterruptedException {
        List<Variant> vs = Scenarios.parseVariants(variant);
        if (vs.size() != 1)
            throw new Main.BadInput("jazzer takes one variant");
        Variant v = vs.get(0);
        Duration d = FuzzCmd.duration(time);
        PrintWriter o = spec.commandLine().getOut();
        JazzerLauncher.Result r = JazzerLauncher.run(new JazzerLauncher.Options(v, d, seed, corpus, out, skipKnown),
                spec.commandLine().getErr());
        o.printf(Locale.ROOT, "jazzer: %d executions in %.1f s of process wall time (%s, seed %d)%n", r.executions(),
                r.wall().toMillis() / 1000.0, v.id, seed);
        if (r.forbidden()) {
            o.printf(Locale.ROOT, "first forbidden outcome after %d executions, %.2f s of fuzzing: %s%n", r.executions(),
                    r.toCrash().toMillis() / 1000.0, r.what());
            o.printf("crash file: %s%nreplay: ./mmrace from-jazzer %s --variant %s -o %s.scn && ./mmrace run %s.scn --trace%n",
                    r.crashFile(), r.crashFile(), v.id, r.crashFile(), r.crashFile());
            o.flush();
            return Main.FORBIDDEN;
        }
        if (r.crashed()) {
            o.printf("jazzer failed (exit %d): %s%s%n", r.exitCode(), r.what() == null ? "see its output above" : r.what(),
                    r.crashFile() == null ? "" : "; input: " + r.crashFile());
            o.flush();
            return ENGINE_FAILED;
        }
        o.println("no forbidden outcome");
        o.flush();
        return Main.OK;
    }
}
