package mmrace.cli;

import mmrace.fuzz.Campaign;
import mmrace.fuzz.PortTarget;
import mmrace.scenario.Variant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/** ./mmrace fuzz: the coverage-guided fuzzer of mapping mutations and interleavings. */
@Command(name = "fuzz", mixinStandardHelpOptions = true, description = {"Coverage-guided fuzzing of address-space layouts, mutation sequences and schedules.",
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

    @Option(names = "--stop-on-known", description = {"With --stop-on-forbidden: stop at a known issue too (a root cause",
            "corpus/known-issues.txt records); without it those are counted apart and stop nothing."})
    boolean stopOnKnown;

    @Option(names = "--known-issues", paramLabel = "FILE", description = {"The known issues (default: CORPUS/known-issues.txt,",
            "else the checked-in corpus/known-issues.txt)."})
    Path knownIssues;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        List<Variant> vs = Scenarios.parseVariants(variant);
        java.time.Duration budget = duration(time);
        if (jobs < 1)
            throw new Main.BadInput("--jobs must be at least 1");
        if (jobs > 1 && noCorpus)
            throw new Main.BadInput("several jobs share a corpus directory: drop --no-corpus");
        int n = cappedJobs(jobs, Runtime.getRuntime().availableProcessors(), spec.commandLine().getErr());
        if (!noCorpus)
            writableDirectory(corpus, "--corpus");
        Campaign.Options o = Campaign.Options.of(vs).withTime(budget).withJobs(n).withSeed(seed)
                .withCorpus(noCorpus ? null : corpus).withStopOnForbidden(stop).withFeedback(!noFeedback)
                .withKnownIssues(Known.issues(knownIssues, noCorpus ? null : corpus), stopOnKnown);
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

    /** The longest budget a duration may give: a year (longer ones overflow the clocks they are added to). */
    static final Duration MAX_DURATION = Duration.ofDays(366);

    /** "90s", "10m", "2h", "1500ms", or seconds; positive and at most {@link #MAX_DURATION}. */
    static Duration duration(String s) {
        Duration d;
        try {
            String t = s.strip().toLowerCase();
            if (t.endsWith("ms"))
                d = Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            else {
                long n = Long.parseLong(t.replaceAll("[smh]$", ""));
                d = t.endsWith("h") ? Duration.ofHours(n) : t.endsWith("m") ? Duration.ofMinutes(n) : Duration.ofSeconds(n);
            }
        } catch (NumberFormatException | ArithmeticException e) {
            throw new Main.BadInput("expected a duration like 90s, 10m or 2h, found '" + s + "'");
        }
        if (d.isNegative() || d.isZero())
            throw new Main.BadInput("expected a positive duration like 90s, 10m or 2h, found '" + s + "'");
        if (d.compareTo(MAX_DURATION) > 0)
            throw new Main.BadInput("duration '" + s + "' is longer than a year (at most " + MAX_DURATION.toHours() + "h)");
        return d;
    }

    /** Workers per CPU at most: see {@link #cappedJobs}. */
    static final int JOBS_PER_CPU = 2;

    /**
     * {@code --jobs}, capped at {@link #JOBS_PER_CPU} per CPU. Each worker (a fuzzer thread of
     * this JVM, or a worker JVM: {@link mmrace.fuzz.Campaign}) runs its executions on one thread,
     * so one worker keeps about one core busy; more workers than that only share the same cores
     * (two per CPU leave room for minimisation and GC) while each adds its memory. Said on stderr
     * when it caps.
     */
    static int cappedJobs(int jobs, int cpus, java.io.PrintWriter err) {
        int cap = Math.max(1, cpus) * JOBS_PER_CPU;
        if (jobs <= cap)
            return jobs;
        err.println("mmrace: --jobs " + jobs + " capped at " + cap + " (" + JOBS_PER_CPU + " per CPU, " + cpus + " CPUs): each worker keeps"
                + " about one core busy, so more only share the same cores and each adds its memory (a JVM's, for worker processes)");
        err.flush();
        return cap;
    }

    /** BadInput unless {@code dir} is a directory this process can create files in (making it if needed). */
    static void writableDirectory(Path dir, String option) {
        if (Files.exists(dir) && !Files.isDirectory(dir))
            throw new Main.BadInput(dir + ": " + option + " must be a directory, and this is a file");
        try {
            Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, ".tmp-probe-", ".part");
            Files.delete(probe);
        } catch (java.io.IOException | SecurityException e) {
            throw new Main.BadInput(dir + ": " + option + " must be a directory mmrace can write in: "
                    + (e instanceof java.nio.file.AccessDeniedException ? "permission denied" : e.getMessage()));
        }
    }
}
