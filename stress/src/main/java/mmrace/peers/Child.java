package mmrace.peers;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A child process of the comparison: its output (stdout and stderr together, also kept in a log
 * file), exit status and wall time. A child past its deadline is killed (with its own children):
 * then {@code timedOut}.
 */
record Child(String output, int exitCode, double wallSeconds, boolean timedOut) {
    /** The command line of this JVM's {@code mmrace.cli.Main}: the same JDK, class path and scheduler options. */
    static List<String> mmrace(Path home, String... args) {
        List<String> c = new ArrayList<>();
        c.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        c.addAll(List.of("-Djdk.virtualThreadScheduler.parallelism=1", "-Xss4m", "--add-exports", "java.base/jdk.internal.vm=ALL-UNNAMED",
                "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Dmmrace.home=" + home.toAbsolutePath(), "-cp",
                System.getProperty("java.class.path"), "mmrace.cli.Main"));
        c.addAll(List.of(args));
        return c;
    }

    static Child run(List<String> command, Path workDir, Duration deadline, Path log, PrintWriter progress) throws IOException {
        Files.createDirectories(log.getParent());
        progress.println("  $ " + String.join(" ", command.subList(Math.max(0, command.indexOf("mmrace.cli.Main")), command.size())));
        progress.flush();
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean timedOut = false;
        try {
            if (!p.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
                timedOut = true;
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor();
            }
        } catch (InterruptedException e) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        return new Child(Files.readString(log, StandardCharsets.UTF_8), p.exitValue(), wall, timedOut);
    }
}
