package mmrace.fuzz;

import java.util.Arrays;
import java.util.BitSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import mmrace.runtime.Access;
import mmrace.runtime.Field;
import mmrace.runtime.Probes;
import mmrace.runtime.Shared;
import mmrace.runtime.Tracepoint;
import mmrace.scenario.Op;
import mmrace.scenario.Scenario;
import mmrace.sched.Execution;
import mmrace.sched.ExecutionListener;
import mmrace.sched.Result;

/**
 * What one execution covered, as the listener of that execution collects it: probes, interleaving
 * edges, operation pairs, races at probes and windows ({@link Coverage} says what each is). An
 * operation begins at its actor's first point after the previous one ended, and ends at the
 * runner's {@link Tracepoint#SYS_EXIT} event. Reusable: each execution's start clears it.
 */
public final class ExecutionCoverage implements ExecutionListener {
    private static volatile long[] probeKeys = new long[0];
    private static final long NO_ENTRY = Long.MIN_VALUE;
    /** Feature key -> a readable name, filled only when set (analysis and statistics, never in a campaign's hot path). */
    static volatile Map<Long, String> names;

    private final Coverage.Context context;
    final BitSet probes = new BitSet();
    final LongSet edges = new LongSet();
    final LongSet pairs = new LongSet();
    final LongSet races = new LongSet();
    final LongSet windows = new LongSet();
    private final LongSet rawWindows = new LongSet();
    /** Probes each actor hit in its current operation (a list, and a bit set to keep it free of repeats). */
    private int[][] opProbes = new int[0][];
    private int[] nOpProbes = new int[0];
    private long[][] opProbeBits = new long[0][];
    /** Races before their operations are known: probe, actor, its operation, other actor, its operation (packed). */
    private final LongSet rawRaces = new LongSet();
    private Scenario scenario;
    private boolean nearMiss;

    // operations: index of each actor's current one, its first and last step, and the finished ones
    private int slots;
    private int[] opIdx = new int[0];
    private long[] opStart = new long[0], opLast = new long[0];
    private long[][] spans = new long[0][];
    private int[] nSpans = new int[0];
    // the scenario's operations: kind keys, kinds, ranges (for pairs and races)
    private int nActors;
    private long[][] kindKey = new long[0][];
    /** 1 a read, 2 an operation that changes the layout, 0 anything else. */
    private byte[][] role = new byte[0][];
    private Op[][] ops = new Op[0][];

    // locations: an open-addressing table from (Shared, entry index) to a location number
    private Object[] lkObj = new Object[1024];
    private long[] lkArg = new long[1024];
    private int[] lkLoc = new int[1024];
    private int nLoc;
    private long[] locField = new long[256];
    private long[] locSite = new long[256 * 4];
    private int[] locSeen = new int[256], locWrites = new int[256];
    private long[] ctx = new long[0];
    private long points;

    ExecutionCoverage(Coverage.Context context) {
        this.context = context;
    }

    /** The scenario of the next execution (for operation kinds and ranges); null: no pair or race coverage. */
    public ExecutionCoverage scenario(Scenario s) {
        this.scenario = s;
        return this;
    }

    @Override
    public void start(Execution e) {
        probes.clear();
        edges.clear();
        pairs.clear();
        races.clear();
        rawRaces.clear();
        windows.clear();
        rawWindows.clear();
        nearMiss = false;
        slots = e.actorCount() + 1;
        if (opIdx.length < slots) {
            opIdx = new int[slots];
            opStart = new long[slots];
            opLast = new long[slots];
            spans = new long[slots][];
            nSpans = new int[slots];
            ctx = new long[slots];
            opProbes = new int[slots][16];
            nOpProbes = new int[slots];
            opProbeBits = new long[slots][8];
        }
        for (int a = 0; a < slots; a++)
            clearOpProbes(a);
        Arrays.fill(opIdx, 0);
        Arrays.fill(opStart, -1);
        Arrays.fill(nSpans, 0);
        Arrays.fill(ctx, 0);
        if (nLoc > 0) {
            Arrays.fill(lkLoc, 0);
            Arrays.fill(lkObj, null);
            nLoc = 0;
        }
        if (locSite.length < locField.length * slots)
            locSite = new long[locField.length * slots];
        points = 0;
        nActors = 0;
        if (scenario != null && scenario.actors.size() == e.actorCount()) {
            nActors = scenario.actors.size();
            kindKey = new long[nActors][];
            role = new byte[nActors][];
            ops = new Op[nActors][];
            for (int a = 0; a < nActors; a++) {
                List<Op> l = scenario.actors.get(a).ops();
                ops[a] = l.toArray(new Op[0]);
                kindKey[a] = new long[ops[a].length];
                role[a] = new byte[ops[a].length];
                for (int i = 0; i < ops[a].length; i++) {
                    kindKey[a][i] = opKindKey(ops[a][i]);
                    role[a][i] = (byte) (OpRelation.isRemoteAccess(ops[a][i]) ? 1 : OpRelation.changesLayout(ops[a][i]) ? 2 : 0);
                }
            }
        }
    }

