package mmrace.fuzz;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import mmrace.oracle.Verdict;
import mmrace.scenario.Scenario;
import mmrace.scenario.Variant;

/**
 * What one {@link Fuzzer} does with forbidden (and needs-triage) outcomes: queues each (once per variant, reason
 * and mechanisms, or once per known root cause; {@link #queueFinding}), minimises what waits
 * within a share of the campaign's time ({@link Minimize}; {@link #shrinkPending}), saves each
 * minimised finding under {@code findings/} once per signature, and reports it
 * ({@link Fuzzer.Events#finding}). It also replays the findings of earlier runs at the start
 * ({@link #loadFindings}: still reproducing, KNOWN; else GONE) and counts those other workers
 * save ({@link #scanNewFindings}).
 */
final class FindingsPipeline {
    private final Fuzzer fuzzer;
    private final Campaign.Options o;
    private final Target target;
    private final int worker;
    private final Corpus corpus;
    private final Fuzzer.Events events;
    /** {@link FuzzKnobs#shrinkShare}. */
    private final int shrinkShare;
    /** Set from another thread (a shutdown hook): what waits is dropped, not minimised. */
    volatile boolean abort;
    private final Set<String> knownFindings = new HashSet<>();
    /** Unique finding files (and unreproduced ones) by name -> reason label. */
    private final Map<String, String> findingFiles = new TreeMap<>();
    private final Set<String> seenRaw = new HashSet<>();
    private final List<Campaign.FindingEvent> found = new ArrayList<>();
    /** Forbidden outcomes waiting to be minimised (at most {@link #PENDING_PER_REASON} per variant and reason). */
    private final List<Pending> pending = new ArrayList<>();
    private long shrinkNanos;
    private static final int PENDING_PER_REASON = 4;

    /** A forbidden outcome seen at execution {@code seenAt}, time {@code seenTime}, not yet minimised. */
    record Pending(Scenario s, Variant v, Target.Run r, long seenAt, Duration seenTime) {
        String key() {
            return v.id + "|" + r.verdict().reason();
        }
    }

    FindingsPipeline(Fuzzer fuzzer, Campaign.Options o, Target target, int worker, Corpus corpus, Fuzzer.Events events, int shrinkShare) {
        this.fuzzer = fuzzer;
        this.o = o;
        this.target = target;
        this.worker = worker;
        this.corpus = corpus;
        this.events = events;
        this.shrinkShare = shrinkShare;
    }

    boolean hasPending() {
        return !pending.isEmpty();
    }

    /** Unique finding files (and unreproduced ones) by name -> reason label. */
    Map<String, String> files() {
        return findingFiles;
    }

    /** Every finding event so far. */
    List<Campaign.FindingEvent> found() {
        return found;
    }

    /**
     * Queues a forbidden outcome for minimisation, once per variant, reason and mechanisms (the
     * kinds of its mutations, {@link Finding#mechanisms}), or once per reason for an outcome with a known root cause (the
     * generic_access_phys over-read: every variant, every mechanism). While {@link #PENDING_PER_REASON} outcomes of its variant and reason
     * wait, a new one is not queued and not remembered: it is taken when it comes again. An
     * outcome that stops the campaign goes first.
     */
    void queueFinding(Pending p, boolean first) {
        String cause = Finding.rootCause(p.r());
        String raw = cause != null ? cause + "|" + p.r().verdict().reason() : p.key() + "|" + Finding.mechanisms(p.s());
        if (seenRaw.contains(raw))
            return;
        int same = 0;
        for (Pending q : pending)
            if (q.key().equals(p.key()))
                same++;
        if (same >= PENDING_PER_REASON && !first)
            return;
        seenRaw.add(raw);
        if (first)
            pending.add(0, p);
        else
            pending.add(p);
    }

    /**
     * Minimises waiting findings: while fuzzing ({@code all} false) only while minimisation has
     * taken less than {@link FuzzKnobs#shrinkShare} percent of the campaign's time (which began at
     * {@code t0}), so that a burst of findings does not stall the search; at the end ({@code all})
     * every one that waits (unless the campaign was told to stop from outside: {@link #abort}).
     * Returns the nanoseconds it took.
     */
    long shrinkPending(boolean all, long t0) {
        long took = 0;
        while (!pending.isEmpty() && !abort) {
            long now = System.nanoTime();
            if (!all && shrinkNanos * 100 > shrinkShare * (now - t0))
                return took;
            Pending p = pending.remove(0);
            finding(p.s(), p.v(), p.r(), p.seenAt(), p.seenTime());
            shrinkNanos += System.nanoTime() - now;
            took += System.nanoTime() - now;
        }
        return took;
    }

