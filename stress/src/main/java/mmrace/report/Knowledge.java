package mmrace.report;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the checked-in corpus already knows, read from its {@code expect ... forbidden} (and
 * {@code needs-triage}) lines: the
 * mechanisms it holds (the fuzzer's description of each, {@code fuzz.Finding.describe}), the bug
 * classes each variant is known to have (fast-v1 tears, the -irqoff variants deadlock), and the
 * root causes the oracle recognised in its replays. The nightly marks a finding or an outcome
 * "known" against it, so that what is new tonight stands out.
 */
public final class Knowledge {
    /** Mechanism description -> the corpus file that holds it. */
    private final Map<String, String> mechanisms = new TreeMap<>();
    /** Variant -> reasons the corpus records as forbidden for it without a known root cause. */
    private final Map<String, Set<String>> classes = new TreeMap<>();
    /** Root cause -> a corpus file that shows it. */
    private final Map<String, String> rootCauses = new TreeMap<>();

    /**
     * One forbidden expect line of a corpus file: {@code variant} is expected forbidden with
     * {@code reason}; {@code key} is the fuzzer's description of the scenario's mechanism under it;
     * {@code rootCause} the one its replay showed (null: none).
     */
    public void record(String file, String variant, String reason, String key, String rootCause) {
        mechanisms.putIfAbsent(key, file);
        if (rootCause != null)
            rootCauses.putIfAbsent(rootCause, file);
        else
            classes.computeIfAbsent(variant, v -> new TreeSet<>()).add(reason);
    }

    /** The corpus file holding this mechanism, or "known root cause: ..." for a recognised root cause; null if new. */
    public String knownBy(String key, String rootCause) {
        if (mechanisms.containsKey(key))
            return mechanisms.get(key);
        return rootCause == null ? null : "known root cause: " + rootCause;
    }

    /** Does the corpus record {@code reason} as a forbidden outcome of {@code variant} (its known bug class)? */
    public boolean knownClass(String variant, String reason) {
        return classes.getOrDefault(variant, Set.of()).contains(reason);
    }

    /**
     * One needs-triage expect line of a corpus file: its mechanism and root cause are known, but an
     * outcome the oracle cannot explain is no bug class of the variant.
     */
    public void recordTriage(String file, String key, String rootCause) {
        mechanisms.putIfAbsent(key, file);
        if (rootCause != null)
            rootCauses.putIfAbsent(rootCause, file);
    }

    /** The column of the outcome table for one execution ({@code cls}: acceptable, interesting, needs-triage or forbidden). */
    public Summary.Category category(String cls, String variant, String reason, String rootCause) {
        return switch (cls) {
            case "acceptable" -> Summary.Category.ACCEPTABLE;
            case "interesting" -> Summary.Category.INTERESTING;
            case "needs-triage" -> rootCause != null ? Summary.Category.KNOWN_ROOT_CAUSE : Summary.Category.NEEDS_TRIAGE;
            case "forbidden" -> rootCause != null ? Summary.Category.KNOWN_ROOT_CAUSE
                    : knownClass(variant, reason) ? Summary.Category.FORBIDDEN_KNOWN_CLASS : Summary.Category.FORBIDDEN_NEW;
            default -> throw new IllegalArgumentException("not a class of verdict: " + cls);
        };
    }

    /** Variant -> its known bug classes (for the report's legend). */
    public Map<String, Set<String>> classes() {
        return classes;
    }

    public int mechanismCount() {
        return mechanisms.size();
    }
}