    @Override
    public void probe(long step, int actor, int id) {
        probes.set(id);
        if (actor < 0 || actor >= slots)
            return;
        if (context == Coverage.Context.PROBE)
            ctx[actor] = probeKey(id);
        long[] bits = opProbeBits[actor];
        if (id >= bits.length * 64)
            opProbeBits[actor] = bits = Arrays.copyOf(bits, Math.max(bits.length * 2, id / 64 + 1));
        if ((bits[id >>> 6] & 1L << id) == 0) {
            bits[id >>> 6] |= 1L << id;
            if (nOpProbes[actor] == opProbes[actor].length)
                opProbes[actor] = Arrays.copyOf(opProbes[actor], nOpProbes[actor] * 2);
            opProbes[actor][nOpProbes[actor]++] = id;
        }
        if (actor < nActors && opIdx[actor] < ops[actor].length && id < (1 << 20))
            for (int b = 0; b < nActors; b++)
                if (b != actor && opStart[b] >= 0 && opIdx[b] < ops[b].length && racing(actor, opIdx[actor], b, opIdx[b]))
                    rawRaces.add(id | (long) actor << 20 | (long) Math.min(opIdx[actor], 255) << 24 | (long) b << 32
                            | (long) Math.min(opIdx[b], 255) << 36);
    }

    @Override
    public void point(long step, int actor, Access op, Shared shared, long arg) {
        points++;
        if (actor < 0 || actor >= slots)
            return;
        if (opStart[actor] < 0)
            opStart[actor] = step;
        opLast[actor] = step;
        if (shared == null || actor >= 32 || context == Coverage.Context.OFF)
            return;
        long a = shared.field != null && "entries".equals(shared.field.name) ? arg : NO_ENTRY;
        int l = loc(shared, a);
        long site = LongSet.mix(locField[l] * 31 + op.ordinal()) ^ ctx[actor];
        int seen = locSeen[l], writes = locWrites[l], base = l * slots;
        int others = seen & ~(1 << actor);
        if (!op.writes)
            others &= writes;
        while (others != 0) {
            int b = Integer.numberOfTrailingZeros(others);
            others &= others - 1;
            edges.add(LongSet.mix(locSite[base + b] * 0x9E3779B97F4A7C15L + Long.rotateLeft(site, 23)));
        }
        locSite[base + actor] = site;
        locSeen[l] = seen | 1 << actor;
        locWrites[l] = op.writes ? writes | 1 << actor : writes & ~(1 << actor);
    }

    /** The location number of (s, entry index a), a new one if unseen in this execution. */
    private int loc(Shared s, long a) {
        int m = lkObj.length - 1;
        int i = (System.identityHashCode(s) * 0x9E3779B9 + (int) LongSet.mix(a)) & m;
        while (lkObj[i] != null) {
            if (lkObj[i] == s && lkArg[i] == a)
                return lkLoc[i];
            i = (i + 1) & m;
        }
        int l = nLoc++;
        if (l >= locField.length) {
            int n = locField.length * 2;
            locField = Arrays.copyOf(locField, n);
            locSeen = Arrays.copyOf(locSeen, n);
            locWrites = Arrays.copyOf(locWrites, n);
            locSite = Arrays.copyOf(locSite, n * slots);
        }
        locField[l] = fieldKey(s);
        locSeen[l] = 0;
        locWrites[l] = 0;
        lkObj[i] = s;
        lkArg[i] = a;
        lkLoc[i] = l;
        if (nLoc * 2 > lkObj.length)
            growLocs();
        return l;
    }

    private void growLocs() {
        Object[] oo = lkObj;
        long[] oa = lkArg;
        int[] ol = lkLoc;
        lkObj = new Object[oo.length * 2];
        lkArg = new long[oo.length * 2];
        lkLoc = new int[oo.length * 2];
        int m = lkObj.length - 1;
        for (int j = 0; j < oo.length; j++) {
            if (oo[j] == null)
                continue;
            int i = (System.identityHashCode(oo[j]) * 0x9E3779B9 + (int) LongSet.mix(oa[j])) & m;
            while (lkObj[i] != null)
                i = (i + 1) & m;
            lkObj[i] = oo[j];
            lkArg[i] = oa[j];
            lkLoc[i] = ol[j];
        }
    }

