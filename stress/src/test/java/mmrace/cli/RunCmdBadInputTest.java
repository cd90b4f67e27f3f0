package mmrace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `./mmrace run` on scenarios whose text parses but whose layout the kernel refuses, or that the
 * parser refuses: exit 2 and one line naming the file and the line, never a stack trace.
 */
class RunCmdBadInputTest {
    @TempDir
    Path dir;

    private record Ran(int exit, String out, String err) {}

    private Ran run(String text) throws Exception {
        Path f = dir.resolve("bad.scn");
        Files.writeString(f, text);
        StringWriter out = new StringWriter(), err = new StringWriter();
        int rc = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), "run", f.toString());
        return new Ran(rc, out.toString(), err.toString());
    }

    /** mmap of a grows-down device mapping returns -EINVAL: the map line is named. */
    @Test
    void aLayoutTheKernelRefusesIsBadInput() throws Exception {
        Ran r = run("mmrace-scenario 1\nmap A 0x11000 0x1000 rw device growsdown fill=a\nactor r\n  read 0x11000 16 FOLL_FORCE\n");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("bad.scn:2: set-up mmap of A failed: -22"), r.err());
        assertTrue(!r.err().contains("\tat "), "no stack trace: " + r.err());
    }

    /** fill= on a file mapping that runs past the file's end would SIGBUS in the set-up store. */
    @Test
    void aFillPastTheFilesEndIsBadInput() throws Exception {
        Ran r = run("mmrace-scenario 1\nfile F 0x2000 fill=j\nmap G 0x17000 0x2000 r shared file=F off=0x1000 fill=t\n"
                + "actor r\n  read 0x17000 16 FOLL_FORCE\n");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("bad.scn:3: map G: fill= stores into every page"), r.err());
    }
}
