package mmrace.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import mmrace.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ./mmrace compare with tiny budgets: the table has its header and one well-formed row per tool,
 * whatever each tool found in so little time (no timing is asserted: this machine is shared).
 * Lincheck runs through Maven and is left to the real comparison.
 */
class CompareSmokeTest {
    @Test
    void tinyBudgetsGiveOneRowPerTool(@TempDir Path dir) throws Exception {
        String old = System.getProperty("mmrace.home");
        System.setProperty("mmrace.home", Path.of("..").toAbsolutePath().normalize().toString()); // surefire runs in stress/
        try {
            StringWriter out = new StringWriter(), err = new StringWriter();
            Path md = dir.resolve("table.md");
            int rc = Main.execute(new PrintWriter(out), new PrintWriter(err), "compare", "--races", "reviewers", "--tools",
                    "explore,fuzz,jcstress,jazzer", "--seeds", "1", "--budget", "3s", "--explore-runs", "40", "--jcstress-times", "10",
                    "--jcstress-runs", "1", "--jcstress-need", "1", "--work", dir.resolve("work").toString(), "--markdown", md.toString());
            assertEquals(Main.OK, rc, err.toString());
            List<String> lines = Files.readAllLines(md);
            assertEquals(2 + 4, lines.size(), String.join("\n", lines));
            assertTrue(lines.get(0).startsWith("| race (variant) | tool |"), lines.get(0));
            List<String> tools = List.of("mmrace explore", "mmrace fuzz", "JCStress", "Jazzer");
            for (int i = 0; i < tools.size(); i++) {
                String row = lines.get(2 + i);
                assertEquals(10, row.split("\\|", -1).length, "8 cells between 9 bars: " + row);
                assertTrue(row.startsWith("| reviewers' race (`fast-v1`) | " + tools.get(i) + " |"), row);
                assertTrue(row.matches("\\| .* \\| [01]/1 \\| .*"), "found k/1: " + row);
            }
            assertTrue(out.toString().contains("Medians over 1 seeds"), out.toString());
        } finally {
            if (old == null)
                System.clearProperty("mmrace.home");
            else
                System.setProperty("mmrace.home", old);
        }
    }

    @Test
    void anUnknownToolIsBadInput() {
        StringWriter out = new StringWriter(), err = new StringWriter();
        assertEquals(Main.BAD_INPUT, Main.execute(new PrintWriter(out), new PrintWriter(err), "compare", "--tools", "fray"));
        assertTrue(err.toString().contains("unknown tool 'fray'"), err.toString());
    }

    @Test
    void mediansCountMissesAsInfinite() {
        Trial hit = new Trial(true, 10, 1.0, 2.0, ""), miss = Trial.notFound(5.0, "none");
        assertEquals(10, PeerTable.median(List.of(hit, hit, miss), Trial::executions), 0);
        assertTrue(Double.isNaN(PeerTable.median(List.of(hit, miss, miss), Trial::executions)), "most missed: no median");
        assertEquals(2.0, PeerTable.median(List.of(hit, new Trial(true, 30, 3.0, 4.0, "")), Trial::searchSeconds), 1e-9);
    }
}
