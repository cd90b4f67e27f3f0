package mmrace.cli;

import mmrace.report.MutationReport;
import mmrace.report.Plot;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * DIR/index.html of {@code ./mmrace mutants}, in the nightly page's style ({@link NightlyPage#CSS},
 * {@link Plot}): the scores first, what survived and why, how fast fuzzing kills (mutants killed
 * within t seconds), then every mutant by area with its citation, the gate's failure and the fuzzing
 * kill with a link to its minimised finding.
 */
final class MutantsPage {
    private MutantsPage() {}

    static String render(MutationReport r, String outName) {
        StringBuilder b = new StringBuilder();
        b.append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>mmrace mutants ").append(e(NightlyPage.date(r.started())))
                .append("</title><style>").append(NightlyPage.CSS).append("td.kill{background:#e8f5ea}td.live{background:#fdd}</style></head><body>");
        b.append("<h1>mmrace mutation score ").append(e(NightlyPage.date(r.started()))).append("</h1><p class=\"meta\">")
                .append(r.mutants().size()).append(" mutants; fuzzing ").append(e(r.budget())).append(" per mutant and seed, ").append(r.seeds())
                .append(r.seeds() == 1 ? " seed" : " seeds").append("; ").append(e(r.machine())).append("</p>");
        scores(b, r);
        survivors(b, r);
        speed(b, r);
        table(b, r, outName);
        b.append("<p class=\"note\"><a href=\"mutants.json\">mutants.json</a> · <a href=\"mutants.txt\">mutants.txt</a> · the catalogue and")
                .append(" its arguments: docs/MUTANTS.md</p>");
        return b.append("</body></html>\n").toString();
    }

    static void scores(StringBuilder b, MutationReport r) {
        boolean all = r.mutation() != null && r.mutation().killed() == r.mutation().total();
        b.append("<section class=\"box").append(all ? " quiet" : " mild").append("\"><h2>Mutation score: ").append(e(MutantsText.score(r.mutation())))
                .append("</h2><p class=\"sub\">Killed by the gate's corpus replay or by fuzzing from an empty corpus; mutants argued")
                .append(" equivalent are left out of the total. A fuzzing kill counts only if the unmutated port does not give the same")
                .append(" forbidden outcome on the same input.</p><ul><li>gate (corpus replay): <b>").append(e(MutantsText.score(r.gate())))
                .append("</b></li><li>fuzzing: <b>").append(e(MutantsText.score(r.fuzz()))).append("</b></li><li>gate on the unmutated port: ")
                .append(e(r.baseline())).append("</li></ul></section>");
    }

    static void survivors(StringBuilder b, MutationReport r) {
        List<MutationReport.Mutant> live = r.mutants().stream().filter(m -> !m.killed()).toList();
        b.append("<section id=\"survivors\"><h2>Survived: ").append(live.size()).append("</h2>");
        if (live.isEmpty())
            b.append("<p>Every mutant was killed.</p>");
        else {
            b.append("<ul>");
            for (MutationReport.Mutant m : live)
                b.append("<li><a href=\"#m-").append(e(m.id())).append("\"><code>").append(e(m.id())).append("</code></a> (").append(e(m.kind()))
                        .append("): ").append(e(m.why() != null ? m.why() : "expected killable: neither the corpus nor fuzzing within the budget reached it"))
                        .append("</li>");
            b.append("</ul>");
        }
        b.append("</section>");
    }

    /** Mutants killed by fuzzing within t seconds, one step per kill (the first seed's kill of each mutant). */
    static void speed(StringBuilder b, MutationReport r) {
        List<Double> t = new ArrayList<>();
        for (MutationReport.Mutant m : r.mutants())
            if (m.fuzz() != null && m.fuzz().first() != null)
                t.add(m.fuzz().first().seconds());
        t.sort(Double::compare);
        b.append("<section id=\"speed\"><h2>How fast fuzzing kills</h2>");
        if (t.size() < 2) {
            b.append("<p>").append(t.size()).append(t.size() == 1 ? " mutant" : " mutants").append(" killed by fuzzing: no curve to draw.</p></section>");
            return;
        }
        double[] x = new double[t.size()], y = new double[t.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = t.get(i);
            y[i] = i + 1;
        }
        String svg = Plot.svg("mutants killed by fuzzing", "time to the kill (s)", "mutants", List.of(new Plot.Series("killed", x, y)), null);
        b.append("<div class=\"plots\">").append(svg == null ? "" : svg).append("</div></section>");
    }

