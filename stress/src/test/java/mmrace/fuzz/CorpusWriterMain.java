package mmrace.fuzz;

import java.nio.file.Files;
import java.nio.file.Path;
import mmrace.scenario.Scenario;

/**
 * The child of {@link CorpusTest#killedWriterLeavesNoPartialFile}: writes a finding (the text in
 * the file named by args[1]), then queue entries without end, big ones (so the kill is likely to
 * land in the middle of a write), printing "finding NAME" / "queue NAME" after each write.
 */
public final class CorpusWriterMain {
    public static void main(String[] args) throws Exception {
        Corpus c = new Corpus(Path.of(args[0]));
        String finding = Files.readString(Path.of(args[1]));
        Path f = c.addFinding("torn-read-fast-v1-000000000001", finding, "trace of the finding\n");
        System.out.println("finding " + (f == null ? "exists" : f.getFileName()));
        System.out.flush();
        Gen g = new Gen(42);
        for (long i = 0;; i++) {
            Scenario s = g.initial();
            for (int k = 0; k < 3000; k++)
                s.desc.add("padding line " + k + " of entry " + i + " so that the write takes a while ............................");
            Path p = c.addQueue(s);
            if (p != null) {
                System.out.println("queue " + p.getFileName());
                System.out.flush();
            }
        }
    }
}
