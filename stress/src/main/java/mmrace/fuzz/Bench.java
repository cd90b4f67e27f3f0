package mmrace.fuzz;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import mmrace.scenario.Variant;

/**
 * The comparison the fuzzer must win: time and executions to the first forbidden outcome, from an
 * empty corpus, over several seeds, with coverage feedback and without (the same generator and
 * mutators, nothing kept), side by side, with the ratio of the medians.
 *
 * <pre>
 * java -Djdk.virtualThreadScheduler.parallelism=1 -cp ... mmrace.fuzz.Bench --variant fast-v1 --time 60s --seeds 10 --parallel 2
 * </pre>
 * Each trial is one campaign with stop-on-forbidden and a fresh corpus directory; with
 * {@code --parallel N} (N >= 2) trials run as N worker processes at a time, else one after the
 * other in this process. A trial that finds nothing within the time counts as "not found"
 * (infinite) in the medians.
 */
public final class Bench {
    private Bench() {}

    /** One campaign: did it find a forbidden outcome, after how many executions and how long. */
    public record Trial(long seed, boolean feedback, boolean found, long executions, Duration time, String what) {}

    /** All trials, and the table. */
    public record Report(List<Trial> trials, Duration budget) {
        public List<Trial> of(boolean feedback) {
            return trials.stream().filter(t -> t.feedback() == feedback).sorted(Comparator.comparingLong(Trial::seed)).toList();
        }

        /** The median time to the first finding (not-found trials count as infinite); null if most found nothing. */
        public Duration medianTime(boolean feedback) {
            List<Long> l = new ArrayList<>();
            for (Trial t : of(feedback))
                l.add(t.found() ? t.time().toMillis() : Long.MAX_VALUE);
            long m = median(l);
            return m == Long.MAX_VALUE ? null : Duration.ofMillis(m);
        }

        public long medianExecutions(boolean feedback) {
            List<Long> l = new ArrayList<>();
            for (Trial t : of(feedback))
                l.add(t.found() ? t.executions() : Long.MAX_VALUE);
            return median(l);
        }

        static long median(List<Long> l) {
            if (l.isEmpty())
                return Long.MAX_VALUE;
            List<Long> s = new ArrayList<>(l);
            s.sort(null);
            int n = s.size();
            if (n % 2 == 1)
                return s.get(n / 2);
            long a = s.get(n / 2 - 1), b = s.get(n / 2);
            return a == Long.MAX_VALUE || b == Long.MAX_VALUE ? Long.MAX_VALUE : (a + b) / 2;
        }

        public String table() {
            StringBuilder b = new StringBuilder();
            b.append(String.format("%-6s | %-28s | %-28s%n", "seed", "feedback: execs / time", "no feedback: execs / time"));
            List<Trial> on = of(true), off = of(false);
            for (int i = 0; i < Math.max(on.size(), off.size()); i++)
                b.append(String.format("%-6s | %-28s | %-28s%n", i < on.size() ? on.get(i).seed() : off.get(i).seed(),
                        i < on.size() ? cell(on.get(i)) : "", i < off.size() ? cell(off.get(i)) : ""));
            b.append(String.format("%-6s | %-28s | %-28s%n", "median", med(true), med(false)));
            b.append(String.format("found  | %-28s | %-28s%n", found(on), found(off)));
            Duration a = medianTime(true), c = medianTime(false);
            long ea = medianExecutions(true), ec = medianExecutions(false);
            b.append("ratio of medians (no feedback / feedback): time ").append(ratio(c == null ? Long.MAX_VALUE : c.toMillis(),
                    a == null ? Long.MAX_VALUE : a.toMillis())).append(", executions ").append(ratio(ec, ea)).append('\n');
            return b.toString();
        }

        private String med(boolean fb) {
            Duration t = medianTime(fb);
            long e = medianExecutions(fb);
            return t == null ? "not found (> " + Campaign.clock(budget) + ")" : e + " / " + ms(t);
        }

        static String ms(Duration d) {
            return d.toMillis() < 10_000 ? d.toMillis() + " ms" : Campaign.clock(d);
        }

        private static String found(List<Trial> l) {
            return l.stream().filter(Trial::found).count() + " of " + l.size();
        }

