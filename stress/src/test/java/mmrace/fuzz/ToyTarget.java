package mmrace.fuzz;

import mmrace.runtime.Access;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import mmrace.oracle.Reason;
import mmrace.oracle.Verdict;
import mmrace.port.Memory.ReadPath;
import mmrace.runtime.Field;
import mmrace.runtime.Kernel;
import mmrace.runtime.KObject;
import mmrace.runtime.Probes;
import mmrace.runtime.Ref;
import mmrace.runtime.RwSemaphore;
import mmrace.runtime.Shared;
import mmrace.runtime.Task;
import mmrace.runtime.Trace;
import mmrace.runtime.Tracepoint;
import mmrace.runtime.Word;
import mmrace.scenario.Op;
import mmrace.scenario.Prot;
import mmrace.scenario.Scenario;
import mmrace.scenario.Variant;
import mmrace.sched.Actor;
import mmrace.sched.Config;
import mmrace.sched.Execution;
import mmrace.sched.ExecutionListener;
import mmrace.sched.Program;
import mmrace.sched.Result;
import mmrace.sched.Strategy;

/**
 * A fake target for testing the fuzzer without the port: a toy address space built from the
 * runtime primitives, with the reviewers' race built in.
 *
 * <p>The layout is an immutable list of toy VMAs behind one {@link Ref} (the "tree"); each VMA's
 * pages are {@link Word}s holding one fill byte per page. Layout changes (mmap, munmap, mremap,
 * mprotect) take {@code mmap_lock} for writing and publish the tree in two stores (the range
 * removed, then the new VMA inserted). User stores and DONTNEED change page words without the lock.
 * The read path of {@code slow} and the {@code fast-one-vma*} variants holds {@code mmap_lock} for
 * reading across the whole read; {@code fast-v1*} looks the tree up again for every page without
 * any lock, so a MAP_FIXED over A and B plus a store between its two pages tears the read.
 *
 * <p>Its oracle records what a read of the range would return after every point while the read
 * is in flight; a read no instant explains is forbidden (torn-read) if the layout changed during
 * it, else interesting (content-mix); one that saw several layouts is interesting (multi-layout).
 * Page contents are per page (a store fills every page it touches): a toy, not the kernel.
 */
public final class ToyTarget implements Target {
    static final long PAGE = 4096;
    private static final Field TREE = new Field("mm_mt"), PAGEW = new Field("page"), LOCK = new Field("mmap_lock");
    private static final int P_NEXT = Probes.register("toy read: next page"),
            P_HOLE = Probes.register("toy read: hole, short read"),
            P_DENIED = Probes.register("toy read: permission denied"),
            P_LOCKED = Probes.register("toy read: mmap_read_lock held"),
            P_REPLACE = Probes.register("toy mmap: MAP_FIXED replaces a mapping"),
            P_SPLIT = Probes.register("toy mprotect: split"),
            P_STORE_FAULT = Probes.register("toy store: SIGSEGV"),
            P_MOVE = Probes.register("toy mremap: move");

    /** A toy VMA: range, protection and one Word per page (the fill byte; 0 is zero memory). */
    record Vma(String name, long start, long end, int prot, Word[] pages) {
        Word page(long addr) {
            return pages[(int) ((addr - start) / PAGE)];
        }

        Vma slice(long s, long e) {
            return new Vma(name, s, e, prot, Arrays.copyOfRange(pages, (int) ((s - start) / PAGE), (int) ((e - start) / PAGE)));
        }
    }

    record Layout(List<Vma> vmas) {
        Vma find(long a) {
            for (Vma v : vmas)
                if (a >= v.start && a < v.end)
                    return v;
            return null;
        }

        Layout without(long s, long e) {
            List<Vma> l = new ArrayList<>();
            for (Vma v : vmas) {
                if (v.end <= s || v.start >= e) {
                    l.add(v);
                    continue;
                }
                if (v.start < s)
                    l.add(v.slice(v.start, s));
                if (v.end > e)
                    l.add(v.slice(e, v.end));
            }
            l.sort((x, y) -> Long.compare(x.start, y.start));
            return new Layout(List.copyOf(l));
        }

        Layout with(Vma n) {
            List<Vma> l = new ArrayList<>(without(n.start, n.end).vmas);
            l.add(n);
            l.sort((x, y) -> Long.compare(x.start, y.start));
            return new Layout(List.copyOf(l));
        }

        boolean free(long s, long e) {
            for (Vma v : vmas)
                if (v.start < e && s < v.end)
                    return false;
            return true;
        }
    }

