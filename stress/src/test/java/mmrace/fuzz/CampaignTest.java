package mmrace.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import mmrace.oracle.Reason;
import mmrace.oracle.Verdict;
import mmrace.scenario.Scenario;
import mmrace.scenario.ScenarioParser;
import mmrace.scenario.Variant;
import mmrace.sched.Config;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Campaigns end to end on the toy target (the port is not in the build yet): from the default
 * layout alone, fast-v1 with stop-on-forbidden finds the torn read, minimises it and saves a file
 * that replays with the same verdict; a restarted campaign keeps it; the baseline keeps nothing;
 * the loop is deterministic; worker processes share the corpus. Budgets are executions (the time
 * limits are only safety nets): no timing assertion.
 */
class CampaignTest {
    @TempDir
    Path dir;

    /** Seed 3: the generator's fork, VMA-reuse and gap races moved seed 1's stream (its minimised torn read kept a third actor). */
    private static Campaign.Options options(Path corpus) {
        return Campaign.Options.of(List.of(Variant.FAST_V1)).withTime(Duration.ofMinutes(5)).withMaxExecutions(50_000)
                .withCorpus(corpus).withStopOnForbidden(true).withShrink(Minimize.Budget.SMALL).withSeed(3)
                .withProgressEvery(Duration.ofSeconds(1)).withTargetClass(ToyTarget.class.getName());
    }

