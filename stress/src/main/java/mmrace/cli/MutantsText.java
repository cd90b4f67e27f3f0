package mmrace.cli;

import mmrace.report.MutationReport;
import mmrace.report.Summary;

import java.util.Locale;

/** The text table of a mutation pass: one row per mutant, then the scores. */
final class MutantsText {
    private MutantsText() {}

    static final String HEADER = String.format(Locale.ROOT, "%-28s %-26s %-15s %-6s %-6s %8s %8s  %-30s %s",
            "mutant", "area", "kind", "gate", "fuzz", "to kill", "execs", "fuzz kill (variant)", "mechanism");

    /** One row: gate KILL/-, fuzz kills/seeds, median time and executions to the kill, the first kill's reason, its mechanism check. */
    static String row(MutationReport.Mutant m) {
        MutationReport.Fuzz f = m.fuzz();
        MutationReport.Kill k = f == null ? null : f.first();
        String gate = m.gate() == null ? "n/a" : m.gate().killed() ? "KILL" : "-";
        String fuzz = f == null ? "n/a" : f.kills() + "/" + f.seeds();
        String time = f == null || f.medianSeconds() == null ? "-" : String.format(Locale.ROOT, "%.1fs", f.medianSeconds());
        String execs = f == null || f.medianExecutions() == null ? "-" : String.valueOf(f.medianExecutions());
        String what = k == null ? "" : k.reason() + " (" + k.variant() + ")";
        String mech = k == null ? "" : k.mechanism() ? "yes" : "no: on " + k.mutantOn() + ", off " + k.mutantOff();
        return String.format(Locale.ROOT, "%-28s %-26s %-15s %-6s %-6s %8s %8s  %-30s %s", m.id(), m.area(), m.kind(), gate, fuzz, time,
                execs, what, mech).stripTrailing();
    }

    static String table(MutationReport r) {
        StringBuilder b = new StringBuilder();
        b.append("mutation pass ").append(r.started()).append(": ").append(r.mutants().size()).append(" mutants, fuzzing ").append(r.budget())
                .append(" x ").append(r.seeds()).append(r.seeds() == 1 ? " seed" : " seeds").append(" each; ").append(r.machine()).append('\n');
        b.append("gate on the unmutated port: ").append(r.baseline()).append("\n\n");
        b.append(HEADER).append('\n');
        for (MutationReport.Mutant m : r.mutants())
            b.append(row(m)).append('\n');
        b.append('\n');
        b.append("mutation score: ").append(score(r.mutation())).append(" (killed by the gate or by fuzzing; equivalent mutants left out)\n");
        b.append("  gate (corpus replay): ").append(score(r.gate())).append('\n');
        b.append("  fuzzing:              ").append(score(r.fuzz())).append('\n');
        String survivors = String.join(", ", r.mutants().stream().filter(m -> !m.killed()).map(m -> m.id() + " [" + m.kind() + "]").toList());
        b.append("survived: ").append(survivors.isEmpty() ? "none" : survivors).append('\n');
        String triage = String.join(", ", r.mutants().stream().filter(m -> triage(m) > 0).map(m -> m.id() + " (" + triage(m) + ")").toList());
        if (!triage.isEmpty())
            b.append("needed triage while fuzzing (outcomes the oracle cannot explain; not kills): ").append(triage).append('\n');
        return b.toString();
    }

    /** Executions of the mutant's campaigns whose outcome needed triage (never counted as kills). */
    static long triage(MutationReport.Mutant m) {
        return m.fuzz() == null || m.fuzz().trials() == null ? 0 : m.fuzz().trials().stream().mapToLong(MutationReport.Trial::triage).sum();
    }

    static String score(Summary.MutationScore s) {
        return s == null ? "-" : s.killed() + " of " + s.total() + (s.percent() == null ? "" : String.format(Locale.ROOT, " (%.0f%%)", s.percent()));
    }
}
