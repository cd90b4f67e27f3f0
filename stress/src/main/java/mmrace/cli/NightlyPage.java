package mmrace.cli;

import mmrace.oracle.Reason;
import mmrace.report.History;
import mmrace.report.Plot;
import mmrace.report.Summary;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * DIR/index.html of a nightly. The first screen answers "what is new tonight?": the groups of
 * findings the corpus does not hold, then what changed since the night before. Below: the outcome
 * table (acceptable, interesting, needs triage, forbidden new, forbidden of a known bug class, known root cause;
 * each reason links to its rule), every group with its representative trace as swimlanes, each
 * campaign's coverage, corpus size and rate over time, the history across nights, the rules. Logs
 * are separate files behind links. No script, no network: SVG drawn here.
 */
final class NightlyPage {
    private NightlyPage() {}

    static final String CSS = "body{font-family:system-ui,sans-serif;font-size:14px;margin:18px auto;max-width:1180px;padding:0 12px;color:#222}"
            + "h1{margin:0 0 2px}h2{margin:22px 0 8px;border-bottom:1px solid #ddd}.meta{color:#555;margin:0 0 10px}"
            + ".ok{color:#17702f}.bad{color:#b00;font-weight:bold}.box{border-left:6px solid #b00;background:#fff5f5;padding:6px 14px;margin:12px 0}"
            + ".box.quiet{border-color:#17702f;background:#f3faf4}.box.mild{border-color:#d08a2e;background:#fff9ef}.box h3{margin:8px 0 2px;font-size:15px}.box h2{border:0;margin:6px 0}.box ol{margin:4px 0 8px;padding-left:22px}"
            + ".box li{margin:3px 0}.badge{font-size:11px;padding:1px 6px;border-radius:8px;margin-left:6px;white-space:nowrap}"
            + ".b-new{background:#b00;color:#fff}.b-class{background:#f0b27a}.b-known{background:#ddd}.sub{color:#555;margin:2px 0}"
            + "table{border-collapse:collapse;margin:6px 0}td,th{border:1px solid #ccc;padding:3px 8px;vertical-align:top}"
            + "th{background:#f0f0f0;text-align:left}td.n{text-align:right}td.n b{font-size:15px}.why{font-size:12px;color:#333}"
            + "td.fnew{background:#fdd}td.fknown{background:#fbeaea}td.cause{background:#f1f1f1}td.int{background:#fff6e6}td.triage{background:#fcf}"
            + ".up{color:#17702f}.down{color:#b00}.plots{display:flex;flex-wrap:wrap;gap:8px}.plot{border:1px solid #e0e0e0;background:#fff}"
            + ".note{color:#666;font-size:12px}code{background:#f4f4f4;padding:0 3px}.group{border-top:1px solid #eee;padding:4px 0}"
            + ".group h3{margin:8px 0 2px;font-size:15px}details{margin:4px 0}summary{cursor:pointer;color:#2a5db0}"
            + ".lanes{overflow-x:auto}a{color:#2a5db0}.keys{margin:4px 0}.keys ul{columns:2;margin:2px 0 6px;padding-left:20px}.keys li{font-size:12px}";

    static String render(NightlyReport r) {
        StringBuilder b = new StringBuilder();
        b.append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>mmrace nightly ").append(e(date(r.started)))
                .append("</title><style>").append(CSS).append("</style></head><body>");
        header(b, r);
        newTonight(b, r);
        since(b, r);
        outcomes(b, r);
        groups(b, r);
        campaigns(b, r);
        history(b, r);
        rules(b, r);
        files(b, r);
        return b.append("</body></html>\n").toString();
    }

    static void header(StringBuilder b, NightlyReport r) {
        b.append("<h1>mmrace nightly ").append(e(date(r.started))).append("</h1><p class=\"meta\">budget ").append(e(r.budget))
                .append(r.finished == null ? "" : ", finished " + e(date(r.finished))).append(", ").append(e(r.machine)).append("</p>");
        b.append("<p>Gate: <span class=\"").append(r.gateOk ? "ok" : "bad").append("\">").append(r.gateOk ? "passed" : "FAILED")
                .append("</span> (").append(e(r.gateSummary)).append(", <a href=\"gate.txt\">gate.txt</a>, <a href=\"gate.xml\">JUnit XML</a>)<br>")
                .append("JCStress: <span class=\"").append(r.jcstressOk ? "ok" : "bad").append("\">").append(e(r.jcstressSummary)).append("</span>");
        if (r.jcstressLink != null)
            b.append(" (<a href=\"").append(e(r.jcstressLink)).append("\">JCStress report</a>)");
        if (r.mutation != null)
            b.append("<br>Mutation score: ").append(r.mutation.killed()).append(" of ").append(r.mutation.total()).append(" mutants killed (<a href=\"")
                    .append(e(r.mutationLink)).append("\">mutation report</a>)");
        b.append("</p>");
    }

