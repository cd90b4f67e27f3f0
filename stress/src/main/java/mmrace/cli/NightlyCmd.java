package mmrace.cli;

import mmrace.fuzz.Campaign;
import mmrace.fuzz.Minimize;
import mmrace.fuzz.PortTarget;
import mmrace.report.History;
import mmrace.report.Json;
import mmrace.report.Summary;
import mmrace.oracle.Verdict;
import mmrace.run.Runner;
import mmrace.scenario.Scenario;
import mmrace.scenario.ScenarioError;
import mmrace.scenario.ScenarioParser;
import mmrace.scenario.Variant;
import mmrace.sched.Config;
import mmrace.sched.Explorer;
import mmrace.sched.Pct;
import mmrace.sched.RandomWalk;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * ./mmrace nightly: JCStress in a longer mode, a fuzzing campaign per variant on a copy of the
 * corpus (OUT/corpus: nothing is written outside OUT, except tonight's summary into an explicit
 * --history), schedule exploration of the corpus per variant, the gate; a report a person opens in
 * a browser (OUT/index.html: what is new tonight first, then what changed since the night before)
 * and OUT/summary.json for machines and for the next night.
 */
@Command(name = "nightly", description = {"The nightly run: JCStress, a fuzzing campaign per variant on a copy of the corpus (OUT/corpus),",
        "exploration of the corpus under every variant, the gate; report in OUT/index.html and OUT/summary.json.",
        "Writes only under OUT (and tonight's summary into --history DIR when given). Keep a finding with ./mmrace promote.",
        "Exit status: 0 the gate and JCStress passed, 1 either failed (a forbidden outcome in a variant expected",
        "to be safe, or a recorded one lost), 2 bad input."})
final class NightlyCmd implements Callable<Integer> {
    @Option(names = "--out", required = true, paramLabel = "DIR")
    Path out;

    @Option(names = "--budget", defaultValue = "2h", paramLabel = "DURATION", description = "Total time (default ${DEFAULT-VALUE}).")
    String budget;

    @Option(names = "--corpus", defaultValue = "corpus", paramLabel = "DIR", description = "The corpus, only read (default ${DEFAULT-VALUE}).")
    Path corpus;

    @Option(names = "--history", paramLabel = "DIR", description = {"Summaries of earlier nights (DIR/*.json, DIR/*/summary.json); tonight's is added.",
            "Default: the directories beside OUT (OUT/../*/summary.json) and OUT/history/, where tonight's is kept."})
    Path history;

    @Option(names = "--variant", defaultValue = "all", paramLabel = "V[,V...]")
    String variant;

    @Option(names = "--no-jcstress", description = "Skip JCStress.")
    boolean noJcstress;

    @Option(names = "--no-mutants", description = "Skip the mutation pass (./mmrace mutants with a tenth of the budget).")
    boolean noMutants;

    @Option(names = "--mutants", paramLabel = "ID[,ID...]", description = "The mutants of the mutation pass (default: the whole catalogue).")
    String mutants;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        Duration total = FuzzCmd.duration(budget);
        List<Variant> vs = Scenarios.parseVariants(variant);
        Path src = corpus.isAbsolute() || System.getProperty("mmrace.home") == null ? corpus : Path.of(System.getProperty("mmrace.home")).resolve(corpus);
        if (!Files.isDirectory(src))
            throw new Main.BadInput(corpus + ": no such directory");
        Path dir = out.toAbsolutePath().normalize();
        NightlyCorpus.checkOut(src, dir);
        Files.createDirectories(dir);
        NightlyReport rep = new NightlyReport();
        rep.started = Instant.now().toString();
        rep.budget = budget;
        rep.machine = machine();
        rep.outName = out.toString().replaceAll("/+$", "");
        List<Path> historyDirs = history != null ? List.of(history)
                : dir.getParent() == null ? List.of(dir.resolve("history")) : List.of(dir.getParent(), dir.resolve("history"));
        rep.history = History.load(historyDirs, rep.notes);
        rep.historyFrom = String.join(", ", historyDirs.stream().map(Path::toString).toList());
        long t0 = System.nanoTime();

        Path copy = NightlyCorpus.copy(src, dir);
        List<Path> files = corpusFiles(copy);
        rep.knowledge = NightlyCorpus.knowledge(files, copy, corpus.toString().replaceAll("/+$", ""), rep.notes);
        o.println("nightly: corpus " + src + " copied to " + copy + " (" + files.size() + " scenarios; the campaigns write only there)");

        if (!noJcstress) {
            Duration share = total.multipliedBy(2).dividedBy(10);
            o.println("nightly: JCStress (" + share.toSeconds() + " s)");
            Jcstress.Result j = Jcstress.nightlyPass(share, dir.resolve("jcstress"), o, err);
            rep.jcstressSummary = j.summary();
            rep.jcstressOk = j.ok();
            rep.jcstressLink = j.report() == null ? null : dir.relativize(j.report().toAbsolutePath()).toString();
        }

