package mmrace.fuzz;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import mmrace.scenario.Op;
import mmrace.scenario.Prot;
import mmrace.scenario.Scenario;

/**
 * Seeded generators of scenarios that know the domain: a default initial layout (two adjacent
 * anonymous VMAs A and B whose protections differ so they do not merge, and optionally a file
 * mapping further up), a reader actor with one or two remote accesses (reads, and one time in
 * eight a remote write, {@link #poke}, mostly with a target operation aimed at its page,
 * {@link #aimedAt}) and one or two target threads
 * with one to three operations each, and a schedule (random walk or PCT with a seed).
 *
 * <p>Addresses and lengths are biased to the boundaries of the layout ({@link #boundaries}): the
 * starts and ends of the mappings and of the ranges operations name, the pages around them and the
 * PMD boundary, and ranges from one boundary to another (so "one MAP_FIXED over A and B" is a
 * likely draw); reads straddle a boundary most of the time.
 *
 * <p>Everything is driven by one {@link SplittableRandom}: the same seed gives the same scenarios,
 * byte for byte.
 */
public final class Gen {
    static final long PAGE = 4096, PMD = 2L << 20;
    static final int[] PROTS = {Prot.READ | Prot.WRITE, Prot.READ, Prot.READ | Prot.WRITE, Prot.READ | Prot.EXEC, 0,
            Prot.READ | Prot.WRITE | Prot.EXEC};

    final SplittableRandom rng;
    final Limits limits;

    public Gen(long seed) {
        this(new SplittableRandom(seed), Limits.DEFAULT);
    }

    public Gen(SplittableRandom rng, Limits limits) {
        this.rng = rng;
        this.limits = limits;
    }

    public Limits limits() {
        return limits;
    }

    // ------------------------------------------------------------------ layouts

    /**
     * The default initial layout: A = [0x10000, 0x12000) rw filled with 'a' and B = [0x12000,
     * 0x14000) r filled with 'b' (different protections: they stay two VMAs).
     */
    public static Scenario defaultLayout() {
        Scenario s = new Scenario();
        s.source = "<fuzz>";
        s.name = "fuzz";
        s.maps.add(new Scenario.MapSpec("A", 0x10000, 0x2000, Prot.READ | Prot.WRITE, false, null, 0, false, false,
                Scenario.Fill.of((byte) 'a'), 0));
        s.maps.add(new Scenario.MapSpec("B", 0x12000, 0x2000, Prot.READ, false, null, 0, false, false,
                Scenario.Fill.of((byte) 'b'), 0));
        return s;
    }

    /** The default layout plus, if {@code withFile}, a 16 KiB file F mapped read-only and private at 0x20000. */
    public static Scenario defaultLayout(boolean withFile) {
        Scenario s = defaultLayout();
        if (withFile) {
            s.files.add(new Scenario.FileSpec("F", 0x4000, Scenario.Fill.of((byte) 'f'), 0));
            s.maps.add(new Scenario.MapSpec("C", 0x20000, 0x4000, Prot.READ, false, "F", 0, false, false, Scenario.Fill.NONE, 0));
        }
        return s;
    }

    /**
     * A layout for merges and anon_vma set-up: A = [0x10000, 0x11000) rw never written (no
     * anon_vma), a one-page gap, B = [0x12000, 0x14000) rw filled with 'b' (an anon_vma). A
     * MAP_FIXED of the gap with A's protection merges all three (vma_merge_new_range's three-way
     * case: vma_expand gives A B's anon_vma, dup_anon_vma); an mremap next to A merges the copy
     * into A the same way (vma_merge_copied_range); a first write into A runs anon_vma_prepare,
     * whose find_mergeable_anon_vma reads A's neighbours while another thread may unmap or merge
     * them. In the default layout every mapping is written at set-up, so none of this happens.
     */
    public static Scenario gapLayout() {
        Scenario s = new Scenario();
        s.source = "<fuzz>";
        s.name = "fuzz";
        s.maps.add(new Scenario.MapSpec("A", 0x10000, 0x1000, Prot.READ | Prot.WRITE, false, null, 0, false, false,
                Scenario.Fill.NONE, 0));
        s.maps.add(new Scenario.MapSpec("B", 0x12000, 0x2000, Prot.READ | Prot.WRITE, false, null, 0, false, false,
                Scenario.Fill.of((byte) 'b'), 0));
        return s;
    }

