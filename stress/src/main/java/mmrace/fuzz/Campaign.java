package mmrace.fuzz;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;
import mmrace.oracle.Verdict;
import mmrace.scenario.Variant;

/**
 * A fuzzing campaign: the engine behind {@code mmrace fuzz}.
 *
 * <pre>{@code
 * Campaign.Options o = Campaign.Options.of(List.of(Variant.FAST_V1))
 *         .withTime(Duration.ofSeconds(60)).withSeed(1).withCorpus(Path.of("corpus")).withStopOnForbidden(true);
 * Campaign.Summary s = new Campaign(o, PortTarget::new).run(p -> System.err.println(p.line()));
 * System.out.print(s.text());
 * System.exit(s.exitCode());      // 0 no finding, 1 a forbidden finding, 3 only unexplained ones (needs triage)
 * }</pre>
 *
 * <p>With {@code jobs == 1} the campaign runs in this process ({@link Fuzzer}). With more, it
 * runs {@code jobs} fuzzers, each with its own seed, all sharing the corpus directory (atomic
 * writes, content names; see {@link Corpus}), and aggregates their progress. They are threads of
 * this JVM ({@link WorkerThreads}) when the scheduler runs actors as continuations on the calling
 * thread: one JIT compiles the code for all of them, where each worker process would compile it
 * again on the same cores. Otherwise (actors on virtual threads, which
 * {@code -Djdk.virtualThreadScheduler.parallelism=1} puts on one carrier thread, or
 * {@code -Dmmrace.workers=processes}) they are worker <b>processes</b> ({@link Worker#main}) with
 * this JVM's command line (its java binary, JVM options and class path), each with its own core.
 */
