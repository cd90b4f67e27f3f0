package mmrace.peers;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tools of the peer table, each run as its own process the way a user runs it, on one race:
 * mmrace's explore (PCT) and fuzz (from an empty corpus), Jazzer over the same port
 * ({@code ./mmrace jazzer}), JCStress through the project's tests ({@code ./mmrace stress}) and the
 * Lincheck harness of the test tree (through Maven). Each parses what its tool prints; a tool that
 * prints nothing it understands counts as not found, with its log named in the note.
 */
public final class Peers {
    /** Where the sources are (mmrace.home), where logs and corpora go, and progress lines. */
    private final Path home, work;
    private final PrintWriter progress;

    public Peers(Path home, Path work, PrintWriter progress) {
        this.home = home;
        this.work = work;
        this.progress = progress;
    }

    static final Pattern EXPLORE = Pattern.compile("first forbidden outcome after (\\d+) executions, ([\\d.]+) s"),
            FUZZ = Pattern.compile("first forbidden outcome after (\\d+) executions, (\\d+):(\\d\\d):(\\d\\d)\\.(\\d)"),
            JAZZER = Pattern.compile("first forbidden outcome after (\\d+) executions, ([\\d.]+) s of fuzzing: (.*)");

    /** Slack past a tool's own budget before it is killed (JVM start, instrumentation, minimising a finding). */
    static final Duration SLACK = Duration.ofSeconds(120);

    /** ./mmrace explore FILE --strategy pct: PCT from seed {@code seed}, stopping at the first forbidden outcome. */
    public Trial explore(Race r, long seed, long runs, Duration budget) throws IOException {
        Path log = work.resolve("logs/explore-" + r.id() + "-" + seed + ".log");
        Child c = Child.run(Child.mmrace(home, "explore", home.resolve(r.scenario()).toString(), "--variant", r.variant().id,
                "--strategy", "pct", "--seed", String.valueOf(seed), "--runs", String.valueOf(runs), "--stop-on-forbidden", "--save",
                work.resolve("explore-" + r.id() + "-" + seed).toString()), home, budget.plus(SLACK), log, progress);
        Matcher m = EXPLORE.matcher(c.output());
        if (!m.find())
            return Trial.notFound(c.wallSeconds(), c.timedOut() ? "killed at the budget" : "none in " + runs + " executions");
        return new Trial(true, Long.parseLong(m.group(1)), Double.parseDouble(m.group(2)), c.wallSeconds(), "");
    }

    /** ./mmrace fuzz from an empty corpus, stopping at the first forbidden outcome of the race's reason. */
    public Trial fuzz(Race r, long seed, Duration budget) throws IOException {
        Path log = work.resolve("logs/fuzz-" + r.id() + "-" + seed + ".log");
        Path corpus = work.resolve("fuzz-" + r.id() + "-" + seed);
        deleteTree(corpus);
        Child c = Child.run(Child.mmrace(home, "fuzz", "--variant", r.variant().id, "--time", budget.toSeconds() + "s", "--seed",
                String.valueOf(seed), "--corpus", corpus.toString(), "--stop-on-forbidden", "--stop-reasons", r.reason()), home,
                budget.plus(SLACK), log, progress);
        Matcher m = FUZZ.matcher(c.output());
        if (!m.find())
            return Trial.notFound(c.wallSeconds(), c.timedOut() ? "killed past the budget" : "none within the budget");
        double secs = Integer.parseInt(m.group(2)) * 3600 + Integer.parseInt(m.group(3)) * 60 + Integer.parseInt(m.group(4))
                + Integer.parseInt(m.group(5)) / 10.0;
        return new Trial(true, Long.parseLong(m.group(1)), secs, c.wallSeconds(), "");
    }

    /** ./mmrace jazzer from an empty corpus: the first forbidden outcome whose root cause is not a known bug. */
    public Trial jazzer(Race r, long seed, Duration budget) throws IOException {
        Path log = work.resolve("logs/jazzer-" + r.id() + "-" + seed + ".log");
        Path out = work.resolve("jazzer-" + r.id() + "-" + seed);
        deleteTree(out);
        Child c = Child.run(Child.mmrace(home, "jazzer", "--variant", r.variant().id, "--time", budget.toSeconds() + "s", "--seed",
                String.valueOf(seed), "--out", out.toString(), "--skip-known"), home, budget.plus(SLACK), log, progress);
        Matcher m = JAZZER.matcher(c.output());
        if (!m.find())
            return Trial.notFound(c.wallSeconds(), c.exitCode() == 0 || c.timedOut() ? "none within the budget"
                    : "jazzer failed (exit " + c.exitCode() + "), " + log);
        String what = m.group(3);
        Matcher reason = Pattern.compile("forbidden (\\S+)").matcher(what);
        return new Trial(true, Long.parseLong(m.group(1)), Double.parseDouble(m.group(2)), c.wallSeconds(),
                reason.find() ? reason.group(1) : "");
    }

