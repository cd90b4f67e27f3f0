package mmrace.scenario;

import mmrace.runtime.Access;
import mmrace.oracle.Oracle;
import mmrace.oracle.RefModel;
import mmrace.oracle.Verdict;
import mmrace.port.File;
import mmrace.port.DevMem;
import mmrace.port.Filemap;
import mmrace.port.Fault;
import mmrace.port.Memory;
import mmrace.port.Mm;
import mmrace.port.MmStruct;
import mmrace.port.Syscalls;
import mmrace.runtime.Kernel;
import mmrace.runtime.Report;
import mmrace.runtime.Shared;
import mmrace.runtime.Task;
import mmrace.runtime.Trace;
import mmrace.runtime.Tracepoint;
import mmrace.sched.Actor;
import mmrace.sched.Config;
import mmrace.sched.Execution;
import mmrace.sched.ExecutionListener;
import mmrace.sched.Pct;
import mmrace.sched.Program;
import mmrace.sched.RandomWalk;
import mmrace.sched.Replay;
import mmrace.sched.Result;
import mmrace.sched.Strategy;
import mmrace.sched.TraceRecorder;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns a scenario into executions: builds the initial address space the way the target would
 * (mmap with MAP_FIXED, then stores from a thread of the target), gives every actor a body that
 * calls the port, and lets the {@link Oracle} watch. Every execution gets a fresh Kernel, so the
 * same scenario, variant and schedule give the same steps.
 */
public final class Runner {
    private Runner() {}

    /** What one execution gave: the verdict, the scheduler's result and (if asked) the trace. */
    public record Outcome(Verdict verdict, Result result, Oracle oracle) {
        public List<TraceRecorder.Row> trace() {
            return result.trace();
        }
    }

    /** One execution's program with its oracle, ready to run. */
    public record Built(Program program, Oracle oracle, ExecutionListener listener) {}

    /** The strategy a scenario's schedule line names for this variant. */
    public static Strategy strategy(Scenario s, Variant v) {
        Scenario.Sched sc = s.scheduleFor(v);
        return switch (sc.kind()) {
            case "random" -> new RandomWalk(sc.seed());
            case "pct" -> new Pct(sc.depth(), 0, sc.seed());
            default -> Replay.of(sc.steps());
        };
    }

    /** Runs s once under v with the given strategy. */
    public static Outcome run(Scenario s, Variant v, Strategy strategy, Config config, ExecutionListener... extra) {
        Built b = build(s, v);
        Execution e = new Execution(b.program(), strategy, config);
        e.listen(b.listener());
        for (ExecutionListener l : extra)
            e.listen(l);
        Result r = e.run();
        return new Outcome(b.oracle().verdict(), r, b.oracle());
    }

    /** Runs s once under v with the schedule the file gives for v. */
    public static Outcome run(Scenario s, Variant v, boolean trace) {
        return run(s, v, strategy(s, v), Config.DEFAULT.withTrace(trace));
    }

    /**
     * Builds the initial state on the calling thread (a task "init" that no scheduler controls),
     * then the actors. Allocation-failure injections are armed after the set-up.
     */
    public static Built build(Scenario s, Variant v) {
        Kernel k = new Kernel();
        Task init = k.newTask("init", null);
        Task previous = currentOrNull();
        init.bind();
        try {
            MmStruct mm = MmStruct.mmAlloc(k, "mm");
            List<File> files = new ArrayList<>();
            for (Scenario.FileSpec f : s.files) {
                byte[] contents = new byte[(int) f.size()];
                Arrays.fill(contents, f.fill().none() ? 0 : f.fill().value());
                files.add(Filemap.init(new File(f.name(), contents)));
            }
            for (Scenario.MapSpec m : s.maps)
                setUpMapping(k, mm, files, s, m);
            for (Op op : s.init)
                perform(op, mm, files, v, null);
            nameVmas(mm, s);
            if (!k.reports.isEmpty())
                throw new IllegalStateException("set-up filed reports: " + k.reports.all());
            init.exited = true;
            for (Scenario.Inject i : s.injects)
                k.faults.failNth(i.site(), i.task(), i.nth());
            Oracle oracle = new Oracle(k, mm, files);
            oracle.checkContracts(new RefModel(s));
            List<Actor> actors = new ArrayList<>();
            for (Scenario.Actor a : s.actors)
                actors.add(new Actor(a.name(), body(a, mm, files, v, oracle)));
            return new Built(new Program(k, actors), oracle, new OracleListener(oracle));
        } finally {
            Task.unbind();
            if (previous != null)
                previous.bind();
        }
    }

