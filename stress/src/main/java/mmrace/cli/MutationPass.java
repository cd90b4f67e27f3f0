package mmrace.cli;

import mmrace.fuzz.Target;
import mmrace.mutate.Fuzzing;
import mmrace.mutate.MutantTarget;
import mmrace.oracle.Verdict;
import mmrace.report.Json;
import mmrace.report.MutationReport;
import mmrace.report.Summary;
import mmrace.run.Runner;
import mmrace.runtime.Mutant;
import mmrace.sched.Config;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One mutation pass: for each mutant, the gate's corpus replay with the mutant on (in this
 * process, {@link Mutant#set}), then fuzzing from an empty corpus ({@link Fuzzing}); the report
 * ({@link MutationReport}) as mutants.json, mutants.txt and index.html. Used by
 * {@code ./mmrace mutants} and by the nightly.
 */
final class MutationPass {
    private MutationPass() {}

    /** What to measure and how long. */
    record Plan(List<Mutant.Info> mutants, Duration budget, int seeds, long seed, Path corpus, boolean gate, boolean fuzz) {}

    /** Runs the pass; one line per mutant to {@code log} as it is measured. */
    static MutationReport measure(Plan p, Path out, PrintWriter log) throws IOException {
        String started = Instant.now().toString();
        String baseline = p.gate() ? baseline(p.corpus()) : "not run";
        log.println("mutants: gate on the unmutated port: " + baseline);
        log.flush();
        List<MutationReport.Mutant> rs = new ArrayList<>();
        for (Mutant.Info m : p.mutants()) {
            MutationReport.Gate g = p.gate() ? gate(m.id(), p.corpus()) : null;
            MutationReport.Fuzz f = p.fuzz() && p.budget().toMillis() > 0 ? Fuzzing.fuzz(m, p.budget(), p.seeds(), p.seed(), out) : null;
            boolean killed = g != null && g.killed() || f != null && f.kills() > 0;
            rs.add(new MutationReport.Mutant(m.id(), m.area().title, m.where(), m.bugClass(), m.cite(), m.variants(), kindName(m.kind()),
                    m.why(), killed, g, f));
            log.println("mutants: " + MutantsText.row(rs.get(rs.size() - 1)));
            log.flush();
        }
        return report(started, p, baseline, rs);
    }

    static MutationReport report(String started, Plan p, String baseline, List<MutationReport.Mutant> rs) {
        return new MutationReport(MutationReport.FORMAT, started, Instant.now().toString(), p.budget().toSeconds() + "s", p.seeds(),
                NightlyCmd.machine(), baseline, score(rs, m -> m.killed()), score(rs, m -> m.gate() != null && m.gate().killed()),
                score(rs, m -> m.fuzz() != null && m.fuzz().kills() > 0), rs);
    }

    /** Killed of the mutants not expected equivalent. */
    static Summary.MutationScore score(List<MutationReport.Mutant> rs, java.util.function.Predicate<MutationReport.Mutant> killed) {
        List<MutationReport.Mutant> counted = rs.stream().filter(m -> !m.kind().equals(kindName(Mutant.Kind.EQUIVALENT))).toList();
        return new Summary.MutationScore((int) counted.stream().filter(killed).count(), counted.size());
    }

    static String kindName(Mutant.Kind k) {
        return k.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The gate's corpus replay on the unmutated port: "passed", or its first failure. */
    static String baseline(Path corpus) throws IOException {
        MutationReport.Gate g = replay(Set.of(), corpus);
        return g.failed() == 0 ? "passed (" + g.checks() + " checks)" : "FAILED: " + (g.kill() != null ? g.kill() : g.failure());
    }

    /** The gate's corpus replay with mutant {@code id} on. */
    static MutationReport.Gate gate(String id, Path corpus) throws IOException {
        return replay(Set.of(id), corpus);
    }

    /**
     * The corpus replay with {@code ids} on. A failing check kills only if its verdict is forbidden
     * and the unmutated port does not give that reason on the scenario ({@link MutantTarget#sharedWithPort}),
     * or if the scenario could not be replayed.
     */
    private static MutationReport.Gate replay(Set<String> ids, Path corpus) throws IOException {
        GateCmd gate = new GateCmd();
        StringWriter text = new StringWriter();
        PrintWriter w = new PrintWriter(text, true);
        CommandLine cl = new CommandLine(gate); // injects the command's spec (its error stream)
        cl.setOut(w);
        cl.setErr(w);
        MutantTarget target = new MutantTarget(ids);
        Set<String> killing = new java.util.HashSet<>();
        if (!ids.isEmpty())
            gate.replayer = (s, v) -> {
                Target.Run r = target.mutated(s, v, Runner.strategy(s, v), Config.DEFAULT);
                if (r.verdict().cls() == Verdict.Cls.FORBIDDEN && target.sharedWithPort(s, v, r, Config.DEFAULT) == null)
                    killing.add(s.source + " [" + v.id + "]");
                return r.verdict();
            };
        List<GateCmd.Check> checks = new ArrayList<>();
        long t0 = System.nanoTime();
        gate.replayCorpus(corpus, checks, w);
        List<GateCmd.Check> failed = checks.stream().filter(c -> !c.ok()).toList();
        List<GateCmd.Check> kills = failed.stream().filter(c -> c.error() || killing.contains(c.name())).toList();
        List<GateCmd.Check> others = failed.stream().filter(c -> !kills.contains(c)).toList();
        return new MutationReport.Gate(!kills.isEmpty(), checks.size(), failed.size(), NightlyCmd.round((System.nanoTime() - t0) / 1e9),
                kills.isEmpty() ? null : kills.get(0).failure(), others.isEmpty() ? null : others.get(0).failure());
    }

    /** mutants.json, mutants.txt and (unless {@code page} is false) index.html under {@code out}. */
    static void write(MutationReport r, Path out, String outName, boolean page) {
        Scenarios.writeAtomically(out.resolve("mutants.json"), Json.write(r));
        Scenarios.writeAtomically(out.resolve("mutants.txt"), MutantsText.table(r));
        if (page)
            Scenarios.writeAtomically(out.resolve("index.html"), MutantsPage.render(r, outName));
    }
}