    /** A forbidden outcome, seen at execution {@code seenAt} and time {@code seenTime}: minimise, deduplicate, save, report. */
    private void finding(Scenario s, Variant v, Target.Run r, long seenAt, Duration seenTime) {
        String reason = r.verdict().reason().code();
        Minimize.Result m = Minimize.minimize(target, s, v, reason, o.shrink(), r.result().steps());
        String foundBy = "Found by mmrace fuzz (worker " + worker + ", seed " + o.seed() + ", " + (o.feedback() ? "feedback" : "no feedback")
                + ") after " + seenAt + " executions, " + Campaign.clock(seenTime) + ", on " + target.describe();
        String sig = m.signature();
        Campaign.FindingStatus status;
        Path file = null;
        String base = m.status() == Minimize.Status.MINIMIZED ? reason + "-" + v.id + "-" + sig
                : "unreproduced-" + reason + "-" + v.id + "-" + Finding.sha256(s.text()).substring(0, 12);
        boolean seen = findingFiles.containsKey(base + ".scn");
        if (seen) {
            status = Campaign.FindingStatus.DUPLICATE;
        } else {
            status = m.status() == Minimize.Status.MINIMIZED ? Campaign.FindingStatus.NEW : Campaign.FindingStatus.UNREPRODUCED;
            if (corpus != null) {
                try {
                    String text = Minimize.findingText(m, foundBy);
                    String trace = m.status() == Minimize.Status.MINIMIZED ? Minimize.traceHeader(m) + m.trace() : null;
                    file = corpus.addFinding(base, text, trace);
                    if (file == null) {
                        status = status == Campaign.FindingStatus.NEW ? Campaign.FindingStatus.DUPLICATE : status;
                        file = corpus.findingsDir().resolve(base + ".scn");
                    }
                    knownFindings.add(base + ".scn");
                } catch (IOException e) {
                    fuzzer.error("cannot write a finding: " + e.getMessage());
                }
            }
        }
        Campaign.FindingEvent e = new Campaign.FindingEvent(status, v, reason, sig, file, seenAt, seenTime, worker, m.message(),
                o.knownIssue(Finding.rootCause(r)));
        if (!seen)
            findingFiles.put(base + ".scn", e.label());
        found.add(e);
        events.finding(e);
    }

    /** Loads findings of earlier runs: each is replayed; if it still reproduces it counts (KNOWN), else it is GONE. */
    void loadFindings() throws IOException {
        for (Corpus.Entry en : corpus.scanFindings(knownFindings))
            replayFinding(en, false);
    }

    void scanNewFindings() throws IOException {
        for (Corpus.Entry en : corpus.scanFindings(knownFindings))
            replayFinding(en, true);
    }

    private void replayFinding(Corpus.Entry en, boolean fromOthers) {
        Scenario s = en.scenario();
        Variant v = null;
        String reason = null;
        for (Map.Entry<Variant, Scenario.Expect> x : s.expects.entrySet())
            if (Verdict.Cls.of(x.getValue().cls()).fails()) {
                v = x.getKey();
                reason = x.getValue().reason();
                break;
            }
        if (v == null)
            return;
        boolean unrepro = en.name().startsWith("unreproduced-");
        String known = o.knownIssue(Minimize.rootCause(s));
        if (fromOthers) {
            // another worker saved it: count it, do not replay
            findingFiles.put(en.name(), known != null ? Campaign.KNOWN + known : unrepro ? reason + "(unreproduced)" : reason);
            seenRaw.add(v.id + "|" + reason + "|" + Finding.mechanisms(s));
            return;
        }
        seenRaw.add(v.id + "|" + reason + "|" + Finding.mechanisms(s));
        Target.Run r = fuzzer.replay(s, v);
        boolean still = r != null && r.verdict().cls().fails() && (reason == null || r.verdict().reason().code().equals(reason));
        Campaign.FindingStatus st = unrepro ? Campaign.FindingStatus.UNREPRODUCED : still ? Campaign.FindingStatus.KNOWN : Campaign.FindingStatus.GONE;
        if (still && known == null)
            known = o.knownIssue(Finding.rootCause(r));
        Campaign.FindingEvent e = new Campaign.FindingEvent(st, v, reason == null ? "?" : reason, en.name(), en.path(), fuzzer.executions(),
                fuzzer.elapsed(), worker, st == Campaign.FindingStatus.GONE ? "no longer reproduces: " + (r == null ? "did not run" : r.verdict().label()) : "",
                known);
        if (st != Campaign.FindingStatus.GONE)
            findingFiles.put(en.name(), e.label());
        found.add(e);
        events.finding(e);
    }
}