    /**
     * ./mmrace stress on the race's JCStress test, {@code timeMs} per test: found if the test saw a
     * forbidden sample. Executions: the samples of that run.
     */
    public Trial jcstress(Race r, long timeMs, int run) throws IOException {
        String shortName = r.jcstressTest().substring("mmrace.jcstress.".length());
        Path log = work.resolve("logs/jcstress-" + r.id() + "-" + timeMs + "ms-" + run + ".log");
        Child c = Child.run(Child.mmrace(home, "stress", "--filter", Pattern.quote(r.jcstressTest()) + "$", "--time-per-test",
                String.valueOf(timeMs), "--report", work.resolve("jcstress-" + r.id() + "-" + timeMs + "-" + run).toString()), home,
                Duration.ofMillis(timeMs * 20).plus(SLACK), log, progress);
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(shortName) + "\\s+\\S+\\s+(?:safe|known bad)\\s+(\\d+)\\s+(\\d+)")
                .matcher(c.output());
        if (!m.find())
            return Trial.notFound(c.wallSeconds(), "no result line (exit " + c.exitCode() + "), " + log);
        long samples = Long.parseLong(m.group(1)), forbidden = Long.parseLong(m.group(2));
        return new Trial(forbidden > 0, samples, timeMs / 1000.0, c.wallSeconds(), forbidden + " forbidden samples");
    }

    /**
     * The Lincheck harness of the test tree (mmrace.lincheck.TornReadLincheckTest) through Maven,
     * with at most {@code invocations} invocations: it writes what it found to a file this reads.
     */
    public Trial lincheck(Race r, int invocations, Duration budget) throws IOException {
        Path log = work.resolve("logs/lincheck-" + r.id() + ".log");
        Path result = work.resolve("lincheck-" + r.id() + ".properties").toAbsolutePath();
        Files.deleteIfExists(result);
        List<String> cmd = List.of("mvn", "-o", "-q", "-B", "-f", home.resolve("pom.xml").toString(), "-pl", "stress", "-am", "test",
                "-Dtest=TornReadLincheckTest", "-Dsurefire.failIfNoSpecifiedTests=false", "-Dmmrace.lincheck.race=" + r.id(),
                "-Dmmrace.lincheck.invocations=" + invocations, "-Dmmrace.lincheck.out=" + result);
        Child c;
        try {
            c = Child.run(cmd, home, budget.plus(SLACK), log, progress);
        } catch (IOException e) {
            return Trial.notFound(0, "could not start Maven: " + e.getMessage());
        }
        if (!Files.exists(result))
            return Trial.notFound(c.wallSeconds(), (c.timedOut() ? "killed at the budget" : "no result (exit " + c.exitCode() + ")")
                    + ", " + log);
        Map<String, String> p = properties(result);
        boolean found = Boolean.parseBoolean(p.getOrDefault("found", "false"));
        return new Trial(found, Long.parseLong(p.getOrDefault("invocations", "-1")), Double.parseDouble(p.getOrDefault("seconds", "-1")),
                c.wallSeconds(), p.getOrDefault("note", ""));
    }

    static Map<String, String> properties(Path f) throws IOException {
        Map<String, String> m = new TreeMap<>();
        for (String l : Files.readAllLines(f, StandardCharsets.UTF_8)) {
            int i = l.indexOf('=');
            if (i > 0 && !l.startsWith("#"))
                m.put(l.substring(0, i).strip(), l.substring(i + 1).strip());
        }
        return m;
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p))
            return;
        List<Path> all = new ArrayList<>();
        try (var s = Files.walk(p)) {
            s.forEach(all::add);
        }
        for (int i = all.size() - 1; i >= 0; i--)
            Files.deleteIfExists(all.get(i));
    }
}
