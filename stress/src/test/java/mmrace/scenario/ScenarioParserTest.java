package mmrace.scenario;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The .scn format: what it accepts, that it writes back what it read, and how it reports mistakes. */
class ScenarioParserTest {
    static final String RACE = """
            mmrace-scenario 1
            name reviewers-race
            desc a read across A|B while MAP_FIXED replaces both
            file F 0x4000 fill=f
            map A 0x10000 0x2000 rw fill=a
            map B 0x12000 0x2000 rw fill=b   # the neighbour
            map D 0x20000 0x1000 r file=F off=0x1000
            actor reader
              read 0x11ff8 16 FOLL_FORCE
            actor writer
              mmap C 0x10000 0x4000 rw fixed
              write 0x10000 0x4000 fill=c
              mremap 0x20000 0x1000 0x2000 maymove fixed=0x40000 dontunmap
            inject page task=writer nth=2
            schedule * random 7
            schedule fast-v1 steps 0:reader 31:writer 190:reader
            expect slow acceptable
            expect fast-v1 forbidden torn-read
            """;

    @Test
    void parsesAndWritesBack() throws ScenarioError {
        Scenario s = ScenarioParser.parse("race.scn", RACE);
        assertEquals("reviewers-race", s.name);
        assertEquals(3, s.maps.size());
        assertEquals(2, s.actors.size());
        assertEquals(3, s.actor("writer").ops().size());
        assertEquals("forbidden", s.expects.get(Variant.FAST_V1).cls());
        assertEquals("steps", s.scheduleFor(Variant.FAST_V1).kind());
        assertEquals("random", s.scheduleFor(Variant.SLOW).kind());
        Scenario again = ScenarioParser.parse("again.scn", s.text());
        assertEquals(s.text(), again.text());
    }

    static String error(String text) {
        ScenarioError e = assertThrows(ScenarioError.class, () -> ScenarioParser.parse("bad.scn", text));
        return e.getMessage();
    }

    @Test
    void versionLineComesFirst() {
        assertEquals("bad.scn:1: expected the version line 'mmrace-scenario 1' first, found 'name x'", error("name x\n"));
        assertTrue(error("mmrace-scenario 9\n").startsWith("bad.scn:1: unsupported scenario version '9'"));
    }

    @Test
    void errorsNameTheLineAndWhatWasExpected() {
        String head = "mmrace-scenario 1\nactor r\n";
        assertEquals("bad.scn:3: expected an address (hex 0x.. or decimal), found 'zz'", error(head + "  read zz 16\n"));
        assertEquals("bad.scn:3: expected a protection (r, rw, rwx, rx, none), found 'q'", error(head + "  mprotect 0x10000 0x1000 q\n"));
        assertTrue(error(head + "  frobnicate 1\n").startsWith("bad.scn:3: unknown operation 'frobnicate' in actor r"));
        assertTrue(error("mmrace-scenario 1\nmap A 0x10001 0x1000 rw\nactor r\n read 0x10000 1\n").startsWith("bad.scn:2: impossible range"));
        assertTrue(error("mmrace-scenario 1\nmap A 0x10000 0x2000 rw\nmap B 0x11000 0x1000 rw\nactor r\n read 0x10000 1\n")
                .contains("overlaps map A (line 2)"));
        assertTrue(error("mmrace-scenario 1\nactor r\n read 0x10000 1\nexpect fast-v9 forbidden\n").startsWith("bad.scn:4: unknown variant 'fast-v9'"));
        assertTrue(error("mmrace-scenario 1\nactor r\n read 0x10000 1\nschedule slow steps 0:nobody\n").contains("names actor 'nobody'"));
        assertTrue(error("mmrace-scenario 1\n").contains("no actors"));
    }

    @Test
    void missingFileIsReported() {
        ScenarioError e = assertThrows(ScenarioError.class, () -> ScenarioParser.parse(Path.of("/nonexistent/x.scn")));
        assertEquals("/nonexistent/x.scn: no such file", e.getMessage());
    }
    /**
     * poke: access_remote_vm with FOLL_WRITE (implied, never written), FOLL_FORCE unless "none";
     * it round-trips, and its mistakes name the line. Like a read, it is another process's
     * operation, so init may not run one.
     */
    @Test
    void pokeIsARemoteWrite() throws ScenarioError {
        Scenario s = ScenarioParser.parse("p.scn", "mmrace-scenario 1\nactor d\n  poke 0x20010 8 fill=X\n  poke 0x20010 4 fill=0x41 none\n");
        Op.Poke p = (Op.Poke) s.actor("d").ops().get(0), q = (Op.Poke) s.actor("d").ops().get(1);
        assertEquals(Op.Foll.FORCE, p.flags());
        assertEquals(0, q.flags());
        assertEquals((byte) 'A', q.fill().value());
        assertEquals("poke 0x20010 8 fill=X FOLL_FORCE", p.text());
        assertEquals("access_remote_vm(0x20010, 8, FOLL_WRITE|FOLL_FORCE)", p.toString());
        assertEquals(s.text(), ScenarioParser.parse("again.scn", s.text()).text());
        String head = "mmrace-scenario 1\nactor d\n";
        assertEquals("bad.scn:3: poke needs fill=X (the byte to write)", error(head + "  poke 0x10000 8\n"));
        assertEquals("bad.scn:3: poke needs a byte to write, not fill=none", error(head + "  poke 0x10000 8 fill=none\n"));
        assertTrue(error(head + "  poke 0x10000 8 fill=X FOLL_ANON\n").startsWith("bad.scn:3: unexpected 'FOLL_ANON'"));
        assertTrue(error(head + "  poke 0x10000 2m fill=X\n").startsWith("bad.scn:3: poke length must be between 0 and 1 MiB"));
        assertTrue(error("mmrace-scenario 1\ninit poke 0x10000 8 fill=X\nactor d\n  read 0x10000 1\n")
                .startsWith("bad.scn:2: init runs the target's own operations; a remote poke belongs to an actor"));
    }
}
