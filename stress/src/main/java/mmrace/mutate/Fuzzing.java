package mmrace.mutate;

import mmrace.fuzz.Campaign;
import mmrace.fuzz.Minimize;
import mmrace.fuzz.Schedules;
import mmrace.oracle.Verdict;
import mmrace.report.MutationReport;
import mmrace.run.Runner;
import mmrace.runtime.Mutant;
import mmrace.scenario.Scenario;
import mmrace.scenario.ScenarioError;
import mmrace.scenario.ScenarioParser;
import mmrace.scenario.Variant;
import mmrace.sched.Config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Fuzzing one mutant: a stop-on-forbidden campaign per seed from an empty corpus, on the variants
 * the catalogue measures it under, against {@link MutantTarget} (so only an outcome the unmutated
 * port does not give is a kill). The first kill's minimised finding is replayed with the mutant on
 * and off to check that it shows the mutant's mechanism.
 */
public final class Fuzzing {
    private Fuzzing() {}

    /** Minimisation of a kill: smaller than the fuzzer's own, so that a short budget is not spent shrinking. */
    static final Minimize.Budget SHRINK = new Minimize.Budget(400, Duration.ofSeconds(15), 2, 200);

    /** The variants of a catalogue entry (IllegalStateException for an id that is not a variant). */
    public static List<Variant> variants(Mutant.Info m) {
        List<Variant> vs = new ArrayList<>();
        for (String id : m.variants()) {
            Variant v = Variant.byId(id);
            if (v == null)
                throw new IllegalStateException("mutant " + m.id() + ": no variant " + id + " (" + Variant.ids() + ")");
            vs.add(v);
        }
        return vs;
    }

    /**
     * Fuzzes mutant {@code m} for {@code budget} per seed, seeds {@code seed0 .. seed0 + seeds - 1}; campaign corpora and
     * logs under {@code out/campaigns/ID/}, paths in the result relative to {@code out}.
     */
    public static MutationReport.Fuzz fuzz(Mutant.Info m, Duration budget, int seeds, long seed0, Path out) throws IOException {
        List<MutationReport.Trial> trials = new ArrayList<>();
        MutationReport.Kill first = null;
        for (int i = 0; i < seeds; i++) {
            long seed = seed0 + i;
            Path dir = out.resolve("campaigns").resolve(m.id()).resolve("seed-" + seed);
            Files.createDirectories(dir);
            MutantTarget target = new MutantTarget(Set.of(m.id()));
            Campaign.Options o = Campaign.Options.of(variants(m)).withTime(budget).withSeed(seed).withCorpus(dir)
                    .withStopOnForbidden(true).withShrink(SHRINK).withProgressEvery(Duration.ofSeconds(5));
            StringBuilder log = new StringBuilder();
            Campaign.Summary sum = new Campaign(o, () -> target).run(p -> log.append(p.line()).append('\n'));
            log.append(sum.text());
            Files.writeString(dir.resolve("campaign.log"), log.toString());
            boolean killed = sum.firstForbiddenExecutions() >= 0;
            double secs = (killed ? sum.firstForbiddenTime() : sum.elapsed()).toMillis() / 1000.0;
            long execs = killed ? sum.firstForbiddenExecutions() : sum.executions();
            trials.add(new MutationReport.Trial(seed, killed, secs, execs, target.masked(), target.triage()));
            if (killed && first == null)
                first = kill(m.id(), sum, secs, execs, out);
        }
        List<MutationReport.Trial> k = trials.stream().filter(MutationReport.Trial::killed).toList();
        Double medianSecs = k.isEmpty() ? null : median(k.stream().mapToDouble(MutationReport.Trial::seconds).toArray());
        Long medianExecs = k.isEmpty() ? null : Math.round(median(k.stream().mapToDouble(MutationReport.Trial::executions).toArray()));
        return new MutationReport.Fuzz(seeds, k.size(), medianSecs, medianExecs, first, trials);
    }

    /** The campaign's first kill, its finding replayed with the mutant on and off. */
    static MutationReport.Kill kill(String id, Campaign.Summary sum, double secs, long execs, Path out) {
        Campaign.FindingEvent e = sum.events().stream()
                .filter(x -> x.status() != Campaign.FindingStatus.KNOWN && x.status() != Campaign.FindingStatus.GONE).findFirst().orElse(null);
        if (e == null)
            return new MutationReport.Kill(null, null, secs, execs, null, null, null, false);
        String variant = e.variant() == null ? null : e.variant().id;
        if (e.file() == null || e.variant() == null || !Files.isRegularFile(e.file()))
            return new MutationReport.Kill(e.reason(), variant, secs, execs, null, null, null, false);
        Check c = check(e.file(), e.variant(), id);
        String rel = out.toAbsolutePath().relativize(e.file().toAbsolutePath()).toString();
        boolean mechanism = c != null && c.on().cls() == Verdict.Cls.FORBIDDEN && c.on().reason().code().equals(e.reason())
                && !(c.off().cls() == Verdict.Cls.FORBIDDEN && c.off().reason() == c.on().reason()) && c.fired() > 0;
        return new MutationReport.Kill(e.reason(), variant, secs, execs, rel, c == null ? "cannot be replayed" : c.on().label(),
                c == null ? null : c.off().label(), mechanism);
    }

    /** A finding replayed with the mutant on (and how often its site found it on) and off. */
    record Check(Verdict on, long fired, Verdict off) {}

    /** Replays {@code file} under {@code v} with mutant {@code id} on, then off; null if it cannot be replayed. */
    public static Check check(Path file, Variant v, String id) {
        Scenario s;
        try {
            s = ScenarioParser.parse(file);
        } catch (ScenarioError e) {
            return null;
        }
        try {
            long before = Mutant.fired();
            Verdict on = MutantTarget.withMutants(Set.of(id), () -> Runner.run(s, v, Schedules.strategy(s, v, 0), Config.DEFAULT).verdict());
            long fired = Mutant.fired() - before;
            Verdict off = MutantTarget.withMutants(Set.of(), () -> Runner.run(s, v, Schedules.strategy(s, v, 0), Config.DEFAULT).verdict());
            return new Check(on, fired, off);
        } catch (RuntimeException e) {
            return null;
        }
    }

    static double median(double[] xs) {
        double[] s = xs.clone();
        java.util.Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
}
