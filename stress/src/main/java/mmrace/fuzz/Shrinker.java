package mmrace.fuzz;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import mmrace.scenario.Op;
import mmrace.scenario.Prot;
import mmrace.scenario.Scenario;
import mmrace.scenario.Variant;
import mmrace.sched.Schedule;

/**
 * Delta debugging over a scenario, generic over what "still fails" means ({@link Test}). Greedy
 * passes, repeated until none makes progress or the budget is spent:
 * <ol>
 * <li>remove whole actors; merge an actor's operations into another (fewer actors);</li>
 * <li>remove operations (chunks, halving the chunk size down to single operations);</li>
 * <li>remove fault injections, mappings of the initial layout, unused files;</li>
 * <li>simplify operations and mappings: align addresses to pages, halve lengths, use one page,
 *     drop flags (fixed targets, DONTUNMAP, shared, file backing), simpler protections and fills;</li>
 * <li>the schedule: drop recorded {@code steps} schedules (keep the {@code *} spec), then remove
 *     switches one at a time.</li>
 * </ol>
 * A candidate is adopted when the test returns a scenario (the candidate, possibly with the
 * schedule it reproduced under recorded) that is smaller by {@link #size}: fewer actors, then
 * fewer operations, then a smaller layout, then fewer switches, then smaller numbers. So
 * shrinking always terminates, and the result reproduces by construction.
 */
public final class Shrinker {
    /**
     * Does {@code candidate} still show the failure? Returns the scenario to keep (usually the
     * candidate, with the schedule that reproduced it recorded), or null.
     */
    @FunctionalInterface
    public interface Test {
        Scenario reproduces(Scenario candidate);

        /** The same, knowing the scenario the candidate was made from (to carry its schedule over). */
        default Scenario reproduces(Scenario current, Scenario candidate) {
            return reproduces(candidate);
        }

        static Test of(Predicate<Scenario> p) {
            return c -> p.test(c) ? c : null;
        }
    }

    private final Test test;
    private final int maxTests;
    private final long deadlineNanos;
    private final Limits limits;
    private int tests;
    private int adopted;

    /** A shrinker running at most {@code maxTests} tests and stopping at {@code deadlineNanos} (System.nanoTime; 0: none). */
    public Shrinker(Test test, int maxTests, long deadlineNanos) {
        this.test = test;
        this.maxTests = maxTests;
        this.deadlineNanos = deadlineNanos;
        this.limits = new Limits(64, 1024, 1024, 64, 64, 1 << 20, 1L << 24, Integer.MAX_VALUE);
    }

    public Shrinker(Test test) {
        this(test, 5000, 0);
    }

    public int tests() {
        return tests;
    }

    public int adopted() {
        return adopted;
    }

    /** True when the budget is spent. */
    public boolean exhausted() {
        return tests >= maxTests || deadlineNanos != 0 && System.nanoTime() - deadlineNanos > 0;
    }

    /** The program passes, then the schedule passes. {@code s} must reproduce. */
    public Scenario shrink(Scenario s) {
        return shrinkSchedule(shrinkProgram(s));
    }

    /** Actors, operations, layout and numbers, to a fixpoint. */
    public Scenario shrinkProgram(Scenario s) {
        Scenario cur = s;
        boolean progress = true;
        while (progress && !exhausted()) {
            progress = false;
            Scenario n = removeActors(cur);
            n = mergeActors(n);
            n = removeOps(n);
            n = removeLayout(n);
            n = simplify(n);
            if (n != cur) {
                progress = true;
                cur = n;
            }
        }
        return cur;
    }

    /** Drops steps schedules where the * spec suffices, then removes switches one at a time. */
    public Scenario shrinkSchedule(Scenario s) {
        Scenario cur = s;
        for (Variant v : new ArrayList<>(cur.schedules.keySet())) {
            if (v == null || exhausted())
                continue;
            Scenario c = cur.copy();
            c.schedules.remove(v);
            cur = attempt(cur, c);
        }
        boolean progress = true;
        while (progress && !exhausted()) {
            progress = false;
            for (Variant v : new ArrayList<>(cur.schedules.keySet())) {
                Scenario.Sched sc = cur.schedules.get(v);
                if (sc == null || sc.steps() == null)
                    continue;
                List<Schedule.Switch> sw = Schedule.parse(sc.steps()).switches();
                for (int i = sw.size() - 1; i >= 1 && !exhausted(); i--) {
                    List<Schedule.Switch> l = new ArrayList<>(sw);
                    l.remove(i);
                    Scenario c = cur.copy();
                    c.schedules.put(v, Scenario.Sched.steps(Schedule.of(l).toString()));
                    Scenario n = attempt(cur, c);
                    if (n != cur) {
                        cur = n;
                        progress = true;
                        break;
                    }
                }
            }
        }
        return cur;
    }

