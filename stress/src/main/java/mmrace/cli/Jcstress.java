package mmrace.cli;

import java.io.PrintWriter;
import java.util.List;

/** The gate's JCStress pass. Filled in when the JCStress tests land. */
final class Jcstress {
    private Jcstress() {}

    static List<GateCmd.Check> gatePass(boolean quick, PrintWriter out, PrintWriter err) {
        out.println("jcstress: no JCStress tests in this build yet");
        return List.of();
    }
}