    /**
     * A fresh input: the default layout (with a file mapping one time in four), actors and a
     * schedule; or one time in five a {@link #gapRace}, one time in ten a fork race
     * ({@link #forkRace}) and three times in twenty a VMA reused by another process
     * ({@link #reuseRace}, a narrower window), the old shapes staying the common ones.
     */
    public Scenario initial() {
        int r = rng.nextInt(20);
        if (r < 4)
            return gapRace();
        Scenario layout = defaultLayout(rng.nextInt(4) == 0);
        if (r < 6)
            return forkRace(layout);
        if (r < 9)
            return reuseRace(layout);
        return withActors(layout);
    }

    /**
     * Processes and mm lifetimes: a fork racing with stores to one page of the parent (two threads
     * store into the same page of A while a third forks process "child"; sometimes a thread of the
     * child stores or exits, sometimes a reader reads the child), the shape of the per-VMA-lock fork bug.
     */
    public Scenario forkRace(Scenario layout) {
        Scenario s = fresh(layout);
        Scenario.MapSpec a = s.maps.get(0);
        long page = a.addr() + PAGE * rng.nextInt((int) Math.max(1, a.len() / PAGE));
        List<Op> t1 = new ArrayList<>(), t2 = new ArrayList<>(), t3 = new ArrayList<>();
        t1.add(new Op.Write(page + 8L * rng.nextInt(128), 8, Scenario.Fill.of((byte) ('c' + rng.nextInt(20))), 0));
        t2.add(new Op.Fork("child", 0));
        t3.add(new Op.Write(page + 0x800 + 8L * rng.nextInt(128), 8, Scenario.Fill.of((byte) ('c' + rng.nextInt(20))), 0));
        if (rng.nextInt(4) == 0)
            t2.add(rng.nextBoolean() ? new Op.Exit(0) : write(s));
        s.actors.add(new Scenario.Actor("t1", t1, 0));
        s.actors.add(new Scenario.Actor("t2", t2, 0));
        s.actors.add(new Scenario.Actor("t3", t3, 0));
        switch (rng.nextInt(3)) {
            case 0 -> s.actors.add(new Scenario.Actor("c", new ArrayList<>(List.of(rng.nextBoolean() ? write(s) : new Op.Exit(0))), 0, "child"));
            case 1 -> {
                Op.Read r = (Op.Read) read(s);
                s.actors.add(new Scenario.Actor("reader", new ArrayList<>(List.of(new Op.Read(r.addr(), r.len(), r.flags(),
                        null, rng.nextBoolean() ? "child" : null, 0))), 0));
            }
            default -> {}
        }
        s.schedules.put(null, schedule());
        return s;
    }

    /**
     * A VMA freed by the target and reused by another process: a reader of the target (a thread of
     * P2, two to four reads), a thread of the target unmapping one of its mappings (sometimes
     * exiting after), and a thread of P2 mapping the same range and storing into it.
     */
    public Scenario reuseRace(Scenario layout) {
        Scenario s = fresh(layout);
        s.processes.add(new Scenario.Process("P2", new ArrayList<>(), new ArrayList<>(), 0));
        Scenario.MapSpec m = s.maps.get(rng.nextInt(s.maps.size()));
        // a few reads: each is a chance to find the VMA under RCU just before it is freed
        List<Op> reads = new ArrayList<>();
        for (int i = 2 + rng.nextInt(3); i > 0; i--) {
            Op.Read r = (Op.Read) read(s);
            long at = rng.nextBoolean() ? m.addr() + 8L * rng.nextInt(16) : r.addr();
            reads.add(new Op.Read(at, rng.nextBoolean() ? 16 : r.len(), r.flags(), null, "P1", 0));
        }
        s.actors.add(new Scenario.Actor("reader", reads, 0, "P2"));
        List<Op> t1 = new ArrayList<>(List.of(new Op.Munmap(m.addr(), m.len(), 0)));
        if (rng.nextInt(4) == 0)
            t1.add(new Op.Exit(0));
        s.actors.add(new Scenario.Actor("t1", t1, 0));
        List<Op> u = new ArrayList<>();
        u.add(new Op.Mmap(freshName(s), m.addr(), m.len(), Prot.READ | Prot.WRITE, true, false, null, 0, false, 0));
        u.add(new Op.Write(m.addr(), rng.nextBoolean() ? 8 : m.len(), Scenario.Fill.of((byte) ('c' + rng.nextInt(20))), 0));
        s.actors.add(new Scenario.Actor("u", u, 0, "P2"));
        s.schedules.put(null, schedule());
        return s;
    }

