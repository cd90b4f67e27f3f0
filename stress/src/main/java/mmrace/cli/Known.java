package mmrace.cli;

import mmrace.scenario.KnownIssues;
import mmrace.scenario.ScenarioError;

import java.nio.file.Path;

/** Which known-issues file a command reads (corpus/known-issues.txt, {@link KnownIssues}). */
final class Known {
    private Known() {}

    /**
     * {@code explicit} if given (it must exist); else {@code CORPUS/known-issues.txt} of the
     * command's corpus directory if that exists; else the checked-in corpus's (under mmrace.home,
     * else ./corpus); else none. A malformed file is bad input.
     */
    static KnownIssues issues(Path explicit, Path corpus) {
        try {
            if (explicit != null) {
                if (!java.nio.file.Files.isRegularFile(explicit))
                    throw new Main.BadInput(explicit + ": no such known-issues file");
                return KnownIssues.read(explicit);
            }
            return KnownIssues.in(corpus, checkedIn());
        } catch (ScenarioError e) {
            throw new Main.BadInput(e.getMessage());
        }
    }

    /** The checked-in corpus directory: mmrace.home/corpus, else ./corpus. */
    static Path checkedIn() {
        String home = System.getProperty("mmrace.home");
        return home == null ? Path.of("corpus") : Path.of(home, "corpus");
    }
}
