package mmrace.fuzz;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import mmrace.oracle.Verdict;
import mmrace.runtime.Field;
import mmrace.runtime.Op;
import mmrace.runtime.Probes;
import mmrace.runtime.Shared;
import mmrace.runtime.Tracepoint;
import mmrace.scenario.Scenario;
import mmrace.scenario.Variant;
import mmrace.sched.Execution;
import mmrace.sched.ExecutionListener;
import mmrace.sched.Result;

/**
 * The fuzzer's feedback: what a campaign has covered so far, and a per-execution listener
 * ({@link Exec}) that collects what one execution covered.
 *
 * <ul>
 * <li><b>Code coverage</b>: the port's explicit probes ({@link Probes}) that fired.</li>
 * <li><b>Interleaving coverage</b> (Krace's alias coverage, on the scheduler's points): at every
 *     point, for every other actor whose last access to the same location conflicts with this
 *     one (same {@link Shared} object, and for page-table entries the same entry index; at least
 *     one of the two accesses {@link Op#writes}), the ordered edge (that actor's site → this
 *     site). A site is the field (the owner's class and the field name: {@code
 *     VmAreaStruct.vm_refcnt}, {@code Page.entries}), the access ({@link Op}), and, in the
 *     default {@link Context#PROBE} mode, the last probe the actor hit before it (the kernel
 *     branch it is in). Actors are anonymous in the key, so "reader locks B after writer stored
 *     the tree slot" is one edge whoever plays which role. Sites use names, never per-process ids,
 *     so keys mean the same in every worker.</li>
 * <li><b>Operation-overlap coverage</b> (the stronger signal, in the spirit of Conzzer's concurrent
 *     call pairs): for every two operations of different actors whose executions overlapped in
 *     time, (kind of the one that started first, kind of the other, whether the first contains
 *     the second or they only overlap, and how their address ranges relate: disjoint, intersecting,
 *     or one covering the other). "A read that contains a MAP_FIXED covering its range" is one
 *     such pair: the reviewers' race minus the right preemption point, which an input is kept for,
 *     and which mutating its schedule then turns into the torn read. Operation boundaries come
 *     from the runner's per-operation trace lines ({@link Anchors#OP_DONE}, READ_END); kinds from
 *     {@link Finding#kind}.</li>
 * <li><b>Outcome coverage</b>: (variant, verdict class, reason).</li>
 * </ul>
 * An input is kept when it adds any of these. Edges are 64-bit hashes in an open-addressing
 * set (a collision merely loses one edge).
 */
public final class Coverage {
    /** What a site includes besides the field and the access. */
    public enum Context { NONE, PROBE }

    /** What one execution added to the campaign's coverage. */
    public record Gain(int probes, int edges, int pairs, int outcomes) {
        public int total() {
            return probes + edges + pairs + outcomes;
        }

        /**
         * How promising an input with this gain is as a parent: new outcomes and operation
         * pairs weigh most (they are rare and close to races), edges and probes are capped (the
         * first inputs of a campaign add hundreds).
         */
        public int weight() {
            return 16 * outcomes + 8 * pairs + Math.min(edges, 16) + 2 * Math.min(probes, 8);
        }

        public boolean any() {
            return total() > 0;
        }
    }

    private final Context context;
    private final BitSet probes = new BitSet();
    private final LongSet edges = new LongSet();
    private final LongSet pairs = new LongSet();
    private final Set<String> outcomes = new LinkedHashSet<>();

    public Coverage() {
        this(Context.PROBE);
    }

    public Coverage(Context context) {
        this.context = context;
    }

    /** A listener for executions (reusable: each execution's start clears it). */
    public Exec newExec() {
        return new Exec(context);
    }

    /** Folds one execution's coverage (and its outcome under variant {@code v}) in; returns what was new. */
    public Gain merge(Exec e, Variant v, Verdict verdict) {
        int np = 0;
        for (int i = e.probes.nextSetBit(0); i >= 0; i = e.probes.nextSetBit(i + 1))
            if (!probes.get(i)) {
                probes.set(i);
                np++;
            }
        int[] ne = {0};
        e.edges.forEach(k -> {
            if (edges.add(k))
                ne[0]++;
        });
        int[] nq = {0};
        e.pairs.forEach(k -> {
            if (pairs.add(k))
                nq[0]++;
        });
        int no = verdict != null && outcomes.add(outcomeKey(v, verdict)) ? 1 : 0;
        return new Gain(np, ne[0], nq[0], no);
    }