        private static String cell(Trial t) {
            return t.found() ? t.executions() + " / " + ms(t.time()) : "not found (" + t.executions() + ")";
        }

        private String ratio(long off, long on) {
            if (on == Long.MAX_VALUE)
                return off == Long.MAX_VALUE ? "n/a (neither found it)" : "< 1 (only without feedback)";
            if (off == Long.MAX_VALUE)
                return "> " + String.format("%.1f", (double) budget.toMillis() / Math.max(1, on)) + " (not found without feedback)";
            return String.format("%.2f", (double) off / Math.max(1, on));
        }
    }

    /**
     * Runs {@code seeds} trials with feedback and as many without. {@code base} gives variants,
     * time, target class and shrink budget (stop-on-forbidden is forced on, the corpus is a fresh
     * temporary directory per trial). {@code parallel >= 2}: worker processes; else in this
     * process with {@code target}.
     */
    public static Report run(Campaign.Options base, List<Long> seeds, int parallel, Supplier<Target> target, PrintStream log)
            throws IOException, InterruptedException {
        return run(base, seeds, parallel, target, log, Duration.ZERO);
    }

    /**
     * As above; in this process, first {@code warmup} of untimed fuzzing (half with feedback,
     * half without, seed 0, nothing kept) so that the first trials do not pay for the JIT. The
     * two modes of a seed run one after the other, feedback first for odd positions and last
     * for even ones, so that a change in the machine's load hits both alike.
     */
    public static Report run(Campaign.Options base, List<Long> seeds, int parallel, Supplier<Target> target, PrintStream log, Duration warmup)
            throws IOException, InterruptedException {
        List<Trial> trials = new ArrayList<>();
        List<Campaign.Options> runs = new ArrayList<>();
        for (int i = 0; i < seeds.size(); i++)
            for (boolean fb : i % 2 == 0 ? new boolean[] {true, false} : new boolean[] {false, true})
                runs.add(base.withSeed(seeds.get(i)).withFeedback(fb).withStopOnForbidden(true).withJobs(1).withShrinkOthers(false));
        if (parallel < 2 && !warmup.isZero()) {
            for (boolean fb : new boolean[] {true, false})
                new Campaign(base.withSeed(0).withFeedback(fb).withStopOnForbidden(false).withShrinkOthers(false).withCorpus(null).withJobs(1)
                        .withTime(warmup.dividedBy(2)).withMaxExecutions(0), target).run(p -> {});
        }
        if (parallel < 2) {
            for (Campaign.Options o : runs) {
                Path d = Files.createTempDirectory("mmrace-bench");
                Campaign.Summary sum = new Campaign(o.withCorpus(d), target).run(p -> {});
                Trial t = trial(o, sum);
                trials.add(t);
                log.println(line(t));
            }
        } else {
            ExecutorService pool = Executors.newFixedThreadPool(parallel);
            List<Future<Trial>> fs = new ArrayList<>();
            for (Campaign.Options o : runs)
                fs.add(pool.submit(() -> {
                    Trial t = inProcess(o);
                    synchronized (log) {
                        log.println(line(t));
                    }
                    return t;
                }));
            try {
                for (Future<Trial> f : fs)
                    trials.add(f.get());
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IOException(e.getCause());
            } finally {
                pool.shutdownNow();
            }
        }
        return new Report(trials, base.time());
    }

    private static String line(Trial t) {
        return "seed " + t.seed() + (t.feedback() ? " feedback   " : " no feedback") + ": "
                + (t.found() ? t.what() + " after " + t.executions() + " executions, " + Campaign.clock(t.time())
                : "nothing after " + t.executions() + " executions");
    }

    private static Trial trial(Campaign.Options o, Campaign.Summary s) {
        for (Campaign.FindingEvent e : s.events())
            if (e.status() != Campaign.FindingStatus.KNOWN && e.status() != Campaign.FindingStatus.GONE && o.stopsAt(e.reason()))
                return new Trial(o.seed(), o.feedback(), true, e.executions(), e.at(), e.reason() + " [" + e.signature() + "]");
        return new Trial(o.seed(), o.feedback(), false, s.executions(), s.elapsed(), "");
    }

