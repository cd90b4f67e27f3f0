package mmrace.cli;

import picocli.CommandLine.Command;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * ./mmrace bench [JMH options]: the JMH benchmarks; ./mmrace bench feedback [Bench options]: time and
 * executions to the first forbidden outcome with and without feedback ({@link mmrace.fuzz.Bench};
 * docs/PERFORMANCE.md has both).
 */
@Command(name = "bench", description = {"Runs the JMH benchmarks (executions per second of the scheduler and oracle).",
        "Arguments go to JMH, e.g. ./mmrace bench ExploreBench -p variant=slow -rf json -rff out.json",
        "./mmrace bench feedback --variant fast-one-vma --time 90s --seeds 21 --stop-on torn-read: fuzzing with feedback",
        "against without, per seed, and the table (mmrace.fuzz.Bench)"})
final class BenchCmd implements Callable<Integer> {
    /** Everything after "bench" goes to JMH as it is (JMH's own options start with '-'). */
    @picocli.CommandLine.Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if (!args.isEmpty() && args.get(0).equals("feedback")) {
            mmrace.fuzz.Bench.main(args.subList(1, args.size()).toArray(String[]::new));
            return Main.OK;
        }
        List<String> a = new ArrayList<>(args);
        String home = System.getProperty("mmrace.home");
        if (home != null)
            a.addAll(List.of("-jvmArgsAppend", "-Dmmrace.home=" + home));
        org.openjdk.jmh.runner.options.CommandLineOptions o = new org.openjdk.jmh.runner.options.CommandLineOptions(a.toArray(String[]::new));
        new org.openjdk.jmh.runner.Runner(o).run();
        return Main.OK;
    }
}
