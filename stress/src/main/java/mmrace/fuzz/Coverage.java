package mmrace.fuzz;

import java.util.BitSet;
import java.util.LinkedHashSet;
import java.util.Set;
import mmrace.oracle.Verdict;
import mmrace.runtime.Access;
import mmrace.runtime.Probes;
import mmrace.runtime.Shared;
import mmrace.runtime.Tracepoint;
import mmrace.scenario.Variant;

/**
 * The fuzzer's feedback: what a campaign has covered so far, how often each feature was hit, and
 * a per-execution listener ({@link ExecutionCoverage}) that collects what one execution covered.
 *
 * <ul>
 * <li><b>Code coverage</b>: the port's explicit probes ({@link Probes}) that fired.</li>
 * <li><b>Interleaving coverage</b> (Krace's alias coverage, on the scheduler's points): at every
 *     point, for every other actor whose last access to the same location conflicts with this
 *     one (same {@link Shared} object, and for page-table entries the same entry index; at least
 *     one of the two accesses {@link Access#writes}), the ordered edge (that actor's site → this
 *     site). A site is the field (the owner's class and the field name: {@code
 *     VmAreaStruct.vm_refcnt}, {@code Page.entries}), the access ({@link Access}), and, in the
 *     default {@link Context#PROBE} mode, the last probe the actor hit before it (the kernel
 *     branch it is in). Actors are anonymous in the key, so "reader locks B after writer stored
 *     the tree slot" is one edge whoever plays which role. Sites use names, never per-process ids,
 *     so keys mean the same in every worker. The fuzzer does not collect them ({@link Context#OFF})
 *     unless {@code -Dmmrace.fuzz.keepEdges=true}: on the port almost every execution adds some,
 *     and a queue of thousands of inputs that differ in an edge starves the few that matter.</li>
 * <li><b>Operation-overlap coverage</b> (in the spirit of Conzzer's concurrent call pairs): for
 *     every two operations of different actors whose executions overlapped in time, (kind of the
 *     one that started first, kind of the other, whether the first contains the second or they
 *     only overlap, and how their address ranges relate: disjoint, intersecting, or one covering
 *     the other). "A read that contains a MAP_FIXED covering its range" is one such pair.
 *     An operation ends at the runner's {@link Tracepoint#SYS_EXIT} event; kinds come from
 *     {@link Finding#kind}.</li>
 * <li><b>Races at probes</b>: a probe that fired in one actor's operation while another actor was
 *     in the middle of one of its own, as (probe, kind of this operation, kind of the other, how
 *     their ranges relate). "The fast path fell back in the middle of a read while a MAP_FIXED
 *     over the read's range was under way" is one. Code coverage says the branch is reachable,
 *     pair coverage that the operations overlap; this says the branch was taken <i>during</i>
 *     the overlap.</li>
 * <li><b>Windows</b> (the sharpest signal): an operation that <i>completed</i> while another
 *     actor was inside one of its own, after that one had hit a probe, as (probe, kind of the
 *     open operation, kind of the completed one, how their ranges relate). "A read copied a page
 *     under the VMA lock, then a MAP_FIXED over its range completed before the read did" is the
 *     reviewers' torn read in the making; "the fast path fell back in the middle of a read, then
 *     a munmap over it completed" the prefix+fallback tear (docs/ORACLE.md). Measured on random
 *     inputs, executions with such a window tear 10 to 40 times more often than the average one.
 *     Races and windows are recorded between a read and an operation that changes the layout
 *     (mmap, munmap, mremap, mprotect, madvise) over ranges that meet, the races the read paths
 *     must survive; between any two operations they are mostly noise
 *     ({@code -Dmmrace.fuzz.allRaces=true} records them all).</li>
 * <li><b>Outcomes</b>: (variant, verdict class, reason).</li>
 * </ul>
 * Every feature (probe, pair, race, window, outcome) has a 64-bit key ({@link ExecutionCoverage#features}) and a hit
 * count: the executions that had it ({@link #hits}). The fuzzer spends its executions on the
 * inputs that have the rarest features. Keys are hashes in open-addressing tables (a collision
 * merely loses one feature); nothing per point allocates or boxes.
 */
public final class Coverage {
    /** What a site includes besides the field and the access; {@code OFF}: no interleaving edges at all. */
    public enum Context { NONE, PROBE, OFF }

    /** Feature types. */
    public static final int PROBE = 0, PAIR = 1, RACE = 2, WINDOW = 3, OUTCOME = 4, TYPES = 5;

    /** What one execution added to the campaign's coverage. */
    public record Gain(int probes, int edges, int pairs, int races, int windows, int outcomes) {
        public int total() {
            return probes + edges + pairs + races + windows + outcomes;
        }