    @Override
    public void tracepoint(long step, int actor, Tracepoint tp, Object a, long b) {
        if (tp == Tracepoint.SYS_EXIT)
            opDone(actor);
    }

    /** Races and windows are kept between a read and a layout change only ({@code -Dmmrace.fuzz.allRaces=true}: any two operations). */
    static final boolean ALL_RACES = Boolean.getBoolean("mmrace.fuzz.allRaces");

    private boolean racing(int a, int i, int b, int j) {
        return ALL_RACES || (role[a][i] | role[b][j]) == 3;
    }

    private void clearOpProbes(int a) {
        long[] bits = opProbeBits[a];
        int[] l = opProbes[a];
        for (int i = 0; i < nOpProbes[a]; i++)
            bits[l[i] >>> 6] &= ~(1L << l[i]);
        nOpProbes[a] = 0;
    }

    private void opDone(int actor) {
        if (actor < 0 || actor >= slots)
            return;
        // a window: this operation completed while another actor was inside one of its own, after that one hit these probes
        if (actor < nActors && opIdx[actor] < ops[actor].length)
            for (int a = 0; a < nActors; a++)
                if (a != actor && opStart[a] >= 0 && opIdx[a] < ops[a].length && racing(a, opIdx[a], actor, opIdx[actor]))
                    for (int k = 0; k < nOpProbes[a]; k++) {
                        int id = opProbes[a][k];
                        if (id < (1 << 20))
                            rawWindows.add(id | (long) a << 20 | (long) Math.min(opIdx[a], 255) << 24 | (long) actor << 32
                                    | (long) Math.min(opIdx[actor], 255) << 36);
                    }
        clearOpProbes(actor);
        if (opStart[actor] >= 0) {
            long[] sp = spans[actor];
            int n = nSpans[actor];
            if (sp == null || sp.length < 3 * (n + 1))
                spans[actor] = sp = sp == null ? new long[24] : Arrays.copyOf(sp, sp.length * 2);
            sp[3 * n] = opIdx[actor];
            sp[3 * n + 1] = opStart[actor];
            sp[3 * n + 2] = opLast[actor];
            nSpans[actor] = n + 1;
        }
        opIdx[actor]++;
        opStart[actor] = -1;
    }

    @Override
    public void end(Result r) {
        if (nActors == 0)
            return;
        for (int a = 0; a < nActors; a++)
            for (int b = 0; b < nActors; b++) {
                if (a == b)
                    continue;
                long[] xa = spans[a], xb = spans[b];
                for (int i = 0; i < nSpans[a]; i++)
                    for (int j = 0; j < nSpans[b]; j++) {
                        long xs = xa[3 * i + 1], xe = xa[3 * i + 2], ys = xb[3 * j + 1], ye = xb[3 * j + 2];
                        // x started first (ties: the lower actor), and they overlap
                        if (xs > ys || xs == ys && a > b || xe < ys)
                            continue;
                        int p = (int) xa[3 * i], q = (int) xb[3 * j];
                        if (p >= ops[a].length || q >= ops[b].length)
                            continue;
                        int rel = xe >= ye ? 1 : 2;
                        int sp = OpRelation.spatial(ops[a][p], ops[b][q]);
                        long key = LongSet.mix(kindKey[a][p] * 0x9E3779B97F4A7C15L + kindKey[b][q] * 31 + rel * 7 + sp);
                        pairs.add(key);
                        if (names != null)
                            names.putIfAbsent(key, "pair " + Finding.kind(ops[a][p]) + (rel == 1 ? " contains " : " overlaps ")
                                    + Finding.kind(ops[b][q]) + " " + OpRelation.SPATIAL[sp]);
                        if (sp != 0 && (OpRelation.isRemoteAccess(ops[a][p]) && OpRelation.changesLayout(ops[b][q]) || OpRelation.isRemoteAccess(ops[b][q]) && OpRelation.changesLayout(ops[a][p])))
                            nearMiss = true;
                    }
            }
        rawRaces.forEach(k -> {
            int id = (int) (k & 0xfffff), a = (int) (k >>> 20 & 0xf), i = (int) (k >>> 24 & 0xff), b = (int) (k >>> 32 & 0xf),
                    j = (int) (k >>> 36 & 0xff);
            if (a >= nActors || b >= nActors || i >= ops[a].length || j >= ops[b].length)
                return;
            int sp = OpRelation.spatial(ops[a][i], ops[b][j]);
            if (sp == 0 && !ALL_RACES)
                return;
            long key = LongSet.mix(probeKey(id) * 0x9E3779B97F4A7C15L + kindKey[a][i] * 131 + kindKey[b][j] * 31 + sp);
            races.add(key);
            if (names != null)
                names.putIfAbsent(key, "race '" + Probes.name(id) + "' in " + Finding.kind(ops[a][i]) + " during "
                        + Finding.kind(ops[b][j]) + " " + OpRelation.SPATIAL[sp]);
        });
        resolveWindows();
    }

