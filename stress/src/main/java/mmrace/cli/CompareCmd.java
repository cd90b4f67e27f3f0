package mmrace.cli;

import mmrace.peers.PeerTable;
import mmrace.peers.Peers;
import mmrace.peers.Race;
import mmrace.peers.Trial;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/** ./mmrace compare: the peer table of docs/PERFORMANCE.md, measured side by side in one go. */
@Command(name = "compare", description = {"Runs mmrace and its peers on the same races, side by side, and prints a markdown table of the",
        "executions and the time to the first forbidden outcome (medians over seeds): the reviewers' race (fast-v1) and",
        "the prefix+fallback tear (fast-one-vma), for mmrace explore (PCT), mmrace fuzz from an empty corpus, JCStress",
        "through the project's tests (the least time per test that finds it in 8 of 10 runs), the Lincheck harness of the",
        "test tree (through Maven) and Jazzer. Every tool runs as its own process; wall times include JVM start.",
        "Takes hours with the defaults: run it on an otherwise idle machine."},
        footer = {"", "Exit status: 0 the table was printed, 2 bad input."})
final class CompareCmd implements Callable<Integer> {
    @Option(names = "--seeds", defaultValue = "5", paramLabel = "N", description = "Seeds per tool and race (default ${DEFAULT-VALUE}).")
    int seeds;

    @Option(names = "--budget", defaultValue = "10m", paramLabel = "DURATION",
            description = "Most time a fuzz, jazzer or lincheck trial may search (default ${DEFAULT-VALUE}).")
    String budget;

    @Option(names = "--explore-runs", defaultValue = "100000", paramLabel = "N", description = "Most PCT executions per explore trial (default ${DEFAULT-VALUE}).")
    long exploreRuns;

    @Option(names = "--jcstress-times", defaultValue = "100,300,1000,3000,10000,30000", split = ",", paramLabel = "MS,...",
            description = "Times per test JCStress is tried at, in order, until one finds the race in enough runs (default ${DEFAULT-VALUE}).")
    List<Long> jcstressTimes;

    @Option(names = "--jcstress-runs", defaultValue = "10", paramLabel = "N", description = "JCStress runs per time per test (default ${DEFAULT-VALUE}).")
    int jcstressRuns;

    @Option(names = "--jcstress-need", defaultValue = "8", paramLabel = "K", description = "Runs of those that must find it (default ${DEFAULT-VALUE}).")
    int jcstressNeed;

    @Option(names = "--lincheck-invocations", defaultValue = "10000", paramLabel = "N",
            description = "Most Lincheck model-checking invocations (default ${DEFAULT-VALUE}).")
    int lincheckInvocations;

    @Option(names = "--races", defaultValue = "reviewers,prefix", split = ",", paramLabel = "R,...", description = "reviewers, prefix (default ${DEFAULT-VALUE}).")
    List<String> races;

    @Option(names = "--tools", defaultValue = "explore,fuzz,jcstress,lincheck,jazzer", split = ",", paramLabel = "T,...",
            description = "explore, fuzz, jcstress, lincheck, jazzer (default ${DEFAULT-VALUE}).")
    List<String> tools;

    @Option(names = "--work", defaultValue = "compare", paramLabel = "DIR", description = "Logs, corpora and crash files (default ${DEFAULT-VALUE}).")
    Path work;

    @Option(names = "--markdown", paramLabel = "FILE", description = "Also write the table to FILE.")
    Path markdown;

    @Spec
    CommandSpec spec;

    static final Set<String> TOOLS = Set.of("explore", "fuzz", "jcstress", "lincheck", "jazzer");

