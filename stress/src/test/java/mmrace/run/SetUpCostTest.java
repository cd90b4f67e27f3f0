package mmrace.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import mmrace.scenario.Scenario;
import mmrace.scenario.ScenarioParser;
import mmrace.scenario.Variant;
import org.junit.jupiter.api.Test;

/**
 * Set-up costs what it touches, not the bytes it describes (issue 11 item 16): a 16 MiB file and a
 * 16 MiB device mapping, each read 8 bytes, used to cost 64 MiB of arrays per execution (the file's
 * contents twice, the device's memory twice) before anything ran. Their pages are uniform now
 * until written; what one execution's set-up allocates is counted (the JVM's per-thread
 * allocation counter) and must stay far below the sizes described, both for a fresh build and for
 * a build that copies the prepared initial state ({@link Prepared}: from the second sight of a
 * set-up on, each execution is a copy of it). Compiling that copy is done once per set-up and is
 * not an execution's cost.
 */
class SetUpCostTest {
    static final String BIG = """
            mmrace-scenario 1
            name big
            file F 0x1000000 fill=f
            map A 0x10000 0x1000000 r file=F
            map D 0x2000000 0x1000000 r device fill=d
            actor r
              read 0x10000 8
              read 0x2000000 8
            """;

    @Test
    void aBigFileAndDeviceCostLittleToSetUp() throws Exception {
        Scenario s = ScenarioParser.parse("big.scn", BIG);
        Runner.buildFresh(s, Variant.SLOW); // warm up class loading
        Runner.build(s, Variant.SLOW);
        Runner.build(s, Variant.SLOW); // the second sight of the set-up prepares it (once)
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        long before = mx.getThreadAllocatedBytes(tid);
        Runner.buildFresh(s, Variant.SLOW);
        long fresh = mx.getThreadAllocatedBytes(tid) - before;
        before = mx.getThreadAllocatedBytes(tid);
        Runner.build(s, Variant.SLOW);
        long copied = mx.getThreadAllocatedBytes(tid) - before;
        System.out.printf("set-up of a 16 MiB file and a 16 MiB device: %.1f MiB allocated fresh, %.1f MiB as a copy of the prepared state%n",
                fresh / 1048576.0, copied / 1048576.0);
        assertTrue(fresh < 8L << 20, "a fresh set-up allocated " + fresh + " bytes for 32 MiB described");
        assertTrue(copied < 8L << 20, "a copied set-up allocated " + copied + " bytes for 32 MiB described");
        Runner.Outcome o = Runner.run(s, Variant.SLOW, false);
        assertEquals("acceptable", o.verdict().label(), o.verdict().toString());
    }
}
