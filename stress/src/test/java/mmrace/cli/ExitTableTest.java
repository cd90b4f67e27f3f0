package mmrace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The exit-status table as Main implements it for every command (issue 11 item 9): a crash is 70
 * with one line and its stack trace in a file, bad input kinds are 2, and a command judging
 * several things exits with the worst; and the cap on fuzz workers (item 12).
 */
class ExitTableTest {
    /**
     * An internal error (an exception of mmrace itself, an Error) is exit 70 with one line naming the
     * exception and the file holding its stack trace; bad input kinds map to 2; the worst of several
     * statuses follows the table.
     */
    @Test
    void aCrashIsAnInternalErrorWithItsTraceInAFile() throws Exception {
        StringWriter err = new StringWriter();
        int rc = Main.failure(new IllegalStateException("model out of order"), new PrintWriter(err, true));
        assertEquals(Main.INTERNAL_ERROR, rc);
        String line = err.toString().strip();
        assertFalse(line.contains("\n"), "one line: " + line);
        assertTrue(line.startsWith("mmrace: internal error (a bug in mmrace, not a verdict): java.lang.IllegalStateException: model out of order; "
                + "stack trace in "), line);
        Path trace = Path.of(line.substring(line.indexOf("stack trace in ") + "stack trace in ".length()));
        assertTrue(Files.readString(trace).contains("\tat mmrace.cli.ExitTableTest"), "the stack trace is in the file");
        Files.delete(trace);
        assertEquals(Main.INTERNAL_ERROR, Main.failure(new StackOverflowError(), new PrintWriter(new StringWriter())));
        assertEquals(Main.BAD_INPUT, Main.failure(new java.nio.file.AccessDeniedException("/x"), new PrintWriter(err, true)));
        assertTrue(err.toString().contains("mmrace: /x: permission denied"), err.toString());
        assertEquals(Main.BAD_INPUT, Main.failure(new mmrace.runtime.ModelLimit("model out of memory"), new PrintWriter(new StringWriter())));
        assertEquals(Main.INTERNAL_ERROR, Main.worst(Main.FORBIDDEN, Main.INTERNAL_ERROR));
        assertEquals(Main.FORBIDDEN, Main.worst(Main.NEEDS_TRIAGE, Main.FORBIDDEN));
        assertEquals(Main.NEEDS_TRIAGE, Main.worst(Main.BAD_INPUT, Main.NEEDS_TRIAGE));
        assertEquals(Main.JCSTRESS_FAILED, Main.worst(Main.JCSTRESS_FAILED, Main.BAD_INPUT));
        assertEquals(Main.BAD_INPUT, Main.worst(Main.OK, Main.BAD_INPUT));
    }

    /** --jobs is capped at 2 per CPU, with the reason said once on stderr. */
    @Test
    void fuzzJobsAreCapped() {
        StringWriter err = new StringWriter();
        assertEquals(4, FuzzCmd.cappedJobs(10_000, 2, new PrintWriter(err, true)));
        assertTrue(err.toString().contains("--jobs 10000 capped at 4 (2 per CPU, 2 CPUs): each worker keeps about one core busy"),
                err.toString());
        StringWriter quiet = new StringWriter();
        assertEquals(3, FuzzCmd.cappedJobs(3, 2, new PrintWriter(quiet, true)));
        assertEquals("", quiet.toString());
    }

}
