package mmrace.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleFunction;

/**
 * Line charts drawn as SVG, for a page that opens offline: axes with ticks and units, a legend,
 * one or more series. A chart whose every series is constant says nothing over time and is not
 * drawn ({@link #svg} returns null; {@link #constantNote} words it instead).
 */
public final class Plot {
    private Plot() {}

    /** One line: its name (legend) and its points. */
    public record Series(String name, double[] x, double[] y) {
        public boolean constant() {
            for (double v : y)
                if (v != y[0])
                    return false;
            return true;
        }
    }

    static final String[] COLOURS = {"#2a6fdb", "#d2691e", "#2e8b57", "#8e44ad", "#b03a2e"};
    static final int W = 380, H = 220, LEFT = 58, RIGHT = 12, TOP = 34, BOTTOM = 44;

    /**
     * The chart, or null if every series is constant (or empty).
     *
     * @param xLabel  the x axis's name and unit ("time (s)")
     * @param yLabel  the y axis's name and unit ("executions/s")
     * @param xTicks  labels for x values (null: the numbers); with labels, ticks are at the points' x
     */
    public static String svg(String title, String xLabel, String yLabel, List<Series> series, DoubleFunction<String> xTicks) {
        List<Series> shown = series.stream().filter(s -> s.y().length > 0).toList();
        if (shown.isEmpty() || shown.stream().allMatch(Series::constant))
            return null;
        double x0 = Double.MAX_VALUE, x1 = -Double.MAX_VALUE, y0 = 0, y1 = -Double.MAX_VALUE;
        for (Series s : shown)
            for (int i = 0; i < s.y().length; i++) {
                x0 = Math.min(x0, s.x()[i]);
                x1 = Math.max(x1, s.x()[i]);
                y0 = Math.min(y0, s.y()[i]);
                y1 = Math.max(y1, s.y()[i]);
            }
        if (xTicks == null)
            x0 = Math.min(0, x0); // a time axis starts at 0
        if (x1 <= x0)
            x1 = x0 + 1;
        double[] yt = ticks(y0, y1);
        y1 = Math.max(y1, yt[yt.length - 1]);
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "<svg class=\"plot\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\" role=\"img\"><title>%s</title>", W, H, W, H, esc(title)));
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"15\" font-size=\"13\" font-weight=\"bold\">%s</text>", LEFT - 50, esc(title)));
        int px0 = LEFT, px1 = W - RIGHT, py0 = H - BOTTOM, py1 = TOP;
        final double fx0 = x0, fx1 = x1, fy0 = y0, fy1 = y1;
        DoubleFunction<Double> sx = v -> px0 + (px1 - px0) * (v - fx0) / (fx1 - fx0);
        DoubleFunction<Double> sy = v -> py0 - (py0 - py1) * (v - fy0) / (fy1 - fy0);
        for (double t : yt) {
            double y = sy.apply(t);
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>", px0, y, px1, y));
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#444\"/>", px0 - 4, y, px0, y));
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" class=\"ytick\">%s</text>", px0 - 6, y + 4,
                    number(t, yt.length > 1 ? yt[1] - yt[0] : 1)));
        }
        double[] xt = xTicks == null ? ticks(x0, x1) : points(shown);
        for (double t : xt) {
            if (t < x0 - 1e-9 || t > x1 + 1e-9)
                continue;
            double x = sx.apply(t);
            b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#444\"/>", x, py0, x, py0 + 4));
            // labels at the ends of the axis are kept inside the chart
            String anchor = x - px0 < 30 ? "start" : px1 - x < 30 ? "end" : "middle";
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"%s\" class=\"xtick\">%s</text>", x, py0 + 16, anchor,
                    esc(xTicks == null ? number(t, xt.length > 1 ? xt[1] - xt[0] : 1) : xTicks.apply(t))));
        }
        b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#444\"/>", px0, py0, px1, py0));
        b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#444\"/>", px0, py0, px0, py1));
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"xlabel\">%s</text>", (px0 + px1) / 2, H - 6,
                esc(xLabel)));
        b.append(String.format(Locale.ROOT, "<text transform=\"translate(13,%d) rotate(-90)\" text-anchor=\"middle\" class=\"ylabel\">%s</text>",
                (py0 + py1) / 2, esc(yLabel)));
        for (int i = 0; i < shown.size(); i++) {
            Series s = shown.get(i);
            String c = COLOURS[i % COLOURS.length];
            StringBuilder pts = new StringBuilder();
            for (int j = 0; j < s.y().length; j++)
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", sx.apply(s.x()[j]), sy.apply(s.y()[j])));
            b.append("<polyline class=\"series\" fill=\"none\" stroke=\"").append(c).append("\" stroke-width=\"2\" points=\"")
                    .append(pts.toString().strip()).append("\"/>");
            if (s.y().length <= 40)
                for (int j = 0; j < s.y().length; j++)
                    b.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>", sx.apply(s.x()[j]),
                            sy.apply(s.y()[j]), c));
            if (shown.size() > 1)
                b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"3\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">%s</text>",
                        px1 - 120, 22 + 13 * i - 4, c, px1 - 106, 22 + 13 * i, esc(s.name())));
        }
        return b.append("</svg>").toString();
    }

    /** "probes: 87 throughout" for the series of a chart that was not drawn. */
    public static String constantNote(List<Series> series, String unit) {
        List<String> l = new ArrayList<>();
        for (Series s : series)
            if (s.y().length > 0)
                l.add(s.name() + " " + number(s.y()[0], 1) + (unit.isEmpty() ? "" : " " + unit) + " throughout");
        return String.join("; ", l);
    }

    /** Round tick values (1, 2 or 5 times a power of ten) covering [lo, hi]. */
    static double[] ticks(double lo, double hi) {
        if (hi <= lo)
            hi = lo + 1;
        double raw = (hi - lo) / 5, mag = Math.pow(10, Math.floor(Math.log10(raw))), n = raw / mag;
        double step = (n < 1.5 ? 1 : n < 3 ? 2 : n < 7 ? 5 : 10) * mag;
        List<Double> t = new ArrayList<>();
        for (double v = Math.floor(lo / step) * step; v < hi + step - 1e-9 * step; v += step)
            t.add(Math.abs(v) < step * 1e-9 ? 0 : v);
        return t.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static double[] points(List<Series> series) {
        java.util.TreeSet<Double> xs = new java.util.TreeSet<>();
        for (Series s : series)
            for (double x : s.x())
                xs.add(x);
        return xs.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** 1234 -> "1,234"; 1.5e6 -> "1.5M"; to the precision the tick step needs. */
    static String number(double v, double step) {
        double a = Math.abs(v);
        if (a >= 1e6)
            return String.format(Locale.ROOT, "%.1fM", v / 1e6).replace(".0M", "M");
        if (a >= 1e4)
            return String.format(Locale.ROOT, "%.0fk", v / 1e3);
        if (step < 1 && v != Math.rint(v))
            return String.format(Locale.ROOT, step < 0.1 ? "%.2f" : "%.1f", v);
        return String.format(Locale.ROOT, "%,d", Math.round(v));
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
