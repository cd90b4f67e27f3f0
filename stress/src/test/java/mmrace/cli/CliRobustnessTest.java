package mmrace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import mmrace.scenario.Corpus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The command line as a new user meets it (issue 11, items 8-12 and 14): help for every command,
 * one exit-status table (bad input is 2 and names its file and line, a crash is 70 with its stack
 * trace in a file, never 1), every file of a run gets its line, nothing to do is bad input, the
 * parser's gaps, and the cap on fuzz workers. Everything goes through the command line's entry
 * ({@link Main#execute}), as ./mmrace does.
 */
class CliRobustnessTest {
    @TempDir
    Path dir;

    record Ran(int exit, String out, String err) {
        String all() {
            return out + err;
        }
    }

    static Ran cli(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int rc = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Ran(rc, out.toString(), err.toString());
    }

    private Path file(String name, String text) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    private static void noStackTrace(Ran r) {
        assertFalse(r.all().contains("\tat ") || r.all().contains("Exception in thread"), "no stack trace: " + r.all());
    }

    static final String GOOD = "mmrace-scenario 1\nname good\nmap A 0x10000 0x1000 rw fill=a\nactor r\n  read 0x10000 8\n";

    // ------------------------------------------------------------------ item 8: --help

    /** Every command's --help exits 0 and prints its usage (the README promises it), bench's too (no JMH stack trace). */
    @Test
    void everyCommandHasHelp() {
        List<String> names = new ArrayList<>(new CommandLine(new Main()).getSubcommands().keySet());
        assertTrue(names.containsAll(List.of("run", "explore", "fuzz", "minimize", "stress", "gate", "nightly", "promote", "bench", "mutants", "jazzer", "from-jazzer", "compare")), names.toString());
        for (String c : names) {
            Ran r = cli(c, "--help");
            assertEquals(0, r.exit(), c + " --help: " + r.all());
            assertTrue(r.out().startsWith("Usage: mmrace " + c), c + " --help: " + r.out());
            noStackTrace(r);
        }
        Ran top = cli("--help");
        assertEquals(0, top.exit());
        assertTrue(top.out().contains("Exit status") && top.out().contains("70  internal error"), top.out());
    }

    // ------------------------------------------------------------------ item 9: exit statuses

    /** A mapping that would fill more than the model's memory is bad input at its line, naming the limit; not a crash, not 1. */
    @Test
    void aScenarioBeyondTheModelsMemoryIsBadInput() throws Exception {
        Path f = file("big.scn", "mmrace-scenario 1\nname big\nmap A 0x10000 0x40000000 rw\nactor r\n  read 0x10000 8\n");
        Ran r = cli("run", f.toString());
        assertEquals(Main.BAD_INPUT, r.exit(), r.all());
        assertTrue(r.err().contains(f + ":3: map A (filled) brings the memory the scenario may need to 1024 MiB; a scenario may need at most 128 MiB"),
                r.err());
        noStackTrace(r);
    }

    /** Device mappings of 2 GiB (a negative array size before) and 4 GiB (a zero-length one) are bad input naming the limit. */
    @Test
    void hugeDeviceMappingsAreBadInput() throws Exception {
        for (String len : List.of("0x80000000", "0x100000000")) {
            Path f = file("dev" + len + ".scn", "mmrace-scenario 1\nname dev\nmap A 0x10000 " + len + " rw device fill=a\nactor r\n  read 0x10000 8\n");
            Ran r = cli("run", f.toString());
            assertEquals(Main.BAD_INPUT, r.exit(), r.all());
            assertTrue(r.err().contains(f + ":3: device mapping A of " + len + " bytes: the model's device memory is at most 0x1000000 (16 MiB)"),
                    r.err());
            noStackTrace(r);
        }
    }

    /** fuzz --corpus at a regular file, or under one, is bad input naming it; an absurd --time too. No stack trace. */
    @Test
    void fuzzBadCorpusAndTimeAreBadInput() throws Exception {
        Path regular = file("corpus-file", "not a directory\n");
        for (Path c : List.of(regular, regular.resolve("sub"))) {
            Ran r = cli("fuzz", "--variant", "slow", "--time", "1s", "--corpus", c.toString());
            assertEquals(Main.BAD_INPUT, r.exit(), r.all());
            assertTrue(r.err().contains("mmrace: " + c + ": --corpus must be a directory"), r.err());
            noStackTrace(r);
        }
        Ran t = cli("fuzz", "--variant", "slow", "--no-corpus", "--time", "9999999999999999h");
        assertEquals(Main.BAD_INPUT, t.exit(), t.all());
        assertTrue(t.err().contains("expected a duration like 90s, 10m or 2h, found '9999999999999999h'"), t.err());
        Ran y = cli("fuzz", "--variant", "slow", "--no-corpus", "--time", "9000h");
        assertEquals(Main.BAD_INPUT, y.exit(), y.all());
        assertTrue(y.err().contains("longer than a year"), y.err());
        noStackTrace(t);
    }

    /** A read-only corpus directory (when the test does not run as root, who may write anywhere). */
    @Test
    void fuzzReadOnlyCorpusIsBadInput() throws Exception {
        Path ro = Files.createDirectory(dir.resolve("ro"));
        assertTrue(ro.toFile().setWritable(false, false));
        try {
            org.junit.jupiter.api.Assumptions.assumeFalse(Files.isWritable(ro), "running as root: every directory is writable");
            Ran r = cli("fuzz", "--variant", "slow", "--time", "1s", "--corpus", ro.toString());
            assertEquals(Main.BAD_INPUT, r.exit(), r.all());
            assertTrue(r.err().contains(ro + ": --corpus must be a directory mmrace can write in"), r.err());
            noStackTrace(r);
        } finally {
            ro.toFile().setWritable(true, false);
        }
    }

    // ------------------------------------------------------------------ item 10: every file its line

    /**
     * run over three files whose second cannot be set up (mmap refuses a grows-down device mapping):
     * every file gets its line, the third still runs, and the exit status is the worst (2 here; 1 once
     * a file's verdict is forbidden).
     */
    @Test
    void everyFileGetsItsLineAndTheWorstStatus() throws Exception {
        Path a = file("a.scn", GOOD), b = file("b.scn", "mmrace-scenario 1\nname b\nmap A 0x11000 0x1000 rw device growsdown fill=a\n"
                + "actor r\n  read 0x11000 16\n"), c = file("c.scn", GOOD.replace("name good", "name c"));
        Ran r = cli("run", "--variant", "slow", a.toString(), b.toString(), c.toString());
        assertEquals(Main.BAD_INPUT, r.exit(), r.all());
        assertTrue(r.out().contains(a + "  slow") && r.out().contains(c + "  slow"), r.out());
        assertTrue(r.out().contains(b + "  -                        not run: bad input (its layout cannot be set up)"), r.out());
        assertTrue(r.err().contains(b + ":3: set-up mmap of A failed: -22"), r.err());

        Path torn = Corpus.dir().resolve("reviewers-race.scn");
        Ran w = cli("run", "--variant", "fast-v1", b.toString(), torn.toString());
        assertEquals(Main.FORBIDDEN, w.exit(), "forbidden is worse than bad input: " + w.all());
        assertTrue(w.out().contains(torn + "  fast-v1                  forbidden torn-read"), w.out());
    }

    // ------------------------------------------------------------------ item 11: nothing to do

    /** No silent passes: a directory with no .scn, an empty gate corpus, --variant naming nothing. */
    @Test
    void nothingToDoIsBadInput() throws Exception {
        Path empty = Files.createDirectory(dir.resolve("empty"));
        Ran r = cli("run", empty.toString());
        assertEquals(Main.BAD_INPUT, r.exit(), r.all());
        assertTrue(r.err().contains(empty + ": no scenario (.scn) file in this directory"), r.err());

        Ran g = cli("gate", "--no-jcstress", "--corpus", empty.toString());
        assertEquals(Main.BAD_INPUT, g.exit(), g.all());
        assertTrue(g.err().contains(empty + ": no scenario with an expect line, nothing to check"), g.err());

        Path f = file("v.scn", GOOD);
        for (String v : List.of(",", "", " , ")) {
            Ran n = cli("run", "--variant", v, f.toString());
            assertEquals(Main.BAD_INPUT, n.exit(), "--variant '" + v + "': " + n.all());
            assertTrue(n.err().contains("names no variant"), n.err());
            assertFalse(n.out().contains("v.scn"), "nothing ran");
        }
    }

    // ------------------------------------------------------------------ item 14: parser gaps

    /** Invalid UTF-8 is reported at its line; a UTF-8 byte-order mark is accepted. */
    @Test
    void notUtf8IsNamedAtItsLine() throws Exception {
        Path f = dir.resolve("latin1.scn");
        Files.write(f, "mmrace-scenario 1\nname x\ndesc caf\u00e9\nmap A 0x10000 0x1000 rw\nactor r\n  read 0x10000 8\n"
                .getBytes(StandardCharsets.ISO_8859_1));
        Ran r = cli("run", f.toString());
        assertEquals(Main.BAD_INPUT, r.exit(), r.all());
        assertTrue(r.err().contains(f + ":3: not UTF-8 at line 3 (byte 0xe9, column 9)"), r.err());
        Path bom = dir.resolve("bom.scn");
        Files.write(bom, ("\ufeff" + GOOD).getBytes(StandardCharsets.UTF_8));
        assertEquals(Main.OK, cli("run", "--variant", "slow", bom.toString()).exit());
    }

    /** An unknown reason code, a reason of another class, an unknown injection site: bad input at their lines. */
    @Test
    void unknownReasonsAndSitesAreBadInput() throws Exception {
        Path reason = file("reason.scn", GOOD + "expect slow forbidden torn-reed\n");
        Ran r = cli("run", reason.toString());
        assertEquals(Main.BAD_INPUT, r.exit(), r.all());
        assertTrue(r.err().contains(reason + ":6: unknown reason code 'torn-reed': expected one of torn-read (forbidden)"), r.err());

        Path cls = file("cls.scn", GOOD + "expect slow interesting torn-read\n");
        Ran c = cli("run", cls.toString());
        assertEquals(Main.BAD_INPUT, c.exit(), c.all());
        assertTrue(c.err().contains(cls + ":6: reason 'torn-read' is forbidden, not interesting"), c.err());

        Path site = file("site.scn", GOOD + "inject slab:vm_area_strct\n");
        Ran s = cli("run", site.toString());
        assertEquals(Main.BAD_INPUT, s.exit(), s.all());
        assertTrue(s.err().contains(site + ":6: unknown injection site 'slab:vm_area_strct': expected one of page, pgtable"), s.err());

        Path ok = file("sites.scn", GOOD + "inject slab:anon_vma\ninject maple\ninject thp\n");
        assertEquals(Main.OK, cli("run", "--variant", "slow", ok.toString()).exit(), "sites the port names are accepted");
    }

    /** A name of two words is bad input, not silently cut to the first. */
    @Test
    void aNameOfTwoWordsIsBadInput() throws Exception {
        Path f = file("two.scn", GOOD.replace("name good", "name two words"));
        Ran r = cli("run", f.toString());
        assertEquals(Main.BAD_INPUT, r.exit(), r.all());
        assertTrue(r.err().contains(f + ":2: a name is one word"), r.err());
    }

    /** --trace before the file traces the file (it used to take the file's name as its level); its levels still work. */
    @Test
    void traceBeforeTheFile() throws Exception {
        Path f = file("t.scn", GOOD);
        for (List<String> args : List.of(List.of("--trace", f.toString()), List.of("--trace", "full", f.toString()),
                List.of("--trace=full", f.toString()), List.of(f.toString(), "--trace"))) {
            List<String> a = new ArrayList<>(List.of("run", "--variant", "slow"));
            a.addAll(args);
            Ran r = cli(a.toArray(String[]::new));
            assertEquals(Main.OK, r.exit(), args + ": " + r.all());
            assertTrue(r.out().contains("access_remote_vm(0x10000, 8"), args + ": the trace is printed: " + r.out());
        }
        Ran bad = cli("run", "--trace", "fulll", f.toString());
        assertEquals(Main.BAD_INPUT, bad.exit(), bad.all());
        assertTrue(bad.err().contains("--trace takes calls or full, not 'fulll'"), bad.err());
    }

    /** Step numbers of a schedule are decimal and do not decrease (a '4m:reader' switch used to crash the replay). */
    @Test
    void scheduleStepsAreCheckedWhenRead() throws Exception {
        Path m = file("m.scn", GOOD + "schedule slow steps 0:r 4m:r\n");
        Ran r = cli("run", m.toString());
        assertEquals(Main.BAD_INPUT, r.exit(), r.all());
        assertTrue(r.err().contains(m + ":6: expected switches 'STEP:ACTOR ...' with STEP a decimal step number, found '4m:r'"), r.err());
        Path d = file("d.scn", GOOD + "schedule slow steps 5:r 2:r\n");
        Ran s = cli("run", d.toString());
        assertEquals(Main.BAD_INPUT, s.exit(), s.all());
        assertTrue(s.err().contains(d + ":6: switch steps must not decrease"), s.err());
    }
}
