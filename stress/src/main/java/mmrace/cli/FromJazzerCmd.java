package mmrace.cli;

import mmrace.jazzer.CrashToScenario;
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
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** ./mmrace from-jazzer: a Jazzer input (a crash file) as a scenario file that ./mmrace run replays. */
@Command(name = "from-jazzer", description = {"Decodes a Jazzer input (a crash file of ./mmrace jazzer, OSS-Fuzz or ClusterFuzzLite) as the",
        "fuzz target does, runs it once under the variant, and writes it as a scenario file with the schedule it took",
        "(as steps) and an expect line with its verdict; then replays the file to check it gives that verdict."},
        footer = {"", "Exit status: 0 written, the input is not forbidden under V; 1 written, forbidden; 2 bad input",
                "(no such file, or bytes that decode to nothing runnable)."})
final class FromJazzerCmd implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CRASHFILE")
    Path input;

    @Option(names = "--variant", required = true, paramLabel = "V", description = "The read path the input was fuzzed on.")
    String variant;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.scn")
    Path output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        List<Variant> vs = Scenarios.parseVariants(variant);
        if (vs.size() != 1)
            throw new Main.BadInput("from-jazzer takes one variant");
        Variant v = vs.get(0);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(input);
        } catch (NoSuchFileException e) {
            throw new Main.BadInput(input + ": no such file");
        } catch (IOException e) {
            throw new Main.BadInput(input + ": cannot read: " + e.getMessage());
        }
        String name = output.getFileName().toString().replaceFirst("\\.scn$", "").replaceAll("[^A-Za-z0-9_-]", "-");
        CrashToScenario.Converted c = CrashToScenario.convert(bytes, v, name.isEmpty() ? "jazzer" : name);
        if (c == null)
            throw new Main.BadInput(input + ": decodes to a scenario the fuzzer skips (over its limits, or a layout the kernel refuses)");
        Scenarios.writeAtomically(output, c.scenario().text());
        Verdict replayed = replay(v);
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%s  %-24s %s (step %d)%n", output, v.id, c.verdict().label(), c.verdict().step());
        if (!replayed.label().equals(c.verdict().label()))
            throw new IllegalStateException(output + " replays as " + replayed.label() + ", not " + c.verdict().label()
                    + ": the execution is not deterministic");
        out.printf("replay: ./mmrace run %s --variant %s --trace%n", output, v.id);
        out.flush();
        return c.verdict().cls() == Verdict.Cls.FORBIDDEN ? Main.FORBIDDEN : Main.OK;
    }

    private Verdict replay(Variant v) {
        try {
            Scenario s = ScenarioParser.parse(output);
            return Runner.run(s, v, false).verdict();
        } catch (ScenarioError e) {
            throw new IllegalStateException("the scenario written does not parse back: " + e.getMessage(), e);
        }
    }
}
