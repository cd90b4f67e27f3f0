package mmrace.cli;

import mmrace.fuzz.Campaign;
import mmrace.fuzz.Finding;
import mmrace.report.Groups;
import mmrace.report.Summary;
import mmrace.run.Runner;
import mmrace.scenario.Scenario;
import mmrace.scenario.ScenarioError;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Tonight's findings for the report: each forbidden outcome the campaigns minimised (saved anew,
 * or a duplicate of a saved one) is replayed once, described the way the fuzzer deduplicates
 * ({@link Finding#describe}) and grouped ({@link Groups}); each group's representative gets a
 * trace page (DIR/groups/ID.html) and its swimlanes. Findings of the corpus that no longer
 * reproduce are listed apart.
 */
final class NightlyFindings {
    private NightlyFindings() {}

    /** A replayed finding file. */
    private record Replayed(Groups.Found found, Runner.Outcome outcome, Scenario scenario) {}

    static void report(List<Campaign.FindingEvent> events, Path out, Path findingsDir, NightlyReport rep) {
        Map<Path, Replayed> files = new HashMap<>();
        List<Groups.Found> found = new ArrayList<>();
        Map<String, Summary.Gone> gone = new LinkedHashMap<>();
        for (Campaign.FindingEvent e : events) {
            if (e.status() == Campaign.FindingStatus.GONE) {
                String f = e.file() == null ? e.signature() : out.relativize(e.file().toAbsolutePath()).toString();
                gone.putIfAbsent(f, new Summary.Gone(f, e.variant() == null ? "?" : e.variant().id, e.reason(), e.message()));
                continue;
            }
            if (e.status() == Campaign.FindingStatus.KNOWN || e.variant() == null)
                continue;
            Path file = e.file() != null ? e.file() : findingsDir.resolve(e.reason() + "-" + e.variant().id + "-" + e.signature() + ".scn");
            if (!Files.isRegularFile(file)) {
                rep.notes.add("finding " + e.line() + ": no file to report");
                continue;
            }
            Path key = file.toAbsolutePath();
            if (!files.containsKey(key))
                files.put(key, replay(key, e, out, rep));
            Replayed r = files.get(key);
            if (r != null)
                found.add(r.found());
        }
        rep.groups = Groups.group(found, rep.knowledge);
        rep.gone.addAll(gone.values());
        Map<String, Replayed> byFile = new HashMap<>();
        for (Replayed r : files.values())
            if (r != null)
                byFile.put(r.found().file(), r);
        for (Summary.Group g : rep.groups)
            page(g, byFile.get(g.representative()), out, rep);
    }

    private static Replayed replay(Path file, Campaign.FindingEvent e, Path out, NightlyReport rep) {
        String rel = out.relativize(file.toAbsolutePath()).toString();
        try {
            Scenario s = Scenarios.load(file);
            Runner.Outcome o = Runner.run(s, e.variant(), true);
            String cause = rep.knownCause(o.oracle().rootCause());
            int size = s.actors.size() + s.actors.stream().mapToInt(a -> a.ops().size()).sum();
            boolean minimised = e.status() != Campaign.FindingStatus.UNREPRODUCED && !file.getFileName().toString().startsWith("unreproduced-");
            return new Replayed(new Groups.Found(Finding.describe(s, e.variant(), e.reason(), cause), e.variant().id, e.reason(), cause, rel,
                    size, minimised), o, s);
        } catch (ScenarioError | RuntimeException x) {
            rep.notes.add(rel + ": cannot be replayed for the report: " + x.getMessage());
            return null;
        }
    }

    /** DIR/groups/ID.html: the representative's trace as TraceView draws it; and its swimlanes for the page. */
    private static void page(Summary.Group g, Replayed r, Path out, NightlyReport rep) {
        if (r == null)
            return;
        Runner.Outcome o = r.outcome();
        rep.lanes.put(g.id(), new NightlyReport.Lanes(o.verdict().toString(), o.trace(), o.result().actors(), o.oracle().generationChanges()));
        String title = g.key() + ": " + g.representative();
        Scenarios.writeAtomically(out.resolve(g.trace()), TraceView.html(title, o.trace(), o.result().actors(), o.oracle(), o.verdict()));
    }
}
