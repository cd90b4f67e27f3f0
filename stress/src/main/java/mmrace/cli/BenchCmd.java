package mmrace.cli;

import picocli.CommandLine.Command;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** ./mmrace bench [JMH options]: the JMH benchmarks (docs/PERFORMANCE.md). */
@Command(name = "bench", mixinStandardHelpOptions = true, description = {"Runs the JMH benchmarks (executions per second of the scheduler and oracle).",
        "Arguments go to JMH, e.g. ./mmrace bench ExploreBench -p variant=slow -rf json -rff out.json"})
final class BenchCmd implements Callable<Integer> {
    /** Everything after "bench" goes to JMH as it is (JMH's own options start with '-'). */
    @picocli.CommandLine.Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        List<String> a = new ArrayList<>(args);
        String home = System.getProperty("mmrace.home");
        if (home != null)
            a.addAll(List.of("-jvmArgsAppend", "-Dmmrace.home=" + home));
        org.openjdk.jmh.runner.options.CommandLineOptions o;
        try {
            o = new org.openjdk.jmh.runner.options.CommandLineOptions(a.toArray(String[]::new));
        } catch (org.openjdk.jmh.runner.options.CommandLineOptionException e) {
            throw new Main.BadInput("bench: " + e.getMessage() + " (JMH's options: ./mmrace bench -lprof lists profilers, -l benchmarks)");
        }
        new org.openjdk.jmh.runner.Runner(o).run();
        return Main.OK;
    }
}
