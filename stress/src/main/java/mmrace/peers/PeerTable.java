package mmrace.peers;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The peer table: one row per race and tool, with the medians over its trials of the executions,
 * the search time and the process wall time to the first forbidden outcome. A trial that found
 * nothing counts as infinitely long, so a median is a number only if more than half the trials
 * found the race; else the cell is "not found".
 */
public final class PeerTable {
    /** One row: the tool, its settings in words, its trials. */
    public record Row(Race race, String tool, String settings, List<Trial> trials) {
        public long found() {
            return trials.stream().filter(Trial::found).count();
        }
    }

    private final List<Row> rows = new ArrayList<>();

    public void add(Row r) {
        rows.add(r);
    }

    public List<Row> rows() {
        return List.copyOf(rows);
    }

    /** The median of the values of found trials, the others counting as +infinity; NaN when that is infinite or no value is known. */
    static double median(List<Trial> ts, java.util.function.ToDoubleFunction<Trial> f) {
        double[] v = new double[ts.size()];
        for (int i = 0; i < v.length; i++) {
            Trial t = ts.get(i);
            v[i] = t.found() ? f.applyAsDouble(t) : Double.POSITIVE_INFINITY;
            if (t.found() && v[i] < 0)
                return Double.NaN;
        }
        if (v.length == 0)
            return Double.NaN;
        Arrays.sort(v);
        double m = v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
        return Double.isInfinite(m) ? Double.NaN : m;
    }

    /** The table in markdown, with a header naming what the medians are over. */
    public String markdown() {
        StringBuilder b = new StringBuilder();
        b.append("| race (variant) | tool | settings | found | executions to first | search time to first | wall time to first | notes |\n");
        b.append("|---|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            double ex = median(r.trials(), t -> t.executions()), st = median(r.trials(), Trial::searchSeconds),
                    wall = median(r.trials(), Trial::wallSeconds);
            boolean none = r.found() * 2 <= r.trials().size();
            List<String> notes = new ArrayList<>();
            for (Trial t : r.trials())
                if (!t.note().isEmpty() && !notes.contains(t.note()))
                    notes.add(t.note());
            b.append(String.format(Locale.ROOT, "| %s (`%s`) | %s | %s | %d/%d | %s | %s | %s | %s |%n", r.race().title(),
                    r.race().variant().id, r.tool(), r.settings(), r.found(), r.trials().size(),
                    none ? "not found" : Double.isNaN(ex) ? "-" : String.format(Locale.ROOT, "%,.0f", ex),
                    none ? "not found" : seconds(st), none ? "not found" : seconds(wall),
                    String.join("; ", notes.size() > 3 ? notes.subList(0, 3) : notes).replace('|', '/')));
        }
        return b.toString();
    }

    static String seconds(double s) {
        if (Double.isNaN(s))
            return "-";
        return s < 10 ? String.format(Locale.ROOT, "%.2f s", s) : String.format(Locale.ROOT, "%.1f s", s);
    }
}
