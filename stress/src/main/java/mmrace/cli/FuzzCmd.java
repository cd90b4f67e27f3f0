package mmrace.cli;

import mmrace.fuzz.Campaign;
import mmrace.fuzz.PortTarget;
import mmrace.scenario.Variant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/** ./mmrace fuzz: the coverage-guided fuzzer of mapping mutations and interleavings. */
@Command(name = "fuzz", description = {"Coverage-guided fuzzing of address-space layouts, mutation sequences and schedules.",
        "Every forbidden outcome is minimised and saved under CORPUS/findings/ as a scenario that ./mmrace run replays.",
        "A progress line goes to stderr every few seconds; the summary to stdout. Resumes from what CORPUS holds."})
final class FuzzCmd implements Callable<Integer> {
    @Option(names = "--variant", required = true, paramLabel = "V[,V...]", description = "Read paths to fuzz (or all).")
    String variant;

    @Option(names = "--time", defaultValue = "60s", paramLabel = "DURATION", description = "Budget: 90s, 10m, 2h (default ${DEFAULT-VALUE}).")
    String time;

    @Option(names = "--jobs", defaultValue = "1", paramLabel = "N", description = "Worker processes sharing the corpus (default ${DEFAULT-VALUE}).")
    int jobs;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S")
    long seed;

    @Option(names = "--corpus", defaultValue = "corpus", paramLabel = "DIR", description = "Corpus directory (default ${DEFAULT-VALUE}: queue/ and findings/ inside).")
    Path corpus;

    @Option(names = "--no-corpus", description = "Keep the corpus in memory only (nothing written).")
    boolean noCorpus;

    @Option(names = "--stop-on-forbidden", description = "Stop at the first forbidden finding (after minimising and saving it).")
    boolean stop;

    @Option(names = "--stop-reasons", paramLabel = "R[,R...]", description = "With --stop-on-forbidden: stop only at these reasons.")
    String stopReasons;

    @Option(names = "--no-feedback", description = "Baseline: fresh random inputs with the same mutators, nothing kept.")
    boolean noFeedback;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        List<Variant> vs = Scenarios.parseVariants(variant);
        if (jobs < 1)
            throw new Main.BadInput("--jobs must be at least 1");
        if (jobs > 1 && noCorpus)
            throw new Main.BadInput("several jobs share a corpus directory: drop --no-corpus");
        Campaign.Options o = Campaign.Options.of(vs).withTime(duration(time)).withJobs(jobs).withSeed(seed)
                .withCorpus(noCorpus ? null : corpus).withStopOnForbidden(stop).withFeedback(!noFeedback);
        if (stopReasons != null)
            o = o.withStopReasons(Set.of(stopReasons.split(",")));
        Campaign.Summary sum;
        try {
            sum = new Campaign(o, PortTarget::new).run(p -> {
                spec.commandLine().getErr().println(p.line());
                spec.commandLine().getErr().flush();
            });
        } catch (IllegalArgumentException e) {
            throw new Main.BadInput(e.getMessage());
        }
        spec.commandLine().getOut().print(sum.text());
        spec.commandLine().getOut().flush();
        return sum.exitCode();
    }

    /** "90s", "10m", "2h", "1500ms", or seconds. */
    static Duration duration(String s) {
        try {
            String t = s.strip().toLowerCase();
            if (t.endsWith("ms"))
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            long n = Long.parseLong(t.replaceAll("[smh]$", ""));
            Duration d = t.endsWith("h") ? Duration.ofHours(n) : t.endsWith("m") ? Duration.ofMinutes(n) : Duration.ofSeconds(n);
            if (d.isNegative() || d.isZero())
                throw new NumberFormatException();
            return d;
        } catch (NumberFormatException e) {
            throw new Main.BadInput("expected a duration like 90s, 10m or 2h, found '" + s + "'");
        }
    }
}
