package mmrace.jazzer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.driver.FuzzedDataProviderImpl;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import mmrace.cli.Main;
import mmrace.fuzz.Gen;
import mmrace.oracle.Verdict;
import mmrace.scenario.Op;
import mmrace.scenario.Scenario;
import mmrace.scenario.Variant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Jazzer target and the crash-to-scenario path. The race: the reviewers' race as the decoder
 * writes it, one remote read across the seam of A|B (0x12000) and one thread of the target whose
 * MAP_FIXED replaces both; under fast-v1 and a PCT schedule of depth 2, some seed tears the read
 * (a from A, then C's zero page). The input is built with {@link FdpBytes} and searched over PCT
 * seeds only (the scenario is fixed), as Jazzer would find it by mutating the schedule's bytes.
 */
class JazzerTargetTest {
    /** A Gen seed whose read straddles the seam of A|B. */
    static long readSeed(Scenario layout) {
        for (long seed = 0;; seed++)
            if (new Gen(seed).read(layout) instanceof Op.Read r && r.addr() < 0x12000 && r.addr() + r.len() > 0x12000)
                return seed;
    }

    /** A Gen seed whose target operation is one MAP_FIXED over the whole of A|B. */
    static long mapFixedSeed(Scenario s) {
        for (long seed = 0;; seed++)
            if (new Gen(seed).targetOp(s) instanceof Op.Mmap m && m.fixed() && m.addr() <= 0x10000 && m.addr() + m.len() >= 0x14000
                    && m.file() == null)
                return seed;
    }

    /** The input for: default layout without the file, the read, one thread with the MAP_FIXED, no mutation, PCT(2, seed) over 500 steps. */
    static byte[] input(long pctSeed) {
        Scenario layout = Gen.defaultLayout(false);
        long r = readSeed(layout);
        Scenario withReader = Gen.defaultLayout(false);
        withReader.actors.add(new Scenario.Actor("reader", java.util.List.of(new Gen(r).read(layout)), 0));
        long w = mapFixedSeed(withReader);
        return new FdpBytes().intIn(0, 3, 1).intIn(1, 2, 1).anyLong(r).intIn(1, 2, 1).intIn(1, 3, 1).anyLong(w)
                .intIn(0, 3, 0).intIn(0, 2, 1).intIn(1, 4, 2).longIn(0, (1L << 31) - 1, pctSeed)
                .intIn(ScenarioDecoder.MIN_PCT_STEPS, ScenarioDecoder.MAX_PCT_STEPS, 500).bytes();
    }

    /** The first PCT seed under which the input is forbidden on fast-v1 (PCT finds the race in tens of executions). */
    static byte[] forbiddenInput() {
        for (long seed = 0; seed < 500; seed++) {
            byte[] in = input(seed);
            CrashToScenario.Converted c = CrashToScenario.convert(in, Variant.FAST_V1, "t");
            if (c != null && c.verdict().cls() == Verdict.Cls.FORBIDDEN)
                return in;
        }
        throw new AssertionError("no PCT seed below 500 tears the reviewers' race under fast-v1");
    }

    @org.junit.jupiter.api.BeforeAll
    static void bootstrap() {
        com.code_intelligence.jazzer.agent.AgentInstaller.install(false); // Jazzer's provider classes on the boot class path
    }

    @Test
    void theProviderReadsBackWhatFdpBytesWrote() {
        byte[] in = new FdpBytes().intIn(0, 3, 1).anyLong(-5).intIn(1, 4, 3).longIn(0, (1L << 31) - 1, 123456789).intIn(0, 400, 399).bytes();
        try (FuzzedDataProviderImpl d = FuzzedDataProviderImpl.withJavaData(in)) {
            assertEquals(1, d.consumeInt(0, 3));
            assertEquals(-5, d.consumeLong());
            assertEquals(3, d.consumeInt(1, 4));
            assertEquals(123456789, d.consumeLong(0, (1L << 31) - 1));
            assertEquals(399, d.consumeInt(0, 400));
        }
    }

    @Test
    void decodesTheChosenScenario() {
        try (FuzzedDataProviderImpl d = FuzzedDataProviderImpl.withJavaData(input(7))) {
            ScenarioDecoder.Decoded in = ScenarioDecoder.decode(d);
            assertNotNull(in);
            assertEquals(500, in.pctSteps());
            Scenario s = in.scenario();
            assertEquals(2, s.maps.size(), "A and B, no file mapping");
            assertEquals(2, s.actors.size());
            Op.Read r = (Op.Read) s.actors.get(0).ops().get(0);
            assertTrue(r.addr() < 0x12000 && r.addr() + r.len() > 0x12000, "the read straddles the seam: " + r.text());
            Op.Mmap m = (Op.Mmap) s.actors.get(1).ops().get(0);
            assertTrue(m.fixed() && m.addr() <= 0x10000 && m.addr() + m.len() >= 0x14000, m.text());
            assertEquals(Scenario.Sched.pct(2, 7), s.scheduleFor(Variant.FAST_V1));
        }
    }

    @Test
    void aForbiddenVerdictIsACrashAndTheSlowPathIsNot() {
        byte[] in = forbiddenInput();
        String old = System.getProperty(ScenarioFuzzTarget.VARIANT_PROPERTY);
        try {
            System.setProperty(ScenarioFuzzTarget.VARIANT_PROPERTY, "fast-v1");
            ScenarioFuzzTarget.fuzzerInitialize();
            ScenarioFuzzTarget.ForbiddenOutcome e = assertThrows(ScenarioFuzzTarget.ForbiddenOutcome.class, () -> {
                try (FuzzedDataProviderImpl d = FuzzedDataProviderImpl.withJavaData(in)) {
                    ScenarioFuzzTarget.fuzzerTestOneInput(d);
                }
            });
            assertTrue(e.getMessage().contains("forbidden torn-read under fast-v1"), e.getMessage());
            assertEquals("mmrace.forbidden.fast_v1", e.getStackTrace()[0].getClassName(), "crashes deduplicate by variant and reason");
            assertEquals("torn_read", e.getStackTrace()[0].getMethodName());
            // the same input on the slow path: mmap_lock across the whole read, never torn
            System.setProperty(ScenarioFuzzTarget.VARIANT_PROPERTY, "slow");
            ScenarioFuzzTarget.fuzzerInitialize();
            try (FuzzedDataProviderImpl d = FuzzedDataProviderImpl.withJavaData(in)) {
                ScenarioFuzzTarget.fuzzerTestOneInput(d);
            }
        } finally {
            if (old == null)
                System.clearProperty(ScenarioFuzzTarget.VARIANT_PROPERTY);
            else
                System.setProperty(ScenarioFuzzTarget.VARIANT_PROPERTY, old);
            ScenarioFuzzTarget.fuzzerInitialize();
        }
    }

    /** The must-show path: crash input -> from-jazzer -> .scn -> ./mmrace run -> forbidden (exit 1). */
    @Test
    void aCrashInputBecomesAScenarioThatReplaysForbidden(@TempDir Path dir) throws Exception {
        Path crash = dir.resolve("crash-0123");
        Files.write(crash, forbiddenInput());
        Path scn = dir.resolve("torn.scn");
        StringWriter out = new StringWriter(), err = new StringWriter();
        int rc = Main.execute(new PrintWriter(out), new PrintWriter(err), "from-jazzer", crash.toString(), "--variant", "fast-v1",
                "-o", scn.toString());
        assertEquals(Main.FORBIDDEN, rc, out + "" + err);
        String text = Files.readString(scn);
        assertTrue(text.contains("schedule fast-v1 steps 0:"), text);
        assertTrue(text.contains("expect fast-v1 forbidden torn-read"), text);
        out = new StringWriter();
        rc = Main.execute(new PrintWriter(out), new PrintWriter(err), "run", scn.toString());
        assertEquals(Main.FORBIDDEN, rc, out + "" + err);
        assertTrue(out.toString().contains("forbidden torn-read") && out.toString().contains("ok"), out.toString());
    }

    @Test
    void fromJazzerRefusesAMissingFile(@TempDir Path dir) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int rc = Main.execute(new PrintWriter(out), new PrintWriter(err), "from-jazzer", dir.resolve("nope").toString(), "--variant",
                "fast-v1", "-o", dir.resolve("x.scn").toString());
        assertEquals(Main.BAD_INPUT, rc);
        assertTrue(err.toString().contains("no such file"), err.toString());
    }
}
