package mmrace.cli;

import mmrace.jcstress.Safety;
import mmrace.port.Memory.WalkMode;
import mmrace.scenario.Variant;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The JCStress passes of the gate (time-boxed, over the tests {@link Safety} expects to be safe)
 * and of the nightly (every test, longer), both through {@code ./mmrace stress}.
 */
final class Jcstress {
    private Jcstress() {}

    /** The nightly's pass: {@code status} is ./mmrace stress's exit status. */
    record Result(boolean ok, String summary, Path report, int status) {}

    /** The gate's pass: expected-safe tests only; --quick keeps to the RCU-walk variants and 100 ms per test. */
    static List<GateCmd.Check> gatePass(boolean quick, PrintWriter out, PrintWriter err) {
        List<String> names = new ArrayList<>();
        for (Safety.Test t : Safety.tests())
            if (t.expectedSafe() && (!quick || t.variant().walk == WalkMode.RCU && t.variant() != Variant.FAST_ONE_VMA))
                names.add(t.name());
        String filter = "(" + String.join("|", names.stream().map(Pattern::quote).toList()) + ")$";
        long ms = quick ? 100 : 500;
        long t0 = System.nanoTime();
        StringWriter o = new StringWriter();
        int rc = Main.execute(new PrintWriter(o, true), err, "stress", "--filter", filter, "--time-per-test", String.valueOf(ms),
                "--report", "results/jcstress-gate");
        double secs = (System.nanoTime() - t0) / 1e9;
        String failLines = String.join("; ", o.toString().lines().filter(l -> l.startsWith("FAIL")).toList());
        out.printf("jcstress: %d expected-safe tests, %d ms each: exit %d%n", names.size(), ms, rc);
        if (rc != 0)
            out.println("FAIL jcstress: " + (failLines.isEmpty() ? "JCStress did not complete (exit " + rc + ")" : failLines)
                    + "; replay: ./mmrace stress --filter '" + filter + "'");
        return List.of(new GateCmd.Check("jcstress", names.size() + " expected-safe tests", rc == 0, secs,
                rc == 0 ? null : failLines.isEmpty() ? "exit " + rc : failLines, rc));
    }

    /** The nightly's pass: every test, with about {@code budget} in all. */
    static Result nightlyPass(Duration budget, Path reportDir, PrintWriter out, PrintWriter err) {
        int n = Safety.tests().size();
        long ms = Math.max(100, budget.toMillis() / Math.max(1, n) - 3000); // about 3 s of fork and JVM start per test
        StringWriter o = new StringWriter();
        int rc = Main.execute(new PrintWriter(o, true), err, "stress", "--time-per-test", String.valueOf(ms), "--report",
                reportDir.toString());
        out.print(o);
        String last = o.toString().lines().filter(l -> l.startsWith("OK") || l.startsWith("FAIL")).reduce((a, b) -> b).orElse("exit " + rc);
        return new Result(rc == 0, n + " tests, " + ms + " ms each: " + last, reportDir.resolve("index.html"), rc);
    }
}
