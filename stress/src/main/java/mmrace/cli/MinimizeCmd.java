package mmrace.cli;

import mmrace.fuzz.Minimize;
import mmrace.fuzz.PortTarget;
import mmrace.scenario.Variant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** ./mmrace minimize FILE: shrink a scenario that gets a forbidden verdict to the least that still does. */
@Command(name = "minimize", mixinStandardHelpOptions = true, description = {"Minimises a scenario with a forbidden verdict (fewest operations, actors, preemptions,",
        "smallest layout, same reason) and writes FILE.min.scn with its trace."})
final class MinimizeCmd implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE")
    Path file;

    @Option(names = "--variant", paramLabel = "V")
    String variant;

    @Option(names = "--out", paramLabel = "OUT")
    Path out;

    @Override
    public Integer call() {
        if (!Files.exists(file))
            throw new Main.BadInput(file + ": no such file");
        Scenarios.loadOrBad(file);
        Variant v = variant == null ? null : Scenarios.parseVariants(variant).get(0);
        return Minimize.file(file, out, v, new PortTarget(), Minimize.Budget.DEFAULT, new PrintStream(System.out, true));
    }
}
