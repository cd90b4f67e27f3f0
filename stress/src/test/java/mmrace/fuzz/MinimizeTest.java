package mmrace.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import mmrace.oracle.Reason;
import mmrace.scenario.Scenario;
import mmrace.scenario.ScenarioParser;
import mmrace.scenario.Variant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code minimize FILE} on the toy target. */
class MinimizeTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);

    /** The race plus junk operations, actors and mappings: minimised to read ‖ mmap (+ store), one preemption. */
    @Test
    void minimisesAFinding() throws Exception {
        Scenario s = Toys.parse(Toys.RACE.replace("actor t1\n", """
                actor t2
                  write 0x30000 0x1000 fill=z
                  madvise 0x30000 0x1000 dontneed

                actor t1
                  munmap 0x40000 0x1000
                  write 0x30000 0x10 fill=q
                """).replace("map B 0x12000 0x2000 rw fill=b\n", "map B 0x12000 0x2000 rw fill=b\nmap D 0x30000 0x2000 rw fill=d\n"));
        Scenario f = Toys.withTornSchedule(s);
        Path in = dir.resolve("race.scn");
        Files.writeString(in, f.text());
        int code = Minimize.file(in, null, null, new ToyTarget(), Minimize.Budget.SMALL, ps);
        assertEquals(1, code, out.toString());
        Path min = dir.resolve("race.min.scn");
        Scenario m = ScenarioParser.parse(min);
        assertEquals(2, m.actors.size(), m::text);
        assertTrue(Minimize.ops(m) <= 3, m::text);
        assertTrue(m.maps.size() <= 2, m::text);
        assertEquals("forbidden", m.expects.get(Variant.FAST_V1).cls());
        assertEquals(Reason.TORN_READ.code(), m.expects.get(Variant.FAST_V1).reason());
        assertTrue(m.desc.stream().anyMatch(d -> d.contains("1 preemption")), m::text);
        assertTrue(Files.readString(dir.resolve("race.min.trace")).contains("reader"));
        System.out.print(out + Files.readString(min));
    }

    @Test
    void badInputIsStatus2() throws Exception {
        Path in = dir.resolve("bad.scn");
        Files.writeString(in, "mmrace-scenario 1\nmap A zz\n");
        assertEquals(2, Minimize.file(in, null, null, new ToyTarget(), Minimize.Budget.SMALL, ps));
        assertTrue(out.toString().contains("bad.scn:2"), out.toString());
        assertEquals(2, Minimize.file(dir.resolve("missing.scn"), null, null, new ToyTarget(), Minimize.Budget.SMALL, ps));
    }

    /** Nothing forbidden under any variant's own schedule: status 0, nothing written. */
    @Test
    void nothingToMinimise() throws Exception {
        Path in = dir.resolve("ok.scn");
        Files.writeString(in, Toys.RACE);
        assertEquals(0, Minimize.file(in, null, Variant.SLOW, new ToyTarget(), Minimize.Budget.SMALL, ps));
        assertTrue(!Files.exists(dir.resolve("ok.min.scn")));
    }

    /** A finding that does not reproduce is said so (status 0), not silently dropped or rewritten. */
    @Test
    void unreproducedIsReported() throws Exception {
        Scenario s = Toys.parse(Toys.RACE);
        s.schedules.put(Variant.FAST_V1, Scenario.Sched.steps("0:t1"));
        s.expects.put(Variant.FAST_V1, new Scenario.Expect("forbidden", Reason.DEADLOCK.code(), 0));
        Path in = dir.resolve("ghost.scn");
        Files.writeString(in, s.text());
        assertEquals(0, Minimize.file(in, null, null, new ToyTarget(), Minimize.Budget.SMALL, ps));
        assertTrue(out.toString().contains("did NOT reproduce"), out.toString());
        Minimize.Result r = Minimize.minimize(new ToyTarget(), s, Variant.FAST_V1, Reason.DEADLOCK.code(), Minimize.Budget.SMALL, 0);
        assertEquals(Minimize.Status.UNREPRODUCED, r.status());
        assertTrue(r.minimized().desc.stream().anyMatch(d -> d.startsWith("UNREPRODUCED")));
    }
}