    static void newTonight(StringBuilder b, NightlyReport r) {
        List<Summary.Group> fresh = r.newGroups();
        List<Summary.Group> newClass = fresh.stream().filter(g -> !g.knownClass()).toList();
        List<Summary.Group> newMechanism = fresh.stream().filter(Summary.Group::knownClass).toList();
        long known = r.groups.size() - fresh.size();
        int knownFindings = r.groups.stream().filter(Summary.Group::known).mapToInt(Summary.Group::count).sum();
        String tone = !newClass.isEmpty() ? "" : !newMechanism.isEmpty() ? " mild" : " quiet";
        b.append("<section id=\"new\" class=\"box").append(tone).append("\"><h2>New tonight: ").append(fresh.size())
                .append(fresh.size() == 1 ? " group" : " groups").append("</h2>");
        b.append("<p class=\"sub\">Findings grouped by root cause or mechanism (variant, reason, the operations that race). Known: ")
                .append(known).append(known == 1 ? " group" : " groups").append(" (").append(knownFindings)
                .append(" findings) whose mechanism the corpus holds or whose root cause is recognised, <a href=\"#groups\">listed below</a>.</p>");
        if (fresh.isEmpty())
            b.append("<p>Nothing new: every finding tonight belongs to a group the corpus already holds.</p>");
        b.append("<h3>New bug class: ").append(newClass.size()).append("</h3>");
        if (newClass.isEmpty())
            b.append("<p class=\"sub\">No forbidden outcome of a reason the corpus does not already record for its variant.</p>");
        newList(b, r, newClass);
        if (!newMechanism.isEmpty()) {
            b.append("<h3>New mechanism of a known bug class: ").append(newMechanism.size()).append("</h3>");
            newList(b, r, newMechanism);
        }
        if (!fresh.isEmpty())
            b.append("<p class=\"sub\">Keep one in the corpus: <code>./mmrace promote ").append(e(r.outName))
                    .append("/corpus/findings/FILE.scn</code> (each group below names its file).</p>");
        b.append("</section>");
    }

    static void newList(StringBuilder b, NightlyReport r, List<Summary.Group> groups) {
        if (groups.isEmpty())
            return;
        b.append("<ol>");
        for (Summary.Group g : groups) {
            b.append("<li><a href=\"#g-").append(g.id()).append("\"><b>").append(e(g.key())).append("</b></a> ").append(g.count())
                    .append(g.count() == 1 ? " finding" : " findings").append(" · <a href=\"").append(e(g.trace()))
                    .append("\">trace</a> · <a href=\"").append(e(g.representative())).append("\">scenario</a>");
            if (r.since != null)
                b.append(" · ").append(r.since.newGroups().contains(g.key()) ? "<b>first seen tonight</b>" : "also seen on " + e(date(r.since.previous())));
            b.append("</li>");
        }
        b.append("</ol>");
    }

    static String badge(Summary.Group g) {
        if (g.known())
            return "<span class=\"badge b-known\">known</span>";
        if (g.knownClass())
            return "<span class=\"badge b-class\">new mechanism, known bug class of " + e(String.join(", ", g.variants())) + "</span>";
        return "<span class=\"badge b-new\">new</span>";
    }

