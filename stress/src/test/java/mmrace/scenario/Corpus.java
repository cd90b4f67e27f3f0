package mmrace.scenario;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the repository's corpus/ is, from a test's working directory (the module or the root). */
public final class Corpus {
    private Corpus() {}

    public static Path dir() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("corpus")))
            p = p.getParent();
        if (p == null)
            throw new IllegalStateException("no corpus/ above " + Path.of("").toAbsolutePath());
        return p.resolve("corpus");
    }
}