    static List<Path> files(Path d, String glob) throws Exception {
        List<Path> l = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(d, glob)) {
            for (Path p : ds)
                l.add(p);
        }
        l.sort(null);
        return l;
    }

    @Test
    void findsMinimisesSavesAndReplaysTheTornRead() throws Exception {
        List<Campaign.Progress> progress = new ArrayList<>();
        Campaign.Summary s = new Campaign(options(dir), ToyTarget::new).run(progress::add);
        System.out.print(s.text());
        assertEquals(1, s.exitCode(), s::text);
        assertTrue(s.stoppedOnForbidden());
        assertTrue(s.firstForbiddenExecutions() > 0);
        assertTrue(s.findings().containsKey(Reason.TORN_READ.code()), s::text);
        assertTrue(!progress.isEmpty() && progress.get(progress.size() - 1).line().contains("torn-read:1"));
        Campaign.FindingEvent e = s.events().get(0);
        assertEquals(Campaign.FindingStatus.NEW, e.status());
        Path f = e.file();
        assertTrue(Files.exists(f));
        assertTrue(Files.exists(Minimize.siblingWith(f, ".trace")));
        Scenario min = ScenarioParser.parse(f);
        assertEquals(2, min.actors.size(), min::text);
        assertTrue(Minimize.ops(min) <= 3, min::text);
        assertEquals(new Scenario.Expect("forbidden", Reason.TORN_READ.code(), min.expects.get(Variant.FAST_V1).line()), min.expects.get(Variant.FAST_V1));
        assertNotNull(min.schedules.get(Variant.FAST_V1).steps());
        // what `run` does: the file's own schedule for the variant gives the expected verdict
        Target.Run r = new ToyTarget().run(min, Variant.FAST_V1, Schedules.strategy(min, Variant.FAST_V1, 0), Config.DEFAULT);
        assertEquals(Verdict.Cls.FORBIDDEN, r.verdict().cls());
        assertEquals(Reason.TORN_READ, r.verdict().reason());
        assertEquals(0, r.result().divergences());
        // the slow path does not tear on it
        Target.Run slow = new ToyTarget().run(min, Variant.SLOW, Schedules.strategy(min, Variant.SLOW, 0), Config.DEFAULT);
        assertTrue(slow.verdict().cls() != Verdict.Cls.FORBIDDEN);

        // restart: the finding is replayed and kept, the queue imported
        int queue = files(dir.resolve("queue"), "*.scn").size();
        Campaign.Summary again = new Campaign(options(dir).withStopOnForbidden(false).withMaxExecutions(queue + 40), ToyTarget::new).run(x -> {});
        assertTrue(again.events().stream().anyMatch(x -> x.status() == Campaign.FindingStatus.KNOWN && x.file().equals(f)), again::text);
        assertEquals(1, again.exitCode());
        assertTrue(again.findings().get(Reason.TORN_READ.code()) >= 1);
        // a rediscovery of the same race (same signature) is a duplicate, not a new file; the restarted
        // campaign may also find the race in a shape that minimises to another signature: a new file
        assertTrue(again.events().stream().noneMatch(x -> x.status() == Campaign.FindingStatus.NEW && x.signature().equals(e.signature())),
                again::text);
        long fresh = again.events().stream().filter(x -> x.status() == Campaign.FindingStatus.NEW && x.reason().equals(Reason.TORN_READ.code())).count();
        assertEquals(1 + fresh, files(dir.resolve("findings"), "torn-read-fast-v1-*.scn").size(), again::text);
    }

    /** Stop reasons: a campaign told to stop only at a deadlock goes on past torn reads (saving them). */
    @Test
    void stopsOnlyAtTheChosenReasons() throws Exception {
        Campaign.Summary s = new Campaign(options(dir).withStopReasons(java.util.Set.of(Reason.DEADLOCK.code())).withMaxExecutions(600), ToyTarget::new)
                .run(x -> {});
        assertEquals(600, s.executions());
        assertTrue(!s.stoppedOnForbidden());
        assertTrue(s.findings().containsKey(Reason.TORN_READ.code()), s::text);
    }

    /**
     * Feedback off: the same generator and mutators, nothing kept (in memory or on disk); findings still saved.
     * 600 fresh inputs: about a quarter of the generator's are fork and VMA-reuse races, which the toy cannot tear.
     */
    @Test
    void feedbackOffKeepsNothing() throws Exception {
        Campaign.Summary s = new Campaign(options(dir).withFeedback(false).withStopOnForbidden(false).withMaxExecutions(600), ToyTarget::new)
                .run(x -> {});
        assertEquals(600, s.executions());
        assertEquals(0, s.corpus(), s::text);
        assertEquals(0, files(dir.resolve("queue"), "*.scn").size());
        assertTrue(s.findings().containsKey(Reason.TORN_READ.code()), s::text);
        List<Path> saved = files(dir.resolve("findings"), "torn-read-fast-v1-*.scn");
        assertEquals(s.events().stream().filter(e -> e.status() == Campaign.FindingStatus.NEW).count(), saved.size(), s::text);
        for (Campaign.FindingEvent e : s.events())
            if (e.status() == Campaign.FindingStatus.NEW)
                assertTrue(saved.contains(e.file()), e.file() + " saved");
    }

    /** Without a corpus directory and with an execution budget, a campaign is a function of its seed. */
    @Test
    void deterministic() throws Exception {
        Campaign.Options o = options(null).withStopOnForbidden(false).withMaxExecutions(1500);
        Campaign.Summary a = new Campaign(o, ToyTarget::new).run(x -> {});
        Campaign.Summary b = new Campaign(o, ToyTarget::new).run(x -> {});
        assertEquals(a.executions(), b.executions());
        assertEquals(a.edges(), b.edges());
        assertEquals(a.probes(), b.probes());
        assertEquals(a.outcomes(), b.outcomes());
        assertEquals(a.corpus(), b.corpus());
        assertEquals(a.firstForbiddenExecutions(), b.firstForbiddenExecutions());
        // (which findings get minimised depends on time: minimisation takes a share of the clock, and
        // an outcome that comes while several of its kind wait is dropped; so no assertion on them)
        assertTrue(a.firstForbiddenExecutions() > 0, "the toy's torn read is found within the budget: " + a.text());
    }

    /**
     * Two worker processes ({@code -Dmmrace.workers=processes}) share the corpus directory; the
     * campaign stops at the first forbidden outcome.
     */
    @Test
    void workerProcesses() throws Exception {
        String before = System.setProperty("mmrace.workers", "processes");
        try {
            twoJobs(false);
        } finally {
            if (before == null)
                System.clearProperty("mmrace.workers");
            else
                System.setProperty("mmrace.workers", before);
        }
    }

    /** The same with the jobs as two threads of this JVM (the default when actors run as continuations). */
    @Test
    void workerThreads() throws Exception {
        assertTrue(WorkerThreads.usable(), "the test JVM runs actors as continuations (--add-exports java.base/jdk.internal.vm)");
        twoJobs(true);
    }

    private void twoJobs(boolean threads) throws Exception {
        assertEquals(threads, WorkerThreads.usable());
        Campaign.Options o = options(dir).withJobs(2).withMaxExecutions(50_000);
        List<Campaign.Progress> seen = new ArrayList<>();
        Campaign.Summary s = new Campaign(o, ToyTarget::new).run(seen::add);
        System.out.print(s.text());
        assertEquals(1, s.exitCode(), s::text);
        assertTrue(s.stoppedOnForbidden());
        assertTrue(s.findings().containsKey(Reason.TORN_READ.code()));
        assertTrue(files(dir.resolve("findings"), "torn-read-*.scn").size() >= 1);
        assertTrue(s.firstForbiddenExecutions() > 0, s::text);
        assertEquals(2, seen.get(seen.size() - 1).workers(), "both workers reported their counts");
        for (Path p : files(dir.resolve("queue"), "*.scn"))
            ScenarioParser.parse(p);
    }
}
