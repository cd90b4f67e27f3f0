package mmrace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Long runs within the documented limits are not livelocks (issue 11 item 17): a race-free 16 MiB
 * store, 10,000 operations in one actor and 1,000 actors each used to end as "forbidden livelock"
 * at the old 50,000-step bound (exit 1, and explore saved them as findings). The bound now scales
 * with the scenario, and a run that reaches it while making progress is the verdict "limit" (no
 * verdict, exit 2, how to raise it said), which explore does not save.
 */
class LimitNotLivelockTest {
    @TempDir
    Path dir;

    private Path file(String name, String text) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    static final String WRITE16 = "mmrace-scenario 1\nname w16\nmap A 0x10000 0x1000000 rw fill=none\nactor w\n  write 0x10000 0x1000000 fill=a\n";

    @Test
    void aSixteenMegabyteStoreRunsToItsEnd() throws Exception {
        Path f = file("w16.scn", WRITE16);
        CliRobustnessTest.Ran r = CliRobustnessTest.cli("run", "--variant", "slow", f.toString());
        assertEquals(Main.OK, r.exit(), r.all());
        assertTrue(r.out().contains("slow                     acceptable"), r.out());
    }

    @Test
    void theBoundReachedWhileMakingProgressIsALimit() throws Exception {
        Path f = file("w16.scn", WRITE16);
        CliRobustnessTest.Ran r = CliRobustnessTest.cli("run", "--variant", "slow", "--max-steps", "20000", f.toString());
        assertEquals(Main.BAD_INPUT, r.exit(), r.all());
        assertTrue(r.out().contains("slow                     limit model-limit (step 20000)"), r.out());
        assertTrue(r.out().contains("step bound 20000 reached while the actors were still making progress (w 20000 steps)"), r.out());
        assertTrue(r.out().contains("no verdict: raise the bound with --max-steps N"), r.out());
        assertFalse(r.out().contains("livelock"), r.out());

        Path saved = dir.resolve("found");
        CliRobustnessTest.Ran e = CliRobustnessTest.cli("explore", f.toString(), "--variant", "slow", "--runs", "2", "--max-steps", "20000",
                "--save", saved.toString());
        assertEquals(Main.BAD_INPUT, e.exit(), e.all());
        assertTrue(e.out().contains("2 executions reached a limit of the model (no verdict)"), e.out());
        assertFalse(Files.exists(saved), "a limit is not a finding: nothing saved");
    }

    @Test
    void manyOperationsAndManyActorsAreNotLivelocks() throws Exception {
        StringBuilder ops = new StringBuilder("mmrace-scenario 1\nname ops\nmap A 0x10000 0x2000 rw fill=a\nactor r\n");
        for (int i = 0; i < 10_000; i++)
            ops.append("  read 0x10000 8\n");
        StringBuilder actors = new StringBuilder("mmrace-scenario 1\nname actors\nmap A 0x10000 0x2000 rw fill=a\n");
        for (int i = 0; i < 1_000; i++)
            actors.append("actor r").append(i).append("\n  read 0x10000 8\n");
        CliRobustnessTest.Ran r = CliRobustnessTest.cli("run", "--variant", "slow", file("ops.scn", ops.toString()).toString(),
                file("actors.scn", actors.toString()).toString());
        assertEquals(Main.OK, r.exit(), r.all());
        assertEquals(2, r.out().lines().filter(l -> l.contains("slow                     acceptable")).count(), r.out());
    }
}
