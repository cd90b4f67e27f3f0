package mmrace.mutate;

import mmrace.oracle.Verdict;
import mmrace.runtime.Mutant;
import mmrace.scenario.Scenario;
import mmrace.scenario.ScenarioError;
import mmrace.scenario.ScenarioParser;
import mmrace.scenario.Variant;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a fuzzing kill into a regression scenario for the gate: the minimised finding, with the
 * expect line the real port gives under its recorded schedule (the mutant off), so that the gate
 * keeps passing on the port and fails, with a forbidden outcome, if the bug comes back.
 */
public final class Regressions {
    private Regressions() {}

    /**
     * Writes {@code dir/mutant-ID.scn} from the kill's {@code finding} under {@code v}: its program
     * and schedules, a description, and the unmutated port's verdict as the expect line. Returns the
     * file, or throws IllegalStateException if the finding is not a kill that shows the mechanism
     * (forbidden with the mutant on, not with it off).
     */
    public static Path write(Mutant.Info m, Path finding, Variant v, Path dir) throws IOException, ScenarioError {
        Fuzzing.Check c = Fuzzing.check(finding, v, m.id());
        if (c == null || c.on().cls() != Verdict.Cls.FORBIDDEN || c.off().cls() == Verdict.Cls.FORBIDDEN || c.fired() == 0)
            throw new IllegalStateException(finding + " under " + v.id + " is not a kill of " + m.id() + " that shows its mechanism: "
                    + (c == null ? "cannot be replayed" : "mutant on " + c.on() + ", off " + c.off()));
        Scenario s = ScenarioParser.parse(finding).copy();
        s.name = "mutant-" + m.id();
        s.desc.clear();
        s.desc.addAll(wrap("Regression for the mutant " + m.id() + " (docs/MUTANTS.md, " + m.where() + "): " + m.bugClass() + "."));
        s.desc.addAll(wrap("Bug as fixed by: " + m.cite() + "."));
        s.desc.addAll(wrap("Found by ./mmrace mutants (fuzzing from an empty corpus), minimised. With the mutant on, this schedule gives "
                + c.on() + "; the port gives " + c.off().label() + ", which the expect line records: the gate fails if the bug comes back."));
        s.desc.add("Replay with the mutant: MMRACE_MUTANT=" + m.id() + " ./mmrace run corpus/regressions/" + s.name + ".scn --variant " + v.id + " --trace");
        s.expects.clear();
        s.expects.put(v, new Scenario.Expect(c.off().cls().word(), c.off().cls() == Verdict.Cls.ACCEPTABLE ? null : c.off().reason().code(), 0));
        Files.createDirectories(dir);
        Path f = dir.resolve(s.name + ".scn");
        Files.writeString(f, s.text());
        return f;
    }

    /** Words into desc lines of at most 100 characters. */
    static List<String> wrap(String text) {
        List<String> lines = new ArrayList<>();
        StringBuilder b = new StringBuilder();
        for (String w : text.split("\\s+")) {
            if (b.length() > 0 && b.length() + 1 + w.length() > 100) {
                lines.add(b.toString());
                b.setLength(0);
            }
            if (b.length() > 0)
                b.append(' ');
            b.append(w);
        }
        if (b.length() > 0)
            lines.add(b.toString());
        return lines;
    }
}
