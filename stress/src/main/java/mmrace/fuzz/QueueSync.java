package mmrace.fuzz;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import mmrace.scenario.Scenario;

/**
 * The fuzzer's side of the corpus's {@code queue/} (shared with the campaign's other workers and
 * with later runs): the kept inputs it writes there, on a background thread in batches, and the
 * names of the entries it knows (written or imported; {@link #knownQueue}), so that a rescan
 * imports only the new ones. Without a corpus directory it writes nothing.
 */
final class QueueSync {
    private final Corpus corpus;
    /** Queue entries this worker wrote or imported (the writer thread adds to it too). */
    final Set<String> knownQueue = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.ExecutorService writer = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "mmrace-corpus-writer");
        t.setDaemon(true);
        return t;
    });
    private final List<java.util.concurrent.Future<?>> pendingWrites = new ArrayList<>();
    /** Kept inputs not yet handed to the writer. */
    private final List<Scenario> unwritten = new ArrayList<>();
    private final java.util.concurrent.atomic.AtomicLong writeErrors = new java.util.concurrent.atomic.AtomicLong();

    QueueSync(Corpus corpus) {
        this.corpus = corpus;
    }

    /**
     * Writes a kept input into queue/ on a background thread, in batches at most a second apart
     * ({@link #submitQueue}): each write is atomic, the fuzzing thread does not wait for the disk,
     * and a campaign that ends within its first second (a shallow bug) writes nothing while it
     * runs. Findings are written synchronously. Pending queue writes are finished before
     * {@link Fuzzer#run} returns; a kill loses only inputs not yet written (the last second's),
     * never leaves half of one.
     */
    void saveQueue(Scenario s) {
        unwritten.add(s);
    }

    /** Hands the inputs kept since the last call to the writer thread (which makes their text and name: off the fuzzing thread). */
    void submitQueue() {
        if (unwritten.isEmpty())
            return;
        List<Scenario> batch = new ArrayList<>(unwritten);
        unwritten.clear();
        pendingWrites.add(writer.submit(() -> {
            for (Scenario x : batch) {
                String text = x.text();
                String name = Corpus.queueName(text);
                if (!knownQueue.add(name))
                    continue;
                try {
                    corpus.addQueue(name, text);
                } catch (IOException e) {
                    writeErrors.incrementAndGet();
                }
            }
        }));
        pendingWrites.removeIf(java.util.concurrent.Future::isDone);
    }

    /** Hands what waits to the writer and waits for every write; returns how many failed (0 if interrupted). */
    long flushWrites() {
        if (corpus != null)
            submitQueue();
        for (java.util.concurrent.Future<?> f : pendingWrites) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 0;
            } catch (java.util.concurrent.ExecutionException e) {
                writeErrors.incrementAndGet();
            }
        }
        pendingWrites.clear();
        return writeErrors.getAndSet(0);
    }

    /** Ends the writer thread once the writes handed to it are done (after {@link #flushWrites}). */
    void close() {
        writer.shutdown();
    }

    /**
     * A kept input passed {@link Limits#check} when it was generated or mutated; what it ran adds
     * only a machine-written {@code steps} line, whose length is all that is left to check.
     */
    static boolean switchesOk(Scenario s) {
        for (Scenario.Sched sc : s.schedules.values())
            if (sc.steps() != null && Limits.switches(sc.steps()) > Limits.DEFAULT.maxSwitches())
                return false;
        return true;
    }
}
