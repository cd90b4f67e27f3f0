package mmrace.cli;

import mmrace.oracle.Oracle;
import mmrace.oracle.Verdict;
import mmrace.sched.TraceRecorder;
import mmrace.sched.TraceRecorder.Row;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A trace for people: one column per actor, one row per step, in kernel words, with the layout
 * generation where it changes and the verdict at the end. The "calls" view keeps the port's own
 * lines (lock_vma_under_rcu(...) -> B, copy 8 bytes from folio 17, mmap_write_lock) plus waits,
 * reports and tracepoints; the "full" view adds every primitive access.
 */
final class TraceView {
    private TraceView() {}

    static List<Row> select(List<Row> rows, boolean full) {
        if (full)
            return rows;
        List<Row> out = new ArrayList<>();
        for (Row r : rows)
            if (r.kind() != TraceRecorder.Kind.POINT && r.kind() != TraceRecorder.Kind.PROBE)
                out.add(r);
        return out;
    }

    static String text(List<Row> rows, List<String> actors, Oracle oracle, Verdict v, boolean full) {
        List<Row> sel = select(rows, full);
        StringBuilder b = new StringBuilder();
        b.append(columnsWithGen(sel, actors, oracle));
        b.append(String.format(Locale.ROOT, "verdict: %s (step %d)%s%n", v.label(), v.step(), v.detail().isEmpty() ? "" : ": " + v.detail()));
        return b.toString();
    }

    /** TraceRecorder's columns with a leading "gen" column. */
    static String columnsWithGen(List<Row> rows, List<String> actors, Oracle oracle) {
        String cols = TraceRecorder.columns(rows, actors);
        String[] lines = cols.split("\n", -1);
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%-4s ", "gen")).append(lines[0]).append('\n');
        long last = -1;
        for (int i = 1; i < lines.length && i - 1 < rows.size(); i++) {
            long g = oracle.generationAt(rows.get(i - 1).step());
            b.append(g != last ? String.format(Locale.ROOT, "%-4d ", g) : "     ").append(lines[i]).append('\n');
            last = g;
        }
        return b.toString();
    }

    static String html(String title, List<Row> rows, List<String> actors, Oracle oracle, Verdict v) {
        StringBuilder b = new StringBuilder();
        b.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>").append(esc(title)).append("</title><style>")
                .append("body{font-family:ui-monospace,monospace;font-size:12px;margin:16px}")
                .append("table{border-collapse:collapse}th{position:sticky;top:0;background:#eee;text-align:left}")
                .append("td,th{padding:1px 8px;border-left:1px solid #ccc;vertical-align:top;white-space:pre}")
                .append("tr.note td.t{font-weight:bold}tr.point td.t{color:#555}tr.gen td{background:#ffe9a8}")
                .append("tr.report td.t{color:#b00;font-weight:bold}.verdict{margin-top:12px;padding:8px;border:2px solid}")
                .append(".forbidden{border-color:#b00;background:#fdd}.interesting{border-color:#c80;background:#fed}")
                .append(".acceptable{border-color:#080;background:#dfd}</style></head><body>");
        b.append("<h2>").append(esc(title)).append("</h2><table><tr><th>step</th><th>gen</th>");
        for (String a : actors)
            b.append("<th>").append(esc(a)).append("</th>");
        b.append("</tr>");
        long last = -1;
        for (Row r : rows) {
            long g = oracle.generationAt(r.step());
            String cls = switch (r.kind()) {
                case POINT -> "point";
                case REPORT -> "report";
                default -> "note";
            };
            if (g != last && last >= 0)
                b.append("<tr class=\"gen\"><td></td><td>").append(g).append("</td><td colspan=\"").append(actors.size())
                        .append("\">layout generation ").append(g).append("</td></tr>");
            last = g;
            b.append("<tr class=\"").append(cls).append("\"><td>").append(r.kind() == TraceRecorder.Kind.POINT ? r.step() : "")
                    .append("</td><td>").append(g).append("</td>");
            for (int i = 0; i < actors.size(); i++)
                b.append(i == r.actor() ? "<td class=\"t\">" + esc(r.text()) + "</td>" : "<td></td>");
            b.append("</tr>");
        }
        b.append("</table><div class=\"verdict ").append(v.cls().word()).append("\"><b>").append(esc(v.label()))
                .append("</b> at step ").append(v.step()).append("<br>").append(esc(v.detail())).append("<br><i>")
                .append(esc(v.reason().rule())).append("</i></div></body></html>\n");
        return b.toString();
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