    static void since(StringBuilder b, NightlyReport r) {
        b.append("<section id=\"since\"><h2>Since last night</h2>");
        if (r.since == null) {
            b.append("<p>No earlier night in the history (").append(e(r.historyFrom)).append("): nothing to compare with yet.</p></section>");
            return;
        }
        Summary.SinceLastNight s = r.since;
        b.append("<p>Compared with the night of ").append(e(date(s.previous()))).append(".</p>");
        b.append("<div class=\"keys\"><b>Groups first seen tonight (").append(s.newGroups().size()).append("):</b>").append(list(s.newGroups()))
                .append("</div><div class=\"keys\"><b>Groups seen last night, not tonight (").append(s.goneGroups().size()).append("):</b>")
                .append(list(s.goneGroups())).append("</div>");
        b.append("<table class=\"changes\"><tr><th>measure</th><th>last night</th><th>tonight</th></tr>");
        for (Summary.Change c : s.changes())
            if (c.campaign() == null)
                b.append("<tr><td>").append(e(c.what())).append("</td><td class=\"n\">").append(num(c.before())).append("</td><td class=\"n\">")
                        .append(change(c)).append("</td></tr>");
        b.append("</table>");
        List<String> measures = List.of(History.PROBES, History.PAIRS, History.EDGES, History.CORPUS, History.RATE);
        Map<String, Map<String, Summary.Change>> byCampaign = new java.util.LinkedHashMap<>();
        for (Summary.Change c : s.changes())
            if (c.campaign() != null)
                byCampaign.computeIfAbsent(c.campaign(), k -> new java.util.HashMap<>()).put(c.what(), c);
        if (!byCampaign.isEmpty()) {
            b.append("<table class=\"changes\"><tr><th>campaign</th>");
            List<String> shown = measures.stream().filter(m -> byCampaign.values().stream().anyMatch(x -> x.containsKey(m))).toList();
            for (String m : shown)
                b.append("<th>").append(e(m)).append(": last night → tonight</th>");
            b.append("</tr>");
            for (var x : byCampaign.entrySet()) {
                b.append("<tr><td>").append(e(x.getKey())).append("</td>");
                for (String m : shown) {
                    Summary.Change c = x.getValue().get(m);
                    b.append(c == null ? "<td></td>" : "<td class=\"n\">" + num(c.before()) + " → " + change(c) + "</td>");
                }
                b.append("</tr>");
            }
            b.append("</table>");
        }
        b.append("</section>");
    }

    /** Tonight's value with its change, "91 (+4, +5%)": green up, red down ("new groups" the other way round). */
    static String change(Summary.Change c) {
        double d = c.delta();
        String cls = d == 0 ? "same" : (d > 0) == !c.what().startsWith("new groups") ? "up" : "down";
        return "<span class=\"" + cls + "\">" + num(c.now()) + (d == 0 ? "" : " (" + (d > 0 ? "+" : "") + num(d)
                + (c.before() != 0 ? String.format(Locale.ROOT, ", %+.0f%%", 100 * d / c.before()) : "") + ")") + "</span>";
    }

    static String list(List<String> keys) {
        if (keys.isEmpty())
            return " none";
        StringBuilder b = new StringBuilder("<ul>");
        for (String k : keys)
            b.append("<li><code>").append(e(k)).append("</code></li>");
        return b.append("</ul>").toString();
    }

    static void outcomes(StringBuilder b, NightlyReport r) {
        b.append("<section id=\"outcomes\"><h2>Outcomes of the corpus by variant</h2><p class=\"sub\">Executions of the checked-in corpus")
                .append(" under random and PCT schedules. A forbidden outcome is new unless the corpus records its reason as forbidden for the")
                .append(" variant (its known bug class) or the oracle recognises its root cause. An outcome that needs triage (one the oracle")
                .append(" cannot explain) has its own column, unless the oracle recognises its root cause. Each reason links to its rule.</p>");
        b.append("<table id=\"outcome-table\"><tr><th>variant</th>");
        for (Summary.Category c : Summary.Category.values())
            b.append("<th>").append(e(c.title)).append("</th>");
        b.append("</tr>");
        for (String v : r.outcomes.keySet()) {
            b.append("<tr><td>").append(e(v)).append("</td>");
            for (Summary.Category c : Summary.Category.values()) {
                long n = r.total(v, c);
                b.append("<td class=\"n ").append(n == 0 ? "" : cellClass(c)).append("\"><b>").append(num(n)).append("</b>");
                for (var x : r.outcomes.get(v).entrySet())
                    if (x.getKey().category() == c && x.getKey().reason() != null)
                        b.append("<div class=\"why\">").append(ruleLink(x.getKey().reason())).append(x.getKey().rootCause() == null ? ""
                                : " via <a href=\"#cause-" + anchor(x.getKey().rootCause()) + "\">" + e(x.getKey().rootCause()) + "</a>")
                                .append(" ").append(num(x.getValue())).append("</div>");
                b.append("</td>");
            }
            b.append("</tr>");
        }
        b.append("</table></section>");
    }