    /** Runs the test on {@code c} if it is well-formed; returns what to keep (cur if not smaller). */
    Scenario attempt(Scenario cur, Scenario c) {
        if (exhausted())
            return cur;
        ScheduleMutations.dropStaleSteps(c);
        if (!c.schedules.containsKey(null) && !cur.schedules.containsKey(null))
            c.schedules.remove(null);
        if (limits.check(c) != null)
            return cur;
        tests++;
        Scenario r = test.reproduces(cur, c);
        if (r == null || compare(size(r), size(cur)) >= 0)
            return cur;
        adopted++;
        return r;
    }

    // ------------------------------------------------------------------ passes

    private Scenario removeActors(Scenario cur) {
        for (int i = cur.actors.size() - 1; i >= 0 && cur.actors.size() > 1; i--) {
            if (i >= cur.actors.size())
                continue;
            Scenario c = cur.copy();
            Scenario.Actor a = c.actors.remove(i);
            c.injects.removeIf(x -> x.task().equals(a.name()));
            cur = attempt(cur, c);
        }
        return cur;
    }

    private Scenario mergeActors(Scenario cur) {
        for (int i = cur.actors.size() - 1; i >= 1; i--) {
            for (int j = 0; j < cur.actors.size() && i < cur.actors.size(); j++) {
                if (j == i)
                    continue;
                Scenario c = cur.copy();
                Scenario.Actor from = c.actors.get(i);
                c.actors.get(j).ops().addAll(from.ops());
                c.actors.remove(i);
                c.injects.removeIf(x -> x.task().equals(from.name()));
                Scenario n = attempt(cur, c);
                if (n != cur) {
                    cur = n;
                    break;
                }
            }
        }
        return cur;
    }

    /** ddmin over each actor's operations: chunks of n/2, n/4, ..., 1. */
    private Scenario removeOps(Scenario cur) {
        for (int ai = 0; ai < cur.actors.size(); ai++) {
            int n = cur.actors.get(ai).ops().size();
            for (int chunk = Math.max(1, n / 2); chunk >= 1 && !exhausted(); chunk /= 2) {
                for (int start = 0; ai < cur.actors.size() && start < cur.actors.get(ai).ops().size(); ) {
                    List<Op> ops = cur.actors.get(ai).ops();
                    if (ops.size() <= chunk) {
                        start += chunk;
                        continue;
                    }
                    Scenario c = cur.copy();
                    List<Op> l = c.actors.get(ai).ops();
                    l.subList(start, Math.min(l.size(), start + chunk)).clear();
                    Scenario nx = attempt(cur, c);
                    if (nx != cur)
                        cur = nx;
                    else
                        start += chunk;
                }
                if (chunk == 1)
                    break;
            }
        }
        return cur;
    }

    private Scenario removeLayout(Scenario cur) {
        for (int i = cur.injects.size() - 1; i >= 0; i--) {
            if (i >= cur.injects.size())
                continue;
            Scenario c = cur.copy();
            c.injects.remove(i);
            cur = attempt(cur, c);
        }
        for (int i = cur.maps.size() - 1; i >= 0; i--) {
            if (i >= cur.maps.size())
                continue;
            Scenario c = cur.copy();
            c.maps.remove(i);
            cur = attempt(cur, c);
        }
        for (int i = cur.files.size() - 1; i >= 0; i--) {
            if (i >= cur.files.size())
                continue;
            String f = cur.files.get(i).name();
            boolean used = cur.maps.stream().anyMatch(m -> f.equals(m.file()))
                    || cur.actors.stream().flatMap(a -> a.ops().stream()).anyMatch(op -> op instanceof Op.Mmap m && f.equals(m.file()));
            if (used)
                continue;
            Scenario c = cur.copy();
            c.files.remove(i);
            cur = attempt(cur, c);
        }
        return cur;
    }