    /** A scenario with {@code layout}'s files and maps and nothing else yet. */
    private static Scenario fresh(Scenario layout) {
        Scenario s = new Scenario();
        s.source = "<fuzz>";
        s.name = "fuzz";
        s.files.addAll(layout.files);
        s.maps.addAll(layout.maps);
        return s;
    }

    /**
     * The {@link #gapLayout} with a reader and two threads: t1 first stores into A, its first write
     * fault (anon_vma_prepare: find_mergeable_anon_vma reads A's neighbours and the tree), then
     * maybe one operation more; t2 changes the layout with one to three operations (a MAP_FIXED
     * of the gap merges three ways; a munmap or mprotect of B frees or changes the neighbour).
     */
    public Scenario gapRace() {
        Scenario s = gapLayout();
        s.actors.add(new Scenario.Actor("reader", new ArrayList<>(List.of(read(s))), 0));
        List<Op> t1 = new ArrayList<>(), t2 = new ArrayList<>();
        s.actors.add(new Scenario.Actor("t1", t1, 0));
        s.actors.add(new Scenario.Actor("t2", t2, 0));
        t1.add(new Op.Write(0x10000 + 8L * rng.nextInt(504), rng.nextBoolean() ? 8 : 1 + rng.nextInt(64), // within A
                Scenario.Fill.of((byte) ('c' + rng.nextInt(20))), 0));
        if (rng.nextInt(3) == 0)
            t1.add(targetOp(s));
        for (int n = 1 + rng.nextInt(3); n > 0; n--)
            t2.add(targetOp(s));
        s.schedules.put(null, schedule());
        return s;
    }

    /** {@code layout} (maps and files only are used) with fresh actors and a fresh schedule. */
    public Scenario withActors(Scenario layout) {
        Scenario s = new Scenario();
        s.source = "<fuzz>";
        s.name = "fuzz";
        s.files.addAll(layout.files);
        s.maps.addAll(layout.maps);
        List<Op> reads = new ArrayList<>();
        int nr = 1 + (rng.nextInt(3) == 0 ? 1 : 0);
        for (int i = 0; i < nr; i++)
            reads.add(remoteOp(s));
        s.actors.add(new Scenario.Actor("reader", reads, 0));
        int nt = 1 + (rng.nextInt(4) == 0 ? 1 : 0);
        for (int t = 1; t <= nt; t++) {
            List<Op> ops = new ArrayList<>();
            s.actors.add(new Scenario.Actor("t" + t, ops, 0));
            int n = 1 + rng.nextInt(3);
            for (int i = 0; i < n; i++)
                ops.add(targetOp(s));
        }
        boolean aimed = false;
        for (Op op : reads)
            if (op instanceof Op.Poke p && rng.nextInt(4) != 0) {
                aimed = true;
                List<Op> first = s.actors.get(1).ops();
                Op on = aimedAt(s, p);
                if (rng.nextInt(2) == 0) { // the race alone: the write's fault and one operation on its page
                    first.clear();
                    first.add(on);
                } else {
                    first.set(rng.nextInt(first.size()), on);
                }
                break;
            }
        // a write racing an operation on its page is a depth-2 race: PCT, not a random walk
        s.schedules.put(null, aimed ? Scenario.Sched.pct(2 + rng.nextInt(2), rng.nextLong(1L << 31)) : schedule());
        return s;
    }

    // ------------------------------------------------------------------ schedules

    /**
     * A random walk one time in three, else PCT, mostly of depth 2 or 3: a race that needs one
     * actor to run a whole operation inside another's window is a depth-2 bug, which PCT finds with
     * probability about 1/(n k) per execution and a random walk almost never.
     */
    public Scenario.Sched schedule() {
        long seed = rng.nextLong(1L << 31);
        int r = rng.nextInt(100);
        if (r < 33)
            return Scenario.Sched.random(seed);
        return Scenario.Sched.pct(r < 38 ? 1 : r < 75 ? 2 : r < 92 ? 3 : 4, seed);
    }

    // ------------------------------------------------------------------ addresses