    static String cellClass(Summary.Category c) {
        return switch (c) {
            case ACCEPTABLE -> "";
            case INTERESTING -> "int";
            case NEEDS_TRIAGE -> "triage";
            case FORBIDDEN_NEW -> "fnew";
            case FORBIDDEN_KNOWN_CLASS -> "fknown";
            case KNOWN_ROOT_CAUSE -> "cause";
        };
    }

    static String ruleLink(String reason) {
        return "<a href=\"#rule-" + anchor(reason) + "\" title=\"" + e(rule(reason)) + "\">" + e(reason) + "</a>";
    }

    /** The rule behind a reason code (the one place the page asks the oracle). */
    static String rule(String reason) {
        return Reason.rule(reason);
    }

    static void groups(StringBuilder b, NightlyReport r) {
        b.append("<section id=\"groups\"><h2>Findings tonight by root cause or mechanism (").append(r.groups.size()).append(")</h2>");
        if (r.groups.isEmpty())
            b.append("<p>The campaigns found no forbidden outcome.</p>");
        for (Summary.Group g : r.groups) {
            b.append("<div class=\"group\" id=\"g-").append(g.id()).append("\"><h3>").append(e(g.key())).append(badge(g)).append("</h3>");
            b.append("<p>").append(g.count()).append(g.count() == 1 ? " finding" : " findings").append(" under ")
                    .append(e(String.join(", ", g.variants()))).append("; ").append(ruleLink(g.reason()));
            if (g.known())
                b.append("; known from <code>").append(e(g.knownBy())).append("</code>");
            String v = g.variants().get(0);
            b.append("<br>representative <a href=\"").append(e(g.representative())).append("\">").append(e(g.representative()))
                    .append("</a> (<a href=\"").append(e(g.trace())).append("\">trace page</a>); replay: <code>./mmrace run ")
                    .append(e(r.outName + "/" + g.representative())).append(" --variant ").append(e(v)).append(" --trace</code>");
            if (!g.known())
                b.append("; keep it: <code>./mmrace promote ").append(e(r.outName + "/" + g.representative())).append("</code>");
            b.append("</p>");
            NightlyReport.Lanes l = r.lanes.get(g.id());
            if (l != null)
                b.append("<details").append(g.known() ? "" : " open").append("><summary>trace of the representative: ").append(e(l.verdict()))
                        .append("</summary><div class=\"lanes\">").append(Swimlanes.svg(l)).append("</div></details>");
            if (g.files().size() > 1) {
                b.append("<details><summary>").append(g.files().size()).append(" finding files</summary><ul>");
                for (String f : g.files())
                    b.append("<li><a href=\"").append(e(f)).append("\">").append(e(f)).append("</a></li>");
                b.append("</ul></details>");
            }
            b.append("</div>");
        }
        if (!r.gone.isEmpty()) {
            b.append("<h3 id=\"gone\">Corpus findings that no longer reproduce (").append(r.gone.size()).append(")</h3><ul>");
            for (Summary.Gone x : r.gone)
                b.append("<li><code>").append(e(x.file())).append("</code> under ").append(e(x.variant())).append(", recorded ")
                        .append(ruleLink(x.reason())).append(": ").append(e(x.message())).append("</li>");
            b.append("</ul>");
        }
        b.append("</section>");
    }

    static void campaigns(StringBuilder b, NightlyReport r) {
        b.append("<section id=\"campaigns\"><h2>Fuzzing campaigns</h2>");
        for (var c : r.campaigns.entrySet()) {
            Summary.CampaignStats s = c.getValue();
            b.append("<h3>").append(e(c.getKey())).append("</h3><p>").append(num(s.executions())).append(" executions in ")
                    .append(num(s.seconds())).append(" s (").append(num(s.execsPerSecond())).append("/s); coverage ").append(s.probes())
                    .append(" probes, ").append(s.pairs()).append(" operation pairs, ").append(s.edges()).append(" interleaving edges; corpus ")
                    .append(s.corpus()).append(" inputs");
            if (s.log() != null)
                b.append(" · <a href=\"").append(e(s.log())).append("\">log</a>");
            b.append("</p>");
            List<Summary.Sample> p = s.samples();
            double[] t = p.stream().mapToDouble(Summary.Sample::seconds).toArray();
            List<String> flat = new ArrayList<>();
            b.append("<div class=\"plots\">");
            plot(b, flat, "coverage", "time (s)", "count", List.of(
                    new Plot.Series("probes", t, p.stream().mapToDouble(Summary.Sample::probes).toArray()),
                    new Plot.Series("operation pairs", t, p.stream().mapToDouble(Summary.Sample::pairs).toArray()),
                    new Plot.Series("interleaving edges", t, p.stream().mapToDouble(Summary.Sample::edges).toArray())), "", null);
            plot(b, flat, "corpus size", "time (s)", "inputs", List.of(
                    new Plot.Series("corpus", t, p.stream().mapToDouble(Summary.Sample::corpus).toArray())), "inputs", null);
            plot(b, flat, "execution rate", "time (s)", "executions/s", List.of(
                    new Plot.Series("executions/s", t, p.stream().mapToDouble(Summary.Sample::execsPerSecond).toArray())), "/s", null);
            b.append("</div>");
            if (!flat.isEmpty())
                b.append("<p class=\"note\">Not drawn, constant: ").append(e(String.join("; ", flat))).append(".</p>");
        }
        b.append("</section>");
    }