    /**
     * Traces name VMAs after the scenario's maps: set-up merges and splits (a fill made writable,
     * then mprotected back) would otherwise leave names like "A'" on B. Trace labels only.
     */
    private static void nameVmas(MmStruct mm, Scenario s) {
        mmrace.port.MapleTree.Node n = mm.mmMt.peek();
        for (Scenario.MapSpec m : s.maps)
            for (int i = 0; i < n.size(); i++)
                if (n.index(i) <= m.addr() && m.addr() <= n.last(i)) {
                    mmrace.port.VmAreaStruct vma = (mmrace.port.VmAreaStruct) n.entry(i);
                    if (vma.vmStart.peek() == m.addr() || vma.label == null || vma.label.endsWith("'"))
                        vma.label = m.name();
                }
    }

    private static Task currentOrNull() {
        try {
            return Task.current();
        } catch (IllegalStateException e) {
            return null;
        }
    }

    /** mmap(MAP_FIXED) it, fill it from a thread of the target, then give it its final protection. */
    private static void setUpMapping(Kernel k, MmStruct mm, List<File> files, Scenario s, Scenario.MapSpec m) {
        File file = m.file() == null ? null : fileNamed(files, m.file());
        if (m.device())
        {
            byte[] dev = new byte[(int) m.len()];
            Arrays.fill(dev, m.fill().none() ? 0 : m.fill().value());
            file = DevMem.create(k, m.name() + "-dev", dev).file();
        }
        int fill = !m.fill().none() && !m.device() ? Mm.PROT_READ | Mm.PROT_WRITE : 0;
        int flags = Mm.MAP_FIXED | (m.shared() ? Mm.MAP_SHARED : Mm.MAP_PRIVATE) | (file == null ? Mm.MAP_ANONYMOUS : 0)
                | (m.growsdown() ? Mm.MAP_GROWSDOWN : 0);
        long r = Syscalls.mmap(mm, m.addr(), m.len(), m.prot() | fill, flags, file, m.off() >>> 12, m.name());
        if (r != m.addr())
            throw new ScenarioSetupError(s, m.line(), "set-up mmap of " + m.name() + " failed: " + r);
        if (fill != 0) {
            byte[] page = new byte[4096];
            Arrays.fill(page, m.fill().value());
            for (long a = m.addr(); a < m.addr() + m.len(); a += 4096)
                if (Fault.userStore(mm, a, page) != 0)
                    throw new ScenarioSetupError(s, m.line(), "set-up store to 0x" + Long.toHexString(a) + " failed");
            if ((m.prot() | fill) != m.prot() && Syscalls.mprotect(mm, m.addr(), m.len(), m.prot()) != 0)
                throw new ScenarioSetupError(s, m.line(), "set-up mprotect of " + m.name() + " failed");
        }
        if (!k.reports.isEmpty())
            throw new IllegalStateException("set-up of " + m.name() + " filed reports: " + k.reports.all());
    }

    private static File fileNamed(List<File> files, String name) {
        for (File f : files)
            if (f.label.equals(name))
                return f;
        throw new IllegalStateException("no file " + name);
    }

    /** What an actor does: its operations in order, each through the port. */
    private static Runnable body(Scenario.Actor a, MmStruct mm, List<File> files, Variant v, Oracle oracle) {
        return () -> {
            for (Op op : a.ops())
                perform(op, mm, files, v, oracle);
        };
    }

