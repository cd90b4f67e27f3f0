package mmrace.jazzer;

import com.code_intelligence.jazzer.agent.AgentInstaller;
import com.code_intelligence.jazzer.driver.FuzzedDataProviderImpl;
import mmrace.oracle.Verdict;
import mmrace.run.Runner;
import mmrace.scenario.Scenario;
import mmrace.scenario.ScenarioSetupError;
import mmrace.scenario.Variant;
import mmrace.sched.Config;

/**
 * Turns a Jazzer input (a crash file, or any corpus entry) into a scenario file that {@code
 * ./mmrace run} replays: the input is decoded exactly as the fuzz target decodes it (Jazzer's own
 * {@link FuzzedDataProviderImpl} over the bytes), run once under the variant, and written with the
 * schedule that execution took, as {@code steps} (so the replay does not depend on the random or
 * PCT strategy that chose it), and an {@code expect} line with the verdict it got.
 */
public final class CrashToScenario {
    private CrashToScenario() {}

    /** The scenario with its recorded schedule and verdict; null if the bytes decode to nothing runnable. */
    public record Converted(Scenario scenario, Verdict verdict) {}

    public static Converted convert(byte[] input, Variant v, String name) {
        // Jazzer's provider lives in the bootstrap part of its jar: put that on the boot class path
        // (no instrumentation: false), as Jazzer's JUnit integration does before replaying inputs
        AgentInstaller.install(false);
        ScenarioDecoder.Decoded in;
        try (FuzzedDataProviderImpl d = FuzzedDataProviderImpl.withJavaData(input)) {
            in = ScenarioDecoder.decode(d);
        }
        if (in == null)
            return null;
        Scenario s = in.scenario();
        Runner.Outcome o;
        try {
            o = Runner.run(s, v, in.strategy(v), Config.DEFAULT);
        } catch (ScenarioSetupError e) {
            return null;
        }
        Scenario.Sched decoded = s.scheduleFor(v);
        Scenario f = s.copy();
        f.name = name;
        f.source = name;
        f.desc.add("From a Jazzer input (mmrace.jazzer.ScenarioFuzzTarget) under " + v.id + ": " + o.verdict().label()
                + "; the input's schedule was " + describe(decoded) + (in.pctSteps() > 0 ? " over " + in.pctSteps() + " steps" : "") + ", recorded here as the steps it took.");
        f.schedules.clear();
        f.schedules.put(v, Scenario.Sched.steps(o.result().schedule().toString()));
        f.expects.clear();
        Verdict.Cls cls = o.verdict().cls();
        f.expects.put(v, new Scenario.Expect(cls.word(), cls == Verdict.Cls.ACCEPTABLE ? null : o.verdict().reason().code(), 0));
        return new Converted(f, o.verdict());
    }

    private static String describe(Scenario.Sched s) {
        return switch (s.kind()) {
            case "random" -> "random " + s.seed();
            case "pct" -> "pct " + s.depth() + " " + s.seed();
            default -> "steps " + s.steps();
        };
    }
}
