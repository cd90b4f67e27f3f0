package mmrace.cli;

import mmrace.oracle.Verdict;
import mmrace.report.History;
import mmrace.report.Knowledge;
import mmrace.report.Summary;
import mmrace.sched.TraceRecorder;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a nightly gathers for its report: the outcome counts of the corpus by variant, class and
 * reason (each forbidden one placed against what the corpus knows), the campaigns' progress, the
 * findings grouped by root cause or mechanism with a representative trace each, the corpus
 * findings that no longer reproduce, and the history of earlier nights. {@link #summary()} is
 * DIR/summary.json; {@link #html()} DIR/index.html ({@link NightlyPage}).
 */
final class NightlyReport {
    String started, finished, budget, machine, jcstressLink, jcstressSummary = "not run", gateSummary = "not run";
    boolean gateOk = true, jcstressOk = true;
    /** Where the history was read from (for the page), and what was skipped there. */
    String historyFrom = "";
    final List<String> notes = new ArrayList<>();
    Knowledge knowledge = new Knowledge();
    /** The corpus's known issues: only their root causes go to the "known root cause" column. */
    mmrace.scenario.KnownIssues known = mmrace.scenario.KnownIssues.none();
    /** Variant -> (category, reason, root cause) -> executions. */
    final Map<String, Map<Cell, Long>> outcomes = new LinkedHashMap<>();
    /** Variant -> executions that reached a limit of the model (no verdict, not in the table). */
    final Map<String, Long> limits = new TreeMap<>();
    final Map<String, Summary.CampaignStats> campaigns = new LinkedHashMap<>();
    List<Summary.Group> groups = new ArrayList<>();
    /** Group id -> its representative's trace, drawn as swimlanes. */
    final Map<String, Lanes> lanes = new HashMap<>();
    final List<Summary.Gone> gone = new ArrayList<>();
    List<History.Night> history = List.of();
    Summary.SinceLastNight since;
    /** The mutation pass's score (killed of the mutants not argued equivalent); absent when it did not run. */
    Summary.MutationScore mutation;
    /** Its report, relative to DIR. */
    String mutationLink;
    /** The directory the report links are relative to, as the user named it (for commands shown on the page). */
    String outName = "DIR";

    /** One cell of the outcome table. */
    record Cell(Summary.Category category, String reason, String rootCause) {}

    /** A trace to draw: the finding's verdict line, its rows, actors and layout generation changes (step, gen). */
    record Lanes(String verdict, List<TraceRecorder.Row> rows, List<String> actors, List<long[]> gens) {}

    void count(String variant, Verdict v) {
        count(variant, v, null);
    }

    /**
     * Counts one execution of the corpus: a forbidden or needs-triage one with a root cause the
     * oracle recognises goes to "known root cause", another that needs triage to "needs triage",
     * a forbidden one of a reason the corpus records as forbidden for the variant to "forbidden
     * (known bug class)", any other to "forbidden (new)".
     */
    void count(String variant, Verdict v, String rootCause) {
        if (v.cls() == Verdict.Cls.LIMIT) {
            // no verdict: not an outcome of the table; the page's notes say how many
            if (limits.merge(variant, 1L, Long::sum) == 1)
                notes.add("executions of " + variant + " reached a limit of the model (no verdict): " + v.detail());
            return;
        }
        String reason = reasonOf(v);
        Summary.Category c = knowledge.category(v.cls().word(), variant, reason, rootCause);
        Cell cell = new Cell(c, c == Summary.Category.ACCEPTABLE ? null : reason, c == Summary.Category.KNOWN_ROOT_CAUSE ? rootCause : null);
        outcomes.computeIfAbsent(variant, k -> new TreeMap<>(java.util.Comparator.comparing((Cell x) -> x.category())
                .thenComparing(x -> String.valueOf(x.reason())).thenComparing(x -> String.valueOf(x.rootCause())))).merge(cell, 1L, Long::sum);
    }

    /**
     * How the report names a root cause the oracle gave: its known issue ("access-phys-overread:
     * LABEL (upstream bug, WHERE)"), or null if the corpus's known-issues file does not record it
     * (the outcome then counts as forbidden, new or of the variant's known class).
     */
    String knownCause(String rootCause) {
        mmrace.scenario.KnownIssues.Issue i = known.of(rootCause);
        return i == null ? null : i.id() + ": " + i.rootCause() + " (" + i.status() + ", " + i.where() + ")";
    }

    /** The reason code of a verdict as text (the one place the report reads it). */
    static String reasonOf(Verdict v) {
        return String.valueOf(v.reason());
    }

    /** Executions of {@code variant} in {@code c}. */
    long total(String variant, Summary.Category c) {
        return outcomes.getOrDefault(variant, Map.of()).entrySet().stream().filter(e -> e.getKey().category() == c)
                .mapToLong(Map.Entry::getValue).sum();
    }

    Summary summary() {
        List<Summary.OutcomeCount> oc = new ArrayList<>();
        for (var v : outcomes.entrySet())
            for (var c : v.getValue().entrySet())
                oc.add(new Summary.OutcomeCount(v.getKey(), c.getKey().category(), c.getKey().reason(), c.getKey().rootCause(), c.getValue()));
        return new Summary(Summary.FORMAT, started, finished, budget, machine, new Summary.Status(gateOk, gateSummary, "gate.txt"),
                new Summary.Status(jcstressOk, jcstressSummary, jcstressLink), oc, campaigns, groups, gone, mutation, since);
    }

    String html() {
        return NightlyPage.render(this);
    }

    /** The groups new tonight (not known to the corpus). */
    List<Summary.Group> newGroups() {
        return groups.stream().filter(g -> !g.known()).toList();
    }
}