    private static final class Mm extends KObject {
        @Override
        public String name() {
            return "mm";
        }
    }

    /** One execution's toy kernel. */
    static final class Toy {
        final Kernel kernel = new Kernel();
        final Mm mm = new Mm();
        final RwSemaphore mmapLock = new RwSemaphore(mm, LOCK, "mmap_lock");
        final Ref<Layout> tree;
        final Judge judge = new Judge(this);

        final int work;
        private static final Field PAD = new Field("local");

        /** n points on a word nobody else touches (the work of a syscall that races with nothing). */
        void pad(int n) {
            if (n <= 0)
                return;
            Word w = new Word(null, PAD, 0);
            for (int i = 0; i < n; i++)
                w.readOnce();
        }

        Toy(Scenario s, int work) {
            this.work = work;
            List<Vma> l = new ArrayList<>();
            for (Scenario.MapSpec m : s.maps) {
                byte fill = m.fill().none() ? 0 : m.fill().value();
                if (m.file() != null)
                    fill = s.files.stream().filter(f -> f.name().equals(m.file())).findFirst().map(f -> f.fill().none() ? (byte) 0 : f.fill().value()).orElse((byte) 0);
                l.add(new Vma(m.name(), m.addr(), m.addr() + m.len(), m.prot(), words(m.len(), fill)));
            }
            l.sort((x, y) -> Long.compare(x.start, y.start));
            tree = new Ref<>(mm, TREE, new Layout(List.copyOf(l)));
        }

        Word[] words(long len, byte fill) {
            Word[] w = new Word[(int) Math.max(1, (len + PAGE - 1) / PAGE)];
            for (int i = 0; i < w.length; i++)
                w[i] = new Word(mm, PAGEW, fill & 0xff);
            return w;
        }

        /** Contents of [addr, addr+len) now, stopping at the first hole or unreadable page (no points). */
        byte[] view(long addr, int len, int flags) {
            Layout l = tree.peek();
            byte[] out = new byte[len];
            int n = 0;
            while (n < len) {
                long a = addr + n;
                Vma v = l.find(a);
                if (v == null || !readable(v, flags))
                    break;
                int chunk = (int) Math.min(len - n, PAGE - (a % PAGE));
                Arrays.fill(out, n, n + chunk, (byte) v.page(a).peek());
                n += chunk;
            }
            return Arrays.copyOf(out, n);
        }

        static boolean readable(Vma v, int flags) {
            return (v.prot & Prot.READ) != 0 || (flags & Op.Foll.FORCE) != 0;
        }

        int read(long addr, int len, int flags, boolean locked, byte[] buf) {
            if (locked) {
                mmapLock.downRead();
                Probes.hit(P_LOCKED);
            }
            int n = 0;
            while (n < len) {
                long a = addr + n;
                Layout l = tree.readOnce();
                Vma v = l.find(a);
                if (v == null) {
                    Probes.hit(P_HOLE);
                    break;
                }
                if (!readable(v, flags)) {
                    Probes.hit(P_DENIED);
                    break;
                }
                int chunk = (int) Math.min(len - n, PAGE - (a % PAGE));
                pad(2 * work);
                byte b = (byte) v.page(a).readOnce();
                Arrays.fill(buf, n, n + chunk, b);
                n += chunk;
                if (n < len)
                    Probes.hit(P_NEXT);
            }
            if (locked)
                mmapLock.upRead();
            return n;
        }

        long mmap(Op.Mmap m) {
            long len = (m.len() + PAGE - 1) & -PAGE;
            mmapLock.downWrite();
            pad(10 * work);
            try {
                Layout l = tree.readOnce();
                long at = m.addr() & -PAGE;
                if (!m.fixed() && !l.free(at, at + len)) {
                    at = 0x3000_0000L;
                    while (!l.free(at, at + len))
                        at -= 0x10_0000L;
                } else if (!l.free(at, at + len)) {
                    Probes.hit(P_REPLACE);
                    tree.writeOnce(l.without(at, at + len));
                }
                byte fill = 0;
                tree.writeOnce(tree.readOnce().with(new Vma(m.name(), at, at + len, m.prot(), words(len, fill))));
                return at;
            } finally {
                mmapLock.upWrite();
            }
        }

        void munmap(long addr, long len) {
            mmapLock.downWrite();
            pad(10 * work);
            Layout l = tree.readOnce();
            tree.writeOnce(l.without(addr & -PAGE, (addr + len + PAGE - 1) & -PAGE));
            mmapLock.upWrite();
        }