public final class Campaign {
    /**
     * Options of a campaign.
     *
     * @param variants        the read paths to fuzz (each execution picks one)
     * @param time            wall-clock budget (null: until {@code maxExecutions})
     * @param maxExecutions   execution budget per worker (0: none)
     * @param jobs            worker processes (1: in this process)
     * @param seed            the campaign's seed; worker i uses {@code Strategy.runSeed(seed, i)}
     * @param corpus          the corpus directory (null: in memory only; required for jobs > 1)
     * @param stopOnForbidden stop at the first forbidden outcome (after minimising and saving it)
     * @param feedback        keep inputs that add coverage (false: every input is freshly generated
     *                        and mutated with the same mutators, nothing is kept: the baseline)
     * @param progressEvery   how often the progress callback runs
     * @param targetClass     the {@link Target} worker processes instantiate (public, no-argument constructor)
     * @param shrink          the budget of each minimisation
     * @param stopReasons     with stopOnForbidden: stop only at these reasons (empty: any forbidden reason)
     * @param shrinkOthers    minimise and save forbidden findings whose reason does not stop the campaign (default
     *                        true; {@link Bench} turns it off: it measures time to one reason, the rest is noise)
     * @param known           the corpus's known issues: a forbidden outcome whose root cause is one of them is
     *                        reported apart (as {@code known:ID}, not a finding) and does not stop the campaign...
     * @param stopOnKnown     ...unless this is set (with stopOnForbidden)
     */
    public record Options(List<Variant> variants, Duration time, long maxExecutions, int jobs, long seed, Path corpus,
                          boolean stopOnForbidden, boolean feedback, Duration progressEvery, String targetClass,
                          Minimize.Budget shrink, java.util.Set<String> stopReasons, boolean shrinkOthers,
                          mmrace.scenario.KnownIssues known, boolean stopOnKnown) {
        public Options {
            variants = List.copyOf(variants);
            stopReasons = java.util.Set.copyOf(stopReasons);
            if (variants.isEmpty())
                throw new IllegalArgumentException("at least one variant");
            if (jobs < 1)
                throw new IllegalArgumentException("jobs must be at least 1");
            if (time == null && maxExecutions <= 0)
                throw new IllegalArgumentException("a time or an execution budget");
            Objects.requireNonNull(progressEvery);
            Objects.requireNonNull(shrink);
            Objects.requireNonNull(known);
        }

        /** 60 s, one job, seed 0, no corpus directory, feedback on, progress every 5 s, the port. */
        public static Options of(List<Variant> variants) {
            return new Options(variants, Duration.ofSeconds(60), 0, 1, 0, null, false, true, Duration.ofSeconds(5),
                    PortTarget.class.getName(), Minimize.Budget.DEFAULT, java.util.Set.of(), true,
                    mmrace.scenario.KnownIssues.none(), false);
        }

        public Options withTime(Duration t) {
            return new Options(variants, t, maxExecutions, jobs, seed, corpus, stopOnForbidden, feedback, progressEvery, targetClass, shrink, stopReasons, shrinkOthers, known, stopOnKnown);
        }

        public Options withMaxExecutions(long n) {
            return new Options(variants, time, n, jobs, seed, corpus, stopOnForbidden, feedback, progressEvery, targetClass, shrink, stopReasons, shrinkOthers, known, stopOnKnown);
        }

        public Options withJobs(int n) {
            return new Options(variants, time, maxExecutions, n, seed, corpus, stopOnForbidden, feedback, progressEvery, targetClass, shrink, stopReasons, shrinkOthers, known, stopOnKnown);
        }

        public Options withSeed(long s) {
            return new Options(variants, time, maxExecutions, jobs, s, corpus, stopOnForbidden, feedback, progressEvery, targetClass, shrink, stopReasons, shrinkOthers, known, stopOnKnown);
        }

        public Options withCorpus(Path d) {
            return new Options(variants, time, maxExecutions, jobs, seed, d, stopOnForbidden, feedback, progressEvery, targetClass, shrink, stopReasons, shrinkOthers, known, stopOnKnown);
        }

        public Options withStopOnForbidden(boolean b) {
            return new Options(variants, time, maxExecutions, jobs, seed, corpus, b, feedback, progressEvery, targetClass, shrink, stopReasons, shrinkOthers, known, stopOnKnown);
        }

        public Options withFeedback(boolean b) {
            return new Options(variants, time, maxExecutions, jobs, seed, corpus, stopOnForbidden, b, progressEvery, targetClass, shrink, stopReasons, shrinkOthers, known, stopOnKnown);
        }

        public Options withProgressEvery(Duration d) {
            return new Options(variants, time, maxExecutions, jobs, seed, corpus, stopOnForbidden, feedback, d, targetClass, shrink, stopReasons, shrinkOthers, known, stopOnKnown);
        }

        public Options withTargetClass(String c) {
            return new Options(variants, time, maxExecutions, jobs, seed, corpus, stopOnForbidden, feedback, progressEvery, c, shrink, stopReasons, shrinkOthers, known, stopOnKnown);
        }

        /** Stop (with stopOnForbidden) only at these reasons, e.g. {@code torn-read}; empty: at any. */
        public Options withStopReasons(java.util.Set<String> r) {
            return new Options(variants, time, maxExecutions, jobs, seed, corpus, stopOnForbidden, feedback, progressEvery, targetClass, shrink, r, shrinkOthers, known, stopOnKnown);
        }

        /** Does a forbidden outcome with this reason stop the campaign? */
        public boolean stopsAt(String reason) {
            return stopOnForbidden && (stopReasons.isEmpty() || stopReasons.contains(reason));
        }

        /** Minimise findings whose reason does not stop the campaign (true), or only count them (false). */
        public Options withShrinkOthers(boolean b) {
            return new Options(variants, time, maxExecutions, jobs, seed, corpus, stopOnForbidden, feedback, progressEvery, targetClass, shrink, stopReasons, b, known, stopOnKnown);
        }

        /** Is a forbidden finding with this reason minimised and saved? */
        public boolean shrinks(String reason) {
            return shrinkOthers || stopsAt(reason);
        }

        public Options withKnownIssues(mmrace.scenario.KnownIssues k, boolean stopOnKnown) {
            return new Options(variants, time, maxExecutions, jobs, seed, corpus, stopOnForbidden, feedback, progressEvery, targetClass, shrink,
                    stopReasons, shrinkOthers, k, stopOnKnown);
        }

        /** The known issue a forbidden outcome with this root cause (the oracle's label; null: none) belongs to, or null. */
        public String knownIssue(String rootCause) {
            mmrace.scenario.KnownIssues.Issue i = known.of(rootCause);
            return i == null ? null : i.id();
        }

        /** Does a forbidden outcome with this reason and known issue (null: none) stop the campaign? */
        public boolean stopsAt(String reason, String knownIssue) {
            return stopsAt(reason) && (knownIssue == null || stopOnKnown);
        }

        public Options withShrink(Minimize.Budget b) {
            return new Options(variants, time, maxExecutions, jobs, seed, corpus, stopOnForbidden, feedback, progressEvery, targetClass, b, stopReasons, shrinkOthers, known, stopOnKnown);
        }
    }

