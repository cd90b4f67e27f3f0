package mmrace.cli;

import mmrace.fuzz.Campaign;
import mmrace.fuzz.PortTarget;
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

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * ./mmrace nightly: JCStress in a longer mode, a fuzzing campaign per variant sharing the corpus,
 * schedule exploration of the corpus per variant, the gate; and a report a person opens in a
 * browser (OUT/index.html) plus OUT/summary.json.
 */
@Command(name = "nightly", description = {"The nightly run: JCStress, a fuzzing campaign per variant sharing the corpus,",
        "exploration of the corpus under every variant, the gate; report in OUT/index.html and OUT/summary.json.",
        "Exit status: 0 the gate and JCStress passed, 1 either failed (a forbidden outcome in a variant expected",
        "to be safe, or a recorded one lost), 2 bad input."})
final class NightlyCmd implements Callable<Integer> {
    @Option(names = "--out", required = true, paramLabel = "DIR")
    Path out;

    @Option(names = "--budget", defaultValue = "2h", paramLabel = "DURATION", description = "Total time (default ${DEFAULT-VALUE}).")
    String budget;

    @Option(names = "--corpus", defaultValue = "corpus", paramLabel = "DIR")
    Path corpus;

    @Option(names = "--variant", defaultValue = "all", paramLabel = "V[,V...]")
    String variant;

    @Option(names = "--no-jcstress", description = "Skip JCStress.")
    boolean noJcstress;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        Duration total = FuzzCmd.duration(budget);
        List<Variant> vs = Scenarios.parseVariants(variant);
        Path dir = corpus.isAbsolute() || System.getProperty("mmrace.home") == null ? corpus : Path.of(System.getProperty("mmrace.home")).resolve(corpus);
        if (!Files.isDirectory(dir))
            throw new Main.BadInput(corpus + ": no such directory");
        Files.createDirectories(out);
        NightlyReport rep = new NightlyReport();
        rep.started = Instant.now().toString();
        rep.budget = budget;
        rep.machine = machine();
        long t0 = System.nanoTime();

        if (!noJcstress) {
            Duration share = total.multipliedBy(2).dividedBy(10);
            o.println("nightly: JCStress (" + share.toSeconds() + " s)");
            Jcstress.Result j = Jcstress.nightlyPass(share, out.resolve("jcstress"), o, err);
            rep.jcstressSummary = j.summary();
            rep.jcstressOk = j.ok();
            rep.jcstressLink = j.report() == null ? null : out.relativize(j.report()).toString();
        }

        // Fuzzing until 70% of the budget, shared among the campaigns still to run, so that one that
        // overran (its findings are minimised after its time) shortens the next ones; each gets 85%
        // of its share as fuzzing time and leaves the rest for that minimisation.
        long fuzzEnd = t0 + total.multipliedBy(7).dividedBy(10).toNanos();
        for (int i = 0; i < vs.size(); i++) {
            Variant v = vs.get(i);
            Duration fuzzEach = Duration.ofNanos(Math.max(0, fuzzEnd - System.nanoTime()) / (vs.size() - i)).multipliedBy(85).dividedBy(100);
            if (fuzzEach.toSeconds() < 5)
                fuzzEach = Duration.ofSeconds(5);
            o.println("nightly: fuzz " + v.id + " (" + fuzzEach.toSeconds() + " s)");
            List<double[]> series = new ArrayList<>();
            long c0 = System.nanoTime();
            Campaign.Options opts = Campaign.Options.of(List.of(v)).withTime(fuzzEach).withCorpus(dir).withSeed(seedOf(rep.started))
                    .withProgressEvery(Duration.ofSeconds(Math.max(1, fuzzEach.toSeconds() / 60)));
            Campaign.Summary sum = new Campaign(opts, PortTarget::new).run(p -> series.add(new double[] {
                    (System.nanoTime() - c0) / 1e9, p.edges(), p.corpus(), p.executions()}));
            series.add(new double[] {sum.elapsed().toMillis() / 1000.0, sum.edges(), sum.corpus(), sum.executions()});
            rep.series.put(v.id, series);
            rep.campaignSummaries.put(v.id, sum.text());
            for (Campaign.FindingEvent e : sum.events())
                if (e.status() == Campaign.FindingStatus.NEW && e.file() != null)
                    rep.findings.add(finding(e));
        }

        List<Path> files = corpusFiles(dir);
        Duration left = total.minus(Duration.ofNanos(System.nanoTime() - t0));
        // the gate (replays only: JCStress ran above) keeps the last tenth, at least 90 s
        Duration gateShare = total.dividedBy(10).compareTo(Duration.ofSeconds(90)) > 0 ? total.dividedBy(10) : Duration.ofSeconds(90);
        long perCell = Math.max(1, left.minus(gateShare).toMillis() / Math.max(1, files.size() * vs.size()));
        o.println("nightly: explore " + files.size() + " scenarios x " + vs.size() + " variants (" + perCell + " ms each)");
        for (Path f : files) {
            Scenario s = ScenarioParser.parse(f);
            for (Variant v : vs)
                explore(s, v, perCell, rep);
        }

        o.println("nightly: gate");
        java.io.StringWriter gout = new java.io.StringWriter();
        // --no-jcstress: this nightly's own JCStress pass (longer than the gate's) is its JCStress verdict
        List<String> gargs = new ArrayList<>(List.of("gate", "--corpus", dir.toString(), "--junit-xml", out.resolve("gate.xml").toString(),
                "--no-jcstress"));
        int g = Main.execute(new PrintWriter(gout, true), err, gargs.toArray(String[]::new));
        Files.writeString(out.resolve("gate.txt"), gout.toString());
        rep.gateOk = g == 0;
        String[] lines = gout.toString().strip().split("\n");
        rep.gateSummary = lines[lines.length - 1] + (g == 0 ? "" : " (see gate.txt)");

        Scenarios.writeAtomically(out.resolve("index.html"), rep.html());
        Scenarios.writeAtomically(out.resolve("summary.json"), rep.json());
        o.println("nightly: report " + out.resolve("index.html") + " (" + rep.findings.size() + " new findings; gate "
                + (rep.gateOk ? "passed" : "FAILED") + ")");
        o.flush();
        return rep.gateOk && (noJcstress || rep.jcstressOk) ? Main.OK : Main.FORBIDDEN;
    }

    static List<Path> corpusFiles(Path dir) throws java.io.IOException {
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
            Explorer.explore(() -> {
                cur[0] = Runner.build(s, v);
                return cur[0].program();
            }, st, Config.DEFAULT, Long.MAX_VALUE, r -> {
                rep.count(v.id, cur[0].oracle().verdict(), cur[0].oracle().rootCause());
                return System.nanoTime() < half;
            }, new ExploreCmd.Forwarding(cur));
        }
    }

    static NightlyReport.Finding finding(Campaign.FindingEvent e) {
        try {
            Scenario s = ScenarioParser.parse(e.file());
            Runner.Outcome o = Runner.run(s, e.variant(), true);
            Verdict v = o.verdict();
            return new NightlyReport.Finding(e.variant().id, e.reason(), e.file().toString(), v.toString(), o.trace(),
                    o.result().actors(), o.oracle().generationChanges());
        } catch (ScenarioError x) {
            return new NightlyReport.Finding(e.variant().id, e.reason(), e.file().toString(), x.getMessage(), List.of(), List.of(), List.of());
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
