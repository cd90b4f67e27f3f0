package mmrace.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import mmrace.scenario.Scenario;
import mmrace.scenario.ScenarioParser;
import mmrace.scenario.Variant;
import org.junit.jupiter.api.Test;

/**
 * Findings with a known root cause deduplicate across variants and shapes. The generic_access_phys
 * over-read (FINDINGS.md section 4) is one bug of the slow path that every fast path falls back to;
 * without this, a nightly saved it 165 times in as many shapes. A torn read keeps its shape: two
 * shapes of a tear can be two bugs.
 */
class RootCauseTest {
    /** A read that crosses the end of a one-page device mapping: bytes of the next pfn. */
    private static final String DEVICE = """
            mmrace-scenario 1
            map A 0x11000 0x1000 rw device fill=h
            actor reader
              read 0x11ff8 16 FOLL_FORCE
            %s
            schedule * pct 2 1
            """;

    private static Scenario parse(String text) throws Exception {
        return ScenarioParser.parse("root-cause-test.scn", text);
    }

    private static Minimize.Result minimise(String extra, Variant v) throws Exception {
        Scenario s = parse(DEVICE.formatted(extra));
        PortTarget t = new PortTarget();
        Target.Run r = t.run(s, v, Schedules.strategy(s, v, 0), mmrace.sched.Config.DEFAULT);
        assertEquals("needs-triage", r.verdict().cls().word(), r.verdict().toString());
        assertEquals("generic_access_phys copies past the looked-up page", Finding.rootCause(r), "the oracle names the root cause");
        return Minimize.minimize(t, s, v, r.verdict().reason().code(), Minimize.Budget.SMALL, r.result().steps());
    }

    @Test
    void deviceOverReadIsOneFindingWhateverTheVariantAndShape() throws Exception {
        Minimize.Result slow = minimise("", Variant.SLOW);
        Minimize.Result fast = minimise("actor t1\n  mprotect 0x20000 0x1000 r\n", Variant.FAST_ONE_VMA);
        assertEquals(Minimize.Status.MINIMIZED, slow.status());
        assertEquals(slow.reason(), fast.reason());
        assertEquals(slow.signature(), fast.signature(), "one bug, one signature");
        String text = Minimize.findingText(slow, "test");
        assertTrue(text.contains("Root cause: generic_access_phys copies past the looked-up page"), text);
        assertTrue(text.contains("via generic_access_phys copies past the looked-up page"), text);
    }

    /** The COW copy of a private device page: the copy from the looked-up pfn returns the device's page, not the copy. */
    @Test
    void aCowCopiedDevicePageIsTheSameRootCause() throws Exception {
        Scenario s = parse("""
                mmrace-scenario 1
                map B 0x12000 0x2000 rw device fill=r
                actor reader
                  write 0x13000 0x1000 fill=n
                  read 0x12ff8 16 FOLL_FORCE
                """);
        Target.Run r = new PortTarget().run(s, Variant.SLOW, Schedules.strategy(s, Variant.SLOW, 0), mmrace.sched.Config.DEFAULT);
        assertEquals("needs-triage", r.verdict().cls().word(), r.verdict().toString());
        assertEquals(mmrace.oracle.Oracle.ROOT_CAUSE_ACCESS_PHYS, Finding.rootCause(r));
    }

    /** A read inside one device page has no root cause: the probe looks at the pages the copy reaches. */
    @Test
    void aReadInsideOneDevicePageHasNone() throws Exception {
        Scenario s = parse(DEVICE.formatted("").replace("read 0x11ff8 16", "read 0x11100 16"));
        Target.Run r = new PortTarget().run(s, Variant.SLOW, Schedules.strategy(s, Variant.SLOW, 0), mmrace.sched.Config.DEFAULT);
        assertEquals("acceptable", r.verdict().cls().name().toLowerCase(), r.verdict().toString());
        assertNull(Finding.rootCause(r));
    }

    /** Tears are told apart by their mechanisms, not by the reads and writes around them. */
    @Test
    void aTearKeepsItsMechanism() throws Exception {
        String base = """
                mmrace-scenario 1
                map A 0x11000 0x1000 rw fill=a
                actor reader
                  read 0x11ff8 16 FOLL_FORCE
                actor t1
                  %s
                """;
        Scenario fixed = parse(base.formatted("mmap C 0x10000 0x4000 rw fixed"));
        Scenario fixedMore = parse(base.formatted("mmap C 0x10000 0x4000 rw fixed\n  write 0x10000 0x800 fill=e\n  read 0x10000 16 FOLL_FORCE"));
        Scenario unmap = parse(base.formatted("munmap 0x11000 0x1000"));
        assertEquals("{mmap-fixed}", Finding.mechanisms(fixed));
        assertEquals(Finding.signature(fixed, Variant.FAST_V1, "torn-read", null), Finding.signature(fixedMore, Variant.FAST_V1, "torn-read", null));
        assertNotEquals(Finding.signature(fixed, Variant.FAST_V1, "torn-read", null), Finding.signature(unmap, Variant.FAST_V1, "torn-read", null));
        assertNotEquals(Finding.signature(fixed, Variant.FAST_V1, "torn-read", null), Finding.signature(fixed, Variant.SLOW, "torn-read", null));
    }
}