    /** A progress report. {@code findings}: unique findings by reason (earlier ones that still reproduce included). */
    public record Progress(Duration elapsed, long executions, double execsPerSecond, int probes, int edges, int pairs, int outcomes,
                           int corpus, Map<String, Integer> findings, int workers, long errors) {
        /** {@code [00:01:05] 12345 execs (190/s) | cov probes 87 edges 1532 pairs 40 outcomes 9 | corpus 212 | findings torn-read:1}. */
        public String line() {
            StringBuilder b = new StringBuilder();
            b.append('[').append(clock(elapsed)).append("] ").append(executions).append(" execs (")
                    .append(Math.round(execsPerSecond)).append("/s)");
            if (workers > 1)
                b.append(" x").append(workers).append(" workers");
            b.append(" | cov probes ").append(probes).append(" edges ").append(edges).append(" pairs ").append(pairs)
                    .append(" outcomes ").append(outcomes);
            b.append(" | corpus ").append(corpus).append(" | findings ");
            b.append(findings.isEmpty() ? "none" : findingsText(findings));
            if (errors > 0)
                b.append(" | ").append(errors).append(" errors");
            return b.toString();
        }
    }

    /** What happened to one forbidden outcome. */
    public enum FindingStatus {
        /** Minimised and saved. */
        NEW,
        /** Minimised to a signature already in the corpus (or already seen in this run). */
        DUPLICATE,
        /** Minimisation could not reproduce it: saved as found, marked unreproduced. */
        UNREPRODUCED,
        /** A finding from an earlier run that still reproduces. */
        KNOWN,
        /** A finding from an earlier run that no longer reproduces (fixed?). */
        GONE
    }

    /**
     * A forbidden outcome the campaign handled. {@code executions} and {@code at}: when it was first
     * seen; {@code knownIssue}: the id of the known issue its root cause is (null: none).
     */
    public record FindingEvent(FindingStatus status, Variant variant, String reason, String signature, Path file, long executions,
                               Duration at, int worker, String message, String knownIssue) {
        public String line() {
            return status.name().toLowerCase() + " " + reason + " under " + (variant == null ? "?" : variant.id) + " ["
                    + signature + "]" + (file == null ? "" : " " + file) + " after " + executions + " execs, " + clock(at)
                    + (knownIssue == null ? "" : " (known issue " + knownIssue + ")")
                    + (message == null || message.isEmpty() ? "" : " (" + message + ")");
        }

        /** How the findings tables count it: its reason, "known:ID" for a known issue, "(unreproduced)" marked. */
        String label() {
            return knownIssue != null ? KNOWN + knownIssue : status == FindingStatus.UNREPRODUCED ? reason + "(unreproduced)" : reason;
        }
    }

    /** The prefix of a findings-table key that counts a known issue, not a finding. */
    public static final String KNOWN = "known:";

    /** The end of a campaign. */
    public record Summary(Duration elapsed, long executions, int probes, int edges, int pairs, int outcomes, int corpus,
                          Map<String, Integer> findings, List<FindingEvent> events, long firstForbiddenExecutions,
                          Duration firstForbiddenTime, boolean stoppedOnForbidden, long errors, String lastError,
                          long invalid) {
        /**
         * 1 if a forbidden finding exists (found now, or found earlier and still reproducing) that is
         * not a known issue, else 3 if one that needs triage (unexplained) does, else 0. A known
         * issue's findings ({@link #KNOWN}) count for neither.
         */
        public int exitCode() {
            List<String> found = findings.keySet().stream().filter(k -> !k.startsWith(KNOWN)).toList();
            if (found.stream().anyMatch(k -> Verdict.failing(k.replace("(unreproduced)", "")) == Verdict.Cls.FORBIDDEN))
                return 1;
            return found.isEmpty() ? 0 : 3;
        }

        public String text() {
            StringBuilder b = new StringBuilder();
            b.append("fuzz: ").append(executions).append(" executions in ").append(clock(elapsed)).append(" (")
                    .append(elapsed.toMillis() == 0 ? 0 : Math.round(executions * 1000.0 / elapsed.toMillis())).append("/s)\n");
            b.append("coverage: ").append(probes).append(" probes, ").append(edges).append(" interleaving edges, ").append(pairs)
                    .append(" operation pairs, ").append(outcomes).append(" outcomes\n");
            b.append("corpus: ").append(corpus).append(" inputs\n");
            if (firstForbiddenExecutions >= 0)
                b.append("first forbidden outcome after ").append(firstForbiddenExecutions).append(" executions, ")
                        .append(clock(firstForbiddenTime)).append(stoppedOnForbidden ? " (stopped there)" : "").append('\n');
            Map<String, Integer> real = new TreeMap<>(), known = new TreeMap<>();
            findings.forEach((k, n) -> (k.startsWith(KNOWN) ? known : real).put(k.startsWith(KNOWN) ? k.substring(KNOWN.length()) : k, n));
            b.append("findings: ").append(real.isEmpty() ? "none" : findingsText(real)).append('\n');
            if (!known.isEmpty())
                b.append("known issues (corpus/known-issues.txt; not findings, they stop nothing without --stop-on-known): ")
                        .append(findingsText(known)).append('\n');
            for (FindingEvent e : events)
                b.append("  ").append(e.line()).append('\n');
            if (errors > 0)
                b.append(errors).append(" executions failed to run; last: ").append(lastError).append('\n');
            if (invalid > 0)
                b.append(invalid).append(" generated inputs skipped: the kernel refused their layout at set-up\n");
            return b.toString();
        }
    }

