package mmrace.fuzz;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;
import mmrace.fuzz.Campaign.FindingEvent;
import mmrace.fuzz.Campaign.FindingStatus;
import mmrace.fuzz.Campaign.Progress;
import mmrace.fuzz.Campaign.Summary;
import mmrace.sched.Execution;

/**
 * A campaign's jobs as threads of this JVM: one {@link Fuzzer} per platform thread, each with its
 * own seed, sharing the corpus directory exactly as worker processes do (they meet only in its
 * {@code queue/} and {@code findings/}). Used when executions run their actors on the calling
 * thread ({@link Execution#runsOnCallingThread}: continuations), so that two threads run two
 * executions at once on two cores.
 *
 * <p>Why threads and not processes: a worker process compiles the port, the scheduler, the oracle
 * and the fuzzer again with its own JIT, and in a campaign of a minute that is about as much CPU
 * as the executions themselves (docs/PERFORMANCE.md, "--jobs"). With one job the JIT runs on the
 * idle second core; with two worker processes on two cores each worker's JIT takes CPU from the
 * workers. Threads share one JIT, one code cache and one heap. {@code -Dmmrace.workers=processes}
 * starts processes anyway ({@link Worker}).
 */
final class WorkerThreads {
    private WorkerThreads() {}

    /** Whether a campaign of several jobs runs them as threads of this JVM. */
    static boolean usable() {
        return Execution.runsOnCallingThread() && !"processes".equals(System.getProperty("mmrace.workers"));
    }

    static Summary run(Campaign.Options options, Supplier<Target> target, Consumer<Progress> progress) throws IOException {
        long t0 = System.nanoTime();
        Corpus corpus = new Corpus(options.corpus());
        int n = options.jobs();
        Map<Integer, long[]> stats = new ConcurrentHashMap<>();
        List<FindingEvent> events = new CopyOnWriteArrayList<>();
        Map<String, FindingEvent> files = new ConcurrentHashMap<>();
        long[] first = {-1, -1};
        boolean[] stop = {false};
        Object lock = new Object();
        List<Fuzzer> fuzzers = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        // each fuzzer reports at least every second, as a worker process does, for the totals and the first finding's count
        Campaign.Options one = options.withJobs(1).withProgressEvery(
                options.progressEvery().compareTo(Duration.ofSeconds(1)) < 0 ? options.progressEvery() : Duration.ofSeconds(1));
        for (int i = 0; i < n; i++) {
            int w = i;
            Fuzzer f = new Fuzzer(one, target.get(), w, mmrace.sched.Strategy.runSeed(options.seed(), w), new Fuzzer.Events() {
                @Override
                public void progress(Progress p) {
                    stats.put(w, new long[] {w, p.executions(), p.probes(), p.edges(), p.pairs(), p.outcomes(), p.corpus(), p.errors(),
                            p.elapsed().toMillis()});
                }

                @Override
                public void finding(FindingEvent e) {
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
                        if (fuzzed && options.stopsAt(e.reason()) && !stop[0]) {
                            stop[0] = true;
                            lock.notifyAll();
                        }
                    }
                }
            });
            fuzzers.add(f);
            threads.add(Thread.ofPlatform().daemon().name("mmrace-fuzz-" + w).unstarted(() -> {
                try {
                    f.run();
                } catch (Exception | Error e) {
                    System.err.println("mmrace fuzz worker " + w + ": " + e);
                    e.printStackTrace();
                } finally {
                    synchronized (lock) {
                        lock.notifyAll();
                    }
                }
            }));
        }
        threads.forEach(Thread::start);
        long end = options.time() == null ? Long.MAX_VALUE : t0 + options.time().toNanos() + Duration.ofSeconds(60).toNanos();
        long nextProgress = System.nanoTime() + options.progressEvery().toNanos();
        while (threads.stream().anyMatch(Thread::isAlive) && System.nanoTime() - end < 0) {
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
            if (System.nanoTime() - nextProgress > 0) {
                nextProgress = System.nanoTime() + options.progressEvery().toNanos();
                progress.accept(Campaign.aggregate(stats, corpus, files, Duration.ofNanos(System.nanoTime() - t0)));
            }
        }
        // stop-on-forbidden (or past the time): the others stop at their next iteration, as a worker process does on SIGTERM
        fuzzers.forEach(Fuzzer::requestStop);
        for (Thread t : threads) {
            try {
                t.join(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Duration el = Duration.ofNanos(System.nanoTime() - t0);
        Progress p = Campaign.aggregate(stats, corpus, files, el);
        progress.accept(p);
        List<FindingEvent> ev = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (FindingEvent e : events)
            if (seen.add(e.status() + " " + e.reason() + " " + e.signature() + " " + e.file()))
                ev.add(e);
        return new Summary(el, p.executions(), p.probes(), p.edges(), p.pairs(), p.outcomes(), p.corpus(), p.findings(), ev, first[0],
                first[1] < 0 ? null : Duration.ofNanos(first[1]), stop[0], p.errors(), null, 0);
    }
}