        void mprotect(long addr, long len, int prot) {
            mmapLock.downWrite();
            pad(10 * work);
            Layout l = tree.readOnce();
            long s = addr & -PAGE, e = (addr + len + PAGE - 1) & -PAGE;
            List<Vma> changed = new ArrayList<>();
            for (Vma v : l.vmas)
                if (v.start < e && s < v.end) {
                    if (v.start < s || v.end > e)
                        Probes.hit(P_SPLIT);
                    Vma piece = v.slice(Math.max(v.start, s), Math.min(v.end, e));
                    changed.add(new Vma(piece.name, piece.start, piece.end, prot, piece.pages));
                }
            Layout n = l;
            for (Vma v : changed)
                n = n.with(v);
            tree.writeOnce(n);
            mmapLock.upWrite();
        }

        void mremap(Op.Mremap m) {
            if (m.addr() % PAGE != 0 || m.fixedTo() != null && m.fixedTo() % PAGE != 0)
                return; // EINVAL
            mmapLock.downWrite();
            pad(10 * work);
            Layout l = tree.readOnce();
            Vma v = l.find(m.addr());
            if (v != null) {
                long oldEnd = Math.min(v.end, m.addr() + ((m.oldLen() + PAGE - 1) & -PAGE));
                long newLen = (m.newLen() + PAGE - 1) & -PAGE;
                long to = m.fixedTo() != null ? m.fixedTo() & -PAGE : m.addr();
                Vma src = v.slice(m.addr() & -PAGE, oldEnd);
                Word[] pages = Arrays.copyOf(src.pages, (int) (newLen / PAGE));
                for (int i = src.pages.length; i < pages.length; i++)
                    pages[i] = new Word(mm, PAGEW, 0);
                if (to != m.addr())
                    Probes.hit(P_MOVE);
                Layout n = l.without(src.start, src.end);
                if (m.dontunmap())
                    n = n.with(new Vma(v.name, src.start, src.end, v.prot, words(src.end - src.start, (byte) 0)));
                tree.writeOnce(n);
                tree.writeOnce(tree.readOnce().with(new Vma(v.name, to, to + newLen, v.prot, pages)));
            }
            mmapLock.upWrite();
        }

        void store(long addr, long len, byte fill) {
            for (long a = addr & -PAGE; a < addr + len; a += PAGE) {
                Layout l = tree.readOnce();
                Vma v = l.find(a);
                if (v == null || (v.prot & Prot.WRITE) == 0) {
                    Probes.hit(P_STORE_FAULT);
                    return;
                }
                pad(work);
                v.page(a).writeOnce(fill & 0xff);
            }
        }

        void dontneed(long addr, long len) {
            for (long a = addr & -PAGE; a < addr + len; a += PAGE) {
                Vma v = tree.readOnce().find(a);
                if (v != null)
                    v.page(a).writeOnce(0);
            }
        }

        /** Runs one operation between sys_enter and sys_exit tracepoints, as the scenario runner does. */
        void perform(Op op, Variant variant) {
            Trace.tracepoint(Tracepoint.SYS_ENTER, op, 0);
            long ret = switch (op) {
                case Op.Read r -> {
                    Variant rv = r.variant() != null ? r.variant() : variant;
                    boolean locked = rv.path != ReadPath.FAST_V1;
                    byte[] buf = new byte[r.len()];
                    judge.begin(Task.current(), r);
                    int n = read(r.addr(), r.len(), r.flags(), locked, buf);
                    judge.end(Task.current(), Arrays.copyOf(buf, n));
                    yield n;
                }
                case Op.Mmap m -> mmap(m);
                case Op.Munmap m -> {
                    munmap(m.addr(), m.len());
                    yield 0;
                }
                case Op.Mprotect m -> {
                    mprotect(m.addr(), m.len(), m.prot());
                    yield 0;
                }
                case Op.Mremap m -> {
                    mremap(m);
                    yield 0;
                }
                case Op.Madvise m -> {
                    dontneed(m.addr(), m.len());
                    yield 0;
                }
                case Op.Write w -> {
                    store(w.addr(), w.len(), w.fill().value());
                    yield 0;
                }
                case Op.Poke p -> { // the toy has no permissions: a remote write is a store
                    store(p.addr(), p.len(), p.fill().value());
                    yield p.len();
                }
                case Op.Reclaim r -> {
                    tree.readOnce();
                    yield 0;
                }
                case Op.Collapse c -> {
                    tree.readOnce();
                    yield 0;
                }
                case Op.Fork f -> 0; // the toy has one address space and no processes
                case Op.Exit e -> 0;
            };
            Trace.tracepoint(Tracepoint.SYS_EXIT, op, ret);
        }
    }