    private Scenario simplify(Scenario cur) {
        for (int ai = 0; ai < cur.actors.size(); ai++)
            for (int oi = 0; ai < cur.actors.size() && oi < cur.actors.get(ai).ops().size(); oi++)
                for (UnaryOperator<Op> f : opSimplifications()) {
                    if (exhausted())
                        return cur;
                    if (ai >= cur.actors.size() || oi >= cur.actors.get(ai).ops().size())
                        break;
                    Op op = cur.actors.get(ai).ops().get(oi);
                    Op nu = f.apply(op);
                    if (nu == null || nu.text().equals(op.text()))
                        continue;
                    Scenario c = cur.copy();
                    c.actors.get(ai).ops().set(oi, nu);
                    cur = attempt(cur, c);
                }
        for (int mi = 0; mi < cur.maps.size(); mi++)
            for (UnaryOperator<Scenario.MapSpec> f : mapSimplifications()) {
                if (exhausted() || mi >= cur.maps.size())
                    return cur;
                Scenario.MapSpec m = cur.maps.get(mi);
                Scenario.MapSpec nu = f.apply(m);
                if (nu == null || nu.equals(m))
                    continue;
                Scenario c = cur.copy();
                c.maps.set(mi, nu);
                cur = attempt(cur, c);
            }
        return cur;
    }

    private static final long PAGE = 4096;

    private static long half(long len) {
        return Math.max(PAGE, (len / 2) & -PAGE);
    }