    /** Draws the series that change in one chart; the constant ones go to {@code flat} as a sentence. */
    static void plot(StringBuilder b, List<String> flat, String title, String x, String y, List<Plot.Series> series, String unit,
                     java.util.function.DoubleFunction<String> xTicks) {
        List<Plot.Series> moving = series.stream().filter(s -> !s.constant()).toList();
        List<Plot.Series> still = series.stream().filter(Plot.Series::constant).toList();
        if (!still.isEmpty())
            flat.add(Plot.constantNote(still, unit));
        if (!moving.isEmpty())
            b.append(Plot.svg(title, x, y, moving, xTicks));
    }

    static void history(StringBuilder b, NightlyReport r) {
        b.append("<section id=\"history\"><h2>History across nights</h2>");
        List<Summary> nights = new ArrayList<>();
        for (History.Night n : r.history)
            nights.add(n.summary());
        nights.add(r.summary());
        b.append("<p class=\"sub\">").append(nights.size()).append(nights.size() == 1 ? " night" : " nights").append(" from ")
                .append(e(r.historyFrom)).append(" and tonight.</p>");
        if (nights.size() < 2) {
            b.append("<p>Only tonight so far: the charts start with the second night.</p>");
        } else {
            double[] x = new double[nights.size()];
            for (int i = 0; i < x.length; i++)
                x[i] = i;
            java.util.function.DoubleFunction<String> label = i -> shortDate(nights.get((int) Math.round(i)).started());
            List<String> flat = new ArrayList<>();
            b.append("<div class=\"plots\">");
            plot(b, flat, "groups of findings", "night (UTC)", "groups", List.of(series("all groups", x, nights, s -> size(s.groups())),
                    series("new groups", x, nights, s -> s.groups() == null ? 0 : s.groups().stream().filter(g -> !g.known()).count())), "", label);
            plot(b, flat, "coverage (best campaign)", "night (UTC)", "count", List.of(
                    series("probes", x, nights, s -> max(s, Summary.CampaignStats::probes)),
                    series("operation pairs", x, nights, s -> max(s, Summary.CampaignStats::pairs))), "", label);
            plot(b, flat, "corpus size (largest campaign)", "night (UTC)", "inputs", List.of(
                    series("corpus", x, nights, s -> max(s, Summary.CampaignStats::corpus))), "inputs", label);
            plot(b, flat, "execution rate (mean of campaigns)", "night (UTC)", "executions/s", List.of(
                    series("executions/s", x, nights, NightlyPage::meanRate)), "/s", label);
            mutation(b, flat, nights, label);
            b.append("</div>");
            if (!flat.isEmpty())
                b.append("<p class=\"note\">Not drawn, the same every night: ").append(e(String.join("; ", flat))).append(".</p>");
        }
        for (String n : r.notes)
            b.append("<p class=\"note\">").append(e(n)).append("</p>");
        b.append("</section>");
    }

    /** The mutation score, only over the nights whose summary has one. */
    static void mutation(StringBuilder b, List<String> flat, List<Summary> nights, java.util.function.DoubleFunction<String> label) {
        List<Double> xs = new ArrayList<>(), ys = new ArrayList<>();
        for (int i = 0; i < nights.size(); i++) {
            Summary.MutationScore m = nights.get(i).mutation();
            if (m != null && m.percent() != null) {
                xs.add((double) i);
                ys.add(m.percent());
            }
        }
        if (!xs.isEmpty())
            plot(b, flat, "mutation score", "night (UTC)", "mutants killed (%)", List.of(new Plot.Series("mutation score",
                    xs.stream().mapToDouble(Double::doubleValue).toArray(), ys.stream().mapToDouble(Double::doubleValue).toArray())), "%", label);
    }