    /** The toy oracle: the instants of every read in flight, judged at its end. */
    static final class Judge implements ExecutionListener {
        private final Toy toy;
        private final List<Flight> flights = new ArrayList<>();
        Verdict verdict;
        long step;

        Judge(Toy toy) {
            this.toy = toy;
        }

        private static final class Flight {
            Task task;
            Op.Read read;
            final List<byte[]> views = new ArrayList<>();
            final Set<Layout> layouts = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        }

        void begin(Task t, Op.Read r) {
            Flight f = new Flight();
            f.task = t;
            f.read = r;
            flights.add(f);
            snapshot(f);
        }

        private void snapshot(Flight f) {
            byte[] v = toy.view(f.read.addr(), f.read.len(), f.read.flags());
            if (f.views.isEmpty() || !Arrays.equals(f.views.get(f.views.size() - 1), v))
                f.views.add(v);
            f.layouts.add(toy.tree.peek());
        }

        @Override
        public void point(long step, int actor, Access op, Shared shared, long arg) {
            this.step = step;
            for (Flight f : flights)
                snapshot(f);
        }

        void end(Task t, byte[] got) {
            Flight f = null;
            for (Flight x : flights)
                if (x.task == t)
                    f = x;
            if (f == null)
                return;
            snapshot(f);
            flights.remove(f);
            boolean explained = false;
            for (byte[] v : f.views) {
                if (got.length > v.length)
                    continue;
                if (Arrays.equals(got, Arrays.copyOf(v, got.length))) {
                    explained = true;
                    break;
                }
            }
            Verdict v;
            if (explained)
                v = f.layouts.size() > 1 ? Verdict.interesting(Reason.MULTI_LAYOUT, step, "read saw " + f.layouts.size() + " layouts")
                        : Verdict.acceptable(step);
            else if (f.layouts.size() > 1)
                v = Verdict.forbidden(Reason.TORN_READ, step, "read of " + f.read.text() + " returned bytes no instant held");
            else
                v = Verdict.interesting(Reason.CONTENT_MIX, step, "contents changed during the read");
            verdict = Verdict.worse(verdict, v);
        }

        @Override
        public void end(Result r) {
            if (r.outcome() == Result.Outcome.DEADLOCK)
                verdict = Verdict.worse(verdict, Verdict.forbidden(Reason.DEADLOCK, r.steps(), r.detail()));
            else if (r.outcome() == Result.Outcome.LIVELOCK)
                verdict = Verdict.worse(verdict, Verdict.forbidden(Reason.LIVELOCK, r.steps(), r.detail()));
            if (!r.reports().isEmpty())
                verdict = Verdict.worse(verdict, Verdict.forbidden(Reason.KERNEL_ASSERTION, r.steps(), r.reports().get(0).title()));
        }
    }

    /**
     * Padding points per operation, to give the toy the proportions of the port (where one mmap is
     * hundreds of points and the race window a few): a layout change pads 10 x work points, a page
     * of a read 2 x work, a page of a store work. System property {@code mmrace.toy.work} (default 0).
     */
    final int work;

    public ToyTarget() {
        this(Integer.getInteger("mmrace.toy.work", 0));
    }

    public ToyTarget(int work) {
        this.work = work;
    }

    /** Executions run so far by this target (all instances). */
    static final java.util.concurrent.atomic.AtomicLong EXECUTIONS = new java.util.concurrent.atomic.AtomicLong();

    @Override
    public Run run(Scenario s, Variant v, Strategy strategy, Config config, ExecutionListener... extra) {
        EXECUTIONS.incrementAndGet();
        Toy toy = new Toy(s, work);
        List<Actor> actors = new ArrayList<>();
        for (Scenario.Actor a : s.actors)
            actors.add(new Actor(a.name(), () -> {
                for (Op op : a.ops())
                    toy.perform(op, v);
            }));
        Execution e = new Execution(new Program(toy.kernel, actors), strategy, config);
        e.listen(toy.judge);
        for (ExecutionListener l : extra)
            e.listen(l);
        Result r = e.run();
        Verdict vd = toy.judge.verdict == null ? Verdict.acceptable(r.steps()) : toy.judge.verdict;
        return new Run(vd, r, null);
    }

    @Override
    public String describe() {
        return "toy";
    }

}