    static String findingsText(Map<String, Integer> f) {
        List<String> l = new ArrayList<>();
        for (Map.Entry<String, Integer> e : new TreeMap<>(f).entrySet())
            l.add(e.getKey() + ":" + e.getValue());
        return String.join(" ", l);
    }

    static String clock(Duration d) {
        if (d == null)
            return "-";
        long s = d.toSeconds();
        return String.format("%02d:%02d:%02d.%d", s / 3600, (s / 60) % 60, s % 60, d.toMillisPart() / 100);
    }

    private final Options options;
    private final Supplier<Target> target;

    /** {@code target} makes an in-process worker's Target (worker processes use {@link Options#targetClass}). */
    public Campaign(Options options, Supplier<Target> target) {
        this.options = options;
        this.target = target;
    }

    /** Runs the campaign to its end; {@code progress} gets a report every {@link Options#progressEvery}. */
    public Summary run(Consumer<Progress> progress) throws IOException {
        if (options.jobs() == 1)
            return new Fuzzer(options, target.get(), 0, mmrace.sched.Strategy.runSeed(options.seed(), 0), new Fuzzer.Events() {
                @Override
                public void progress(Progress p) {
                    progress.accept(p);
                }
            }).run();
        if (options.corpus() == null)
            throw new IllegalArgumentException("several jobs share a corpus directory: give one");
        if (WorkerThreads.usable())
            return WorkerThreads.run(options, target, progress);
        return coordinate(progress);
    }

    // ------------------------------------------------------------------ worker processes

    /** The command line of worker {@code i}: this JVM's java, JVM options and class path, {@link Worker}. */
    List<String> workerCommand(int i) {
        return javaCommand(Worker.class.getName(), Worker.args(options, i));
    }

