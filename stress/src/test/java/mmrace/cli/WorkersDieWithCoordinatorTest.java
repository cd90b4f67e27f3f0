package mmrace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CI timeout SIGKILLs ./mmrace fuzz --jobs N: its worker processes must not go on fuzzing and
 * writing the corpus. (Where actors run as continuations the workers are threads of the
 * coordinator's JVM and die with it; worker processes remain with -Dmmrace.workers=processes and
 * where continuations are unavailable, which this test asks for.) The test starts a coordinator
 * with --jobs 2 as ./mmrace does (a JVM running the command line), waits until both workers run and have written to the corpus, kills the
 * coordinator with SIGKILL, and checks that both workers are gone within a few seconds (each reads
 * end-of-file on the stdin its coordinator held, stops as it does on SIGTERM and exits) and that no
 * partial file (.tmp-*) is left in the corpus.
 */
class WorkersDieWithCoordinatorTest {
    /** How long the workers may take to notice and exit (a loaded 2-core machine starts and stops JVMs slowly). */
    static final long GONE_WITHIN_S = 30;

    @TempDir
    Path dir;

    @Test
    void killingTheCoordinatorEndsItsWorkers() throws Exception {
        Path corpus = dir.resolve("corpus");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djdk.virtualThreadScheduler.parallelism=1", "-Xss4m", "-Dmmrace.workers=processes", "-cp", classPath(), Main.class.getName(),
                "fuzz", "--variant", "slow", "--jobs", "2", "--time", "10m", "--seed", "3", "--corpus", corpus.toString()));
        Process coordinator = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("coordinator.log").toFile()).start();
        List<ProcessHandle> workers = List.of();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (System.nanoTime() < deadline) {
                workers = coordinator.descendants().filter(WorkersDieWithCoordinatorTest::isWorker).toList();
                if (workers.size() == 2 && queueWritten(corpus))
                    break;
                Thread.sleep(200);
            }
            assertEquals(2, workers.size(), "two workers started: " + Files.readString(dir.resolve("coordinator.log")));
            assertTrue(queueWritten(corpus), "the workers were writing the corpus");
            coordinator.destroyForcibly(); // SIGKILL: no shutdown hook of the coordinator runs
            assertTrue(coordinator.waitFor(30, TimeUnit.SECONDS));
            long t0 = System.nanoTime();
            for (ProcessHandle w : workers)
                w.onExit().get(GONE_WITHIN_S, TimeUnit.SECONDS);
            double took = (System.nanoTime() - t0) / 1e9;
            System.out.printf("workers gone %.1f s after their coordinator was killed%n", took);
            for (ProcessHandle w : workers)
                assertTrue(!w.isAlive(), "worker " + w.pid() + " outlived its coordinator");
            try (Stream<Path> s = Files.walk(corpus)) {
                List<Path> partial = s.filter(p -> p.getFileName().toString().startsWith(mmrace.fuzz.Corpus.TMP_PREFIX)).toList();
                assertEquals(List.of(), partial, "no partial file left");
            }
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("a worker still runs " + GONE_WITHIN_S + " s after its coordinator was killed", e);
        } finally {
            coordinator.destroyForcibly();
            for (ProcessHandle w : workers)
                w.destroyForcibly();
        }
    }

    /**
     * Is p a fuzz worker JVM? Its command line from /proc (ProcessHandle.Info gives none for a
     * command line as long as the test class path makes it), else as ProcessHandle gives it.
     */
    private static boolean isWorker(ProcessHandle p) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", String.valueOf(p.pid()), "cmdline"))).contains("mmrace.fuzz.Worker");
        } catch (java.io.IOException e) {
            return p.info().commandLine().orElse("").contains("mmrace.fuzz.Worker");
        }
    }

    private static boolean queueWritten(Path corpus) throws Exception {
        Path q = corpus.resolve("queue");
        if (!Files.isDirectory(q))
            return false;
        try (Stream<Path> l = Files.list(q)) {
            return l.anyMatch(p -> p.getFileName().toString().endsWith(".scn"));
        }
    }

    private static String classPath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null && !cp.isEmpty() ? cp : System.getProperty("java.class.path");
    }
}