    /** Would merging {@code e} add anything? (Does not change the coverage.) */
    public boolean wouldGain(Exec e, Variant v, Verdict verdict) {
        for (int i = e.probes.nextSetBit(0); i >= 0; i = e.probes.nextSetBit(i + 1))
            if (!probes.get(i))
                return true;
        boolean[] any = {false};
        e.edges.forEach(k -> any[0] |= !edges.contains(k));
        e.pairs.forEach(k -> any[0] |= !pairs.contains(k));
        return any[0] || verdict != null && !outcomes.contains(outcomeKey(v, verdict));
    }

    public static String outcomeKey(Variant v, Verdict verdict) {
        return (v == null ? "*" : v.id) + " " + verdict.cls().word() + " " + verdict.reason();
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

    public Set<String> outcomeKeys() {
        return Set.copyOf(outcomes);
    }

    // ------------------------------------------------------------------ per execution

    /** Collects one execution's probes and interleaving edges. */
    public static final class Exec implements ExecutionListener {
        private static final Map<Field, Long> FIELD_KEYS = new java.util.concurrent.ConcurrentHashMap<>();
        private static volatile long[] probeKeys = new long[0];

        private final Context context;
        final BitSet probes = new BitSet();
        final LongSet edges = new LongSet();
        final LongSet pairs = new LongSet();
        private Scenario scenario;
        private int[] opIdx = new int[0];
        private long[] opStart = new long[0], opLast = new long[0];
        private List<List<long[]>> intervals = new ArrayList<>();
        private final Map<Object, Loc> locs = new HashMap<>();
        private final IdentityHashMap<Shared, Long> sharedKeys = new IdentityHashMap<>();
        private long[] ctx = new long[0];
        private int slots;
        private long points;

        Exec(Context context) {
            this.context = context;
        }

        /** Last access to one location by each actor. */
        private static final class Loc {
            final long[] site;
            final boolean[] writes;
            final boolean[] seen;

            Loc(int n) {
                site = new long[n];
                writes = new boolean[n];
                seen = new boolean[n];
            }
        }

        private record Entry(Shared table, long index) {}

        /** The scenario of the next execution (for operation kinds and ranges); null: no pair coverage. */
        public Exec scenario(Scenario s) {
            this.scenario = s;
            return this;
        }

        @Override
        public void start(Execution e) {
            probes.clear();
            edges.clear();
            pairs.clear();
            int n = e.actorCount() + 1;
            opIdx = new int[n];
            opStart = new long[n];
            opLast = new long[n];
            Arrays.fill(opStart, -1);
            intervals = new ArrayList<>();
            for (int i = 0; i < n; i++)
                intervals.add(new ArrayList<>());
            locs.clear();
            sharedKeys.clear();
            slots = e.actorCount() + 1;
            ctx = new long[slots];
            points = 0;
        }

        @Override
        public void probe(long step, int actor, int id) {
            probes.set(id);
            if (context == Context.PROBE && actor >= 0 && actor < slots)
                ctx[actor] = probeKey(id);
        }

        @Override
        public void point(long step, int actor, Op op, Shared shared, long arg) {
            points++;
            if (actor >= 0 && actor < slots) {
                if (opStart[actor] < 0)
                    opStart[actor] = step;
                opLast[actor] = step;
            }
            if (shared == null || actor < 0 || actor >= slots)
                return;
            boolean entry = shared.field != null && "entries".equals(shared.field.name);
            Object key = entry ? new Entry(shared, arg) : shared;
            Loc l = locs.get(key);
            if (l == null) {
                l = new Loc(slots);
                locs.put(key, l);
            }
            long site = LongSet.mix(sharedKey(shared) * 31 + op.ordinal()) ^ ctx[actor];
            for (int a = 0; a < slots; a++)
                if (a != actor && l.seen[a] && (l.writes[a] || op.writes))
                    edges.add(LongSet.mix(l.site[a] * 0x9E3779B97F4A7C15L + Long.rotateLeft(site, 23)));
            l.site[actor] = site;
            l.writes[actor] = op.writes;
            l.seen[actor] = true;
        }

        @Override
        public void note(long step, int actor, String fmt, Object[] args) {
            if (Anchors.OP_DONE.contains(fmt))
                opDone(actor);
        }

        @Override
        public void tracepoint(long step, int actor, Tracepoint tp, Object a, long b) {
            if (tp == Tracepoint.READ_END)
                opDone(actor);
        }

        private void opDone(int actor) {
            if (actor < 0 || actor >= slots)
                return;
            if (opStart[actor] >= 0)
                intervals.get(actor).add(new long[] {opIdx[actor], opStart[actor], opLast[actor]});
            opIdx[actor]++;
            opStart[actor] = -1;
        }

        @Override
        public void end(Result r) {
            if (scenario == null || scenario.actors.size() + 1 != slots)
                return;
            for (int a = 0; a < slots - 1; a++)
                for (int b = 0; b < slots - 1; b++) {
                    if (a == b)
                        continue;
                    List<mmrace.scenario.Op> oa = null, ob = null;
                    for (long[] x : intervals.get(a))
                        for (long[] y : intervals.get(b)) {
                            // x started first (ties: the lower actor), and they overlap
                            if (x[1] > y[1] || x[1] == y[1] && a > b || x[2] < y[1])
                                continue;
                            if (oa == null) {
                                oa = scenario.actors.get(a).ops();
                                ob = scenario.actors.get(b).ops();
                            }
                            if (x[0] >= oa.size() || y[0] >= ob.size())
                                continue;
                            mmrace.scenario.Op p = oa.get((int) x[0]), q = ob.get((int) y[0]);
                            int rel = x[2] >= y[2] ? 1 : 2;
                            pairs.add(hash(Finding.kind(p) + "|" + Finding.kind(q) + "|" + rel + "|" + spatial(p, q)));
                        }
                }
        }

        /** How two operations' address ranges relate: 0 disjoint, 1 intersecting, 2 one covers the other. */
        static int spatial(mmrace.scenario.Op p, mmrace.scenario.Op q) {
            long[] a = range(p), b = range(q);
            if (a[1] <= b[0] || b[1] <= a[0])
                return 0;
            if (a[0] <= b[0] && a[1] >= b[1] || b[0] <= a[0] && b[1] >= a[1])
                return 2;
            return 1;
        }

        static long[] range(mmrace.scenario.Op op) {
            return switch (op) {
                case mmrace.scenario.Op.Read r -> new long[] {r.addr(), r.addr() + Math.max(1, r.len())};
                case mmrace.scenario.Op.Mmap m -> new long[] {m.addr(), m.addr() + m.len()};
                case mmrace.scenario.Op.Munmap m -> new long[] {m.addr(), m.addr() + m.len()};
                case mmrace.scenario.Op.Mprotect m -> new long[] {m.addr(), m.addr() + m.len()};
                case mmrace.scenario.Op.Madvise m -> new long[] {m.addr(), m.addr() + m.len()};
                case mmrace.scenario.Op.Write w -> new long[] {w.addr(), w.addr() + w.len()};
                case mmrace.scenario.Op.Mremap m -> {
                    long lo = m.addr(), hi = m.addr() + Math.max(m.oldLen(), m.newLen());
                    if (m.fixedTo() != null) {
                        lo = Math.min(lo, m.fixedTo());
                        hi = Math.max(hi, m.fixedTo() + m.newLen());
                    }
                    yield new long[] {lo, hi};
                }
                case mmrace.scenario.Op.Reclaim r -> new long[] {r.addr() & -4096, (r.addr() & -4096) + 4096};
                case mmrace.scenario.Op.Collapse c -> new long[] {c.addr() & -(2L << 20), (c.addr() & -(2L << 20)) + (2L << 20)};
            };
        }

        public int pairCount() {
            return pairs.size();
        }

        /** Points seen in the last execution. */
        public long points() {
            return points;
        }

        /** Distinct edges of the last execution. */
        public int edgeCount() {
            return edges.size();
        }

        public int probeCount() {
            return probes.cardinality();
        }

        private long sharedKey(Shared s) {
            Long k = sharedKeys.get(s);
            if (k == null) {
                k = fieldKey(s);
                sharedKeys.put(s, k);
            }
            return k;
        }

        private static long fieldKey(Shared s) {
            Field f = s.field;
            if (f == null)
                return hash(s.getClass().getName());
            Long k = FIELD_KEYS.get(f);
            if (k == null) {
                k = hash((s.owner == null ? "global" : s.owner.getClass().getName()) + "." + f.name);
                FIELD_KEYS.put(f, k);
            }
            return k;
        }

        private static long probeKey(int id) {
            long[] pk = probeKeys;
            if (id < pk.length && pk[id] != 0)
                return pk[id];
            synchronized (Exec.class) {
                pk = probeKeys;
                if (id >= pk.length)
                    pk = Arrays.copyOf(pk, Math.max(id + 1, pk.length * 2));
                if (pk[id] == 0)
                    pk[id] = hash("probe:" + Probes.name(id)) | 1;
                probeKeys = pk;
                return pk[id];
            }
        }
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