    @Override
    public Integer call() throws IOException {
        Duration b = FuzzCmd.duration(budget);
        if (seeds < 1 || exploreRuns < 1 || jcstressRuns < 1 || jcstressNeed < 1 || jcstressNeed > jcstressRuns || lincheckInvocations < 1)
            throw new Main.BadInput("--seeds, --explore-runs, --jcstress-runs, --lincheck-invocations must be positive, --jcstress-need 1.."
                    + "--jcstress-runs");
        if (jcstressTimes.isEmpty() || jcstressTimes.stream().anyMatch(t -> t < 1))
            throw new Main.BadInput("--jcstress-times takes positive milliseconds");
        for (String t : tools)
            if (!TOOLS.contains(t))
                throw new Main.BadInput("unknown tool '" + t + "' (explore, fuzz, jcstress, lincheck, jazzer)");
        List<Race> rs = new ArrayList<>();
        for (String r : new LinkedHashSet<>(races))
            try {
                rs.add(Race.byId(r));
            } catch (IllegalArgumentException e) {
                throw new Main.BadInput(e.getMessage());
            }
        Path home = Path.of(System.getProperty("mmrace.home", "."));
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        Files.createDirectories(work);
        Peers peers = new Peers(home, work.toAbsolutePath(), err);
        PeerTable table = new PeerTable();
        for (Race r : rs)
            for (String tool : tools) {
                err.printf("compare: %s, %s%n", r.title(), tool);
                err.flush();
                table.add(row(peers, r, tool, b));
            }
        String md = table.markdown();
        out.print(md);
        out.printf("%nMedians over %d seeds; a trial that found nothing counts as infinite. Budget per trial %s; logs in %s.%n",
                seeds, budget, work);
        out.flush();
        if (markdown != null)
            Scenarios.writeAtomically(markdown, md);
        return Main.OK;
    }

    private PeerTable.Row row(Peers peers, Race r, String tool, Duration b) throws IOException {
        List<Trial> ts = new ArrayList<>();
        switch (tool) {
            case "explore" -> {
                for (long s = 1; s <= seeds; s++)
                    ts.add(peers.explore(r, s, exploreRuns, b));
                return new PeerTable.Row(r, "mmrace explore", "PCT depth 3, seeds 1-" + seeds, ts);
            }
            case "fuzz" -> {
                for (long s = 1; s <= seeds; s++)
                    ts.add(peers.fuzz(r, s, b));
                return new PeerTable.Row(r, "mmrace fuzz", "empty corpus, seeds 1-" + seeds + ", " + budget, ts);
            }
            case "jazzer" -> {
                for (long s = 1; s <= seeds; s++)
                    ts.add(peers.jazzer(r, s, b));
                return new PeerTable.Row(r, "Jazzer", "empty corpus, -seed 1-" + seeds + ", " + budget, ts);
            }
            case "lincheck" -> {
                ts.add(peers.lincheck(r, lincheckInvocations, b));
                return new PeerTable.Row(r, "Lincheck 3.7", "model checking, one run, at most " + lincheckInvocations + " invocations", ts);
            }
            default -> {
                return jcstressRow(peers, r);
            }
        }
    }

    /** The least time per test (of --jcstress-times) at which at least --jcstress-need of --jcstress-runs runs find it. */
    private PeerTable.Row jcstressRow(Peers peers, Race r) throws IOException {
        List<Trial> last = List.of();
        for (long ms : jcstressTimes) {
            List<Trial> ts = new ArrayList<>();
            int found = 0;
            for (int i = 1; i <= jcstressRuns && found + (jcstressRuns - i + 1) >= jcstressNeed; i++) {
                Trial t = peers.jcstress(r, ms, i);
                ts.add(t);
                if (t.found())
                    found++;
            }
            last = ts;
            if (found >= jcstressNeed)
                return new PeerTable.Row(r, "JCStress", ms + " ms per test: " + found + "/" + ts.size() + " runs found it", ts);
        }
        return new PeerTable.Row(r, "JCStress", "fewer than " + jcstressNeed + "/" + jcstressRuns + " runs at every time up to "
                + jcstressTimes.get(jcstressTimes.size() - 1) + " ms per test", last);
    }
}
