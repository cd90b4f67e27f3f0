package mmrace.cli;

import mmrace.sched.TraceRecorder;

import java.util.List;
import java.util.Locale;

/** A finding's trace as swimlanes: one lane per actor, its kernel calls in step order, the layout generation on the left. */
final class Swimlanes {
    private Swimlanes() {}

    static String svg(NightlyReport.Lanes f) {
        List<TraceRecorder.Row> rows = TraceView.select(f.rows(), false);
        int lanes = Math.max(1, f.actors().size()), laneW = 330, rowH = 15, top = 30;
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "<svg class=\"swimlane\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"monospace\" font-size=\"10\">", lanes * laneW + 60, top + rows.size() * rowH + 10));
        for (int i = 0; i < f.actors().size(); i++)
            b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"%s\"/><text x=\"%d\" y=\"18\" "
                    + "font-weight=\"bold\" font-size=\"12\">%s</text>", 60 + i * laneW, laneW, top + rows.size() * rowH + 10,
                    i % 2 == 0 ? "#f6f8ff" : "#fff8f0", 64 + i * laneW, TraceView.esc(f.actors().get(i))));
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
                    row.kind() == TraceRecorder.Kind.REPORT ? " fill=\"#b00\"" : "", TraceView.esc(t)));
        }
        return b.append("</svg>").toString();
    }
}
