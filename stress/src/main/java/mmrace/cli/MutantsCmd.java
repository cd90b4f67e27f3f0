package mmrace.cli;

import mmrace.report.Json;
import mmrace.report.MutationReport;
import mmrace.runtime.Mutant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * ./mmrace mutants: the mutation score. For each mutant of the catalogue ({@link Mutant}, argued
 * in docs/MUTANTS.md): the gate's corpus replay with the mutant on, and coverage-guided fuzzing from
 * an empty corpus within the budget; killed or survived, the time and executions to the kill, the
 * reason, and whether the kill shows the mutant's mechanism. Writes OUT/mutants.txt, OUT/mutants.json
 * (its "mutation" field in the shape the nightly's summary carries) and OUT/index.html.
 */
@Command(name = "mutants", mixinStandardHelpOptions = true, description = {"The mutation score: plants each known-bad change of the catalogue (docs/MUTANTS.md) in the port",
        "and counts what kills it: the gate's corpus replay and fuzzing from an empty corpus (a kill must be a forbidden",
        "outcome the unmutated port does not give on the same input; one that needs triage never kills).",
        "Writes OUT/mutants.txt, mutants.json, index.html.",
        "Exit status: 0 measured, 1 the gate fails on the unmutated port (a check of the real port failed: kills would mean nothing), 2 bad input,",
        "70 internal error (./mmrace --help)."})
final class MutantsCmd implements Callable<Integer> {
    @Option(names = "--only", paramLabel = "ID[,ID...]", description = "Only these mutants (default: the whole catalogue).")
    String only;

    @Option(names = "--budget", defaultValue = "60s", paramLabel = "DURATION", description = "Fuzzing time per mutant and seed (default ${DEFAULT-VALUE}; 0s: no fuzzing).")
    String budget;

    @Option(names = "--seeds", defaultValue = "1", paramLabel = "N", description = "Fuzzing campaigns per mutant, seeds --seed .. --seed+N-1 (default ${DEFAULT-VALUE}).")
    int seeds;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "S", description = "The first campaign seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--jobs", defaultValue = "1", paramLabel = "N", description = {"Measure N mutants at a time, each group in its own JVM (default ${DEFAULT-VALUE}).",
            "Fuzzing is CPU-bound: more jobs than cores only slows every campaign (capped at 2 per CPU)."})
    int jobs;

    @Option(names = "--out", defaultValue = "mutants-out", paramLabel = "DIR", description = "Where the report and the campaigns go (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--corpus", defaultValue = "corpus", paramLabel = "DIR", description = "The corpus the gate replays (default ${DEFAULT-VALUE}).")
    Path corpus;

    @Option(names = "--no-gate", description = "Fuzzing only.")
    boolean noGate;

    @Option(names = "--regressions", paramLabel = "DIR", description = {"Write each fuzzing kill the gate missed (one that shows the",
            "mutant's mechanism) as a regression scenario DIR/mutant-ID.scn, its expect line from the unmutated port."})
    Path regressions;

    @Option(names = "--no-page", hidden = true, description = "No index.html (the parts of a --jobs run).")
    boolean noPage;

    @Option(names = "--list", description = "List the catalogue and exit.")
    boolean list;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        if (list) {
            for (Mutant.Info m : Mutant.catalogue())
                o.printf("%-28s %-26s %-15s %s%n", m.id(), m.area().title, MutationPass.kindName(m.kind()), m.where());
            o.flush();
            return Main.OK;
        }
        List<Mutant.Info> ms = selected();
        if (seeds < 1 || jobs < 1)
            throw new Main.BadInput("--seeds and --jobs must be at least 1");
        Path src = corpus.isAbsolute() || System.getProperty("mmrace.home") == null ? corpus : Path.of(System.getProperty("mmrace.home")).resolve(corpus);
        if (!noGate && !Files.isDirectory(src))
            throw new Main.BadInput(corpus + ": no such directory");
        Path dir = out.toAbsolutePath().normalize();
        Files.createDirectories(dir);
        java.time.Duration b = budget.strip().matches("0+[smh]?") ? java.time.Duration.ZERO : FuzzCmd.duration(budget);
        MutationPass.Plan plan = new MutationPass.Plan(ms, b, seeds, seed, src, !noGate, !b.isZero());
        MutationReport r = jobs == 1 || ms.size() == 1 ? MutationPass.measure(plan, dir, o) : parallel(plan, dir, o);
        MutationPass.write(r, dir, out.toString().replaceAll("/+$", ""), !noPage);
        if (regressions != null)
            writeRegressions(r, dir, o);
        o.println();
        o.print(MutantsText.table(r));
        o.println("mutants: report " + dir.resolve(noPage ? "mutants.txt" : "index.html"));
        o.flush();
        return r.baseline().startsWith("FAILED") ? Main.FORBIDDEN : Main.OK;
    }

    private List<Mutant.Info> selected() {
        if (only == null)
            return Mutant.catalogue();
        List<Mutant.Info> ms = new ArrayList<>();
        try {
            for (String id : Mutant.parseIds(only))
                ms.add(Mutant.info(id));
        } catch (IllegalArgumentException e) {
            throw new Main.BadInput(e.getMessage());
        }
        if (ms.isEmpty())
            throw new Main.BadInput("--only names no mutant");
        return ms;
    }

    /** The fuzzing kills the gate did not make, as regression scenarios (skipping a finding already written for another mutant). */
    private void writeRegressions(MutationReport r, Path dir, PrintWriter o) throws IOException {
        java.util.Set<String> written = new java.util.HashSet<>();
        for (MutationReport.Mutant m : r.mutants()) {
            MutationReport.Kill k = m.fuzz() == null ? null : m.fuzz().first();
            if (k == null || !k.mechanism() || k.finding() == null || m.gate() != null && m.gate().killed())
                continue;
            Path finding = dir.resolve(k.finding());
            String program = Files.readString(finding).replaceAll("(?m)^(name|desc|expect) .*\n", "");
            if (!written.add(program)) {
                o.println("mutants: " + m.id() + ": its kill is the scenario already written for another mutant");
                continue;
            }
            try {
                Path f = mmrace.mutate.Regressions.write(Mutant.info(m.id()), finding, mmrace.scenario.Variant.byId(k.variant()), regressions);
                o.println("mutants: regression " + f);
            } catch (IllegalStateException | mmrace.scenario.ScenarioError e) {
                o.println("mutants: " + m.id() + ": no regression: " + e.getMessage());
            }
        }
        o.flush();
    }

    /** {@code jobs} JVMs, each measuring every jobs-th mutant into OUT/parts/i; their reports merged in catalogue order. */
    private MutationReport parallel(MutationPass.Plan plan, Path dir, PrintWriter o) throws IOException, InterruptedException {
        String started = Instant.now().toString();
        int n = Math.min(FuzzCmd.cappedJobs(jobs, Runtime.getRuntime().availableProcessors(), spec.commandLine().getErr()),
                plan.mutants().size());
        List<Process> ps = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<String> ids = new ArrayList<>();
            for (int j = i; j < plan.mutants().size(); j += n)
                ids.add(plan.mutants().get(j).id());
            Path part = dir.resolve("parts").resolve(String.valueOf(i));
            List<String> cmd = javaCommand(List.of("mutants", "--only", String.join(",", ids), "--budget", budget, "--seeds",
                    String.valueOf(seeds), "--seed", String.valueOf(seed), "--out", part.toString(), "--corpus", plan.corpus().toString(),
                    "--no-page"));
            if (noGate)
                cmd.add("--no-gate");
            o.println("mutants: job " + i + ": " + String.join(",", ids));
            o.flush();
            ps.add(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("part-" + i + ".log").toFile()).start());
        }
        List<MutationReport.Mutant> all = new ArrayList<>();
        String baseline = null;
        for (int i = 0; i < n; i++) {
            ps.get(i).waitFor();
            Path json = dir.resolve("parts").resolve(String.valueOf(i)).resolve("mutants.json");
            if (!Files.isRegularFile(json))
                throw new IOException("job " + i + " wrote no report; see " + dir.resolve("part-" + i + ".log"));
            MutationReport part = Json.readMutation(json);
            baseline = baseline == null ? part.baseline() : baseline;
            for (MutationReport.Mutant m : part.mutants())
                all.add(relocate(m, "parts/" + i + "/"));
        }
        List<String> order = plan.mutants().stream().map(Mutant.Info::id).toList();
        all.sort(java.util.Comparator.comparingInt(m -> order.indexOf(m.id())));
        return MutationPass.report(started, plan, baseline, all);
    }

    /** The mutant with its finding path made relative to the merged report's directory. */
    private static MutationReport.Mutant relocate(MutationReport.Mutant m, String prefix) {
        MutationReport.Fuzz f = m.fuzz();
        if (f == null || f.first() == null || f.first().finding() == null)
            return m;
        MutationReport.Kill k = f.first();
        MutationReport.Kill k2 = new MutationReport.Kill(k.reason(), k.variant(), k.seconds(), k.executions(), prefix + k.finding(),
                k.mutantOn(), k.mutantOff(), k.mechanism());
        return new MutationReport.Mutant(m.id(), m.area(), m.where(), m.bugClass(), m.cite(), m.variants(), m.kind(), m.why(), m.killed(),
                m.gate(), new MutationReport.Fuzz(f.seeds(), f.kills(), f.medianSeconds(), f.medianExecutions(), k2, f.trials()));
    }

    /** This JVM's java, its options and class path, running the command line with {@code args}. */
    static List<String> javaCommand(List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments())
            if (!a.startsWith("-agentlib:jdwp") && !a.startsWith("-Dmmrace.mutant"))
                cmd.add(a);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(args);
        return cmd;
    }
}
