package mmrace.fuzz;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import mmrace.scenario.Variant;
import mmrace.sched.Strategy;

/**
 * A worker process of a campaign with several jobs ({@link Campaign}): runs one {@link Fuzzer} on
 * the shared corpus and reports to the coordinator on stdout, one message a line:
 * <pre>
 * {@literal @}stat WORKER EXECS PROBES EDGES PAIRS OUTCOMES QUEUE ERRORS ELAPSED_MS
 * {@literal @}finding WORKER STATUS VARIANT REASON SIGNATURE EXECS ELAPSED_MS KNOWN_ISSUE|- FILE|-
 * {@literal @}done WORKER EXIT
 * </pre>
 * Started with this JVM's command line ({@link Campaign#workerCommand}); the options come as
 * {@code --key=value} arguments ({@link #args}). Its stdin is a pipe from the coordinator, which
 * writes nothing: end-of-file there means the coordinator is gone, and the worker stops
 * ({@link #watchCoordinator}). Exit status as the campaign's: 0, 1 (a forbidden
 * finding), 2 (bad arguments).
 */
public final class Worker {
    private Worker() {}

    /** A parsed message: a stat array (0 worker, 1 executions, 2 probes, 3 edges, 4 pairs, 5 outcomes, 6 queue, 7 errors, 8 ms), or a finding. */
    record Message(long[] stat, Campaign.FindingEvent finding) {}

    static List<String> args(Campaign.Options o, int worker) {
        List<String> a = new ArrayList<>();
        StringBuilder vs = new StringBuilder();
        for (Variant v : o.variants())
            vs.append(vs.length() == 0 ? "" : ",").append(v.id);
        a.add("--variant=" + vs);
        if (o.time() != null)
            a.add("--time-ms=" + o.time().toMillis());
        a.add("--max-executions=" + o.maxExecutions());
        a.add("--seed=" + Strategy.runSeed(o.seed(), worker));
        a.add("--campaign-seed=" + o.seed());
        a.add("--corpus=" + o.corpus());
        a.add("--stop-on-forbidden=" + o.stopOnForbidden());
        a.add("--feedback=" + o.feedback());
        a.add("--progress-ms=" + Math.min(1000, o.progressEvery().toMillis()));
        a.add("--target=" + o.targetClass());
        Minimize.Budget b = o.shrink();
        a.add("--shrink=" + b.maxExecutions() + "," + b.maxTime().toMillis() + "," + b.retries() + "," + b.boundedExecutions());
        if (!o.stopReasons().isEmpty())
            a.add("--stop-reasons=" + String.join(",", new java.util.TreeSet<>(o.stopReasons())));
        if (!o.shrinkOthers())
            a.add("--shrink-others=false");
        if (o.known().source() != null)
            a.add("--known-issues=" + o.known().source().toAbsolutePath());
        if (o.stopOnKnown())
            a.add("--stop-on-known=true");
        a.add("--worker=" + worker);
        return a;
    }