    private void resolveWindows() {
        rawWindows.forEach(k -> {
            int id = (int) (k & 0xfffff), a = (int) (k >>> 20 & 0xf), i = (int) (k >>> 24 & 0xff), b = (int) (k >>> 32 & 0xf),
                    j = (int) (k >>> 36 & 0xff);
            if (a >= nActors || b >= nActors || i >= ops[a].length || j >= ops[b].length)
                return;
            int sp = OpRelation.spatial(ops[a][i], ops[b][j]);
            if (sp == 0 && !ALL_RACES)
                return;
            long key = LongSet.mix(probeKey(id) * 0xC2B2AE3D27D4EB4FL + kindKey[a][i] * 131 + kindKey[b][j] * 31 + sp + 5);
            windows.add(key);
            if (names != null)
                names.putIfAbsent(key, "window '" + Probes.name(id) + "' in " + Finding.kind(ops[a][i]) + ", then "
                        + Finding.kind(ops[b][j]) + " " + OpRelation.SPATIAL[sp] + " completed");
        });
    }

    /** Calls {@code f} with the key of every feature of the last execution: probes, pairs, races, windows (not the outcome: {@link Coverage#outcomeFeature}). */
    public void features(LongConsumer f) {
        features((k, type) -> f.accept(k));
    }

    /** A feature and its type ({@link Coverage#PROBE} ... {@link Coverage#OUTCOME}). */
    public interface FeatureSink {
        void accept(long key, int type);
    }

    /** As {@link #features(LongConsumer)}, with each feature's type. */
    public void features(FeatureSink f) {
        for (int i = probes.nextSetBit(0); i >= 0; i = probes.nextSetBit(i + 1))
            f.accept(probeKey(i), Coverage.PROBE);
        pairs.forEach(k -> f.accept(k, Coverage.PAIR));
        races.forEach(k -> f.accept(k, Coverage.RACE));
        windows.forEach(k -> f.accept(k, Coverage.WINDOW));
    }

    /**
     * Did a read overlap in time with an operation that changes the layout (mmap, munmap,
     * mremap, mprotect, madvise) over a range that meets the read's? The race the read paths
     * must survive, minus the right preemption: the fuzzer tries more schedules of such inputs.
     */
    public boolean nearMiss() {
        return nearMiss;
    }

    /** Operation -> its kind's key, by identity (children share their parents' operations); cleared when large. */
    private final IdentityHashMap<Op, Long> opKinds = new IdentityHashMap<>();

    private long opKindKey(Op op) {
        Long k = opKinds.get(op);
        if (k == null) {
            if (opKinds.size() > 8192)
                opKinds.clear();
            k = OpRelation.kindKey(op);
            opKinds.put(op, k);
        }
        return k;
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

    private static final ClassValue<Long> CLASS_KEYS = new ClassValue<>() {
        @Override
        protected Long computeValue(Class<?> c) {
            return Coverage.hash(c.getName());
        }
    };
    /** Field id -> its key (owner class and name; the first owner seen names it), 0 if not yet computed. */
    private static volatile long[] fieldKeys = new long[0];

    private static long fieldKey(Shared s) {
        Field f = s.field;
        if (f == null)
            return CLASS_KEYS.get(s.getClass());
        long[] fk = fieldKeys;
        if (f.id < fk.length && fk[f.id] != 0)
            return fk[f.id];
        synchronized (ExecutionCoverage.class) {
            fk = fieldKeys;
            if (f.id >= fk.length)
                fk = Arrays.copyOf(fk, Math.max(f.id + 1, fk.length * 2));
            if (fk[f.id] == 0)
                fk[f.id] = Coverage.hash((s.owner == null ? "global" : s.owner.getClass().getName()) + "." + f.name) | 1;
            fieldKeys = fk;
            return fk[f.id];
        }
    }

    /** The feature key of probe {@code id} (a hash of its name: the same in every process). */
    static long probeKey(int id) {
        long[] pk = probeKeys;
        if (id < pk.length && pk[id] != 0)
            return pk[id];
        synchronized (ExecutionCoverage.class) {
            pk = probeKeys;
            if (id >= pk.length)
                pk = Arrays.copyOf(pk, Math.max(id + 1, pk.length * 2));
            if (pk[id] == 0)
                pk[id] = Coverage.hash("probe:" + Probes.name(id)) | 1;
            if (names != null)
                names.putIfAbsent(pk[id], "probe '" + Probes.name(id) + "'");
            probeKeys = pk;
            return pk[id];
        }
    }
}
