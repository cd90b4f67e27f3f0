package mmrace.cli;

import mmrace.fuzz.Corpus;
import mmrace.oracle.Verdict;
import mmrace.run.Runner;
import mmrace.scenario.Scenario;
import mmrace.scenario.ScenarioError;
import mmrace.scenario.ScenarioParser;
import mmrace.scenario.Variant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * ./mmrace promote: keeps a finding (of a nightly's or a fuzz campaign's) in the checked-in
 * corpus. The finding is replayed under every variant; the verdicts it replays with become its
 * expect lines (those it had must still hold), so that the gate replays it from then on. Every
 * finding is checked before any is moved; the new file is written whole or not at all (a
 * temporary file renamed into place), and only then is the original removed.
 */
@Command(name = "promote", mixinStandardHelpOptions = true, description = {"Moves findings into the corpus (default corpus/findings), with an expect line per variant",
        "recording the verdict it replays with; its .trace moves with it. Checks every finding first and moves none",
        "if one is missing, malformed, does not replay with the verdict it records, or its name is taken in DIR.",
        "Exit status: 0 moved, 2 refused (nothing written)."})
final class PromoteCmd implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "FINDING", description = "Finding files (.scn), e.g. OUT/corpus/findings/torn-read-fast-v1-....scn.")
    List<Path> findings;

    @Option(names = "--to", defaultValue = "corpus/findings", paramLabel = "DIR", description = "Where to (default ${DEFAULT-VALUE}).")
    Path to;

    @Spec
    CommandSpec spec;

    /** A finding ready to move: its new text and where it goes. */
    private record Move(Path from, Path trace, Path target, String text, List<String> expects) {}

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Path dir = to.isAbsolute() || System.getProperty("mmrace.home") == null ? to : Path.of(System.getProperty("mmrace.home")).resolve(to);
        List<Move> moves = new ArrayList<>();
        for (Path f : findings)
            moves.add(check(f, dir));
        Files.createDirectories(dir);
        for (Move m : moves) {
            if (m.trace() != null)
                Corpus.writeAtomic(m.target().resolveSibling(base(m.target()) + ".trace"), Files.readAllBytes(m.trace()), false);
            if (!Corpus.writeAtomic(m.target(), m.text().getBytes(StandardCharsets.UTF_8), false))
                throw new Main.BadInput(m.target() + ": appeared while promoting; " + m.from() + " left where it was");
            Files.delete(m.from());
            if (m.trace() != null)
                Files.deleteIfExists(m.trace());
            out.println("promoted " + m.from() + " -> " + m.target());
            out.println("  expect " + String.join("; ", m.expects()));
            out.println("  replay: ./mmrace run " + m.target());
        }
        out.flush();
        return Main.OK;
    }

    /** Reads, parses and replays one finding; BadInput (naming file and line) if it cannot be promoted. */
    private Move check(Path f, Path dir) throws IOException {
        if (!Files.isRegularFile(f))
            throw new Main.BadInput(f + ": no such file");
        if (!f.getFileName().toString().endsWith(".scn"))
            throw new Main.BadInput(f + ": not a scenario (.scn) file");
        Path target = dir.resolve(f.getFileName().toString());
        if (Files.exists(target))
            throw new Main.BadInput(target + ": already in the corpus; " + f + " not promoted");
        String text = Files.readString(f);
        Scenario s;
        try {
            s = Scenarios.load(f);
        } catch (ScenarioError e) {
            throw new Main.BadInput(e.getMessage() + "; not promoted");
        }
        StringBuilder added = new StringBuilder();
        List<String> expects = new ArrayList<>();
        for (Variant v : Variant.all()) {
            Verdict got = replay(s, v, f);
            Scenario.Expect want = s.expects.get(v);
            if (want != null && !RunCmd.matches(got, want))
                throw new Main.BadInput(f + ":" + want.line() + ": records " + v.id + " " + want.cls() + (want.reason() == null ? "" : " " + want.reason())
                        + " but replays as " + got.label() + "; not promoted (./mmrace run " + f + " --variant " + v.id + " --trace)");
            String line = v.id + " " + got.label();
            expects.add(line);
            if (want == null)
                added.append("expect ").append(line).append('\n');
        }
        String full = text.endsWith("\n") || text.isEmpty() ? text + added : text + "\n" + added;
        try {
            ScenarioParser.parse(target.toString(), full);
        } catch (ScenarioError e) {
            throw new Main.BadInput(e.getMessage() + "; not promoted");
        }
        Path trace = f.resolveSibling(base(f) + ".trace");
        return new Move(f, Files.isRegularFile(trace) ? trace : null, target, full, expects);
    }

    private static Verdict replay(Scenario s, Variant v, Path f) {
        Verdict got;
        try {
            got = Runner.run(s, v, false).verdict();
        } catch (RuntimeException e) {
            if (Main.badInput(e) == null)
                throw e; // a crash: an internal error, never "refused"
            throw new Main.BadInput(f + ": cannot be replayed under " + v.id + ": " + e.getMessage() + "; not promoted");
        }
        if (got.cls() == Verdict.Cls.LIMIT)
            throw new Main.BadInput(f + ": under " + v.id + " " + got.detail() + " (no verdict); not promoted");
        return got;
    }

    private static String base(Path p) {
        String n = p.getFileName().toString();
        return n.endsWith(".scn") ? n.substring(0, n.length() - 4) : n;
    }
}
