package mmrace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import mmrace.scenario.Corpus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The malformed-input campaign: {@link Breaker} derives {@value #FILES} broken scenario files from
 * the corpus (broken lines, numbers, keywords, encodings, sizes, truncations; seeded) and
 * {@code ./mmrace run} takes them all, in a few batches through the command line's entry
 * ({@link Main#execute}), as a user would. No bad input may stop the run or look like a finding:
 * <ul>
 * <li>no stack trace anywhere, and no internal error (exit status 70, "internal error");</li>
 * <li>no verdict {@code forbidden java-exception} (a Java exception out of the port, which a broken
 *     input must never cause: that would be a crash reported as a finding, exit 1);</li>
 * <li>every file gets its line on stdout (a verdict per variant, or "not run: bad input");</li>
 * <li>every message on stderr names its file, and the line where the fault lies in one line: a
 *     break of one line is reported at a line of the file (the first fault the parser meets may lie
 *     after it, never before), and only file-level faults (empty, no actors, not UTF-8 in
 *     UTF-16, an actor with no operations...) come without a line.</li>
 * </ul>
 * Runs are bounded by --max-steps so that a broken file that still parses cannot make the
 * campaign slow; reaching it is a verdict "limit" (bad input), never a crash.
 */
class MalformedCampaignTest {
    static final int FILES = 1000;
    /** Main.INTERNAL_ERROR (written out so that the campaign also runs against a command line without the table). */
    static final int INTERNAL_ERROR = 70;
    /** Messages that concern the whole file rather than a line of it. */
    static final Pattern FILE_LEVEL = Pattern.compile("empty file|no actors|has no operations|not UTF-8|too big|cannot read|"
            + "no such file|layout cannot be set up|model out of memory|a directory");

    @TempDir
    Path dir;

    @Test
    void aThousandBrokenFilesGiveNoCrashAndNameTheirFileAndLine() throws Exception {
        List<Path> corpus;
        try (Stream<Path> s = Files.walk(Corpus.dir())) {
            corpus = s.filter(p -> p.toString().endsWith(".scn")).sorted().toList();
        }
        Breaker b = new Breaker(20261204);
        Map<Path, Breaker.Broken> made = new LinkedHashMap<>();
        for (int i = 0; i < FILES; i++) {
            Path src = corpus.get(i % corpus.size());
            Breaker.Broken k = b.next(Files.readString(src));
            Path f = dir.resolve(String.format("b%04d-%s", i, src.getFileName()));
            Files.write(f, k.bytes());
            made.put(f, k);
        }
        long t0 = System.nanoTime();
        StringBuilder out = new StringBuilder(), err = new StringBuilder();
        List<Path> files = new ArrayList<>(made.keySet());
        int batch = 200;
        List<Integer> codes = new ArrayList<>();
        for (int i = 0; i < files.size(); i += batch) {
            List<String> args = new ArrayList<>(List.of("run", "--variant", "slow,fast-v1", "--max-steps", "100000"));
            files.subList(i, Math.min(files.size(), i + batch)).forEach(f -> args.add(f.toString()));
            StringWriter o = new StringWriter(), e = new StringWriter();
            int rc = Main.execute(new PrintWriter(o, true), new PrintWriter(e, true), args.toArray(String[]::new));
            codes.add(rc);
            out.append(o);
            err.append(e);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        String dump = System.getProperty("mmrace.campaign.dump");
        if (dump != null)
            Files.writeString(Path.of(dump), out + "\n--- stderr ---\n" + err);
        String all = out + "\n" + err;
        assertTrue(!all.contains("\tat ") && !all.contains("Exception in thread"), "a stack trace: " + first(all, "\tat "));
        assertTrue(!all.contains("internal error"), "a crash: " + first(all, "internal error"));
        assertTrue(!out.toString().contains("java-exception"), "a Java exception out of the port, reported as a finding: "
                + first(out.toString(), "java-exception"));
        for (int rc : codes) {
            assertNotEquals(INTERNAL_ERROR, rc, "a batch crashed");
            assertTrue(rc == Main.OK || rc == Main.FORBIDDEN || rc == Main.BAD_INPUT || rc == NEEDS_TRIAGE, "exit " + rc);
        }

        int bad = 0, ran = 0;
        Map<Integer, Integer> byStatus = new java.util.TreeMap<>();
        int[] batchWorst = new int[codes.size()];
        for (int i = 0; i < files.size(); i++) {
            Path f = files.get(i);
            String lines = linesAbout(out.toString(), f.toString());
            assertTrue(!lines.isEmpty(), f + " (" + made.get(f).how() + ") got no line");
            if (lines.contains("not run: bad input"))
                bad++;
            else
                ran++;
            int st = status(lines, f.toString());
            byStatus.merge(st, 1, Integer::sum);
            batchWorst[i / batch] = worst(batchWorst[i / batch], st);
        }
        for (int i = 0; i < codes.size(); i++)
            assertEquals(batchWorst[i], codes.get(i), "batch " + i + ": the exit status is the worst of its files' lines");
        for (String m : err.toString().split("\n")) {
            if (m.isBlank())
                continue;
            assertTrue(m.startsWith("mmrace: "), "a message not from mmrace: " + m);
            Matcher at = Pattern.compile("^mmrace: (" + Pattern.quote(dir.toString()) + "/[^:]+)(:(\\d+))?: ").matcher(m);
            assertTrue(at.find(), "the message names no file: " + m);
            Path f = Path.of(at.group(1));
            Breaker.Broken k = made.get(f);
            assertTrue(k != null, "a message about a file that was not given: " + m);
            if (at.group(3) == null) {
                assertTrue(FILE_LEVEL.matcher(m).find(), "a message without a line for a fault of one line: " + m + " (" + k.how() + ")");
                continue;
            }
            int line = Integer.parseInt(at.group(3));
            int lineCount = (int) new String(k.bytes(), java.nio.charset.StandardCharsets.UTF_8).lines().count() + 1;
            assertTrue(line >= 1 && line <= lineCount, "line " + line + " is not in the file: " + m);
            if (k.line() > 0 && line < k.line())
                assertTrue(namesAnEarlierDefinition(m), "the fault at line " + k.line() + " (" + k.how() + ") reported at line " + line + ": " + m);
        }
        System.out.printf("malformed-input campaign: %d files, %d refused as bad input, %d ran; files by exit status %s; batches' exits %s;"
                + " %d stack traces; %.1f s%n", files.size(), bad, ran, byStatus, codes, count(all, "\tat ") + count(all, "Exception in thread"), secs);
        assertTrue(bad > FILES / 2, "most broken files are bad input: " + bad);
        assertEquals(files.size(), bad + ran);
    }

    /** Needs triage (Main.NEEDS_TRIAGE, written out as INTERNAL_ERROR is). */
    static final int NEEDS_TRIAGE = 3;

    /**
     * The exit status one file's lines stand for, as ./mmrace run would exit on it alone: 2 not run
     * (bad input) or a limit reached, 1 a forbidden verdict or a verdict other than its expect line,
     * 3 a verdict that needs triage, 70 not run for an internal error, else 0.
     */
    private static int status(String lines, String file) {
        int st = Main.OK;
        for (String l : lines.split("\n")) {
            String[] w = l.substring(file.length()).strip().split("\\s+");
            if (w.length < 2)
                continue;
            int s = l.contains("not run: internal error") ? INTERNAL_ERROR : l.contains("not run: bad input") ? Main.BAD_INPUT
                    : w[1].equals("limit") ? Main.BAD_INPUT : w[1].equals("forbidden") || l.contains("MISMATCH") ? Main.FORBIDDEN
                    : w[1].equals("needs-triage") ? NEEDS_TRIAGE : Main.OK;
            st = worst(st, s);
        }
        return st;
    }

    /** As Main.worst: 70, then 1, 3, 4, 2, 0. */
    private static int worst(int a, int b) {
        List<Integer> order = List.of(Main.OK, Main.BAD_INPUT, 4, NEEDS_TRIAGE, Main.FORBIDDEN, INTERNAL_ERROR);
        return order.indexOf(a) >= order.indexOf(b) ? a : b;
    }

    private static int count(String all, String what) {
        int n = 0;
        for (int i = all.indexOf(what); i >= 0; i = all.indexOf(what, i + 1))
            n++;
        return n;
    }

    /**
     * A fault reported at an earlier line than the one broken: the line of a definition the broken
     * line made wrong (an actor left with no operations, a name defined twice, a schedule naming an
     * actor no longer there, a file too short for a mapping of it).
     */
    private static boolean namesAnEarlierDefinition(String m) {
        return m.contains("has no operations") || m.contains("twice") || m.contains("a second") || m.contains("is not defined")
                || m.contains("not an actor") || m.contains("ends before") || m.contains("overlaps");
    }

    private static String linesAbout(String out, String file) {
        StringBuilder b = new StringBuilder();
        for (String l : out.split("\n"))
            if (l.startsWith(file + "  "))
                b.append(l).append('\n');
        return b.toString();
    }

    private static String first(String all, String what) {
        int i = all.indexOf(what);
        return i < 0 ? "" : all.substring(Math.max(0, i - 600), Math.min(all.length(), i + 600));
    }
}
