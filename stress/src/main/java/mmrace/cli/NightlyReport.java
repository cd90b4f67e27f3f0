package mmrace.cli;

import mmrace.oracle.Verdict;
import mmrace.sched.TraceRecorder;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The nightly report: DIR/index.html for a person (outcome table by variant, coverage and corpus
 * size over time per fuzzing campaign, every new finding with its trace drawn as swimlanes, links
 * to the JCStress report) and DIR/summary.json for machines.
 */
final class NightlyReport {
    /** Executions of the corpus by variant and verdict label ("forbidden torn-read"). */
    final Map<String, Map<String, Long>> outcomes = new LinkedHashMap<>();
    /** Per campaign (variant): samples (seconds, edges, corpus size, executions). */
    final Map<String, List<double[]>> series = new LinkedHashMap<>();
    final Map<String, String> campaignSummaries = new LinkedHashMap<>();
    final List<Finding> findings = new ArrayList<>();
    String started, budget, machine, jcstressLink, jcstressSummary = "not run", gateSummary = "not run";
    boolean gateOk = true, jcstressOk = true;

    /** A finding: where it is, what it is, and its trace. */
    record Finding(String variant, String reason, String file, String detail, List<TraceRecorder.Row> trace, List<String> actors,
                   List<long[]> gens) {}

    void count(String variant, Verdict v) {
        count(variant, v, null);
    }

    /**
     * With a known root cause (the oracle's rootCause()), a forbidden outcome is counted under
     * "forbidden REASON (via CAUSE)", so that an upstream bug every variant shares (the
     * generic_access_phys family) does not read as a tear of the path under test.
     */
    void count(String variant, Verdict v, String rootCause) {
        String label = rootCause != null && v.cls().fails() ? v.label() + " (via " + rootCause + ")" : v.label();
        outcomes.computeIfAbsent(variant, k -> new TreeMap<>()).merge(label, 1L, Long::sum);
    }

    long classCount(String variant, Verdict.Cls c) {
        return outcomes.getOrDefault(variant, Map.of()).entrySet().stream()
                .filter(e -> e.getKey().startsWith(c.word())).mapToLong(Map.Entry::getValue).sum();
    }

    String html() {
        StringBuilder b = new StringBuilder();
        b.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>mmrace nightly ").append(esc(started))
                .append("</title><style>body{font-family:sans-serif;margin:20px;max-width:1200px}table{border-collapse:collapse;margin:8px 0}")
                .append("td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}th{background:#eee}td.l{text-align:left}")
                .append(".forbidden{background:#fdd}.needs-triage{background:#fcf}.interesting{background:#fed}.ok{color:#080}.bad{color:#b00;font-weight:bold}")
                .append("svg{border:1px solid #ddd;margin:4px 0}code{background:#f4f4f4}</style></head><body>");
        b.append("<h1>mmrace nightly</h1><p>Started ").append(esc(started)).append(", budget ").append(esc(budget))
                .append(", machine ").append(esc(machine)).append(".</p>");
        b.append("<p>Gate: <span class=\"").append(gateOk ? "ok" : "bad").append("\">").append(esc(gateSummary)).append("</span><br>")
                .append("JCStress: <span class=\"").append(jcstressOk ? "ok" : "bad").append("\">").append(esc(jcstressSummary)).append("</span>");
        if (jcstressLink != null)
            b.append(" — <a href=\"").append(esc(jcstressLink)).append("\">JCStress report</a>");
        b.append("</p>");
        b.append("<h2 id=\"outcomes\">Outcomes of the corpus by variant</h2><table id=\"outcome-table\"><tr><th class=\"l\">variant</th>")
                .append("<th>acceptable</th><th>interesting</th><th>needs triage</th><th>forbidden</th><th class=\"l\">by reason</th></tr>");
        for (String v : outcomes.keySet()) {
            b.append("<tr><td class=\"l\">").append(esc(v)).append("</td>");
            for (Verdict.Cls c : Verdict.Cls.values()) {
                long n = classCount(v, c);
                b.append("<td class=\"").append(n > 0 && c != Verdict.Cls.ACCEPTABLE ? c.word() : "").append("\">").append(n).append("</td>");
            }
            b.append("<td class=\"l\">");
            for (var e : outcomes.get(v).entrySet())
                if (!e.getKey().equals("acceptable"))
                    b.append(esc(e.getKey())).append(": ").append(e.getValue()).append("<br>");
            b.append("</td></tr>");
        }
        b.append("</table>");
        b.append("<h2 id=\"campaigns\">Fuzzing campaigns</h2>");
        for (String v : series.keySet()) {
            b.append("<h3>").append(esc(v)).append("</h3><pre>").append(esc(campaignSummaries.getOrDefault(v, ""))).append("</pre>");
            b.append(plot(series.get(v), 1, "interleaving edges")).append(plot(series.get(v), 2, "corpus inputs"));
        }
        b.append("<h2 id=\"findings\">New findings (").append(findings.size()).append(")</h2>");
        if (findings.isEmpty())
            b.append("<p>None.</p>");
        for (Finding f : findings) {
            b.append("<h3 class=\"finding\">").append(esc(f.variant() + ": " + Verdict.failing(f.reason()).word() + " " + f.reason())).append("</h3><p><code>")
                    .append(esc(f.file())).append("</code><br>").append(esc(f.detail())).append("<br>replay: <code>./mmrace run ")
                    .append(esc(f.file())).append(" --variant ").append(esc(f.variant())).append(" --trace</code></p>");
            b.append(swimlanes(f));
        }
        return b.append("</body></html>\n").toString();
    }

