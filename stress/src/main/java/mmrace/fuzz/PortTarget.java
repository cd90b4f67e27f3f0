package mmrace.fuzz;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import mmrace.oracle.Oracle;
import mmrace.oracle.Verdict;
import mmrace.scenario.Scenario;
import mmrace.scenario.Variant;
import mmrace.sched.Config;
import mmrace.sched.ExecutionListener;
import mmrace.sched.Result;
import mmrace.sched.Strategy;

/**
 * The seam between the fuzzer and the scenario runner: the only class of {@code mmrace.fuzz} that
 * knows {@code mmrace.scenario.Runner}. Runner calls port functions that are being merged
 * (Syscalls, Fault, Filemap, Vmscan, Khugepaged); until it is in the build this class finds it by
 * name and {@link #available()} is false, so everything else compiles and runs against fake
 * targets.
 *
 * <p>At merge it works unchanged. To bind statically instead, replace the body of {@link #run}
 * with
 * <pre>{@code
 * Runner.Outcome o = Runner.run(s, v, strategy, config, extra);
 * return new Run(o.verdict(), o.result(), o.oracle());
 * }</pre>
 * and make {@link #available()} return true.
 */
public final class PortTarget implements Target {
    private static final String RUNNER = "mmrace.scenario.Runner";
    private static final MethodHandle RUN, VERDICT, RESULT, ORACLE;
    private static final String MISSING;

    static {
        MethodHandle run = null, verdict = null, result = null, oracle = null;
        String missing = null;
        try {
            MethodHandles.Lookup l = MethodHandles.publicLookup();
            Class<?> runner = Class.forName(RUNNER);
            Class<?> outcome = Class.forName(RUNNER + "$Outcome");
            run = l.findStatic(runner, "run", MethodType.methodType(outcome, Scenario.class, Variant.class, Strategy.class,
                    Config.class, ExecutionListener[].class));
            verdict = l.findVirtual(outcome, "verdict", MethodType.methodType(Verdict.class));
            result = l.findVirtual(outcome, "result", MethodType.methodType(Result.class));
            oracle = l.findVirtual(outcome, "oracle", MethodType.methodType(Oracle.class));
        } catch (ReflectiveOperationException | LinkageError e) {
            missing = e.toString();
        }
        RUN = run;
        VERDICT = verdict;
        RESULT = result;
        ORACLE = oracle;
        MISSING = missing;
    }

    /** True when the scenario runner (and so the port's syscalls) is in the build. */
    public static boolean available() {
        return MISSING == null;
    }

    /** Why {@link #available()} is false, or null. */
    public static String whyUnavailable() {
        return MISSING == null ? null : RUNNER + " is not in the build (" + MISSING + ")";
    }

    public PortTarget() {
        if (!available())
            throw new IllegalStateException(whyUnavailable());
    }

    @Override
    public Run run(Scenario s, Variant v, Strategy strategy, Config config, ExecutionListener... extra) {
        try {
            Object o = RUN.invoke(s, v, strategy, config, extra);
            return new Run((Verdict) VERDICT.invoke(o), (Result) RESULT.invoke(o), (Oracle) ORACLE.invoke(o));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String describe() {
        return "port";
    }
}
