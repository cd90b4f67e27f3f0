package mmrace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import mmrace.scenario.Corpus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's test command does the whole set-up (issue 11 item 19): ./mmrace test needs headless
 * Chromium for the report's browser test; where it cannot install it (here: no apt-get on the
 * PATH) it stops at once, before building anything, with exit 2 and the one command that installs
 * it, which the README's set-up names too. And it asks Maven to make a missing browser a failure
 * (-Dmmrace.browser=required), as .ci/run does with CI=true.
 */
class LauncherTest {
    @TempDir
    Path dir;

    @Test
    void testStopsAtOnceWithTheCommandThatInstallsChromium() throws Exception {
        Path root = Corpus.dir().getParent();
        Path bin = Files.createDirectory(dir.resolve("bin"));
        for (String tool : new String[] {"dirname", "sed", "head", "id", "find", "cat"}) // no apt-get, no sudo, no mvn
            Files.createSymbolicLink(bin.resolve(tool), Path.of("/usr/bin", tool));
        ProcessBuilder pb = new ProcessBuilder("/bin/bash", root.resolve("mmrace").toString(), "test").redirectErrorStream(true);
        pb.environment().put("PATH", bin.toString());
        pb.environment().put("MMRACE_CHROMIUM", dir.resolve("no-chromium").toString());
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "it stops at once");
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(2, p.exitValue(), out);
        assertTrue(out.contains("the tests need headless Chromium at " + dir.resolve("no-chromium")), out);
        assertTrue(out.contains("  sudo apt-get install -y chromium"), out);
        String readme = Files.readString(root.resolve("README.md"));
        assertTrue(readme.contains("sudo apt-get install -y chromium"), "the README's set-up names the same command");
        String launcher = Files.readString(root.resolve("mmrace"));
        assertTrue(launcher.contains("verify -Dmmrace.browser=required"), "a missing browser fails the test under ./mmrace test");
        assertTrue(Files.readString(root.resolve(".ci/run")).contains("export CI=true"), ".ci/run makes a missing browser a failure");
    }
}
