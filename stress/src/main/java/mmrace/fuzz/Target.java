package mmrace.fuzz;

import mmrace.oracle.Oracle;
import mmrace.oracle.Verdict;
import mmrace.scenario.Scenario;
import mmrace.scenario.Variant;
import mmrace.sched.Config;
import mmrace.sched.ExecutionListener;
import mmrace.sched.Result;
import mmrace.sched.Strategy;

import java.util.ServiceLoader;

/**
 * What the fuzzer runs a scenario on: the scenario runner over the kernel port
 * ({@link PortTarget}), or a fake target in tests. One call is one execution: a fresh kernel built from the scenario's layout, its
 * actors under {@code strategy}, the extra listeners (the fuzzer's coverage) attached, and the
 * oracle's verdict.
 *
 * <p>Implementations are deterministic: the same scenario, variant and strategy choices give the
 * same steps and the same verdict. They must be usable from one thread at a time (the fuzzer runs
 * executions one after the other); several workers each have their own Target.
 */
public interface Target {
    /** One execution's result. {@code oracle} may be null for targets without the real oracle. */
    record Run(Verdict verdict, Result result, Oracle oracle) {}

    /** Runs {@code s} once under variant {@code v} with {@code strategy}. */
    Run run(Scenario s, Variant v, Strategy strategy, Config config, ExecutionListener... extra);

    /** A short name for progress lines and finding descriptions. */
    default String describe() {
        return getClass().getSimpleName();
    }

    /**
     * The target a worker process makes from its {@code --target} option: {@link PortTarget}, or
     * a target on the class path that declares itself a provider of {@code mmrace.fuzz.Target}
     * (META-INF/services; the tests' fake targets do). Throws IllegalArgumentException for any
     * other name.
     */
    static Target named(String className) {
        if (className.equals(PortTarget.class.getName()))
            return new PortTarget();
        for (ServiceLoader.Provider<Target> p : ServiceLoader.load(Target.class).stream().toList())
            if (p.type().getName().equals(className))
                return p.get();
        throw new IllegalArgumentException("no target " + className + " (neither " + PortTarget.class.getName()
                + " nor a provider in META-INF/services/" + Target.class.getName() + ")");
    }
}