    static void table(StringBuilder b, MutationReport r, String outName) {
        Map<String, List<MutationReport.Mutant>> byArea = new LinkedHashMap<>();
        for (MutationReport.Mutant m : r.mutants())
            byArea.computeIfAbsent(m.area(), k -> new ArrayList<>()).add(m);
        b.append("<section id=\"mutants\"><h2>Mutants</h2><table><tr><th>mutant</th><th>bug class, where, citation</th><th>gate</th>")
                .append("<th>fuzzing</th><th>kill</th></tr>");
        for (var a : byArea.entrySet()) {
            b.append("<tr><th colspan=\"5\">").append(e(a.getKey())).append("</th></tr>");
            for (MutationReport.Mutant m : a.getValue())
                row(b, m, outName);
        }
        b.append("</table></section>");
    }

    static void row(StringBuilder b, MutationReport.Mutant m, String outName) {
        b.append("<tr id=\"m-").append(e(m.id())).append("\"><td class=\"").append(m.killed() ? "kill" : "live").append("\"><code>").append(e(m.id()))
                .append("</code><br><span class=\"note\">").append(e(m.kind())).append("; ").append(e(String.join(", ", m.variants())))
                .append("</span></td><td class=\"why\">").append(e(m.bugClass())).append("<br><code>").append(e(m.where())).append("</code><br>")
                .append(e(m.cite())).append(m.why() == null ? "" : "<br><i>" + e(m.why()) + "</i>").append("</td>");
        MutationReport.Gate g = m.gate();
        b.append("<td class=\"why\">").append(g == null ? "not run" : g.killed() ? "<b>killed</b>: " + e(g.kill())
                : "survived (" + g.checks() + " checks" + (g.failed() == 0 ? ")" : "; " + g.failed() + " changed verdict without a forbidden outcome, e.g. "
                + e(g.failure()) + ")")).append("</td>");
        MutationReport.Fuzz f = m.fuzz();
        b.append("<td class=\"n\">").append(f == null ? "not run" : f.kills() + " of " + f.seeds());
        if (f != null && f.medianSeconds() != null)
            b.append(String.format(Locale.ROOT, "<br>%.1f s, %,d execs", f.medianSeconds(), f.medianExecutions()));
        long triage = MutantsText.triage(m);
        if (triage > 0)
            b.append("<br><span title=\"outcomes the oracle could not explain: a person must read them; never a kill\">").append(triage)
                    .append(" needed triage</span>");
        b.append("</td><td class=\"why\">");
        MutationReport.Kill k = f == null ? null : f.first();
        if (k != null) {
            b.append("<span title=\"").append(e(NightlyPage.rule(String.valueOf(k.reason())))).append("\"><b>").append(e(k.reason())).append("</b></span>").append(" under ").append(e(k.variant()));
            if (k.finding() != null)
                b.append("<br><a href=\"").append(e(k.finding())).append("\">finding</a>: <code>MMRACE_MUTANT=").append(e(m.id()))
                        .append(" ./mmrace run ").append(e(outName + "/" + k.finding())).append(" --variant ").append(e(k.variant())).append("</code>");
            b.append("<br>mechanism: ").append(k.mechanism() ? "shown (mutant on: " + e(k.mutantOn()) + "; off: " + e(k.mutantOff()) + ")"
                    : "<b>not shown</b> (on: " + e(k.mutantOn()) + "; off: " + e(k.mutantOff()) + ")");
        }
        b.append("</td></tr>");
    }

    static String e(String s) {
        return NightlyPage.e(s);
    }
}
