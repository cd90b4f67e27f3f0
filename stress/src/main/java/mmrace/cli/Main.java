package mmrace.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * mmrace's command line. Exit status everywhere: 0 no forbidden outcome, 1 a forbidden outcome
 * (or an expected one that did not happen), 2 bad input, 3 an outcome the oracle cannot explain
 * (needs triage) and no forbidden one.
 */
@Command(name = "mmrace", mixinStandardHelpOptions = true, version = "mmrace 0.1",
        description = {"Settles mm locking questions by running a Java port of the kernel code:",
                "remote reads (access_remote_vm: the slow path and the per-VMA-lock fast paths) against",
                "mmap, munmap, mremap, mprotect, madvise, faults, reclaim and THP collapse;",
                "under the deterministic scheduler (run, explore, fuzz) or on real threads under JCStress (stress)."},
        subcommands = {RunCmd.class, ExploreCmd.class, FuzzCmd.class, MinimizeCmd.class, StressCmd.class, GateCmd.class,
                NightlyCmd.class, BenchCmd.class},
        footer = {"", "Exit status: 0 no forbidden outcome, 1 a forbidden outcome was seen (or an expected one was not), 2 bad input,",
                "3 an outcome the oracle cannot explain (needs triage) and no forbidden one."})
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