    /**
     * The interesting addresses of a scenario: starts and ends of mappings and of the ranges its
     * operations name (including mremap targets, and the page a remote write starts in), and the
     * PMD boundaries next to mappings. Sorted.
     */
    public static long[] boundaries(Scenario s) {
        TreeSet<Long> b = new TreeSet<>();
        for (Scenario.MapSpec m : s.maps) {
            b.add(m.addr());
            b.add(m.addr() + m.len());
            b.add(m.addr() & -PMD);
        }
        for (Scenario.Actor a : s.actors)
            for (Op op : a.ops()) {
                switch (op) {
                    case Op.Mmap m -> { b.add(m.addr()); b.add(m.addr() + m.len()); }
                    case Op.Munmap m -> { b.add(m.addr()); b.add(m.addr() + m.len()); }
                    case Op.Mprotect m -> { b.add(m.addr()); b.add(m.addr() + m.len()); }
                    case Op.Madvise m -> { b.add(m.addr()); b.add(m.addr() + m.len()); }
                    case Op.Poke p -> { b.add(p.addr() & -PAGE); b.add((p.addr() & -PAGE) + PAGE); } // the page a remote write faults in
                    case Op.Mremap m -> {
                        b.add(m.addr());
                        b.add(m.addr() + m.oldLen());
                        b.add(m.addr() + m.newLen());
                        if (m.fixedTo() != null) {
                            b.add(m.fixedTo());
                            b.add(m.fixedTo() + m.newLen());
                        }
                    }
                    default -> {}
                }
            }
        if (b.isEmpty())
            b.add(Limits.MIN_ADDR);
        b.removeIf(x -> x < Limits.MIN_ADDR || x > Limits.MAX_ADDR || (x & (PAGE - 1)) != 0);
        if (b.isEmpty())
            b.add(Limits.MIN_ADDR);
        long[] r = new long[b.size()];
        int i = 0;
        for (long x : b)
            r[i++] = x;
        return r;
    }

    /** Boundaries where two mappings of the initial layout meet (the first read target of a torn read). */
    static List<Long> seams(Scenario s) {
        List<Long> r = new ArrayList<>();
        for (Scenario.MapSpec m : s.maps)
            for (Scenario.MapSpec o : s.maps)
                if (m.addr() + m.len() == o.addr())
                    r.add(o.addr());
        return r;
    }

    long pick(long[] a) {
        return a[rng.nextInt(a.length)];
    }

    /** A page-aligned address near a boundary (mostly exactly at one), rarely unaligned. */
    long address(Scenario s) {
        long[] b = boundaries(s);
        long a = pick(b);
        int r = rng.nextInt(100);
        if (r < 55) {
            // at the boundary
        } else if (r < 85) {
            a += (rng.nextBoolean() ? 1 : -1) * PAGE * (1 + rng.nextInt(2));
        } else if (r < 95) {
            a = b[0] + PAGE * rng.nextInt((int) Math.min(64, Math.max(1, (b[b.length - 1] - b[0]) / PAGE + 4)));
        } else {
            a += 1 + rng.nextInt(64) * 8;
        }
        return clampAddr(a);
    }

    static long clampAddr(long a) {
        return Math.max(Limits.MIN_ADDR, Math.min(a, Limits.MAX_ADDR));
    }

    /** A length in pages: small, or the distance from {@code addr} to a boundary above it. */
    long length(Scenario s, long addr) {
        long[] b = boundaries(s);
        if (rng.nextInt(100) < 55) {
            List<Long> above = new ArrayList<>();
            for (long x : b)
                if (x > addr && x - addr <= limits.maxLen())
                    above.add(x);
            if (!above.isEmpty())
                return above.get(rng.nextInt(above.size())) - addr;
        }
        long len = PAGE * (1 + rng.nextInt(4));
        if (rng.nextInt(40) == 0)
            len -= 1 + rng.nextInt((int) PAGE - 1);
        return len;
    }

    /** A range [addr, addr+len): from one boundary to another half the time, else near a boundary. */
    long[] range(Scenario s) {
        long[] b = boundaries(s);
        if (b.length >= 2 && rng.nextBoolean()) {
            int i = rng.nextInt(b.length - 1);
            int j = i + 1 + rng.nextInt(Math.min(3, b.length - 1 - i));
            if (b[j] - b[i] <= limits.maxLen())
                return new long[] {b[i], b[j] - b[i]};
        }
        long a = address(s);
        return new long[] {a, length(s, a)};
    }

    // ------------------------------------------------------------------ operations

