package mmrace.jazzer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import mmrace.scenario.Variant;

/**
 * Runs the fuzz target under Jazzer's own driver ({@code com.code_intelligence.jazzer.Jazzer}, the
 * native libFuzzer inside the jazzer jar) in a child JVM on this JVM's class path, with the
 * scheduler's JVM options, and reads what libFuzzer prints: the executions, whether and when it
 * crashed, and the crash file it wrote.
 *
 * <p>The child stops at the first crash (libFuzzer's default) or at the time budget. Only mmrace's
 * own classes are instrumented for coverage ({@code --instrumentation_includes=mmrace.**}).
 */
public final class JazzerLauncher {
    private JazzerLauncher() {}

    /** What to run: variant, budget, libFuzzer seed, corpus directory (may be null), where crash files go. */
    public record Options(Variant variant, Duration time, long seed, Path corpus, Path artifacts, boolean skipKnown) {}

    /**
     * What a run gave. {@code forbidden}: the target threw its ForbiddenOutcome; {@code crashed}:
     * something else crashed the run (an exception of mmrace, a JVM or driver failure).
     * {@code executions}: libFuzzer's count; {@code toCrash}: from the fuzzer's first input to the
     * crash report (-1 without one); {@code wall}: the whole child process.
     */
    public record Result(int exitCode, boolean forbidden, boolean crashed, String what, Path crashFile, long executions,
                         Duration toCrash, Duration wall) {}

    static final Pattern EXEC = Pattern.compile("^#(\\d+)\\s"), STAT = Pattern.compile("^stat::number_of_executed_units: (\\d+)"),
            WRITTEN = Pattern.compile("Test unit written to (\\S+)"), DONE = Pattern.compile("^Done (\\d+) runs in");

    /** libFuzzer's -max_len: a scenario of every actor and operation the decoder allows fits in far less. */
    static final int MAX_LEN = 512;

    public static Result run(Options o, PrintWriter log) throws IOException, InterruptedException {
        Files.createDirectories(o.artifacts());
        if (o.corpus() != null)
            Files.createDirectories(o.corpus());
        List<String> cmd = command(o);
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        long firstInput = -1, crashAt = -1, executions = 0;
        boolean forbidden = false, javaException = false;
        String what = null;
        Path crashFile = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null;) {
                log.println(line);
                long now = System.nanoTime();
                Matcher m;
                if ((m = EXEC.matcher(line)).find()) {
                    executions = Math.max(executions, Long.parseLong(m.group(1)));
                    if (firstInput < 0)
                        firstInput = now;
                } else if ((m = STAT.matcher(line)).find() || (m = DONE.matcher(line)).find()) {
                    executions = Math.max(executions, Long.parseLong(m.group(1)));
                } else if ((m = WRITTEN.matcher(line)).find()) {
                    crashFile = Path.of(m.group(1));
                } else if (line.startsWith("== Java Exception:")) {
                    javaException = true;
                    crashAt = now;
                    forbidden = line.contains(ScenarioFuzzTarget.ForbiddenOutcome.class.getSimpleName());
                    what = line.substring("== Java Exception:".length()).strip();
                }
            }
        }
        int rc = p.waitFor();
        long end = System.nanoTime();
        log.flush();
        boolean crashed = !forbidden && (javaException || (rc != 0 && crashFile == null) || crashFile != null);
        Duration toCrash = crashAt < 0 ? null : Duration.ofNanos(crashAt - (firstInput < 0 ? t0 : firstInput));
        return new Result(rc, forbidden, crashed, what, crashFile, executions, toCrash, Duration.ofNanos(end - t0));
    }

    /** The child's command line: this JVM, this class path, Jazzer's main, the target and libFuzzer's flags. */
    static List<String> command(Options o) {
        List<String> c = new ArrayList<>();
        c.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        c.addAll(List.of("-Djdk.virtualThreadScheduler.parallelism=1", "-Xss4m", "-XX:+EnableDynamicAgentLoading",
                // as ./mmrace: continuations for the scheduler's hand-off, raw field access for set-up snapshots
                "--add-exports", "java.base/jdk.internal.vm=ALL-UNNAMED", "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
                "-D" + ScenarioFuzzTarget.VARIANT_PROPERTY + "=" + o.variant().id));
        if (o.skipKnown())
            c.add("-D" + ScenarioFuzzTarget.SKIP_KNOWN_PROPERTY + "=true");
        String mutant = System.getProperty("mmrace.mutant");
        if (mutant != null)
            c.add("-Dmmrace.mutant=" + mutant);
        c.addAll(List.of("-cp", System.getProperty("java.class.path"), "com.code_intelligence.jazzer.Jazzer",
                "--target_class=" + ScenarioFuzzTarget.class.getName(), "--instrumentation_includes=mmrace.**",
                "-max_total_time=" + Math.max(1, o.time().toSeconds()), "-seed=" + o.seed(), "-print_final_stats=1",
                // inputs of a scenario need tens of bytes: no slow ramp-up from 4-byte inputs
                "-len_control=0", "-max_len=" + MAX_LEN,
                "-artifact_prefix=" + o.artifacts().toAbsolutePath() + "/"));
        if (o.corpus() != null)
            c.add(o.corpus().toAbsolutePath().toString());
        return c;
    }

    /** The crash files in a directory, oldest first (libFuzzer names them crash-SHA1). */
    public static List<Path> crashFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir))
            return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(f -> f.getFileName().toString().startsWith("crash-")).sorted().toList();
        }
    }
}