    public static void main(String[] argv) {
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);
        List<Variant> variants = new ArrayList<>();
        Duration time = null;
        long max = 0, seed = 0, campaignSeed = 0;
        Path corpus = null;
        boolean stopOn = false, feedback = true;
        long progressMs = 1000;
        String target = PortTarget.class.getName();
        Minimize.Budget budget = Minimize.Budget.DEFAULT;
        int worker = 0;
        java.util.Set<String> stopReasons = java.util.Set.of();
        boolean shrinkOthers = true, stopOnKnown = false;
        mmrace.scenario.KnownIssues known = mmrace.scenario.KnownIssues.none();
        try {
            for (String a : argv) {
                int eq = a.indexOf('=');
                String k = a.substring(0, eq), v = a.substring(eq + 1);
                switch (k) {
                    case "--variant" -> {
                        for (String id : v.split(",")) {
                            Variant x = Variant.byId(id);
                            if (x == null)
                                throw new IllegalArgumentException("unknown variant " + id);
                            variants.add(x);
                        }
                    }
                    case "--time-ms" -> time = Duration.ofMillis(Long.parseLong(v));
                    case "--max-executions" -> max = Long.parseLong(v);
                    case "--seed" -> seed = Long.parseLong(v);
                    case "--campaign-seed" -> campaignSeed = Long.parseLong(v);
                    case "--corpus" -> corpus = Path.of(v);
                    case "--stop-on-forbidden" -> stopOn = Boolean.parseBoolean(v);
                    case "--feedback" -> feedback = Boolean.parseBoolean(v);
                    case "--progress-ms" -> progressMs = Long.parseLong(v);
                    case "--target" -> target = v;
                    case "--shrink" -> {
                        String[] p = v.split(",");
                        budget = new Minimize.Budget(Integer.parseInt(p[0]), Duration.ofMillis(Long.parseLong(p[1])),
                                Integer.parseInt(p[2]), Integer.parseInt(p[3]));
                    }
                    case "--worker" -> worker = Integer.parseInt(v);
                    case "--stop-reasons" -> stopReasons = java.util.Set.of(v.split(","));
                    case "--shrink-others" -> shrinkOthers = Boolean.parseBoolean(v);
                    case "--stop-on-known" -> stopOnKnown = Boolean.parseBoolean(v);
                    case "--known-issues" -> known = knownIssues(Path.of(v));
                    default -> throw new IllegalArgumentException("unknown option " + k);
                }
            }
        } catch (RuntimeException e) {
            System.err.println("mmrace fuzz worker: " + e.getMessage());
            System.exit(2);
            return;
        }
        Campaign.Options o = new Campaign.Options(variants, time, max, 1, campaignSeed, corpus, stopOn, feedback,
                Duration.ofMillis(progressMs), target, budget, stopReasons, shrinkOthers, known, stopOnKnown);
        int w = worker;
        try {
            Target t = Target.named(target);
            Fuzzer f = new Fuzzer(o, t, w, seed, new Fuzzer.Events() {
                @Override
                public void progress(Campaign.Progress p) {
                    out.println("@stat " + w + " " + p.executions() + " " + p.probes() + " " + p.edges() + " " + p.pairs() + " "
                            + p.outcomes() + " " + p.corpus() + " " + p.errors() + " " + p.elapsed().toMillis());
                }

                @Override
                public void finding(Campaign.FindingEvent e) {
                    out.println("@finding " + w + " " + e.status() + " " + (e.variant() == null ? "-" : e.variant().id) + " " + e.reason()
                            + " " + e.signature() + " " + e.executions() + " " + e.at().toMillis() + " "
                            + (e.knownIssue() == null ? "-" : e.knownIssue()) + " " + (e.file() == null ? "-" : e.file().toString()));
                }
            });
            // SIGTERM from the coordinator (another worker found something): finish the iteration,
            // report the final counts, then let the JVM exit
            java.util.concurrent.CountDownLatch reported = new java.util.concurrent.CountDownLatch(1);
            boolean[] exiting = {false};
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                exiting[0] = true;
                f.requestStop();
                try {
                    reported.await(10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            watchCoordinator(f, w);
            Campaign.Summary s = f.run();
            out.println("@done " + w + " " + s.exitCode());
            out.flush();
            reported.countDown();
            if (!exiting[0])
                System.exit(s.exitCode());
        } catch (Exception e) {
            System.err.println("mmrace fuzz worker " + w + ": " + e);
            e.printStackTrace();
            System.exit(2);
        }
    }

    /**
     * A worker dies with its coordinator: the coordinator holds the write end of this worker's
     * stdin and never writes to it, so when the coordinator exits, however it dies (SIGKILL from a
     * CI timeout included), the worker reads end-of-file. It then stops as it does on SIGTERM:
     * finishes the iteration, flushes its queue writes (each atomic: a temporary file renamed, so
     * nothing half-written is left) and exits; if that takes more than 20 s it exits anyway.
     */
    private static void watchCoordinator(Fuzzer f, int w) {
        Thread.ofPlatform().daemon().name("mmrace-coordinator-watch").start(() -> {
            try {
                while (System.in.read() >= 0) {
                    // the coordinator writes nothing: wait for end-of-file
                }
            } catch (java.io.IOException e) {
                // stdin gone: as end-of-file
            }
            System.err.println("mmrace fuzz worker " + w + ": the coordinator is gone (its pipe closed); stopping");
            f.requestStop();
            try {
                Thread.sleep(20_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            System.exit(2);
        });
    }

    private static mmrace.scenario.KnownIssues knownIssues(Path p) {
        try {
            return mmrace.scenario.KnownIssues.read(p);
        } catch (mmrace.scenario.ScenarioError e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }

    /** Parses a line of a worker's stdout; null if it is not a message. */
    static Message parse(String line) {
        String[] w = line.split(" ", 10);
        try {
            switch (w[0]) {
                case "@stat" -> {
                    long[] s = new long[9];
                    for (int i = 0; i < 9; i++)
                        s[i] = Long.parseLong(w[i + 1]);
                    return new Message(s, null);
                }
                case "@finding" -> {
                    int worker = Integer.parseInt(w[1]);
                    Campaign.FindingStatus st = Campaign.FindingStatus.valueOf(w[2]);
                    Variant v = Variant.byId(w[3]);
                    String file = w.length > 9 ? String.join(" ", java.util.Arrays.copyOfRange(w, 9, w.length)) : "-";
                    return new Message(null, new Campaign.FindingEvent(st, v, w[4], w[5], file.equals("-") ? null : Path.of(file),
                            Long.parseLong(w[6]), Duration.ofMillis(Long.parseLong(w[7])), worker, "", w[8].equals("-") ? null : w[8]));
                }
                case "@done" -> {
                    return new Message(null, null);
                }
                default -> {
                    return null;
                }
            }
        } catch (RuntimeException e) {
            return null;
        }
    }
}