    private static List<UnaryOperator<Op>> opSimplifications() {
        List<UnaryOperator<Op>> l = new ArrayList<>();
        // align the address down to its page
        l.add(op -> switch (op) {
            case Op.Munmap m -> new Op.Munmap(m.addr() & -PAGE, m.len(), 0);
            case Op.Mprotect m -> new Op.Mprotect(m.addr() & -PAGE, m.len(), m.prot(), 0);
            case Op.Madvise m -> new Op.Madvise(m.addr() & -PAGE, m.len(), m.advice(), 0);
            case Op.Write w -> new Op.Write(w.addr() & -PAGE, w.len(), w.fill(), 0);
            case Op.Mmap m -> new Op.Mmap(m.name(), m.addr() & -PAGE, m.len(), m.prot(), m.fixed(), m.shared(), m.file(), m.off(), m.growsdown(), 0);
            case Op.Mremap m -> new Op.Mremap(m.addr() & -PAGE, m.oldLen(), m.newLen(), m.maymove(), m.fixedTo(), m.dontunmap(), 0);
            default -> null;
        });
        // one page
        l.add(op -> switch (op) {
            case Op.Munmap m -> new Op.Munmap(m.addr(), PAGE, 0);
            case Op.Mprotect m -> new Op.Mprotect(m.addr(), PAGE, m.prot(), 0);
            case Op.Madvise m -> new Op.Madvise(m.addr(), PAGE, m.advice(), 0);
            case Op.Write w -> new Op.Write(w.addr(), Math.min(w.len(), PAGE), w.fill(), 0);
            case Op.Mmap m -> new Op.Mmap(m.name(), m.addr(), PAGE, m.prot(), m.fixed(), m.shared(), m.file(), m.off(), m.growsdown(), 0);
            default -> null;
        });
        // halve the length
        l.add(op -> switch (op) {
            case Op.Read r -> new Op.Read(r.addr(), Math.max(1, r.len() / 2), r.flags(), r.variant(), r.proc(), 0);
            case Op.Poke p -> new Op.Poke(p.addr(), Math.max(1, p.len() / 2), p.fill(), p.flags(), 0);
            case Op.Munmap m -> new Op.Munmap(m.addr(), half(m.len()), 0);
            case Op.Mprotect m -> new Op.Mprotect(m.addr(), half(m.len()), m.prot(), 0);
            case Op.Madvise m -> new Op.Madvise(m.addr(), half(m.len()), m.advice(), 0);
            case Op.Write w -> new Op.Write(w.addr(), Math.max(1, w.len() / 2), w.fill(), 0);
            case Op.Mmap m -> new Op.Mmap(m.name(), m.addr(), half(m.len()), m.prot(), m.fixed(), m.shared(), m.file(), m.off(), m.growsdown(), 0);
            case Op.Mremap m -> new Op.Mremap(m.addr(), half(m.oldLen()), half(m.newLen()), m.maymove(), m.fixedTo(), m.dontunmap(), 0);
            default -> null;
        });
        // page-align the length (round up)
        l.add(op -> switch (op) {
            case Op.Write w -> new Op.Write(w.addr(), (w.len() + PAGE - 1) & -PAGE, w.fill(), 0);
            case Op.Munmap m -> new Op.Munmap(m.addr(), Math.max(PAGE, (m.len() + PAGE - 1) & -PAGE), 0);
            default -> null;
        });
        // drop flags
        l.add(op -> switch (op) {
            case Op.Read r -> r.flags() != Op.Foll.FORCE ? new Op.Read(r.addr(), r.len(), Op.Foll.FORCE, r.variant(), r.proc(), 0) : null;
            case Op.Poke p -> p.flags() != Op.Foll.FORCE ? new Op.Poke(p.addr(), p.len(), p.fill(), Op.Foll.FORCE, 0) : null;
            case Op.Mmap m -> m.shared() || m.growsdown() ? new Op.Mmap(m.name(), m.addr(), m.len(), m.prot(), m.fixed(), false, m.file(), m.off(), false, 0) : null;
            case Op.Mremap m -> m.dontunmap() ? new Op.Mremap(m.addr(), m.oldLen(), m.newLen(), m.maymove(), m.fixedTo(), false, 0)
                    : m.fixedTo() != null ? new Op.Mremap(m.addr(), m.oldLen(), m.newLen(), m.maymove(), null, false, 0) : null;
            default -> null;
        });
        l.add(op -> switch (op) {
            case Op.Mmap m -> m.file() != null ? new Op.Mmap(m.name(), m.addr(), m.len(), m.prot(), m.fixed(), m.shared(), null, 0, m.growsdown(), 0) : null;
            case Op.Mremap m -> m.maymove() && m.fixedTo() == null && !m.dontunmap() ? new Op.Mremap(m.addr(), m.oldLen(), m.newLen(), false, null, false, 0) : null;
            case Op.Mprotect m -> m.prot() != (Prot.READ | Prot.WRITE) ? new Op.Mprotect(m.addr(), m.len(), Prot.READ | Prot.WRITE, 0) : null;
            default -> null;
        });
        // a fixed mmap is the usual form
        l.add(op -> op instanceof Op.Mmap m && m.prot() != (Prot.READ | Prot.WRITE)
                ? new Op.Mmap(m.name(), m.addr(), m.len(), Prot.READ | Prot.WRITE, m.fixed(), m.shared(), m.file(), m.off(), m.growsdown(), 0) : null);
        // a straddling read of 16 bytes is the canonical form
        // a straddling read of 16 bytes is the canonical form: at the first, middle or last page boundary inside it
        for (int which = 0; which < 3; which++) {
            final int w = which;
            l.add(op -> {
                if (!(op instanceof Op.Read r) || r.len() <= 16)
                    return null;
                long first = (r.addr() & -PAGE) + PAGE, last = (r.addr() + r.len() - 1) & -PAGE;
                if (first > last)
                    return w == 0 ? new Op.Read(r.addr(), 16, r.flags(), r.variant(), r.proc(), 0) : null;
                long edge = w == 0 ? first : w == 2 ? last : ((first + last) / 2) & -PAGE;
                return new Op.Read(edge - 8, 16, r.flags(), r.variant(), r.proc(), 0);
            });
        }
        // one page shorter
        l.add(op -> switch (op) {
            case Op.Munmap m -> m.len() > PAGE ? new Op.Munmap(m.addr(), m.len() - PAGE, 0) : null;
            case Op.Mprotect m -> m.len() > PAGE ? new Op.Mprotect(m.addr(), m.len() - PAGE, m.prot(), 0) : null;
            case Op.Madvise m -> m.len() > PAGE ? new Op.Madvise(m.addr(), m.len() - PAGE, m.advice(), 0) : null;
            case Op.Write w -> w.len() > PAGE ? new Op.Write(w.addr(), w.len() - PAGE, w.fill(), 0) : null;
            case Op.Mmap m -> m.len() > PAGE ? new Op.Mmap(m.name(), m.addr(), m.len() - PAGE, m.prot(), m.fixed(), m.shared(), m.file(), m.off(), m.growsdown(), 0) : null;
            case Op.Mremap m -> m.newLen() > PAGE ? new Op.Mremap(m.addr(), m.oldLen(), m.newLen() - PAGE, m.maymove(), m.fixedTo(), m.dontunmap(), 0) : null;
            default -> null;
        });
        return l;
    }

