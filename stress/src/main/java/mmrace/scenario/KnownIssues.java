package mmrace.scenario;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The corpus's known issues ({@code corpus/known-issues.txt}): root causes that are understood
 * and recorded, so that findings with one of them are reported apart (collapsed, not as new
 * forbidden outcomes), do not stop a campaign unless asked ({@code fuzz --stop-on-known}), and
 * are checked by the gate (each must still reproduce in the corpus files that show it; a root
 * cause the oracle names that is not here fails the gate).
 *
 * <p>The format: blocks separated by blank lines, each line {@code key: value}, {@code #} starts
 * a comment line. Keys: {@code id} (a short name), {@code root-cause} (the oracle's label, exactly
 * as it names it), {@code reason} (the reason code its findings get), {@code where} (the kernel
 * function and file), {@code status} (one of {@link #STATUSES}), {@code files} (the corpus files,
 * relative to the file's directory, that show it; space-separated), {@code note} (free text,
 * repeatable). Every key but note is required once.
 */
public final class KnownIssues {
    /** The file's name in a corpus directory. */
    public static final String FILE = "known-issues.txt";
    public static final Set<String> STATUSES = Set.of("upstream bug", "model limit", "fixed");
    private static final Set<String> KEYS = Set.of("id", "root-cause", "reason", "where", "status", "files", "note");

    /** One known issue; {@code line} is where its block starts. */
    public record Issue(String id, String rootCause, String reason, String where, String status, List<String> files, String note, int line) {
        /** "access-phys-overread (upstream bug: generic_access_phys, mm/memory.c)". */
        public String label() {
            return id + " (" + status + ": " + where + ")";
        }

        /** A fixed issue is kept for the record: the gate does not ask it to reproduce. */
        public boolean fixed() {
            return status.equals("fixed");
        }
    }

    /** Where it was read from (null: none), and the issues by root cause. */
    private final Path source;
    private final Map<String, Issue> byCause = new LinkedHashMap<>();

    private KnownIssues(Path source) {
        this.source = source;
    }

    /** No known issues. */
    public static KnownIssues none() {
        return new KnownIssues(null);
    }

    /** Reads a known-issues file; a ScenarioError names the file and line of what is wrong. */
    public static KnownIssues read(Path p) throws ScenarioError {
        String text;
        try {
            text = ScenarioParser.decode(p.toString(), Files.readAllBytes(p));
        } catch (IOException e) {
            throw new ScenarioError(p.toString(), 0, "cannot read: " + e.getMessage());
        }
        return parse(p, text);
    }

    /** {@code DIR/known-issues.txt} if it exists, else {@code fallback}'s if that exists, else none. */
    public static KnownIssues in(Path dir, Path fallback) throws ScenarioError {
        for (Path d : new Path[] {dir, fallback})
            if (d != null && Files.isRegularFile(d.resolve(FILE)))
                return read(d.resolve(FILE));
        return none();
    }

    static KnownIssues parse(Path p, String text) throws ScenarioError {
        KnownIssues k = new KnownIssues(p);
        String[] lines = text.split("\n", -1);
        Map<String, String> block = new LinkedHashMap<>();
        int start = 0;
        for (int i = 0; i <= lines.length; i++) {
            String l = i < lines.length ? lines[i].strip() : "";
            if (l.startsWith("#"))
                continue;
            if (l.isEmpty()) {
                if (!block.isEmpty())
                    k.add(p, start, block);
                block = new LinkedHashMap<>();
                continue;
            }
            int c = l.indexOf(':');
            String key = c < 0 ? l : l.substring(0, c).strip();
            if (c < 0 || !KEYS.contains(key))
                throw new ScenarioError(p.toString(), i + 1, "expected 'KEY: VALUE' with KEY one of " + String.join(", ", KEYS.stream().sorted().toList())
                        + ", found '" + l + "'");
            if (block.isEmpty())
                start = i + 1;
            String v = l.substring(c + 1).strip();
            if (key.equals("note"))
                block.merge(key, v, (a, b) -> a + " " + b);
            else if (block.putIfAbsent(key, v) != null)
                throw new ScenarioError(p.toString(), i + 1, "a second '" + key + "' in the issue starting at line " + start);
        }
        return k;
    }

    private void add(Path p, int line, Map<String, String> b) throws ScenarioError {
        for (String key : List.of("id", "root-cause", "reason", "where", "status", "files"))
            if (b.get(key) == null || b.get(key).isEmpty())
                throw new ScenarioError(p.toString(), line, "the issue starting here has no '" + key + ":' line");
        if (!STATUSES.contains(b.get("status")))
            throw new ScenarioError(p.toString(), line, "status '" + b.get("status") + "': expected one of upstream bug, model limit, fixed");
        Issue is = new Issue(b.get("id"), b.get("root-cause"), b.get("reason"), b.get("where"), b.get("status"),
                List.of(b.get("files").split("\\s+")), b.getOrDefault("note", ""), line);
        for (Issue o : byCause.values())
            if (o.id().equals(is.id()))
                throw new ScenarioError(p.toString(), line, "issue id '" + is.id() + "' is used twice (line " + o.line() + ")");
        if (byCause.putIfAbsent(is.rootCause(), is) != null)
            throw new ScenarioError(p.toString(), line, "root cause '" + is.rootCause() + "' is recorded twice");
    }

    /** The issue with this root cause (the oracle's label), or null (none, or not known). */
    public Issue of(String rootCause) {
        return rootCause == null ? null : byCause.get(rootCause);
    }

    public List<Issue> all() {
        return new ArrayList<>(byCause.values());
    }

    /** The file it was read from, or null. */
    public Path source() {
        return source;
    }

    /** The file's directory, against which {@link Issue#files} are resolved. */
    public Path dir() {
        return source == null ? null : source.toAbsolutePath().getParent();
    }
}
