package mmrace.jcstress;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * JCStress's text output (run with {@code -v}), read back: the RUN RESULTS section gives, for each
 * test, its status and the table of outcomes across all configurations:
 *
 * <pre>
 * ...... [FAILED] mmrace.jcstress.MapFixedRace.FastV1
 *
 *   Results across all configurations:
 *
 *   RESULT  SAMPLES     FREQ       EXPECT  DESCRIPTION
 *      A|B   13,439   85.84%   Acceptable  a|b: the read saw A and B, before the MAP_FIXED.
 *      A|C        4    0.03%    Forbidden  torn read (F1): a from A, then c from C: no instant held ...
 * </pre>
 *
 * Statuses are JCStress's: OK, FAILED (a forbidden outcome was seen), ERROR, TIMEOUT, VM ERROR,
 * SKIPPED. Outcomes never seen are listed with their id (a regexp, '|' quoted) and 0 samples.
 * Sample counts are read with the grouping separators of any locale.
 */
public final class Results {
    /** One row of a test's table: an outcome, how often it was seen and JCStress's grade for it. */
    public record Row(String outcome, long samples, String expect) {
        public boolean forbidden() {
            return expect.equalsIgnoreCase("Forbidden");
        }
    }

    /** One test: its status and its outcomes across all configurations. */
    public record Test(String name, String status, List<Row> rows) {
        public long samples() {
            return rows.stream().mapToLong(Row::samples).sum();
        }

        /** Samples of forbidden outcomes (the catch-all included). */
        public long forbidden() {
            return rows.stream().filter(Row::forbidden).mapToLong(Row::samples).sum();
        }

        /** The forbidden outcomes seen, with their counts. */
        public List<Row> forbiddenSeen() {
            return rows.stream().filter(r -> r.forbidden() && r.samples() > 0).toList();
        }

        /** JCStress could not run it to the end (an error, a timeout, a crashed VM). */
        public boolean error() {
            return !status.equals("OK") && !status.equals("FAILED") && !status.equals("SKIPPED");
        }
    }

    /** JCStress found no test matching -t: it says so (and exits 0). */
    public static final String NO_MATCHING_TESTS = "FATAL: No matching tests.";

    private static final Pattern TEST = Pattern.compile("^\\.*\\s*\\[([A-Z][A-Z ]*)\\]\\s+(\\S+)\\s*$");
    /** "     A|Z        1   <0.01%    Forbidden  torn read ..." (FREQ may be "<0.01%" or ">99.99%"). */
    private static final Pattern ROW = Pattern.compile("^\\s+(\\S+)\\s+([0-9][0-9,.'\u00a0\u202f]*)\\s+[<>]?[0-9.,]+%\\s+(\\w+)(?:\\s+.*)?$");

    /** Tests in the order JCStress reported them (a test in two sections appears once). */
    public final Map<String, Test> tests;
    /** The output has a RUN RESULTS section (JCStress got to the end of its run). */
    public final boolean complete;
    /** JCStress said {@link #NO_MATCHING_TESTS}. */
    public final boolean noMatchingTests;
    /**
     * Lines of a result table this parser could not read, and tests whose status disagrees with
     * their rows (FAILED with no forbidden sample, OK with one): the counts cannot be trusted.
     */
    public final List<String> problems;

    private Results(Map<String, Test> tests, boolean complete, boolean noMatchingTests, List<String> problems) {
        this.tests = tests;
        this.complete = complete;
        this.noMatchingTests = noMatchingTests;
        this.problems = problems;
    }

    /** Reads JCStress's console output. */
    public static Results parse(String output) {
        String[] lines = output.split("\r?\n");
        Map<String, Test> tests = new LinkedHashMap<>();
        boolean complete = false, none = false;
        String name = null, status = null;
        List<Row> rows = null;
        boolean inTable = false;
        List<String> problems = new ArrayList<>();
        for (String line : lines) {
            if (line.trim().equals(NO_MATCHING_TESTS))
                none = true;
            if (line.startsWith("RUN RESULTS:")) {
                complete = true;
                continue;
            }
            if (!complete)
                continue;
            Matcher t = TEST.matcher(line);
            if (t.matches() && line.startsWith(".")) {
                if (name != null)
                    tests.put(name, new Test(name, status, List.copyOf(rows)));
                status = t.group(1);
                name = t.group(2);
                rows = new ArrayList<>();
                inTable = false;
                continue;
            }
            if (name == null)
                continue;
            if (line.trim().startsWith("RESULT") && line.contains("SAMPLES")) {
                inTable = true;
                continue;
            }
            if (!inTable)
                continue;
            Matcher r = ROW.matcher(line);
            if (r.matches()) {
                rows.add(new Row(r.group(1).replace("\\|", "|"), Long.parseLong(r.group(2).replaceAll("[^0-9]", "")), r.group(3)));
            } else {
                inTable = false; // a table ends at a blank line or a section heading ("  VM error stream:")
                if (!line.isBlank() && !line.matches("^  \\S.*:\\s*$"))
                    problems.add(name + ": unreadable result line '" + line + "'");
            }
        }
        if (name != null)
            tests.put(name, new Test(name, status, List.copyOf(rows)));
        for (Test t : tests.values()) {
            if (t.status().equals("FAILED") && t.forbidden() == 0)
                problems.add(t.name() + ": FAILED, but no forbidden sample was read");
            if (t.status().equals("OK") && t.forbidden() > 0)
                problems.add(t.name() + ": OK, but " + t.forbidden() + " forbidden samples were read");
        }
        return new Results(tests, complete, none, List.copyOf(problems));
    }

    /** The test names of {@code java -jar jcstress.jar -l} output: the lines that are class names. */
    public static List<String> parseList(String output) {
        List<String> names = new ArrayList<>();
        for (String line : output.split("\r?\n")) {
            String s = line.trim();
            if (s.matches("[A-Za-z_$][\\w$]*(\\.[A-Za-z_$][\\w$]*)+"))
                names.add(s);
        }
        return names;
    }
}
