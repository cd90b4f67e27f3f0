package mmrace.cli;

import mmrace.jcstress.Results;
import mmrace.jcstress.Safety;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * ./mmrace stress: the JCStress tests ({@code mmrace.jcstress}) on real threads. Runs
 * target/jcstress.jar (JCStress's own main over our tests) in a child JVM of this JDK with settings
 * for a small machine, writes JCStress's HTML report and its console log to the report directory,
 * reads the results back and prints the forbidden outcomes per test. A forbidden outcome fails the
 * run only in a test that {@link Safety} expects to be safe.
 */
@Command(name = "stress", mixinStandardHelpOptions = true,
        description = {"Runs the JCStress tests: the races of the scheduler's scenarios, with a",
                "remote read on real threads (target/jcstress.jar in a child JVM). Prints the",
                "forbidden outcomes per test; fails only when a read variant expected to be",
                "safe shows one (fast-v1 everywhere and fast-one-vma inside one VMA are known",
                "bad: their forbidden outcomes are reported, not failures)."},
        footer = {"", "Exit status: 0 no forbidden outcome in an expected-safe test; 1 there was",
                "one; 2 bad input (a filter matching no test, no JCStress jar); 4 JCStress",
                "failed (a test in error or timed out, the child JVM failed, no results)."})
final class StressCmd implements Callable<Integer> {
    /** Not 3: that is an outcome that needs triage (Main.NEEDS_TRIAGE). */
    static final int JCSTRESS_FAILED = Main.JCSTRESS_FAILED;

    @Option(names = "--time-per-test", paramLabel = "MS", defaultValue = "1000",
            description = "Time JCStress spends in each test (its -time, one iteration, one fork; default ${DEFAULT-VALUE}).")
    long timeMs;

    @Option(names = "--filter", paramLabel = "REGEX", defaultValue = ".*",
            description = "Run the tests whose name this regular expression finds (JCStress -t), e.g. MapFixedRace or 'FastV1$'.")
    String filter;

    @Option(names = "--report", paramLabel = "DIR", defaultValue = "results/jcstress",
            description = "Where JCStress writes its HTML report (index.html), with jcstress.log (default ${DEFAULT-VALUE}).")
    Path report;

    @Option(names = "--list", description = "List the matching tests, each with its variant and whether it is expected safe; run nothing.")
    boolean list;

    @Option(names = "--jar", paramLabel = "JAR", description = "The JCStress jar (default: stress/target/jcstress.jar of mmrace.home, or next to this jar).")
    Path jar;

    @Spec
    CommandSpec spec;

    /** Runs a child process; its output (stdout and stderr merged) goes line by line to {@code line}. Returns its exit status. */
    interface Child {
        int run(List<String> command, Path workDir, Consumer<String> line) throws IOException, InterruptedException;
    }

    /** The child runner: a real process; tests give a fake one. */
    Child child = StressCmd::exec;

    /** JCStress's settings for this 2-core machine: one iteration, one fork, one JVM mode, no split compilation. */
    static List<String> jcstressOptions(long timeMs, String filter, Path reportDir) {
        return List.of("-t", filter, "-time", String.valueOf(timeMs), "-iters", "1", "-f", "1", "-fsm", "1", "-sc", "false",
                "-pth", "false", "-hs", "256",
                // -jvmArgs fixes one JVM mode (no -Xint / C1 / C2 stress forks); the port's call chains are deep
                "-jvmArgs", "-Xss4m --enable-native-access=ALL-UNNAMED -Duser.language=en -Duser.country=US",
                "-r", reportDir.toAbsolutePath().toString(), "-v");
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        if (timeMs <= 0)
            return bad(err, "--time-per-test must be positive, not " + timeMs);
        try {
            Pattern.compile(filter);
        } catch (PatternSyntaxException e) {
            return bad(err, "--filter is not a regular expression: " + e.getDescription() + " in '" + filter + "'");
        }
        Path j = jar != null ? jar : findJar();
        if (j == null || !Files.isRegularFile(j))
            return bad(err, "no JCStress jar at " + (j == null ? "stress/target/jcstress.jar" : j)
                    + ": build it with ./mmrace build (mvn package)");

        // What matches: JCStress's own -l (a second), so that a filter matching nothing is bad input at once
        // (JCStress itself would probe the VM for a minute, print "FATAL: No matching tests." and exit 0).
        StringBuilder listing = new StringBuilder();
        List<String> cmd = new ArrayList<>(javaCommand(j));
        cmd.addAll(List.of("-l", "-t", filter));
        int rc = child.run(cmd, Path.of("."), l -> listing.append(l).append('\n'));
        if (rc != 0) {
            err.println("mmrace: JCStress could not list its tests (exit " + rc + "):");
            err.print(listing);
            return JCSTRESS_FAILED;
        }
        List<String> tests = Results.parseList(listing.toString());
        if (tests.isEmpty())
            return bad(err, "no JCStress test matches --filter '" + filter + "' (./mmrace stress --list shows them all)");
        if (list) {
            for (String t : tests)
                out.println(describe(t));
            out.println(tests.size() + " tests");
            return Main.OK;
        }

        Path dir = report.toAbsolutePath();
        Files.createDirectories(dir);
        Path log = dir.resolve("jcstress.log");
        out.println("mmrace: " + tests.size() + " JCStress tests, " + timeMs + " ms each; log " + log);
        out.flush();
        StringBuilder output = new StringBuilder();
        cmd = new ArrayList<>(javaCommand(j));
        cmd.addAll(jcstressOptions(timeMs, filter, dir));
        boolean[] summary = {false};
        try (Writer w = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
            // the child runs in DIR: JCStress drops its result blob (jcstress-results-*.bin.gz) in its working directory
            rc = child.run(cmd, dir, l -> {
                output.append(l).append('\n');
                try {
                    w.write(l);
                    w.write('\n');
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                if (l.startsWith("RUN RESULTS:"))
                    summary[0] = true;
                if (!summary[0] && progressLine(l)) {
                    out.println("  " + l.replaceFirst("^\\.+\\s*", ""));
                    out.flush();
                }
            });
        }
        return judge(Results.parse(output.toString()), rc, tests, dir, out, err);
    }

    /** The exit status for a finished run, with the table printed. */
    int judge(Results res, int rc, List<String> expected, Path dir, PrintWriter out, PrintWriter err) {
        if (res.noMatchingTests)
            return bad(err, "JCStress found no test matching --filter '" + filter + "'");
        if (!res.complete) {
            err.println("mmrace: JCStress ended (exit " + rc + ") without results; see " + dir.resolve("jcstress.log"));
            return JCSTRESS_FAILED;
        }
        if (!res.problems.isEmpty()) {
            err.println("mmrace: could not read JCStress's results (" + dir.resolve("jcstress.log") + "):");
            for (String p : res.problems)
                err.println("  " + p);
            return JCSTRESS_FAILED;
        }
        out.println();
        out.println(table(res, expected));
        List<String> unsafe = new ArrayList<>(), errors = new ArrayList<>();
        for (String t : expected) {
            Results.Test r = res.tests.get(t);
            if (r == null || r.error())
                errors.add(t + (r == null ? ": no result" : ": " + r.status()));
            else if (r.forbidden() > 0 && safe(t))
                unsafe.add(t);
        }
        out.println("HTML report: " + dir.resolve("index.html"));
        if (!errors.isEmpty())
            err.println("mmrace: JCStress did not complete every test: " + String.join("; ", errors));
        if (!unsafe.isEmpty()) {
            out.println("FAIL: forbidden outcomes in tests expected to be safe: " + String.join(", ", unsafe));
            return Main.FORBIDDEN;
        }
        if (!errors.isEmpty())
            return JCSTRESS_FAILED;
        boolean failedFork = rc != 0 && res.tests.values().stream().noneMatch(r -> r.forbidden() > 0);
        if (failedFork) {
            err.println("mmrace: JCStress exited with " + rc + " but reported no failure; see " + dir.resolve("jcstress.log"));
            return JCSTRESS_FAILED;
        }
        out.println("OK: no forbidden outcome in a test expected to be safe");
        return Main.OK;
    }

    /** The table: one line per test with its variant, expectation, samples and forbidden samples. */
    static String table(Results res, List<String> expected) {
        StringBuilder b = new StringBuilder();
        String fmt = "%-42s %-25s %-9s %10s %10s  %s%n";
        b.append(String.format(fmt, "TEST", "VARIANT", "EXPECTED", "SAMPLES", "FORBIDDEN", "STATUS"));
        long known = 0;
        for (String t : expected) {
            Results.Test r = res.tests.get(t);
            String variant = "?", exp = "?";
            try {
                Safety.Test s = Safety.test(t);
                variant = s.variant().id;
                exp = s.expectedSafe() ? "safe" : "known bad";
            } catch (IllegalArgumentException e) {
                // not one of ours: listed, judged as safe
                exp = "safe";
            }
            String shortName = t.startsWith("mmrace.jcstress.") ? t.substring("mmrace.jcstress.".length()) : t;
            if (r == null) {
                b.append(String.format(fmt, shortName, variant, exp, "-", "-", "NO RESULT"));
                continue;
            }
            StringBuilder st = new StringBuilder(r.status());
            for (Results.Row row : r.forbiddenSeen())
                st.append("  ").append(row.outcome()).append('=').append(row.samples());
            b.append(String.format(fmt, shortName, variant, exp, r.samples(), r.forbidden(), st));
            if (r.forbidden() > 0 && exp.equals("known bad"))
                known++;
        }
        b.append(expected.size()).append(" tests; ").append(known).append(" known-bad tests showed forbidden outcomes");
        return b.toString();
    }

    private static boolean safe(String test) {
        try {
            return Safety.expectedSafe(test);
        } catch (IllegalArgumentException e) {
            return true; // a test outside the matrix: every forbidden outcome counts
        }
    }

    private static String describe(String test) {
        try {
            Safety.Test s = Safety.test(test);
            return String.format("%-50s %-25s %s", test, s.variant().id, s.expectedSafe() ? "expected safe" : "known bad");
        } catch (IllegalArgumentException e) {
            return test;
        }
    }

    /** JCStress's per-test progress lines: "...... [OK] mmrace.jcstress.X.Y". */
    private static boolean progressLine(String l) {
        return l.startsWith(".") && l.matches("^\\.+\\s*\\[[A-Z ]+\\]\\s+\\S+\\s*$");
    }

    private static int bad(PrintWriter err, String message) {
        err.println("mmrace: " + message);
        return Main.BAD_INPUT;
    }

    /** The JDK of this process running the jar; the host JVM is small, the forks get their settings from JCStress. */
    static List<String> javaCommand(Path jar) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return List.of(java, "-Xmx256m", "-Duser.language=en", "-Duser.country=US", "--enable-native-access=ALL-UNNAMED",
                "-jar", jar.toAbsolutePath().toString());
    }

    /** stress/target/jcstress.jar under mmrace.home (set by ./mmrace), else next to the jar this class came from. */
    static Path findJar() {
        String home = System.getProperty("mmrace.home");
        if (home != null)
            return Path.of(home, "stress", "target", "jcstress.jar");
        try {
            Path self = Path.of(StressCmd.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return self.getParent().resolve("jcstress.jar"); // self: target/classes or target/mmrace.jar

        } catch (Exception e) {
            return Path.of("stress", "target", "jcstress.jar");
        }
    }

    /** Runs a child process, its stdout and stderr merged, line by line. */
    static int exec(List<String> command, Path workDir, Consumer<String> line) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
        Process p = pb.start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String l;
            while ((l = r.readLine()) != null)
                line.accept(l);
        } finally {
            if (p.isAlive())
                p.destroy();
        }
        return p.waitFor();
    }
}