    /** A remote read, straddling a boundary most of the time. */
    public Op read(Scenario s) {
        List<Long> seams = seams(s);
        long[] b = boundaries(s);
        long edge = !seams.isEmpty() && rng.nextInt(3) != 0 ? seams.get(rng.nextInt(seams.size())) : pick(b);
        long[] before = {8, 16, 1, 4, 2048, PAGE, 0};
        long d = before[rng.nextInt(before.length)];
        long addr = clampAddr(edge - d);
        int len;
        switch (rng.nextInt(6)) {
            case 0, 1 -> len = (int) Math.max(1, 2 * d);
            case 2 -> len = 16;
            case 3 -> len = (int) PAGE;
            case 4 -> len = (int) (2 * PAGE);
            default -> len = (int) (d + 1 + rng.nextInt(64));
        }
        len = Math.max(1, Math.min(len, limits.maxReadLen()));
        int r = rng.nextInt(10);
        int flags = r < 7 ? Op.Foll.FORCE : r < 9 ? Op.Foll.ANON : 0;
        return new Op.Read(addr, len, flags, null, 0);
    }

    /**
     * An operation of the reader (another process): a remote read, or a remote write one time in
     * eight overall: one in five where a private file mapping gives FOLL_FORCE COW work to do, one
     * in ten elsewhere.
     */
    public Op remoteOp(Scenario s) {
        boolean cow = s.maps.stream().anyMatch(m -> m.file() != null && !m.shared() && !m.device());
        return rng.nextInt(cow ? 3 : 10) == 0 ? poke(s) : read(s);
    }

    /**
     * A remote write (access_remote_vm with FOLL_WRITE, /proc/PID/mem or PTRACE_POKEDATA): mostly
     * FOLL_FORCE, a word to a page long; three times in four into a private file mapping when the
     * layout has one (where FOLL_FORCE must break COW, the Dirty COW ground), else across a seam or
     * into a mapping.
     */
    public Op poke(Scenario s) {
        List<Scenario.MapSpec> privateFile = new ArrayList<>();
        for (Scenario.MapSpec m : s.maps)
            if (m.file() != null && !m.shared() && !m.device())
                privateFile.add(m);
        List<Long> seams = seams(s);
        int r = rng.nextInt(4);
        long addr;
        if (!privateFile.isEmpty() && r < 3) {
            Scenario.MapSpec m = privateFile.get(rng.nextInt(privateFile.size()));
            addr = m.addr() + PAGE * rng.nextInt((int) Math.max(1, m.len() / PAGE));
        } else if (!seams.isEmpty() && r % 2 == 1) {
            addr = seams.get(rng.nextInt(seams.size())) - 8;
        } else {
            addr = inMap(s);
        }
        if (rng.nextInt(4) == 0)
            addr += 8 * (1 + rng.nextInt(16));
        long[] lens = {8, 16, 64, PAGE};
        int len = (int) Math.max(1, Math.min(lens[rng.nextInt(lens.length)], limits.maxReadLen()));
        int flags = rng.nextInt(6) == 0 ? 0 : Op.Foll.FORCE;
        return new Op.Poke(clampAddr(addr), len, Scenario.Fill.of((byte) ('P' + rng.nextInt(10))), flags, 0);
    }

    /**
     * An operation of the target on the page a remote write goes to: what races with a write's
     * fault and COW (MADV_DONTNEED zapping the new copy, the Dirty COW race, most often; reclaim,
     * munmap, mprotect, a store).
     */
    Op aimedAt(Scenario s, Op.Poke p) {
        long page = p.addr() & -PAGE;
        int r = rng.nextInt(20);
        if (r < 12)
            return new Op.Madvise(page, PAGE, "dontneed", 0);
        if (r < 14)
            return new Op.Reclaim(page, 0);
        if (r < 16)
            return new Op.Munmap(page, PAGE, 0);
        if (r < 18)
            return new Op.Mprotect(page, PAGE, prot(), 0);
        return new Op.Write(page, PAGE, Scenario.Fill.of((byte) ('c' + rng.nextInt(20))), 0);
    }

    /** An operation of a thread of the target (or reclaim, khugepaged), weighted toward layout changes. */
    public Op targetOp(Scenario s) {
        int r = rng.nextInt(100);
        if (r < 30)
            return mmap(s);
        if (r < 42)
            return munmap(s);
        if (r < 54)
            return mremap(s);
        if (r < 64)
            return mprotect(s);
        if (r < 72)
            return madvise(s);
        if (r < 92)
            return write(s);
        if (r < 96)
            return new Op.Reclaim(inMap(s), 0);
        return new Op.Collapse(inMap(s), 0);
    }

