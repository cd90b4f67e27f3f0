package mmrace.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/**
 * An internal error of mmrace (exit status {@link Main#INTERNAL_ERROR}): the user gets one line,
 * the stack trace goes to a file, {@code mmrace-crash-DATE-PID-N.txt} in the directory named by
 * the environment variable {@code MMRACE_CRASH_DIR}, else the system's temporary directory
 * ({@code java.io.tmpdir}). If the file cannot be written the trace goes to stderr instead.
 */
final class Crash {
    private static final java.util.concurrent.atomic.AtomicInteger COUNT = new java.util.concurrent.atomic.AtomicInteger();

    private Crash() {}

    /** Writes the stack trace of {@code e} to a new crash file; returns it, or null if it could not be written. */
    static Path record(Throwable e) {
        StringWriter w = new StringWriter();
        try (PrintWriter p = new PrintWriter(w)) {
            p.println("mmrace internal error, " + LocalDateTime.now() + ", Java " + System.getProperty("java.version"));
            e.printStackTrace(p);
        }
        try {
            String env = System.getenv("MMRACE_CRASH_DIR");
            Path dir = Path.of(env != null && !env.isBlank() ? env : System.getProperty("java.io.tmpdir"));
            Files.createDirectories(dir);
            String name = "mmrace-crash-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-"
                    + ProcessHandle.current().pid() + "-" + COUNT.incrementAndGet() + ".txt";
            return Files.writeString(dir.resolve(name), w.toString());
        } catch (IOException | RuntimeException x) {
            System.err.print(w);
            return null;
        }
    }

    /** "internal error (a bug in mmrace, not a verdict): java.lang.X: message; stack trace in FILE". */
    static String line(Throwable e, Path trace) {
        String m = e.getMessage() == null ? "" : ": " + e.getMessage().lines().findFirst().orElse("");
        return "internal error (a bug in mmrace, not a verdict): " + e.getClass().getName() + m + "; "
                + (trace == null ? "stack trace above" : "stack trace in " + trace);
    }
}
