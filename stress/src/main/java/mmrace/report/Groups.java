package mmrace.report;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Tonight's findings grouped the way a reviewer thinks of them: by root cause, or by mechanism
 * (the read path, the reason and the kinds of operations that race: the fuzzer's description of a
 * finding, reused as it is). A group is known when the corpus holds its mechanism or its root cause
 * is a recognised one; otherwise it is new tonight.
 */
public final class Groups {
    private Groups() {}

    /**
     * One minimised (or, if minimisation failed, unreproduced) forbidden outcome of tonight's campaigns.
     *
     * @param key       the fuzzer's description of it ("fast-v1 torn-read {mmap-fixed}")
     * @param file      the finding's scenario, relative to the nightly's directory
     * @param size      its operations and actors (the representative is the smallest)
     * @param minimised false for a finding saved as found because minimisation could not reproduce it
     */
    public record Found(String key, String variant, String reason, String rootCause, String file, int size, boolean minimised) {}

    /** Groups by key; new groups first (of an unknown bug class before a known one), then by count. */
    public static List<Summary.Group> group(List<Found> found, Knowledge k) {
        Map<String, List<Found>> byKey = new LinkedHashMap<>();
        for (Found f : found)
            byKey.computeIfAbsent(f.key(), x -> new ArrayList<>()).add(f);
        List<Summary.Group> out = new ArrayList<>();
        for (var e : byKey.entrySet()) {
            List<Found> l = e.getValue();
            Found first = l.get(0);
            Found rep = l.stream().min(Comparator.comparing((Found f) -> !f.minimised()).thenComparingInt(Found::size)
                    .thenComparing(Found::file)).orElseThrow();
            String knownBy = k.knownBy(e.getKey(), first.rootCause());
            TreeSet<String> variants = new TreeSet<>(), files = new TreeSet<>();
            boolean knownClass = true;
            for (Found f : l) {
                variants.add(f.variant());
                files.add(f.file());
                knownClass &= k.knownClass(f.variant(), f.reason());
            }
            String id = id(e.getKey());
            out.add(new Summary.Group(id, e.getKey(), first.reason(), first.rootCause(), List.copyOf(variants), knownBy != null, knownBy,
                    knownBy == null && knownClass, l.size(), List.copyOf(files), rep.file(), "groups/" + id + ".html"));
        }
        out.sort(Comparator.comparingInt(Groups::rank).thenComparing(Comparator.comparingInt(Summary.Group::count).reversed())
                .thenComparing(Summary.Group::key));
        return out;
    }

    /** 0 new, 1 new of a known bug class, 2 known. */
    static int rank(Summary.Group g) {
        return g.known() ? 2 : g.knownClass() ? 1 : 0;
    }

    /** 12 hex digits of SHA-256 of the key: a stable name for the group's page and anchor. */
    public static String id(String key) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
