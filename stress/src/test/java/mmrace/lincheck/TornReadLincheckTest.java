package mmrace.lincheck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import mmrace.jcstress.MapFixedRace;
import mmrace.jcstress.PrefixFallbackRace;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Lincheck's model checker over the same port, on the races of the peer table
 * (docs/PERFORMANCE.md): the reader's access_remote_vm and the writer's mapping change of the
 * reviewers' race (corpus/reviewers-race.scn, fast-v1: one MAP_FIXED replaces A|B with C and
 * stores c) or of the prefix+fallback tear (corpus/prefix-fallback.scn, fast-one-vma). The two
 * operations are the very bodies the JCStress tests run ({@code mmrace.jcstress.Machine}, built
 * fresh for every invocation as a JCStress state is); the check is the JCStress test's own grading:
 * the reader's outcome is graded by the test class's {@code @Outcome} annotations ({@link Grading}),
 * and a FORBIDDEN outcome (a torn read: a|z, a|c) makes {@link #read} return it instead of "ok".
 * The sequential specification ({@link AlwaysOk}) returns "ok" for every read, so Lincheck reports
 * a torn read as an invalid result, with the interleaving that led to it.
 *
 * <p>Loop limits raised: the port copies and compares pages in 4 KiB byte loops, which Lincheck's
 * defaults (a few tens of iterations before it suspects a hang and switches thread) take for
 * livelocks.
 *
 * <p>Runs only when asked, as {@code ./mmrace compare} does through Maven:
 * {@code mvn -o -pl stress -am test -Dtest=TornReadLincheckTest -Dsurefire.failIfNoSpecifiedTests=false -Dmmrace.lincheck.race=reviewers
 * -Dmmrace.lincheck.invocations=N [-Dmmrace.lincheck.out=FILE]}. What it did on JDK 25 is in
 * docs/PERFORMANCE.md. The grading itself is checked by {@link #gradingFollowsTheJcstressAnnotations}, always.
 */
class TornReadLincheckTest {
    /** Which JCStress state to model-check: the race's known-bad variant. */
    static Class<?> stateClass(String race) {
        return switch (race) {
            case "reviewers" -> MapFixedRace.FastV1.class;
            case "prefix" -> PrefixFallbackRace.FastOneVma.class;
            default -> throw new IllegalArgumentException("race: reviewers or prefix, not " + race);
        };
    }

    /** The object under test, one per invocation: a fresh JCStress state of the race (its own Kernel). */
    public static class TornRead {
        final Object state;
        final Grading grading;

        public TornRead() {
            Class<?> c = stateClass(System.getProperty("mmrace.lincheck.race", "reviewers"));
            try {
                Constructor<?> k = c.getDeclaredConstructor();
                k.setAccessible(true);
                state = k.newInstance();
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
            grading = Grading.of(c);
        }

        /** The reader: access_remote_vm(mm, addr, buf, 16, FOLL_FORCE) through the variant; "ok" unless the outcome is forbidden. */
        @Operation(nonParallelGroup = "reader")
        public String read() {
            org.openjdk.jcstress.infra.results.L_Result r = new org.openjdk.jcstress.infra.results.L_Result();
            invoke("reader", r);
            String outcome = String.valueOf(r.r1);
            return grading.forbidden(outcome) ? outcome : "ok";
        }

        /** The writer: a thread of the target replacing the mapping (MAP_FIXED) and storing into it. */
        @Operation(nonParallelGroup = "writer")
        public void write() {
            invoke("writer", null);
        }

        private void invoke(String method, Object arg) {
            try {
                if (arg == null)
                    state.getClass().getMethod(method).invoke(state);
                else
                    state.getClass().getMethod(method, arg.getClass()).invoke(state, arg);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** What a read may return in a sequential history: never a forbidden outcome. */
    public static class AlwaysOk {
        public String read() {
            return "ok";
        }

        public void write() {}
    }

    @Test
    @EnabledIfSystemProperty(named = "mmrace.lincheck.race", matches = "reviewers|prefix")
    void modelCheckTheRace() throws IOException {
        int invocations = Integer.getInteger("mmrace.lincheck.invocations", 1000);
        ModelCheckingOptions o = new ModelCheckingOptions().iterations(1).invocationsPerIteration(invocations).threads(2)
                .actorsPerThread(1).actorsBefore(0).actorsAfter(0).sequentialSpecification(AlwaysOk.class)
                .loopBound(1_000_000).loopIterationsBeforeThreadSwitch(100_000).minimizeFailedScenario(false);
        long t0 = System.nanoTime();
        Throwable failure = null;
        try {
            o.check(TornRead.class);
        } catch (Throwable t) {
            failure = t;
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        String msg = failure == null ? "" : String.valueOf(failure.getMessage());
        boolean torn = failure != null && msg.contains("Invalid execution results") && !msg.contains("\"ok\"") ? true
                : failure != null && msg.matches("(?s).*[A-Z]\\|[A-Z].*");
        write(torn, invocations, secs, failure == null ? "nothing found in " + invocations + " invocations"
                : torn ? "torn read found" : "Lincheck failed: " + firstLine(msg));
        if (failure != null)
            System.out.println(msg);
        // the harness measures; the assertion is that Lincheck ran to a result (a torn read or none), not an error of its own
        assertTrue(failure == null || torn, () -> "Lincheck did not run to a result: " + msg);
    }

    private static void write(boolean found, int invocations, double secs, String note) throws IOException {
        String out = System.getProperty("mmrace.lincheck.out");
        if (out == null)
            return;
        Files.writeString(Path.of(out), String.format(Locale.ROOT, "found=%s%ninvocations=%d%nseconds=%.1f%nnote=%s%n", found,
                found ? -1 : invocations, secs, note.replace('\n', ' ')), StandardCharsets.UTF_8);
    }

    private static String firstLine(String s) {
        String l = s.strip().lines().findFirst().orElse("");
        return l.length() > 160 ? l.substring(0, 160) + "..." : l;
    }

    /** The grading is the JCStress tests': torn outcomes forbidden, the layouts' own outcomes not. */
    @Test
    void gradingFollowsTheJcstressAnnotations() {
        Grading g = Grading.of(MapFixedRace.FastV1.class);
        for (String ok : List.of("A|B", "Z|Z", "C|Z", "C|C", "Z|C"))
            assertFalse(g.forbidden(ok), ok);
        for (String torn : List.of("A|Z", "A|C", "A|B,leak:lock-leak", "B|A"))
            assertTrue(g.forbidden(torn), torn);
        Grading p = Grading.of(PrefixFallbackRace.FastOneVma.class);
        assertFalse(p.forbidden("A|Z"), "the prefix-fallback race's a|z is A before the MAP_FIXED");
        assertTrue(p.forbidden("A|C"));
        assertEquals("ok", new AlwaysOk().read());
    }
}
