package mmrace.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * mmrace's command line. Exit statuses, by command (3, needs triage, is an outcome the oracle
 * cannot explain and no forbidden one: docs/ORACLE.md):
 * <ul>
 * <li>{@code run}: 0 every verdict acceptable or interesting and as its {@code expect} line says;
 *     1 a forbidden verdict, or a verdict other than the one expected; 2 bad input (a scenario
 *     that does not parse or cannot be set up); 3 a verdict that needs triage, and neither of
 *     those.</li>
 * <li>{@code explore}, {@code fuzz}: 0 no forbidden outcome and none that needs triage; 1 a
 *     forbidden outcome ({@code fuzz}: a forbidden finding, found now or saved earlier and still
 *     reproducing); 2 bad input; 3 only outcomes (findings) that need triage.</li>
 * <li>{@code minimize}: 0 nothing to minimise (no forbidden or needs-triage verdict, or it did not
 *     reproduce); 1 a forbidden finding was minimised; 2 bad input, or a scenario that cannot run;
 *     3 a finding that needs triage was minimised.</li>
 * <li>{@code stress}: 0 no forbidden outcome in a test expected to be safe; 1 there was one;
 *     2 bad input; 4 JCStress itself failed (a test in error or timed out, its JVM failed, no
 *     results): no verdict ({@link StressCmd#JCSTRESS_FAILED}).</li>
 * <li>{@code gate}: 0 every check passed; 1 a check failed (a corpus verdict other than its
 *     {@code expect} line, or a JCStress check); 2 bad input, or checks that could not be judged
 *     and none that failed. {@code nightly}: 0 its gate and its JCStress run passed, 1 otherwise;
 *     2 bad input.</li>
 * <li>{@code promote}: 0 moved; 2 refused (bad input; nothing written).</li>
 * <li>{@code bench}: 0 once JMH has run.</li>
 * </ul>
 * A Java exception out of a command that is not bad input is printed with its stack trace and,
 * as picocli does by default, exits with 1, the status of a forbidden outcome.
 */
@Command(name = "mmrace", mixinStandardHelpOptions = true, version = "mmrace 0.1",
        description = {"Settles mm locking questions by running a Java port of the kernel code:",
                "remote reads (access_remote_vm: the slow path and the per-VMA-lock fast paths) against",
                "mmap, munmap, mremap, mprotect, madvise, faults, reclaim and THP collapse;",
                "under the deterministic scheduler (run, explore, fuzz) or on real threads under JCStress (stress)."},
        subcommands = {RunCmd.class, ExploreCmd.class, FuzzCmd.class, MinimizeCmd.class, StressCmd.class, GateCmd.class,
                NightlyCmd.class, PromoteCmd.class, BenchCmd.class, MutantsCmd.class, JazzerCmd.class, FromJazzerCmd.class, CompareCmd.class},
        footer = {"", "Exit status: 0 no forbidden outcome, 1 a forbidden outcome was seen (or an",
                "expected one was not, or a gate check failed), 2 bad input, 3 an outcome the",
                "oracle cannot explain (needs triage) and no forbidden one; stress: 4 JCStress",
                "itself failed."})
public final class Main implements Runnable {
    public static final int OK = 0, FORBIDDEN = 1, BAD_INPUT = 2;
    /** An outcome the oracle cannot explain (class needs-triage) and no forbidden one: docs/ORACLE.md. */
    public static final int NEEDS_TRIAGE = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    public static int execute(String... args) {
        return execute(new java.io.PrintWriter(System.out, true), new java.io.PrintWriter(System.err, true), args);
    }

    /** Runs a command line with its output going to {@code out} and {@code err}; returns the exit status. */
    public static int execute(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof mmrace.scenario.ScenarioSetupError f) {
                cmd.getErr().println("mmrace: " + f.getMessage());
                return BAD_INPUT;
            }
            if (e instanceof BadInput b) {
                cmd.getErr().println("mmrace: " + b.getMessage());
                return BAD_INPUT;
            }
            throw e;
        });
        cl.setParameterExceptionHandler((e, a) -> {
            e.getCommandLine().getErr().println("mmrace: " + e.getMessage());
            e.getCommandLine().usage(e.getCommandLine().getErr());
            return BAD_INPUT;
        });
        return cl.execute(args);
    }

    /** Bad input: a message for the user and exit status 2. */
    public static final class BadInput extends RuntimeException {
        public BadInput(String m) {
            super(m);
        }
    }
}