    /** One trial in a worker process (its own JVM, its own carrier thread). */
    private static Trial inProcess(Campaign.Options o) throws IOException, InterruptedException {
        Path d = Files.createTempDirectory("mmrace-bench");
        List<String> cmd = Campaign.javaCommand(Worker.class.getName(), Worker.args(o.withCorpus(d), 0));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Trial found = null;
        long execs = 0, ms = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                Worker.Message m = Worker.parse(line);
                if (m == null)
                    continue;
                if (m.stat() != null) {
                    execs = m.stat()[1];
                    ms = m.stat()[8];
                }
                Campaign.FindingEvent e = m.finding();
                if (found == null && e != null && e.status() != Campaign.FindingStatus.KNOWN && e.status() != Campaign.FindingStatus.GONE
                        && o.stopsAt(e.reason()))
                    found = new Trial(o.seed(), o.feedback(), true, e.executions(), e.at(), e.reason() + " [" + e.signature() + "]");
            }
        }
        p.waitFor();
        return found != null ? found : new Trial(o.seed(), o.feedback(), false, execs, Duration.ofMillis(ms), "");
    }

    /**
     * {@code --variant V[,V] --time 60s --seeds N [--first-seed S] [--parallel P] [--target CLASS] [--max-executions N]
     * [--stop-on REASON[,REASON]] [--warmup 20s]} (a trial ends at the first forbidden outcome, or only at one of these
     * reasons; the warm-up runs before the trials when they run in this process).
     */
    public static void main(String[] args) throws Exception {
        List<Variant> vs = List.of(Variant.FAST_V1);
        Duration time = Duration.ofSeconds(60);
        int seeds = 10, parallel = 1;
        Duration warmup = Duration.ofSeconds(20);
        long first = 1, max = 0;
        String target = PortTarget.class.getName();
        java.util.Set<String> reasons = java.util.Set.of();
        for (int i = 0; i < args.length; i++) {
            String a = args[i], v = i + 1 < args.length ? args[i + 1] : "";
            switch (a) {
                case "--variant" -> {
                    List<Variant> l = new ArrayList<>();
                    for (String id : v.split(","))
                        l.add(java.util.Objects.requireNonNull(Variant.byId(id), "unknown variant " + id));
                    vs = l;
                    i++;
                }
                case "--time" -> {
                    time = parseDuration(v);
                    i++;
                }
                case "--seeds" -> {
                    seeds = Integer.parseInt(v);
                    i++;
                }
                case "--first-seed" -> {
                    first = Long.parseLong(v);
                    i++;
                }
                case "--parallel" -> {
                    parallel = Integer.parseInt(v);
                    i++;
                }
                case "--target" -> {
                    target = v;
                    i++;
                }
                case "--stop-on" -> {
                    reasons = java.util.Set.of(v.split(","));
                    i++;
                }
                case "--warmup" -> {
                    warmup = parseDuration(v);
                    i++;
                }
                case "--max-executions" -> {
                    max = Long.parseLong(v);
                    i++;
                }
                default -> {
                    System.err.println("unknown option " + a);
                    System.exit(2);
                }
            }
        }
        List<Long> ss = new ArrayList<>();
        for (int i = 0; i < seeds; i++)
            ss.add(first + i);
        String tc = target;
        Campaign.Options o = Campaign.Options.of(vs).withTime(time).withMaxExecutions(max).withTargetClass(tc)
                .withShrink(Minimize.Budget.SMALL).withProgressEvery(Duration.ofSeconds(1)).withStopReasons(reasons);
        Report r = run(o, ss, parallel, () -> Target.named(tc), System.out, warmup);
        System.out.print(r.table());
    }

    /** "60s", "5m", "1h", "500ms", or seconds. */
    public static Duration parseDuration(String s) {
        String t = s.strip().toLowerCase();
        if (t.endsWith("ms"))
            return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
        if (t.endsWith("s"))
            return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
        if (t.endsWith("m"))
            return Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
        if (t.endsWith("h"))
            return Duration.ofHours(Long.parseLong(t.substring(0, t.length() - 1)));
        return Duration.ofSeconds(Long.parseLong(t));
    }
}