    static void perform(Op op, MmStruct mm, List<File> files, Variant v, Oracle oracle) {
        Task self = Task.current();
        if (oracle != null)
            oracle.opBegin(self, op);
        long done = switch (op) {
            case Op.Read r -> {
                Variant rv = r.variant() != null ? r.variant() : v;
                byte[] buf = new byte[Math.max(0, r.len())];
                Task t = Task.current();
                oracle.expectRead(t, r.addr(), r.len(), r.flags());
                int n = Memory.accessRemoteVm(mm, r.addr(), buf, r.len(), r.flags(),
                        Memory.ReadPath.valueOf(rv.path), Memory.WalkMode.valueOf(rv.walk));
                oracle.readReturned(t, buf, n);
                yield n;
            }
            case Op.Mmap m -> {
                File f = m.file() == null ? null : fileNamed(files, m.file());
                int flags = (m.fixed() ? Mm.MAP_FIXED : 0) | (m.shared() ? Mm.MAP_SHARED : Mm.MAP_PRIVATE)
                        | (f == null ? Mm.MAP_ANONYMOUS : 0) | (m.growsdown() ? Mm.MAP_GROWSDOWN : 0);
                long r = Syscalls.mmap(mm, m.addr(), m.len(), m.prot(), flags, f, m.off() >>> 12, m.name());
                Trace.note("mmap(%#x, %#x, %s) = %s", m.addr(), m.len(), Prot.text(m.prot()), ret(r));
                yield r;
            }
            case Op.Munmap m -> note("munmap(%#x, %#x) = %s", Syscalls.munmap(mm, m.addr(), m.len()), m.addr(), m.len());
            case Op.Mremap m -> {
                int flags = (m.maymove() ? Mm.MREMAP_MAYMOVE : 0) | (m.fixedTo() != null ? Mm.MREMAP_FIXED : 0)
                        | (m.dontunmap() ? Mm.MREMAP_DONTUNMAP : 0);
                long r = Syscalls.mremap(mm, m.addr(), m.oldLen(), m.newLen(), flags, m.fixedTo() == null ? 0 : m.fixedTo());
                Trace.note("mremap(%#x, %#x, %#x) = %s", m.addr(), m.oldLen(), m.newLen(), ret(r));
                yield r;
            }
            case Op.Mprotect m -> note("mprotect(%#x, %#x, %s) = %s", Syscalls.mprotect(mm, m.addr(), m.len(), m.prot()),
                    m.addr(), m.len(), Prot.text(m.prot()));
            case Op.Madvise m -> note("madvise(%#x, %#x, MADV_DONTNEED) = %s", Syscalls.madvise(mm, m.addr(), m.len(), Mm.MADV_DONTNEED),
                    m.addr(), m.len());
            case Op.Write w -> {
                byte[] data = new byte[(int) w.len()];
                Arrays.fill(data, w.fill().value());
                yield note("store %#x bytes of '%s' at %#x = %s", Fault.userStore(mm, w.addr(), data), w.len(), w.fill().text(), w.addr());
            }
            case Op.Reclaim r -> note("reclaim(%#x) = %s", mmrace.port.Vmscan.reclaimPage(mm, r.addr()), r.addr());
            case Op.Collapse c -> note("collapse(%#x) = %s", mmrace.port.Khugepaged.collapse(mm, c.addr()), c.addr());
        };
        if (oracle != null)
            oracle.opEnd(self, op, done);
    }

    /** Notes "what(args) = result" in the trace; returns the result. */
    private static long note(String fmt, long result, Object... args) {
        Object[] a = Arrays.copyOf(args, args.length + 1);
        a[args.length] = ret(result);
        Trace.note(fmt, a);
        return result;
    }

    private static String ret(long r) {
        return r < 0 && r > -4096 ? "-" + mmrace.runtime.Errno.name((int) -r) : "0x" + Long.toHexString(r);
    }

    /** Feeds the oracle from the execution's events. */
    static final class OracleListener implements ExecutionListener {
        private final Oracle oracle;
        private Execution e;

        OracleListener(Oracle oracle) {
            this.oracle = oracle;
        }

        @Override
        public void start(Execution e) {
            this.e = e;
        }

        @Override
        public void point(long step, int actor, Access op, Shared shared, long arg) {
            oracle.onPoint(step, e.task(actor), op, shared);
        }

        @Override
        public void tracepoint(long step, int actor, Tracepoint tp, Object a, long b) {
            oracle.onTracepoint(step, e.task(actor), tp, a, b);
        }

        @Override
        public void probe(long step, int actor, int id) {
            oracle.onProbe(e.task(actor), id);
        }

        @Override
        public void report(long step, int actor, Report r) {
            oracle.onReport(r);
        }

        @Override
        public void end(Result r) {
            switch (r.outcome()) {
                case DEADLOCK -> oracle.deadlock(r.steps(), r.detail());
                case LIVELOCK -> oracle.livelock(r.steps(), r.detail());
                case FINISHED -> oracle.finish(r.steps());
            }
        }
    }
}
