package mmrace.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The gate's and the nightly's JCStress passes. Filled in when the JCStress tests land. */
final class Jcstress {
    private Jcstress() {}

    record Result(boolean ok, String summary, Path report) {}

    static List<GateCmd.Check> gatePass(boolean quick, PrintWriter out, PrintWriter err) {
        out.println("jcstress: no JCStress tests in this build yet");
        return List.of();
    }

    static Result nightlyPass(Duration budget, Path reportDir, PrintWriter out, PrintWriter err) {
        return new Result(true, "no JCStress tests in this build yet", null);
    }
}
