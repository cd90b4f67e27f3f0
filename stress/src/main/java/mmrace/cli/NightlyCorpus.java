package mmrace.cli;

import mmrace.fuzz.Finding;
import mmrace.report.Knowledge;
import mmrace.run.Runner;
import mmrace.scenario.Scenario;
import mmrace.scenario.ScenarioError;
import mmrace.scenario.Variant;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The nightly's copy of the corpus (DIR/corpus): the campaigns save their queue and findings
 * there, so the checked-in corpus is only read. A copy is marked as one; each night refreshes it
 * from the corpus and keeps only its queue (the inputs that gave coverage on earlier nights).
 */
final class NightlyCorpus {
    private NightlyCorpus() {}

    static final String MARKER = ".mmrace-nightly-copy";

    /** BadInput if {@code out} (which may not exist yet) lies inside the corpus {@code src}: the nightly must not write there. */
    static void checkOut(Path src, Path out) throws IOException {
        Path o = out.toAbsolutePath().normalize(), existing = o;
        while (existing != null && !Files.exists(existing))
            existing = existing.getParent();
        Path real = existing == null ? o : existing.toRealPath().resolve(existing.relativize(o));
        if (real.startsWith(src.toRealPath()))
            throw new Main.BadInput(out + ": --out is inside the corpus " + src + "; the nightly must not write there");
    }

    /** Copies {@code src} to {@code out}/corpus and returns the copy. BadInput if the two overlap or the target is not a copy. */
    static Path copy(Path src, Path out) throws IOException {
        checkOut(src, out);
        Path dst = out.resolve("corpus").toAbsolutePath().normalize();
        Path s = src.toRealPath();
        Path outReal = out.toRealPath();
        if (s.startsWith(outReal.resolve("corpus")))
            throw new Main.BadInput(src + ": the corpus is inside " + dst + ", which the nightly replaces with its copy");
        if (Files.exists(dst)) {
            if (!Files.exists(dst.resolve(MARKER)))
                throw new Main.BadInput(dst + " exists and is not a nightly's copy of a corpus: choose another --out");
            clearExceptQueue(dst);
        }
        Files.createDirectories(dst);
        Files.writeString(dst.resolve(MARKER), "A nightly's working copy of " + s + "; refreshed each night (queue/ is kept).\n");
        try (Stream<Path> w = Files.walk(s)) {
            for (Path p : w.filter(Files::isRegularFile).toList()) {
                Path rel = s.relativize(p);
                if (p.getFileName().toString().startsWith(".tmp-"))
                    continue;
                Path t = dst.resolve(rel.toString());
                Files.createDirectories(t.getParent());
                if (!rel.startsWith("queue") || !Files.exists(t))
                    Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return dst;
    }

    private static void clearExceptQueue(Path dst) throws IOException {
        Path queue = dst.resolve("queue");
        try (Stream<Path> w = Files.walk(dst)) {
            for (Path p : w.sorted(Comparator.reverseOrder()).toList()) {
                if (p.equals(dst) || p.startsWith(queue) || p.getFileName().toString().equals(MARKER))
                    continue;
                Files.delete(p);
            }
        }
    }

    /**
     * What the corpus knows: for every {@code expect V forbidden R} (or {@code needs-triage R}) line,
     * the fuzzer's description of the scenario's mechanism under V and the root cause its replay
     * shows, if the corpus's known issues record it ({@link NightlyReport#knownCause}). {@code name} is how
     * files are named in the report (the corpus directory as the user gave it).
     */
    static Knowledge knowledge(List<Path> files, Path dir, String name, List<String> notes, NightlyReport rep) {
        Knowledge k = new Knowledge();
        for (Path f : files) {
            Scenario s;
            try {
                s = Scenarios.load(f);
            } catch (ScenarioError e) {
                notes.add("corpus file skipped (the gate reports it): " + e.getMessage());
                continue;
            }
            String shown = name + "/" + dir.relativize(f);
            for (var x : s.expects.entrySet()) {
                boolean triage = x.getValue().cls().equals("needs-triage");
                if (!x.getValue().cls().equals("forbidden") && !triage)
                    continue;
                Variant v = x.getKey();
                String reason = x.getValue().reason(), cause = null;
                try {
                    cause = rep.knownCause(Runner.run(s, v, false).oracle().rootCause());
                } catch (RuntimeException e) {
                    notes.add(shown + " under " + v.id + " could not be replayed (the gate reports it): " + e.getMessage());
                }
                if (triage)
                    k.recordTriage(shown, Finding.describe(s, v, reason, cause), cause);
                else
                    k.record(shown, v.id, reason, Finding.describe(s, v, reason, cause), cause);
            }
        }
        return k;
    }
}