    static Plot.Series series(String name, double[] x, List<Summary> nights, java.util.function.ToDoubleFunction<Summary> f) {
        return new Plot.Series(name, x, nights.stream().mapToDouble(f).toArray());
    }

    static double max(Summary s, java.util.function.ToIntFunction<Summary.CampaignStats> f) {
        return s.campaigns() == null ? 0 : s.campaigns().values().stream().mapToInt(f).max().orElse(0);
    }

    static double meanRate(Summary s) {
        return s.campaigns() == null ? 0 : s.campaigns().values().stream().mapToDouble(Summary.CampaignStats::execsPerSecond).average().orElse(0);
    }

    static int size(List<?> l) {
        return l == null ? 0 : l.size();
    }

    static void rules(StringBuilder b, NightlyReport r) {
        Map<String, String> reasons = new TreeMap<>(), causes = new TreeMap<>();
        for (var v : r.outcomes.values())
            for (NightlyReport.Cell c : v.keySet()) {
                if (c.reason() != null)
                    reasons.put(c.reason(), rule(c.reason()));
                if (c.rootCause() != null)
                    causes.put(c.rootCause(), "");
            }
        for (Summary.Group g : r.groups) {
            reasons.put(g.reason(), rule(g.reason()));
            if (g.rootCause() != null)
                causes.put(g.rootCause(), "");
        }
        for (Summary.Gone g : r.gone)
            reasons.put(g.reason(), rule(g.reason()));
        b.append("<section id=\"rules\"><h2>Rules behind the reasons</h2><table><tr><th>reason</th><th>rule</th></tr>");
        for (var x : reasons.entrySet())
            b.append("<tr id=\"rule-").append(anchor(x.getKey())).append("\"><td><code>").append(e(x.getKey())).append("</code></td><td>")
                    .append(e(x.getValue())).append("</td></tr>");
        b.append("</table>");
        if (!causes.isEmpty()) {
            b.append("<p>Known root causes (the oracle recognises them; they are upstream bugs every variant shares, not the path under test):</p><ul>");
            for (String c : causes.keySet())
                b.append("<li id=\"cause-").append(anchor(c)).append("\">").append(e(c)).append("</li>");
            b.append("</ul>");
        }
        b.append("<p class=\"sub\">Known bug classes, from the corpus's <code>expect ... forbidden</code> lines: ");
        List<String> l = new ArrayList<>();
        r.knowledge.classes().forEach((v, rs) -> l.add(v + ": " + String.join(", ", rs)));
        b.append(l.isEmpty() ? "none" : e(String.join("; ", l))).append(".</p></section>");
    }

    static void files(StringBuilder b, NightlyReport r) {
        b.append("<section id=\"files\"><h2>Files</h2><p><a href=\"summary.json\">summary.json</a> · <a href=\"gate.txt\">gate.txt</a> · ")
                .append("<a href=\"gate.xml\">gate.xml</a> · <a href=\"corpus/\">corpus/</a> (the campaigns' copy of the corpus; the checked-in one is only read)");
        for (var c : r.campaigns.entrySet())
            if (c.getValue().log() != null)
                b.append(" · <a href=\"").append(e(c.getValue().log())).append("\">").append(e(c.getKey())).append(" log</a>");
        b.append("</p></section>");
    }

    static String anchor(String s) {
        return s.replaceAll("[^A-Za-z0-9_-]+", "-");
    }

    static String num(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.format(Locale.ROOT, "%,d", (long) v) : String.format(Locale.ROOT, "%,.1f", v);
    }

    static String date(String iso) {
        try {
            return DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC).format(Instant.parse(iso));
        } catch (RuntimeException x) {
            return iso == null ? "" : iso;
        }
    }

    static String shortDate(String iso) {
        try {
            return DateTimeFormatter.ofPattern("MM-dd HH:mm").withZone(ZoneOffset.UTC).format(Instant.parse(iso));
        } catch (RuntimeException x) {
            return iso == null ? "?" : iso;
        }
    }

    static String e(String s) {
        return s == null ? "" : TraceView.esc(s);
    }
}
