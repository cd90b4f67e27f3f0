package mmrace.bench;

import mmrace.run.Runner;
import mmrace.scenario.Scenario;
import mmrace.scenario.ScenarioParser;
import mmrace.scenario.Variant;
import mmrace.sched.Config;
import mmrace.sched.Explorer;
import mmrace.sched.RandomWalk;
import mmrace.sched.Strategy;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Executions per second of one scenario under the random-walk scheduler, on one thread: each
 * invocation explores {@link #BATCH} fresh executions (set-up of the address space, the actors on
 * virtual threads, the oracle) from one virtual thread, as `./mmrace explore` does.
 *
 * <p>Run with {@code ./mmrace bench} (docs/PERFORMANCE.md has the command and figures).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-Djdk.virtualThreadScheduler.parallelism=1", "-Xss4m",
        "--add-exports", "java.base/jdk.internal.vm=ALL-UNNAMED", "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
public class ExploreBench {
    static final int BATCH = 500;

    @Param({"corpus/reviewers-race.scn"})
    public String scenario;

    @Param({"fast-v1"})
    public String variant;

    Scenario s;
    Variant v;
    Strategy strategy;

    @Setup
    public void setup() throws Exception {
        Path p = Path.of(scenario);
        if (!p.isAbsolute() && System.getProperty("mmrace.home") != null)
            p = Path.of(System.getProperty("mmrace.home")).resolve(scenario);
        s = ScenarioParser.parse(p);
        v = Variant.byId(variant);
        strategy = new RandomWalk(1);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long randomWalk() {
        return Explorer.explore(() -> Runner.build(s, v).program(), strategy, Config.DEFAULT, BATCH, r -> true).executions();
    }
}