    /** A line plot of column {@code col} against time (column 0). */
    static String plot(List<double[]> s, int col, String label) {
        int w = 520, h = 160, pad = 40;
        double maxX = 1, maxY = 1;
        for (double[] p : s) {
            maxX = Math.max(maxX, p[0]);
            maxY = Math.max(maxY, p[col]);
        }
        StringBuilder pts = new StringBuilder();
        for (double[] p : s)
            pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", pad + (w - pad - 10) * p[0] / maxX, h - pad + 10 - (h - pad - 10) * p[col] / maxY));
        return String.format(Locale.ROOT, "<svg class=\"plot\" width=\"%d\" height=\"%d\"><text x=\"%d\" y=\"14\" font-size=\"12\">%s (max %.0f) over %.0f s</text>"
                + "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/><line x1=\"%d\" y1=\"20\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>"
                + "<polyline fill=\"none\" stroke=\"#36c\" stroke-width=\"2\" points=\"%s\"/></svg>",
                w, h, pad, esc(label), maxY, maxX, pad, h - pad + 10, w - 10, h - pad + 10, pad, pad, h - pad + 10, pts);
    }

    /** The finding's trace as swimlanes: one lane per actor, its kernel calls in step order. */
    static String swimlanes(Finding f) {
        List<TraceRecorder.Row> rows = TraceView.select(f.trace(), false);
        int lanes = f.actors().size(), laneW = 330, rowH = 15, top = 30;
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "<svg class=\"swimlane\" width=\"%d\" height=\"%d\" font-family=\"monospace\" font-size=\"10\">",
                lanes * laneW + 60, top + rows.size() * rowH + 10));
        for (int i = 0; i < lanes; i++)
            b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"%s\"/><text x=\"%d\" y=\"18\" font-weight=\"bold\" font-size=\"12\">%s</text>",
                    60 + i * laneW, laneW, top + rows.size() * rowH + 10, i % 2 == 0 ? "#f6f8ff" : "#fff8f0", 64 + i * laneW, esc(f.actors().get(i))));
        long lastGen = -1;
        for (int r = 0; r < rows.size(); r++) {
            TraceRecorder.Row row = rows.get(r);
            int y = top + r * rowH + 11;
            long g = 0;
            for (long[] c : f.gens())
                if (c[0] <= row.step())
                    g = c[1];
            if (g != lastGen && lastGen >= 0)
                b.append(String.format(Locale.ROOT, "<line x1=\"0\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#c80\" stroke-dasharray=\"4\"/>",
                        y - 11, lanes * laneW + 60, y - 11));
            lastGen = g;
            b.append(String.format(Locale.ROOT, "<text x=\"2\" y=\"%d\" fill=\"#888\">gen %d</text>", y, g));
            String t = row.text().length() > 52 ? row.text().substring(0, 51) + "…" : row.text();
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\"%s>%s</text>", 64 + row.actor() * laneW, y,
                    row.kind() == TraceRecorder.Kind.REPORT ? " fill=\"#b00\"" : "", esc(t)));
        }
        return b.append("</svg>").toString();
    }

    String json() {
        StringBuilder b = new StringBuilder("{\n");
        b.append("  \"started\": ").append(q(started)).append(",\n  \"budget\": ").append(q(budget)).append(",\n  \"machine\": ").append(q(machine)).append(",\n");
        b.append("  \"gate\": {\"ok\": ").append(gateOk).append(", \"summary\": ").append(q(gateSummary)).append("},\n");
        b.append("  \"jcstress\": {\"ok\": ").append(jcstressOk).append(", \"summary\": ").append(q(jcstressSummary)).append(", \"report\": ")
                .append(jcstressLink == null ? "null" : q(jcstressLink)).append("},\n");
        b.append("  \"outcomes\": {");
        int i = 0;
        for (var e : outcomes.entrySet()) {
            b.append(i++ > 0 ? ", " : "").append(q(e.getKey())).append(": {");
            int j = 0;
            for (var o : e.getValue().entrySet())
                b.append(j++ > 0 ? ", " : "").append(q(o.getKey())).append(": ").append(o.getValue());
            b.append("}");
        }
        b.append("},\n  \"campaigns\": {");
        i = 0;
        for (var e : series.entrySet()) {
            double[] last = e.getValue().isEmpty() ? new double[4] : e.getValue().get(e.getValue().size() - 1);
            b.append(i++ > 0 ? ", " : "").append(q(e.getKey())).append(String.format(Locale.ROOT,
                    ": {\"seconds\": %.1f, \"edges\": %.0f, \"corpus\": %.0f, \"executions\": %.0f}", last[0], last[1], last[2], last[3]));
        }
        b.append("},\n  \"findings\": [");
        i = 0;
        for (Finding f : findings)
            b.append(i++ > 0 ? ", " : "").append("{\"variant\": ").append(q(f.variant())).append(", \"reason\": ").append(q(f.reason()))
                    .append(", \"file\": ").append(q(f.file())).append("}");
        return b.append("]\n}\n").toString();
    }

    static String q(String s) {
        if (s == null)
            return "null";
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\')
                b.append('\\').append(c);
            else if (c < 0x20)
                b.append(String.format("\\u%04x", (int) c));
            else
                b.append(c);
        }
        return b.append('"').toString();
    }

    static String esc(String s) {
        return s == null ? "" : TraceView.esc(s);
    }
}