    /** {@code java [this JVM's options] -cp [this class path] mainClass args} (debugger agents left out). */
    static List<String> javaCommand(String mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments())
            if (!a.startsWith("-agentlib:jdwp") && !a.startsWith("-Xrunjdwp") && !a.startsWith("-Dsun.java.command"))
                cmd.add(a);
        cmd.add("-cp");
        cmd.add(classPath());
        cmd.add(mainClass);
        cmd.addAll(args);
        return cmd;
    }

    /** The class path of this JVM (under surefire, the test class path). */
    static String classPath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null && !cp.isEmpty() ? cp : System.getProperty("java.class.path");
    }

    private Summary coordinate(Consumer<Progress> progress) throws IOException {
        long t0 = System.nanoTime();
        Corpus corpus = new Corpus(options.corpus());
        int n = options.jobs();
        List<Process> procs = new ArrayList<>();
        Map<Integer, long[]> stats = new ConcurrentHashMap<>();
        List<FindingEvent> events = new CopyOnWriteArrayList<>();
        Map<String, FindingEvent> files = new ConcurrentHashMap<>();
        long[] first = {-1, -1};
        boolean[] stop = {false};
        Object lock = new Object();
        List<Thread> readers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ProcessBuilder pb = new ProcessBuilder(workerCommand(i)).redirectError(ProcessBuilder.Redirect.INHERIT);
            Process p = pb.start();
            procs.add(p);
            final int w = i;
            Thread t = Thread.ofPlatform().daemon().name("mmrace-worker-" + i).start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        Worker.Message m = Worker.parse(line);
                        if (m == null) {
                            System.err.println("worker " + w + ": " + line);
                        } else if (m.stat() != null) {
                            stats.put(w, m.stat());
                        } else if (m.finding() != null) {
                            FindingEvent e = m.finding();
                            events.add(e);
                            if (e.file() != null)
                                files.put(e.file().toString(), e);
                            boolean fuzzed = e.status() != FindingStatus.KNOWN && e.status() != FindingStatus.GONE;
                            synchronized (lock) {
                                if (fuzzed && first[0] < 0) {
                                    long total = 0;
                                    for (long[] s : stats.values())
                                        total += s[1];
                                    first[0] = Math.max(total, e.executions());
                                    first[1] = System.nanoTime() - t0;
                                }
                                if (fuzzed && options.stopsAt(e.reason(), e.knownIssue()) && !stop[0]) {
                                    stop[0] = true;
                                    lock.notifyAll();
                                }
                            }
                        }
                    }
                } catch (IOException e) {
                    // the worker went away
                }
            });
            readers.add(t);
        }
        long end = options.time() == null ? Long.MAX_VALUE : t0 + options.time().toNanos() + Duration.ofSeconds(60).toNanos();
        long nextProgress = System.nanoTime() + options.progressEvery().toNanos();
        while (true) {
            boolean alive = procs.stream().anyMatch(Process::isAlive);
            if (!alive)
                break;
            synchronized (lock) {
                if (stop[0])
                    break;
                try {
                    lock.wait(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            if (System.nanoTime() - end > 0)
                break;
            if (System.nanoTime() - nextProgress > 0) {
                nextProgress = System.nanoTime() + options.progressEvery().toNanos();
                progress.accept(aggregate(stats, corpus, files, Duration.ofNanos(System.nanoTime() - t0)));
            }
        }
        // stop-on-forbidden: the others are told to stop (SIGTERM; their files are written atomically anyway).
        // Through the ProcessHandle: Process.destroy also closes the streams, and the final counts a
        // worker reports on SIGTERM would be lost to its reader ("Stream closed").
        for (Process p : procs)
            if (p.isAlive())
                p.toHandle().destroy();
        for (Process p : procs) {
            try {
                if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS))
                    p.destroyForcibly().waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Thread t : readers) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Duration el = Duration.ofNanos(System.nanoTime() - t0);
        Progress p = aggregate(stats, corpus, files, el);
        progress.accept(p);
        List<FindingEvent> ev = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (FindingEvent e : events)
            if (seen.add(e.status() + " " + e.reason() + " " + e.signature() + " " + e.file()))
                ev.add(e);
        return new Summary(el, p.executions(), p.probes(), p.edges(), p.pairs(), p.outcomes(), p.corpus(), p.findings(), ev, first[0],
                first[1] < 0 ? null : Duration.ofNanos(first[1]), stop[0], p.errors(), null, 0 /* workers do not report skipped inputs */);
    }

    /** The campaign's progress from each worker's last stat array (see {@link Worker.Message}). */
    static Progress aggregate(Map<Integer, long[]> stats, Corpus corpus, Map<String, FindingEvent> files, Duration el) {
        long execs = 0, errors = 0;
        int probes = 0, edges = 0, pairs = 0, outcomes = 0;
        for (long[] s : stats.values()) {
            execs += s[1];
            probes = (int) Math.max(probes, s[2]);
            edges = (int) Math.max(edges, s[3]);
            pairs = (int) Math.max(pairs, s[4]);
            outcomes = (int) Math.max(outcomes, s[5]);
            errors += s[7];
        }
        Map<String, Integer> byReason = new TreeMap<>();
        for (FindingEvent e : files.values())
            if (e.status() != FindingStatus.GONE)
                byReason.merge(e.label(), 1, Integer::sum);
        double rate = el.toMillis() == 0 ? 0 : execs * 1000.0 / el.toMillis();
        return new Progress(el, execs, rate, probes, edges, pairs, outcomes, corpus.queueSize(), Collections.unmodifiableMap(byReason),
                stats.size(), errors);
    }
}
