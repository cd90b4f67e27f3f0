package mmrace.report;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The nightly's memory: earlier nights' summary.json files, and what changed since the last one
 * (groups that appeared or were not seen again, coverage and rate up or down).
 */
public final class History {
    private History() {}

    /** The measures of a campaign that are compared, in this order. */
    public static final String PROBES = "probes", PAIRS = "operation pairs", EDGES = "interleaving edges", CORPUS = "corpus inputs",
            RATE = "executions/s";

    /** A night of the history: where its summary was read from, and the summary. */
    public record Night(Path file, Summary summary) {
        public Instant when() {
            return instant(summary.started());
        }
    }

    /**
     * The summaries in these directories: {@code DIR/*.json} and {@code DIR/*}{@code /summary.json};
     * one per start time, oldest first. A file that is not a summary is skipped with a note.
     */
    public static List<Night> load(List<Path> dirs, List<String> notes) {
        Map<String, Night> byStart = new LinkedHashMap<>();
        for (Path d : dirs) {
            if (!Files.isDirectory(d))
                continue;
            List<Path> files = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(d)) {
                for (Path p : ds) {
                    if (Files.isRegularFile(p) && p.getFileName().toString().endsWith(".json"))
                        files.add(p);
                    else if (Files.isRegularFile(p.resolve("summary.json")))
                        files.add(p.resolve("summary.json"));
                }
            } catch (IOException e) {
                notes.add(d + ": cannot list: " + e.getMessage());
            }
            files.sort(null);
            for (Path f : files) {
                try {
                    Summary s = Json.read(f);
                    if (s.started() == null || instant(s.started()) == null)
                        notes.add(f + ": skipped, no start time (not a nightly summary)");
                    else
                        byStart.putIfAbsent(s.started(), new Night(f, s));
                } catch (IOException e) {
                    notes.add(f + ": skipped, not a summary of format " + Summary.FORMAT + ": " + firstLine(e.getMessage()));
                }
            }
        }
        List<Night> l = new ArrayList<>(byStart.values());
        l.sort(Comparator.comparing(Night::when));
        return l;
    }

    /** The newest night that started before {@code started}, or null. */
    public static Summary previous(List<Night> nights, String started) {
        Instant now = instant(started);
        Summary best = null;
        for (Night n : nights)
            if (now == null || n.when().isBefore(now))
                best = n.summary();
        return best;
    }

    /** What changed from {@code prev} to {@code now}. */
    public static Summary.SinceLastNight diff(Summary prev, Summary now) {
        TreeSet<String> before = keys(prev), after = keys(now);
        List<String> added = after.stream().filter(k -> !before.contains(k)).toList();
        List<String> gone = before.stream().filter(k -> !after.contains(k)).toList();
        List<Summary.Change> changes = new ArrayList<>();
        changes.add(new Summary.Change("groups", null, before.size(), after.size()));
        changes.add(new Summary.Change("new groups", null, newCount(prev), newCount(now)));
        Map<String, Summary.CampaignStats> pc = prev.campaigns() == null ? Map.of() : prev.campaigns();
        if (now.campaigns() != null)
            for (var e : now.campaigns().entrySet()) {
                Summary.CampaignStats a = pc.get(e.getKey()), b = e.getValue();
                if (a == null)
                    continue;
                String v = e.getKey();
                changes.add(new Summary.Change(PROBES, v, a.probes(), b.probes()));
                changes.add(new Summary.Change(PAIRS, v, a.pairs(), b.pairs()));
                if (a.edges() != 0 || b.edges() != 0)
                    changes.add(new Summary.Change(EDGES, v, a.edges(), b.edges()));
                changes.add(new Summary.Change(CORPUS, v, a.corpus(), b.corpus()));
                changes.add(new Summary.Change(RATE, v, a.execsPerSecond(), b.execsPerSecond()));
            }
        if (prev.mutation() != null && now.mutation() != null && prev.mutation().percent() != null && now.mutation().percent() != null)
            changes.add(new Summary.Change("mutation score %", null, prev.mutation().percent(), now.mutation().percent()));
        return new Summary.SinceLastNight(prev.started(), added, gone, changes);
    }

    static TreeSet<String> keys(Summary s) {
        TreeSet<String> k = new TreeSet<>();
        if (s.groups() != null)
            for (Summary.Group g : s.groups())
                k.add(g.key());
        return k;
    }

    static int newCount(Summary s) {
        return s.groups() == null ? 0 : (int) s.groups().stream().filter(g -> !g.known()).count();
    }

    /** A file name for a night's summary in a history directory: its start time, with ':' made '-'. */
    public static String fileName(String started) {
        return started.replace(':', '-') + ".json";
    }

    static Instant instant(String s) {
        try {
            return s == null ? null : Instant.parse(s);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static String firstLine(String s) {
        if (s == null)
            return "";
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }
}
