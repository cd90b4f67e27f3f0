package mmrace.jazzer;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import mmrace.oracle.Verdict;
import mmrace.run.Runner;
import mmrace.scenario.ScenarioSetupError;
import mmrace.scenario.Variant;
import mmrace.sched.Config;

/**
 * The Jazzer fuzz target: decodes the input into a scenario ({@link ScenarioDecoder}), runs it
 * once under the deterministic scheduler with the oracle ({@link Runner}) on one read path, and
 * throws {@link ForbiddenOutcome} on a forbidden verdict: Jazzer (and libFuzzer, OSS-Fuzz,
 * ClusterFuzzLite above it) records that as a crash and keeps the input.
 *
 * <p>Not a crash: acceptable and interesting verdicts; a layout the kernel refuses at set-up
 * (the input is skipped); and, with {@code mmrace.jazzer.skipKnown=true}, a forbidden verdict whose
 * root cause the oracle names (a known upstream bug, {@code Oracle.rootCause()}), so that a long
 * campaign looks for new problems.
 *
 * <p>The read path comes from the system property {@code mmrace.jazzer.variant} (or the
 * environment variable {@code MMRACE_JAZZER_VARIANT}); default {@code fast-v1}. {@code ./mmrace
 * jazzer --variant V} sets it; an OSS-Fuzz launcher passes it with {@code --jvm_args}.
 */
public final class ScenarioFuzzTarget {
    private ScenarioFuzzTarget() {}

    public static final String VARIANT_PROPERTY = "mmrace.jazzer.variant", SKIP_KNOWN_PROPERTY = "mmrace.jazzer.skipKnown";

    private static Variant variant = Variant.FAST_V1;
    private static boolean skipKnown;

    /** Called once by Jazzer before the first input: reads the variant. */
    public static void fuzzerInitialize() {
        String id = System.getProperty(VARIANT_PROPERTY, System.getenv().getOrDefault("MMRACE_JAZZER_VARIANT", "fast-v1"));
        Variant v = Variant.byId(id);
        if (v == null)
            throw new IllegalArgumentException("mmrace: unknown variant '" + id + "' (" + Variant.ids() + ")");
        variant = v;
        skipKnown = Boolean.getBoolean(SKIP_KNOWN_PROPERTY);
    }

    /** One execution per input. */
    public static void fuzzerTestOneInput(FuzzedDataProvider data) {
        Runner.Outcome o = run(data, variant);
        if (o == null || o.verdict().cls() != Verdict.Cls.FORBIDDEN)
            return;
        if (skipKnown && o.oracle().rootCause() != null)
            return;
        throw new ForbiddenOutcome(variant, o.verdict());
    }

    /** Decodes and runs one input; null if it decodes to nothing runnable. */
    static Runner.Outcome run(FuzzedDataProvider data, Variant v) {
        ScenarioDecoder.Decoded in = ScenarioDecoder.decode(data);
        if (in == null)
            return null;
        try {
            return Runner.run(in.scenario(), v, in.strategy(v), Config.DEFAULT);
        } catch (ScenarioSetupError e) {
            return null;
        }
    }

    /**
     * A forbidden verdict, as a Java exception for Jazzer. Its top stack frame names the variant and
     * the reason ({@code mmrace.forbidden.fast_v1.torn_read}): Jazzer and ClusterFuzz deduplicate
     * crashes by their top frames, so findings of different reasons stay apart and the same reason
     * found twice is one crash.
     */
    public static final class ForbiddenOutcome extends RuntimeException {
        public ForbiddenOutcome(Variant v, Verdict verdict) {
            super("forbidden " + verdict.label() + " under " + v.id + " (step " + verdict.step() + "): " + verdict.detail()
                    + "\n  replay: ./mmrace from-jazzer CRASHFILE --variant " + v.id + " -o OUT.scn && ./mmrace run OUT.scn");
            StackTraceElement[] real = getStackTrace();
            StackTraceElement[] st = new StackTraceElement[real.length + 1];
            st[0] = new StackTraceElement("mmrace.forbidden." + v.id.replace('-', '_'), verdict.reason().code().replace('-', '_'),
                    "Oracle.java", -1);
            System.arraycopy(real, 0, st, 1, real.length);
            setStackTrace(st);
        }
    }
}
