package mmrace.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * mmrace's command line, and the one exit-status table every command follows (README, "Exit
 * status"; the help footer below):
 * <ul>
 * <li>{@link #OK} 0: done, no forbidden outcome (run, gate: every verdict as its {@code expect} line says).</li>
 * <li>{@link #FORBIDDEN} 1: a forbidden outcome, and nothing else: a verdict of class forbidden
 *     whose root cause is not a known issue, or (run, gate, nightly) a verdict other than the one
 *     the file records.</li>
 * <li>{@link #BAD_INPUT} 2: bad input: a malformed scenario or option (the message names the file
 *     and line), a scenario beyond the model's capacity (the message names the limit), nothing to
 *     do (a directory with no scenario, an empty variant list), or an execution that reached a
 *     limit of the model (verdict {@code limit}: no verdict; the message says how to raise it).</li>
 * <li>{@link #NEEDS_TRIAGE} 3: an outcome the oracle cannot explain and no forbidden one (the
 *     needs-triage class of docs/ORACLE.md).</li>
 * <li>{@link #JCSTRESS_FAILED} 4: JCStress itself failed (a test in error or timed out, its JVM
 *     failed, no results): no verdict.</li>
 * <li>{@link #INTERNAL_ERROR} 70: mmrace crashed (a bug of mmrace, never a verdict): one line on
 *     stderr, the stack trace in a file it names ({@link Crash}). 70 is EX_SOFTWARE of sysexits.h.</li>
 * </ul>
 * A command that judges several things exits with the worst status among them ({@link #worst}).
 * Exceptions out of a command are mapped here, in the execution exception handler, so no command
 * can exit with 1 for anything but a verdict: {@link BadInput}, a set-up the kernel refuses, a
 * model capacity exceeded and a file-system error on a path the user gave are bad input; anything
 * else is an internal error.
 */
@Command(name = "mmrace", mixinStandardHelpOptions = true, version = "mmrace 0.1",
        description = {"Settles mm locking questions by running a Java port of the kernel code:",
                "remote reads (access_remote_vm: the slow path and the per-VMA-lock fast paths) against",
                "mmap, munmap, mremap, mprotect, madvise, faults, reclaim and THP collapse;",
                "under the deterministic scheduler (run, explore, fuzz) or on real threads under JCStress (stress).",
                "./mmrace COMMAND --help explains one command."},
        subcommands = {RunCmd.class, ExploreCmd.class, FuzzCmd.class, MinimizeCmd.class, StressCmd.class, GateCmd.class,
                NightlyCmd.class, PromoteCmd.class, BenchCmd.class, MutantsCmd.class, JazzerCmd.class, FromJazzerCmd.class, CompareCmd.class},
        footer = {"", "Exit status (every command; several results: the worst):",
                "   0  ok: no forbidden outcome (run, gate: every verdict as recorded)",
                "   1  a forbidden outcome, and nothing else (run, gate, nightly, mutants: or a",
                "      verdict other than the one recorded; fuzz, explore: not a known issue's)",
                "   2  bad input (the message names the file and line, or the limit exceeded),",
                "      nothing to do, or an execution that reached a limit of the model",
                "      (no verdict)",
                "   3  needs triage: an outcome the oracle cannot explain, and no forbidden one",
                "   4  JCStress itself failed (stress, gate, nightly): no verdict",
                "  70  internal error: mmrace crashed; one line on stderr, the stack trace",
                "      in a file"})
public final class Main implements Runnable {
    public static final int OK = 0, FORBIDDEN = 1, BAD_INPUT = 2, NEEDS_TRIAGE = 3, JCSTRESS_FAILED = 4, INTERNAL_ERROR = 70;

    /** Statuses from least to most severe: {@link #worst} keeps the later. */
    private static final int[] SEVERITY = {OK, BAD_INPUT, JCSTRESS_FAILED, NEEDS_TRIAGE, FORBIDDEN, INTERNAL_ERROR};

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
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> failure(e, cmd.getErr()));
        cl.setParameterExceptionHandler((e, a) -> {
            e.getCommandLine().getErr().println("mmrace: " + e.getMessage());
            e.getCommandLine().usage(e.getCommandLine().getErr());
            return BAD_INPUT;
        });
        try {
            return cl.execute(args);
        } catch (Throwable e) {
            // picocli passes Errors (StackOverflowError, OutOfMemoryError, AssertionError) through
            return failure(e, err);
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** The exit status of an exception out of a command, with its one-line message on {@code err}. */
    static int failure(Throwable e, java.io.PrintWriter err) {
        String bad = badInput(e);
        if (bad != null) {
            err.println("mmrace: " + bad);
            return BAD_INPUT;
        }
        err.println("mmrace: " + Crash.line(e, Crash.record(e)));
        return INTERNAL_ERROR;
    }

    /** The message if {@code e} is bad input (the user's file, option or path is at fault), else null. */
    static String badInput(Throwable e) {
        if (e instanceof BadInput || e instanceof mmrace.scenario.ScenarioSetupError || e instanceof mmrace.scenario.ScenarioError
                || e instanceof mmrace.runtime.ModelLimit)
            return e.getMessage();
        if (e instanceof java.nio.file.FileSystemException f)
            return (f.getFile() == null ? "" : f.getFile() + ": ") + fsReason(f)
                    + (f.getOtherFile() == null ? "" : " (" + f.getOtherFile() + ")");
        return null;
    }

    private static String fsReason(java.nio.file.FileSystemException f) {
        if (f instanceof java.nio.file.AccessDeniedException)
            return "permission denied";
        if (f instanceof java.nio.file.NoSuchFileException)
            return "no such file or directory";
        if (f instanceof java.nio.file.NotDirectoryException || f instanceof java.nio.file.FileAlreadyExistsException)
            return "not a directory, or a file is in the way";
        return f.getReason() == null ? "cannot use it" : f.getReason();
    }

    /** The more severe of two exit statuses (internal error, forbidden, needs triage, JCStress failed, bad input, ok). */
    public static int worst(int a, int b) {
        return rank(a) >= rank(b) ? a : b;
    }

    private static int rank(int status) {
        for (int i = 0; i < SEVERITY.length; i++)
            if (SEVERITY[i] == status)
                return i;
        return SEVERITY.length; // an unknown status is the most severe
    }

    /** Bad input: a message for the user and exit status 2. */
    public static final class BadInput extends RuntimeException {
        public BadInput(String m) {
            super(m);
        }
    }
}