        /**
         * How promising an input with this gain is as a parent: new outcomes, operation pairs,
         * races and windows weigh most (they are rare and close to races), edges and probes are
         * capped (the first inputs of a campaign add hundreds).
         */
        public int weight() {
            return 16 * outcomes + 8 * pairs + 4 * Math.min(races + windows, 16) + Math.min(edges, 16) + 2 * Math.min(probes, 8);
        }

        public boolean any() {
            return total() > 0;
        }

        /** Is the input worth keeping: a new probe, pair, race, window or outcome (new edges alone are not enough). */
        public boolean keep() {
            return probes + pairs + races + windows + outcomes > 0;
        }
    }

    private final Context context;
    private final BitSet probes = new BitSet();
    private final LongSet edges = new LongSet();
    private final LongSet pairs = new LongSet();
    private final LongSet races = new LongSet();
    private final LongSet windows = new LongSet();
    private final Set<String> outcomes = new LinkedHashSet<>();
    /** Feature key -> executions that had it. */
    private final LongIntMap hits = new LongIntMap();

    public Coverage() {
        this(Context.PROBE);
    }

    public Coverage(Context context) {
        this.context = context;
    }

    /** A listener for executions (reusable: each execution's start clears it). */
    public ExecutionCoverage newExec() {
        return new ExecutionCoverage(context);
    }

    /** Folds one execution's coverage (and its outcome under variant {@code v}) in; returns what was new. */
    public Gain merge(ExecutionCoverage e, Variant v, Verdict verdict) {
        int np = 0;
        for (int i = e.probes.nextSetBit(0); i >= 0; i = e.probes.nextSetBit(i + 1)) {
            if (!probes.get(i)) {
                probes.set(i);
                np++;
            }
            hits.add(ExecutionCoverage.probeKey(i), 1);
        }
        int ne = 0;
        long[] ek = e.edges.keys();
        for (long k : ek)
            if (k != 0 && edges.add(k))
                ne++;
        if (e.edges.hasZero() && edges.add(0))
            ne++;
        int nq = mergeCounted(e.pairs, pairs), nr = mergeCounted(e.races, races), nw = mergeCounted(e.windows, windows);
        int no = 0;
        if (verdict != null) {
            String ok = outcomeKey(v, verdict);
            if (outcomes.add(ok))
                no = 1;
            hits.add(hash(ok), 1);
        }
        return new Gain(np, ne, nq, nr, nw, no);
    }

    /** Adds an execution's keys to the campaign's set and to the hit counts (keys() holds 0 in empty slots); how many were new. */
    private int mergeCounted(LongSet from, LongSet seen) {
        int n = 0;
        for (long k : from.keys())
            if (k != 0) {
                if (seen.add(k))
                    n++;
                hits.add(k, 1);
            }
        return n;
    }

    /** Would merging {@code e} add anything? (Does not change the coverage.) */
    public boolean wouldGain(ExecutionCoverage e, Variant v, Verdict verdict) {
        for (int i = e.probes.nextSetBit(0); i >= 0; i = e.probes.nextSetBit(i + 1))
            if (!probes.get(i))
                return true;
        boolean[] any = {false};
        e.edges.forEach(k -> any[0] |= !edges.contains(k));
        e.pairs.forEach(k -> any[0] |= !pairs.contains(k));
        e.races.forEach(k -> any[0] |= !races.contains(k));
        e.windows.forEach(k -> any[0] |= !windows.contains(k));
        return any[0] || verdict != null && !outcomes.contains(outcomeKey(v, verdict));
    }

    /** How many executions merged so far had feature {@code key} (a key of {@link ExecutionCoverage#features} or {@link #outcomeFeature}). */
    public int hits(long key) {
        return hits.get(key);
    }

    public static String outcomeKey(Variant v, Verdict verdict) {
        return (v == null ? "*" : v.id) + " " + verdict.cls().word() + " " + verdict.reason();
    }

    /** The feature key of an outcome. */
    public static long outcomeFeature(Variant v, Verdict verdict) {
        return hash(outcomeKey(v, verdict));
    }

    public int probes() {
        return probes.cardinality();
    }

    public int edges() {
        return edges.size();
    }

    public int outcomes() {
        return outcomes.size();
    }

    /** Distinct operation-overlap pairs. */
    public int pairs() {
        return pairs.size();
    }

    /** Distinct races at probes. */
    public int races() {
        return races.size();
    }

    /** Distinct windows. */
    public int windows() {
        return windows.size();
    }

    public Set<String> outcomeKeys() {
        return Set.copyOf(outcomes);
    }


    /** A stable 64-bit hash of a string (FNV-1a then a mix). */
    static long hash(String s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        return LongSet.mix(h);
    }
}
