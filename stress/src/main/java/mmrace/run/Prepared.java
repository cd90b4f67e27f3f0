package mmrace.run;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import mmrace.port.File;
import mmrace.port.MmStruct;
import mmrace.runtime.Kernel;
import mmrace.runtime.Mutant;
import mmrace.runtime.Task;
import mmrace.scenario.Op;
import mmrace.scenario.Scenario;
import mmrace.scenario.Variant;

/**
 * A scenario's initial state, built once ({@link SetUp}) and kept as it was: every execution runs
 * on a deep copy of it ({@link Snapshot}) instead of replaying the mmaps, stores and mprotects.
 * A copy is the same machine as a fresh build, object for object (the same pages, VMAs, counters,
 * lock-order graph, slab free lists, step count), so the same schedule gives the same steps, trace
 * and verdict; {@code SnapshotEquivalenceTest} checks that over the whole corpus.
 *
 * <p>Kept per set-up (files, maps, init operations, the mutants switched on) in a small cache that fills on the second
 * sight of a set-up: an input that comes once (the fuzzer mutating a layout) is built fresh, with
 * no copy. A set-up during which a mutant's site fired (seen on its first, fresh build,
 * {@link #setUpFiredMutant}) is built fresh every time and never prepared, so that
 * {@link Mutant#fired} counts exactly what it counts without snapshots. {@code -Dmmrace.snapshot=false}
 * builds every execution fresh. A scenario with processes is always built fresh (its other mms
 * and task_structs are not part of a snapshot).
 */
final class Prepared {
    static final boolean ENABLED = !"false".equals(System.getProperty("mmrace.snapshot"));
    private static final int CACHE = 64;
    /** Set-ups seen once (key only) or prepared (value non-null), least recently used first. */
    private static final Map<String, Prepared> cache = new LinkedHashMap<>(CACHE * 2, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Prepared> e) {
            return size() > 4 * CACHE;
        }
    };
    private static final Object LOCK = new Object();

    private final Snapshot snapshot;

    private Prepared(Snapshot snapshot) {
        this.snapshot = snapshot;
    }

    /**
     * The prepared state of s's set-up under v, or null when it should be built fresh: snapshots
     * are off, it is the first sight of this set-up, or its state cannot be copied.
     */
    static Prepared of(Scenario s, Variant v) {
        if (!ENABLED || s.usesProcesses())
            return null; // a set-up with processes (several mms, task_structs) is always built fresh
        Set<String> mutants = Mutant.enabled();
        Last l = last;
        if (l != null && l.scenario == s && l.variant == v && l.mutants.equals(mutants) && l.files.equals(s.files)
                && l.maps.equals(s.maps) && l.init.equals(s.init))
            return l.prepared; // the same scenario again (explore, the benchmarks): no key to build
        String key = key(s, v, mutants);
        Prepared p = lookup(s, v, key);
        if (p != null)
            last = new Last(s, v, mutants, List.copyOf(s.files), List.copyOf(s.maps), List.copyOf(s.init), p);
        return p;
    }

    /** The scenario object the last prepared state was found for, with the set-up lines and mutants it had then. */
    private record Last(Scenario scenario, Variant variant, Set<String> mutants, List<Scenario.FileSpec> files,
                        List<Scenario.MapSpec> maps, List<Op> init, Prepared prepared) {}

    private static volatile Last last;

    private static Prepared lookup(Scenario s, Variant v, String key) {
        synchronized (LOCK) {
            if (!cache.containsKey(key)) {
                cache.put(key, null);
                return null;
            }
            Prepared p = cache.get(key);
            if (p != null)
                return p;
        }
        Prepared p = prepare(s, v);
        synchronized (LOCK) {
            cache.put(key, p);
        }
        return p;
    }

    /**
     * Builds the set-up once, on a task "init" bound to this thread; {@link #UNCOPYABLE} if it
     * cannot be copied, or if a mutant's site fired during it (a copy would not count that).
     */
    static Prepared prepare(Scenario s, Variant v) {
        if (s.usesProcesses()) {
            lastRefusal = "a scenario with processes (its other mms and task_structs are not part of a snapshot)";
            return UNCOPYABLE;
        }
        Kernel k = new Kernel();
        Task init = k.newTask("init", null);
        Task previous = Task.currentOrNull();
        init.bind();
        try {
            long fired = Mutant.fired();
            SetUp setUp = SetUp.of(k, s, v);
            init.exited = true;
            if (Mutant.fired() != fired) {
                lastRefusal = "a mutant's site fired during the set-up";
                return UNCOPYABLE;
            }
            return new Prepared(Snapshot.of(k, setUp.mm(), setUp.files()));
        } catch (Snapshot.Unsupported e) {
            lastRefusal = e.getMessage();
            return UNCOPYABLE;
        } finally {
            Task.unbind();
            if (previous != null)
                previous.bind();
        }
    }

    /**
     * A fresh build of s's set-up under v fired a mutant's site: build it fresh every time (a copy
     * would not fire it, and preparing it would fire it once more).
     */
    static void setUpFiredMutant(Scenario s, Variant v) {
        if (!ENABLED)
            return;
        String key = key(s, v, Mutant.enabled());
        synchronized (LOCK) {
            cache.put(key, UNCOPYABLE);
        }
    }

    /** Marks a set-up whose state cannot be copied: built fresh every time. */
    private static final Prepared UNCOPYABLE = new Prepared(null);

    /** Why the last set-up that could not be copied could not (for tests and diagnostics). */
    static volatile String lastRefusal;

    boolean copyable() {
        return this != UNCOPYABLE;
    }

    /** A copy of the initial state: a machine of its own, never run before. */
    Copy copy() {
        Object[] c = snapshot.copy();
        @SuppressWarnings("unchecked")
        List<File> fs = (List<File>) c[2];
        return new Copy((Kernel) c[0], (MmStruct) c[1], fs);
    }

    record Copy(Kernel kernel, MmStruct mm, List<File> files) {
        /** The copied "init" task (the first task of the machine): set-up's task, bound while the program is made. */
        Task init() {
            return kernel.tasks().get(0);
        }
    }

    /** What the set-up depends on: files, maps and init operations, the mutants on (and the variant, if an init op reads). */
    static String key(Scenario s, Variant v, Set<String> mutants) {
        StringBuilder b = new StringBuilder(256);
        if (!mutants.isEmpty())
            b.append("mutants ").append(new java.util.TreeSet<>(mutants)).append('\n');
        for (Scenario.FileSpec f : s.files)
            b.append(f.name()).append(' ').append(f.size()).append(' ').append(f.fill()).append('\n');
        for (Scenario.MapSpec m : s.maps)
            b.append(m.name()).append(' ').append(m.addr()).append(' ').append(m.len()).append(' ').append(m.prot())
                    .append(' ').append(m.shared()).append(' ').append(m.file()).append(' ').append(m.off()).append(' ')
                    .append(m.growsdown()).append(' ').append(m.device()).append(' ').append(m.fill()).append('\n');
        boolean reads = false;
        for (Op op : s.init) {
            b.append(op.text()).append('\n');
            reads |= op instanceof Op.Read;
        }
        if (reads)
            b.append(v.id);
        return b.toString();
    }
}