    public Op mmap(Scenario s) {
        long[] rg = range(s);
        boolean file = !s.files.isEmpty() && rng.nextInt(6) == 0;
        String f = file ? s.files.get(rng.nextInt(s.files.size())).name() : null;
        long off = file ? PAGE * rng.nextInt(4) : 0;
        boolean fixed = rng.nextInt(10) < 8;
        return new Op.Mmap(freshName(s), rg[0], Math.max(PAGE, rg[1]), prot(), fixed, rng.nextInt(8) == 0 && f != null, f, off,
                !file && rng.nextInt(40) == 0, 0);
    }

    public Op munmap(Scenario s) {
        long[] rg = range(s);
        return new Op.Munmap(rg[0], rg[1], 0);
    }

    /** mremap in its forms: shrink, expand (in place or moving), move to a fixed address, DONTUNMAP. */
    public Op mremap(Scenario s) {
        long[] rg = range(s);
        long addr = rg[0], old = Math.max(PAGE, rg[1] & -PAGE);
        switch (rng.nextInt(6)) {
            case 0 -> { // shrink
                long nl = Math.max(PAGE, (old / 2) & -PAGE);
                return new Op.Mremap(addr, old, nl, false, null, false, 0);
            }
            case 1 -> { // expand in place
                return new Op.Mremap(addr, old, old + PAGE * (1 + rng.nextInt(2)), false, null, false, 0);
            }
            case 2 -> { // expand, may move
                return new Op.Mremap(addr, old, old + PAGE * (1 + rng.nextInt(4)), true, null, false, 0);
            }
            case 3, 4 -> { // move to a fixed address: another boundary or a gap above everything
                long[] b = boundaries(s);
                long to = rng.nextBoolean() ? pick(b) : b[b.length - 1] + PAGE * (1 + rng.nextInt(4));
                long nl = rng.nextBoolean() ? old : Math.max(PAGE, old + PAGE * (rng.nextInt(3) - 1));
                return new Op.Mremap(addr, old, nl, true, clampAddr(to), rng.nextInt(4) == 0 && nl == old, 0);
            }
            default -> { // DONTUNMAP
                Long to = rng.nextBoolean() ? null : clampAddr(boundaries(s)[boundaries(s).length - 1] + PAGE);
                return new Op.Mremap(addr, old, old, true, to, true, 0);
            }
        }
    }

    public Op mprotect(Scenario s) {
        long[] rg = range(s);
        return new Op.Mprotect(rg[0], rg[1], prot(), 0);
    }

    public Op madvise(Scenario s) {
        long[] rg = range(s);
        return new Op.Madvise(rg[0], rg[1], "dontneed", 0);
    }

    public Op write(Scenario s) {
        long a;
        long len;
        if (rng.nextBoolean()) {
            long[] rg = range(s);
            a = rg[0];
            len = Math.max(1, Math.min(rg[1], limits.maxLen()));
        } else {
            a = address(s);
            len = rng.nextInt(4) == 0 ? 1 + rng.nextInt(64) : PAGE * (1 + rng.nextInt(2));
        }
        return new Op.Write(a, len, Scenario.Fill.of((byte) ('c' + rng.nextInt(20))), 0);
    }

    /** An address inside one of the initial mappings (or a boundary). */
    long inMap(Scenario s) {
        if (s.maps.isEmpty())
            return address(s);
        Scenario.MapSpec m = s.maps.get(rng.nextInt(s.maps.size()));
        return m.addr() + PAGE * rng.nextInt((int) Math.max(1, m.len() / PAGE));
    }

    int prot() {
        return PROTS[rng.nextInt(PROTS.length)];
    }

    /** A VMA name not used by the scenario yet: C, D, ... then M1, M2, ... */
    static String freshName(Scenario s) {
        Set<String> used = names(s);
        for (char c = 'C'; c <= 'Z'; c++)
            if (!used.contains(String.valueOf(c)))
                return String.valueOf(c);
        for (int i = 1;; i++)
            if (!used.contains("M" + i))
                return "M" + i;
    }

    /** Names of files, maps and mmap'd VMAs. */
    static Set<String> names(Scenario s) {
        Set<String> used = new HashSet<>();
        for (Scenario.FileSpec f : s.files)
            used.add(f.name());
        for (Scenario.MapSpec m : s.maps)
            used.add(m.name());
        for (Scenario.Actor a : s.actors)
            for (Op op : a.ops())
                if (op instanceof Op.Mmap m)
                    used.add(m.name());
        return used;
    }
}
