package mmrace.scenario;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Processes in .scn files: {@code process NAME} sections with their own maps and init lines,
 * {@code actor NAME proc=P}, {@code read ... proc=P}, {@code fork CHILD} and {@code exit}. A file
 * without any of them is a one-process scenario, parsed as it always was.
 */
class ProcessLinesTest {
    static final String TWO = """
            mmrace-scenario 1
            name two
            map A 0x10000 0x1000 rw fill=a
            process P2
            map A2 0x10000 0x1000 rw fill=q     # same range, another address space
            init write 0x10000 8 fill=r
            actor reader proc=P2
              read 0x10000 16 proc=P1
              read 0x10000 16 proc=C
            actor t1
              fork C
              exit
            actor c proc=C
              write 0x10000 8 fill=c
            """;

    @Test
    void processesParseAndWriteBack() throws ScenarioError {
        Scenario s = ScenarioParser.parse("two.scn", TWO);
        assertTrue(s.usesProcesses());
        assertEquals(1, s.maps.size(), "P1's maps");
        assertEquals(1, s.processes.size());
        Scenario.Process p2 = s.process("P2");
        assertEquals(List.of("A2"), p2.maps().stream().map(Scenario.MapSpec::name).toList());
        assertEquals(1, p2.init().size());
        assertEquals("P2", s.actor("reader").process());
        assertEquals(Scenario.TARGET, s.actor("t1").process());
        assertNull(s.actor("t1").proc());
        assertEquals("C", s.actor("c").proc());
        assertEquals(List.of("C"), s.forked());
        assertEquals(new Op.Fork("C", 11), s.actor("t1").ops().get(0));
        assertTrue(s.actor("t1").ops().get(1) instanceof Op.Exit);
        assertEquals("P1", ((Op.Read) s.actor("reader").ops().get(0)).proc());
        Scenario again = ScenarioParser.parse("again.scn", s.text());
        assertEquals(s.text(), again.text());
        assertTrue(s.text().contains("process P2\nmap A2"), s.text());
        assertTrue(s.text().contains("actor c proc=C\n"), s.text());
    }

    @Test
    void aFileWithoutProcessesHasOneProcess() throws ScenarioError {
        Scenario s = ScenarioParser.parse("one.scn", ScenarioParserTest.RACE);
        assertFalse(s.usesProcesses());
        assertTrue(s.processes.isEmpty());
        assertFalse(s.text().contains("proc"), "written back as it was read");
    }

    @Test
    void mistakesAreReportedWithTheirLine() {
        String head = "mmrace-scenario 1\nmap A 0x10000 0x1000 rw\n";
        assertEquals("bad.scn:3: actor t is a thread of process 'P9', which no process line or fork creates",
                ScenarioParserTest.error(head + "actor t proc=P9\n  write 0x10000 8 fill=x\n"));
        assertEquals("bad.scn:5: read of process 'P9', which no process line or fork creates",
                ScenarioParserTest.error(head + "actor t\n  write 0x10000 8 fill=x\n  read 0x10000 8 proc=P9\n"));
        assertEquals("bad.scn:5: fork creates process 'P2', which already exists (the target, a process line or another fork)",
                ScenarioParserTest.error(head + "process P2\nactor t\n  fork P2\n"));
        assertEquals("bad.scn:5: fork creates process 'P1', which already exists (the target, a process line or another fork)",
                ScenarioParserTest.error(head + "actor t\n  fork C\n  fork P1\n"));
        assertEquals("bad.scn:3: init runs before anything races; fork and exit belong to an actor",
                ScenarioParserTest.error(head + "init exit\n"));
        assertEquals("bad.scn:5: process lines come before the first actor",
                ScenarioParserTest.error(head + "actor t\n  exit\nprocess P2\n"));
        assertEquals("bad.scn:4: process 'P2' is defined twice", ScenarioParserTest.error(head + "process P2\nprocess P2\n"));
        assertEquals("bad.scn:4: expected 'exit', found 'exit now'", ScenarioParserTest.error(head + "actor t\n  exit now\n"));
    }

    /** Maps of different processes may overlap (each has its own address space); within one they may not. */
    @Test
    void mapsOverlapOnlyAcrossProcesses() throws ScenarioError {
        ScenarioParser.parse("ok.scn", "mmrace-scenario 1\nmap A 0x10000 0x1000 rw\nprocess P2\nmap B 0x10000 0x1000 rw\n"
                + "actor t\n  exit\n");
        assertTrue(ScenarioParserTest.error("mmrace-scenario 1\nprocess P2\nmap A 0x10000 0x1000 rw\nmap B 0x10000 0x1000 rw\n")
                .startsWith("bad.scn:4: impossible range: map B overlaps map A"));
    }
}