        List<Campaign.FindingEvent> events = fuzz(vs, total, t0, copy, dir, rep, o);
        NightlyFindings.report(events, dir, copy.resolve("findings"), rep);
        if (!noMutants)
            mutation(total, src, dir, rep, o);

        Duration left = total.minus(Duration.ofNanos(System.nanoTime() - t0));
        // the gate (replays only: JCStress ran above) keeps the last tenth, at least 90 s
        Duration gateShare = total.dividedBy(10).compareTo(Duration.ofSeconds(90)) > 0 ? total.dividedBy(10) : Duration.ofSeconds(90);
        long perCell = Math.max(1, left.minus(gateShare).toMillis() / Math.max(1, files.size() * vs.size()));
        o.println("nightly: explore " + files.size() + " scenarios x " + vs.size() + " variants (" + perCell + " ms each)");
        for (Path f : files) {
            Scenario s;
            try {
                s = ScenarioParser.parse(f);
            } catch (ScenarioError e) {
                continue; // noted with the corpus's knowledge; the gate reports it
            }
            for (Variant v : vs)
                explore(s, v, perCell, rep);
        }

        gate(src, dir, rep, o, err);
        rep.finished = Instant.now().toString();
        return finish(rep, dir, o);
    }

    /** One campaign per variant on the copy; their samples, logs and finding events. */
    private List<Campaign.FindingEvent> fuzz(List<Variant> vs, Duration total, long t0, Path copy, Path dir, NightlyReport rep, PrintWriter o)
            throws IOException {
        // Fuzzing until 70% of the budget, shared among the campaigns still to run, so that one that
        // overran (its findings are minimised after its time) shortens the next ones; each gets 85%
        // of its share as fuzzing time and leaves the rest for that minimisation.
        long fuzzEnd = t0 + total.multipliedBy(7).dividedBy(10).toNanos();
        List<Campaign.FindingEvent> events = new ArrayList<>();
        for (int i = 0; i < vs.size(); i++) {
            Variant v = vs.get(i);
            Duration fuzzEach = Duration.ofNanos(Math.max(0, fuzzEnd - System.nanoTime()) / (vs.size() - i)).multipliedBy(85).dividedBy(100);
            if (fuzzEach.toSeconds() < 5)
                fuzzEach = Duration.ofSeconds(5);
            o.println("nightly: fuzz " + v.id + " (" + fuzzEach.toSeconds() + " s)");
            o.flush();
            List<Summary.Sample> samples = new ArrayList<>();
            StringBuilder log = new StringBuilder();
            Campaign.Options opts = Campaign.Options.of(List.of(v)).withTime(fuzzEach).withCorpus(copy).withSeed(seedOf(rep.started))
                    .withProgressEvery(Duration.ofSeconds(Math.max(1, fuzzEach.toSeconds() / 60)))
                    // a short campaign cannot spend two minutes minimising each finding
                    .withShrink(fuzzEach.toSeconds() < 60 ? Minimize.Budget.SMALL : Minimize.Budget.DEFAULT);
            Campaign.Summary sum = new Campaign(opts, PortTarget::new).run(p -> {
                log.append(p.line()).append('\n');
                samples.add(sample(samples, p.elapsed(), p.executions(), p.probes(), p.edges(), p.pairs(), p.corpus()));
            });
            samples.add(sample(samples, sum.elapsed(), sum.executions(), sum.probes(), sum.edges(), sum.pairs(), sum.corpus()));
            log.append(sum.text());
            String logName = "campaigns/" + v.id + ".log";
            Scenarios.writeAtomically(dir.resolve(logName), log.toString());
            double secs = sum.elapsed().toMillis() / 1000.0;
            rep.campaigns.put(v.id, new Summary.CampaignStats(round(secs), sum.executions(), round(secs == 0 ? 0 : sum.executions() / secs),
                    sum.probes(), sum.edges(), sum.pairs(), sum.corpus(), logName, samples));
            events.addAll(sum.events());
        }
        return events;
    }

    /**
     * The mutation pass (./mmrace mutants) over the catalogue with a tenth of the budget: half of it
     * for the gate's corpus replays, half for fuzzing (at least 1 s per mutant); its report in
     * OUT/mutants/, its score into tonight's summary (plotted across nights).
     */
    private void mutation(Duration total, Path src, Path dir, NightlyReport rep, PrintWriter o) throws IOException {
        List<mmrace.runtime.Mutant.Info> ms = new ArrayList<>();
        try {
            for (String id : mutants == null ? mmrace.runtime.Mutant.catalogue().stream().map(mmrace.runtime.Mutant.Info::id).toList()
                    : mmrace.runtime.Mutant.parseIds(mutants))
                ms.add(mmrace.runtime.Mutant.info(id));
        } catch (IllegalArgumentException e) {
            throw new Main.BadInput(e.getMessage());
        }
        Duration each = total.dividedBy(20L * Math.max(1, ms.size()));
        if (each.toSeconds() < 1)
            each = Duration.ofSeconds(1);
        o.println("nightly: mutation pass, " + ms.size() + " mutants (fuzzing " + each.toSeconds() + " s each)");
        o.flush();
        Path mdir = dir.resolve("mutants");
        java.io.StringWriter log = new java.io.StringWriter();
        mmrace.report.MutationReport r = MutationPass.measure(new MutationPass.Plan(ms, each, 1, seedOf(rep.started), src, true, true), mdir,
                new PrintWriter(log, true));
        MutationPass.write(r, mdir, rep.outName + "/mutants", true);
        Files.writeString(mdir.resolve("pass.log"), log.toString());
        rep.mutation = r.mutation();
        rep.mutationLink = "mutants/index.html";
    }

    /** A progress sample; its rate is over the time since the sample before. */
    static Summary.Sample sample(List<Summary.Sample> before, Duration at, long execs, int probes, int edges, int pairs, int corpus) {
        double t = at.toMillis() / 1000.0;
        Summary.Sample last = before.isEmpty() ? null : before.get(before.size() - 1);
        double dt = last == null ? t : t - last.seconds();
        double rate = dt <= 0 ? (last == null ? 0 : last.execsPerSecond()) : (execs - (last == null ? 0 : last.executions())) / dt;
        return new Summary.Sample(round(t), execs, round(rate), probes, edges, pairs, corpus);
    }

    static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    /** The gate over the checked-in corpus (read only; JCStress ran above, so --no-jcstress). */
    private static void gate(Path src, Path dir, NightlyReport rep, PrintWriter o, PrintWriter err) throws IOException {
        o.println("nightly: gate");
        StringWriter gout = new StringWriter();
        int g = Main.execute(new PrintWriter(gout, true), err, "gate", "--corpus", src.toAbsolutePath().toString(), "--junit-xml",
                dir.resolve("gate.xml").toString(), "--no-jcstress");
        Files.writeString(dir.resolve("gate.txt"), gout.toString());
        rep.gateOk = g == 0;
        String[] lines = gout.toString().strip().split("\n");
        rep.gateSummary = lines[lines.length - 1] + (g == 0 ? "" : " (see gate.txt)");
    }

    /** summary.json (with the comparison to the night before), the history copy, index.html. */
    private Integer finish(NightlyReport rep, Path dir, PrintWriter o) {
        Summary prev = History.previous(rep.history, rep.started);
        if (prev != null)
            rep.since = History.diff(prev, rep.summary());
        String json = Json.write(rep.summary());
        Scenarios.writeAtomically(dir.resolve("summary.json"), json);
        Path keep = (history != null ? history : dir.resolve("history")).resolve(History.fileName(rep.started));
        Scenarios.writeAtomically(keep, json);
        Scenarios.writeAtomically(dir.resolve("index.html"), rep.html());
        long fresh = rep.newGroups().size();
        o.println(String.format(Locale.ROOT, "nightly: report %s (new tonight: %d groups; %d known; gate %s)", dir.resolve("index.html"), fresh,
                rep.groups.size() - fresh, rep.gateOk ? "passed" : "FAILED"));
        o.flush();
        return rep.gateOk && (noJcstress || rep.jcstressOk) ? Main.OK : Main.FORBIDDEN;
    }

    static List<Path> corpusFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.toString().endsWith(".scn") && !dir.relativize(p).startsWith("queue")).sorted().toList();
        }
    }

    /** Random walk and PCT over one scenario and variant for about {@code millis}; counts verdicts. */
    static void explore(Scenario s, Variant v, long millis, NightlyReport rep) {
        long deadline = System.nanoTime() + millis * 1_000_000;
        Runner.Built[] cur = new Runner.Built[1];
        for (var st : List.of(new RandomWalk(1), new Pct(3, 0, 1))) {
            long half = deadline - (st instanceof RandomWalk ? (deadline - System.nanoTime()) / 2 : 0);
            try {
                Explorer.explore(() -> {
                    cur[0] = Runner.build(s, v);
                    return cur[0].program();
                }, st, Config.DEFAULT, Long.MAX_VALUE, r -> {
                    rep.count(v.id, cur[0].oracle().verdict(), cur[0].oracle().rootCause());
                    return System.nanoTime() < half;
                }, new ExploreCmd.Forwarding(cur));
            } catch (RuntimeException e) {
                return; // a scenario that cannot be set up: the gate reports it
            }
        }
    }

    static long seedOf(String s) {
        return s.hashCode();
    }

    static String machine() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "?";
        }
        return host + ", " + Runtime.getRuntime().availableProcessors() + " CPUs, Java " + System.getProperty("java.version");
    }
}
