package mmrace.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import mmrace.scenario.Variant;
import org.junit.jupiter.api.Test;

/** The feedback-versus-baseline comparison runs and reports medians and their ratio (on the toy target). */
class BenchTest {
    @Test
    void comparesFeedbackWithTheBaseline() throws Exception {
        Campaign.Options o = Campaign.Options.of(List.of(Variant.FAST_V1)).withTime(Duration.ofMinutes(2)).withMaxExecutions(20_000)
                .withShrink(Minimize.Budget.SMALL).withTargetClass(ToyTarget.class.getName());
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Bench.Report r = Bench.run(o, List.of(1L, 2L, 3L), 1, ToyTarget::new, new PrintStream(log, true));
        assertEquals(6, r.trials().size());
        assertEquals(3, r.of(true).size());
        assertTrue(r.trials().stream().allMatch(Bench.Trial::found), r::table);
        String t = r.table();
        assertTrue(t.contains("median") && t.contains("ratio of medians"), t);
        System.out.print(t);
    }

    @Test
    void medians() {
        assertEquals(2, Bench.Report.median(List.of(3L, 1L, 2L)));
        assertEquals(Long.MAX_VALUE, Bench.Report.median(List.of(Long.MAX_VALUE, 1L, Long.MAX_VALUE)));
        assertEquals(Duration.ofSeconds(90), Bench.parseDuration("90s"));
        assertEquals(Duration.ofMinutes(2), Bench.parseDuration("2m"));
    }
}