    private static List<UnaryOperator<Scenario.MapSpec>> mapSimplifications() {
        List<UnaryOperator<Scenario.MapSpec>> l = new ArrayList<>();
        l.add(m -> m.len() > PAGE ? new Scenario.MapSpec(m.name(), m.addr(), half(m.len()), m.prot(), m.shared(), m.file(), m.off(), m.growsdown(), m.device(), m.fill(), 0) : null);
        l.add(m -> m.len() > PAGE ? new Scenario.MapSpec(m.name(), m.addr() + m.len() - half(m.len()), half(m.len()), m.prot(), m.shared(), m.file(), m.off(), m.growsdown(), m.device(), m.fill(), 0) : null);
        l.add(m -> m.shared() || m.growsdown() ? new Scenario.MapSpec(m.name(), m.addr(), m.len(), m.prot(), false, m.file(), m.off(), false, m.device(), m.fill(), 0) : null);
        l.add(m -> m.prot() != (Prot.READ | Prot.WRITE) ? new Scenario.MapSpec(m.name(), m.addr(), m.len(), Prot.READ | Prot.WRITE, m.shared(), m.file(), m.off(), m.growsdown(), m.device(), m.fill(), 0) : null);
        return l;
    }

    // ------------------------------------------------------------------ size

    /**
     * The size a shrink minimises, compared lexicographically: actors, operations, mappings +
     * files + injections, switches of recorded schedules, then the sum of "number complexity"
     * (set bits of addresses and lengths, so aligned, short numbers are smaller).
     */
    public static long[] size(Scenario s) {
        long ops = 0, nums = 0, switches = 0;
        for (Scenario.Actor a : s.actors) {
            ops += a.ops().size();
            for (Op op : a.ops())
                nums += numbers(op);
        }
        for (Scenario.MapSpec m : s.maps)
            nums += n(m.len()) + (m.shared() ? 1 : 0) + (m.prot() != (Prot.READ | Prot.WRITE) ? 1 : 0);
        for (Map.Entry<Variant, Scenario.Sched> e : s.schedules.entrySet())
            if (e.getValue().steps() != null)
                switches += 1 + Schedule.parse(e.getValue().steps()).size();
        return new long[] {s.actors.size(), ops, s.maps.size() + s.files.size() + s.injects.size(), switches, nums};
    }

    /** Complexity of a length: its set bits, plus its size in pages (so 0x4000 < 0x5000 < 0x6000). */
    private static long n(long len) {
        return Long.bitCount(len) + Math.min(len, 1L << 30) / PAGE;
    }

    private static long numbers(Op op) {
        return switch (op) {
            case Op.Read r -> ((r.addr() & 7) != 0 ? 1 : 0) + n(r.len()) + (r.flags() != Op.Foll.FORCE ? 1 : 0) + (r.proc() != null ? 1 : 0);
            case Op.Poke p -> ((p.addr() & 7) != 0 ? 1 : 0) + n(p.len()) + (p.flags() != Op.Foll.FORCE ? 1 : 0);
            case Op.Mmap m -> Long.bitCount(m.addr() & (PAGE - 1)) + n(m.len()) + (m.shared() ? 1 : 0) + (m.file() != null ? 1 : 0)
                    + (m.growsdown() ? 1 : 0) + (m.prot() != (Prot.READ | Prot.WRITE) ? 1 : 0);
            case Op.Munmap m -> Long.bitCount(m.addr() & (PAGE - 1)) + n(m.len());
            case Op.Mprotect m -> Long.bitCount(m.addr() & (PAGE - 1)) + n(m.len()) + (m.prot() != (Prot.READ | Prot.WRITE) ? 1 : 0);
            case Op.Madvise m -> Long.bitCount(m.addr() & (PAGE - 1)) + n(m.len());
            case Op.Write w -> Long.bitCount(w.addr() & (PAGE - 1)) + n(w.len());
            case Op.Mremap m -> Long.bitCount(m.addr() & (PAGE - 1)) + n(m.oldLen()) + n(m.newLen())
                    + (m.maymove() ? 1 : 0) + (m.fixedTo() != null ? 1 : 0) + (m.dontunmap() ? 1 : 0);
            case Op.Reclaim r -> 0;
            case Op.Collapse c -> 0;
            case Op.Fork f -> 0;
            case Op.Exit e -> 0;
        };
    }

    static int compare(long[] a, long[] b) {
        for (int i = 0; i < a.length; i++)
            if (a[i] != b[i])
                return Long.compare(a[i], b[i]);
        return 0;
    }
}
