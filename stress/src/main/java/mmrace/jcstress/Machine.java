package mmrace.jcstress;

import mmrace.oracle.Oracle;
import mmrace.oracle.Verdict;
import mmrace.port.Fault;
import mmrace.port.MapleTree;
import mmrace.port.VmAreaStruct;
import mmrace.port.File;
import mmrace.port.Memory;
import mmrace.port.Mm;
import mmrace.port.MmStruct;
import mmrace.port.Syscalls;
import mmrace.runtime.Kernel;
import mmrace.runtime.Report;
import mmrace.runtime.Task;
import mmrace.runtime.Trace;
import mmrace.runtime.Tracepoint;
import mmrace.scenario.Num;
import mmrace.scenario.Op;
import mmrace.scenario.Prot;
import mmrace.scenario.Scenario;
import mmrace.scenario.Variant;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The machine of one JCStress {@code @State}: a fresh {@link Kernel} with no scheduler (runtime
 * primitives run free, waits spin), the target's address space built by a set-up task in the
 * constructor, and one task per JCStress thread: the reader, the writer (a thread of the target)
 * and the arbiter. Each actor binds its task for the duration of the call ({@link #on}), as
 * {@code Execution} does for the scheduler's actors: a Java exception out of the port becomes a BUG
 * report, and on return the task must hold nothing (lockdep's return-to-user check).
 *
 * <p>The actors' bodies ({@link #readInto}, {@link #writeOps}) run on whatever task is current, so
 * {@code CorpusAgreementTest} runs the very same bodies under the deterministic scheduler, on the
 * scheduler's tasks ({@link #forScheduler}, {@link #over}), and checks them against the race's
 * corpus file. Those machines also write down what they do as scenario lines ({@link #trail}).
 *
 * <p>Kept small: JCStress makes thousands of states. Pages allocate their 4 KiB only when
 * written, the layouts are a few pages.
 */
public final class Machine {
    static final int RW = Mm.PROT_READ | Mm.PROT_WRITE;

    public final Kernel kernel;
    public final MmStruct mm;
    /** The files of the address space (none: the races map anonymous memory; the final check takes them). */
    public final List<File> files = List.of();
    public final Race race;
    public final Variant variant;
    /** The JCStress threads' tasks; null in a machine for the scheduler (it makes its own). */
    private final Task reader, writer, arbiter;
    /** The first of the writer's system calls that failed, or null (read by the arbiter). */
    private String writerFailure;
    /** What reclaim and collapse returned, in order (they may legitimately refuse under a race). */
    private long[] results = new long[0];
    /** What this machine did, as scenario lines; null under JCStress (nothing written down). */
    private final List<String> trail;
    /** The maps of the set-up, address to name, in order (to name the VMAs after them). */
    private final Map<Long, String> maps = new LinkedHashMap<>();
    /** "init " while the constructor builds the initial state: stores then are {@code init write}. */
    private String phase = "";

    /** JCStress's state: builds race's initial address space on a set-up task, then makes the racing tasks. */
    public Machine(Race race, Variant variant) {
        this(race, variant, null, null, true);
    }

    /**
     * race's initial address space, built as JCStress builds it, with no JCStress tasks (the
     * scheduler makes its own, so task ids match a scenario run's) and a {@link #trail}.
     */
    static Machine forScheduler(Race race, Variant variant) {
        return new Machine(race, variant, null, null, false);
    }

    /** A machine over an address space built elsewhere (by the scenario runner): no set-up, no JCStress tasks, a {@link #trail}. */
    static Machine over(Race race, Variant variant, Kernel kernel, MmStruct mm) {
        return new Machine(race, variant, kernel, mm, false);
    }

    private Machine(Race race, Variant variant, Kernel kernel, MmStruct mm, boolean jcstress) {
        this.race = race;
        this.variant = variant;
        this.trail = jcstress ? null : new ArrayList<>();
        if (mm != null) {
            this.kernel = kernel;
            this.mm = mm;
        } else {
            this.kernel = new Kernel();
            Task setUp = this.kernel.newTask("set-up", null);
            Task previous = bound();
            setUp.bind();
            try {
                this.mm = MmStruct.mmAlloc(this.kernel, "mm");
                phase = "init ";
                race.setUp(this);
                phase = "";
                nameVmas();
                if (!this.kernel.reports.isEmpty())
                    throw new IllegalStateException(race + ": set-up filed reports: " + this.kernel.reports.all());
                if (writerFailure != null)
                    throw new IllegalStateException(race + ": set-up failed: " + writerFailure);
                setUp.exited = true;
            } finally {
                Task.unbind();
                if (previous != null)
                    previous.bind();
            }
        }
        reader = jcstress ? this.kernel.newTask("reader", null) : null;
        writer = jcstress ? this.kernel.newTask("writer", null) : null;
        arbiter = jcstress ? this.kernel.newTask("arbiter", null) : null;
    }

    /**
     * VMAs named after the maps of the set-up, as the scenario runner names them: filling a
     * read-only mapping merges it with a writable neighbour for the while, and the mprotect that
     * splits it off again leaves it a name like "A'". Trace and report labels only.
     */
    private void nameVmas() {
        MapleTree.Node n = mm.mmMt.peek();
        for (Map.Entry<Long, String> m : maps.entrySet())
            for (int i = 0; i < n.size(); i++)
                if (n.index(i) <= m.getKey() && m.getKey() <= n.last(i)) {
                    VmAreaStruct vma = (VmAreaStruct) n.entry(i);
                    if (vma.vmStart.peek() == m.getKey() || vma.label == null || vma.label.endsWith("'"))
                        vma.label = m.getValue();
                }
    }

    private static Task bound() {
        try {
            return Task.current();
        } catch (IllegalStateException e) {
            return null;
        }
    }

    /** What this machine did so far, as scenario lines ({@code map ...}, {@code init write ...}, {@code read ...}, {@code mmap ...}). */
    List<String> trail() {
        return List.copyOf(trail);
    }

    // ---------------------------------------------------------------- the actors

    /** The reader actor: access_remote_vm through this machine's variant. Returns the outcome string. */
    public String read() {
        return on(reader, () -> {
            byte[] buf = new byte[race.len];
            return Outcomes.name(race.addr, race.len, buf, readInto(buf));
        }, "exception");
    }

    /** The writer actor: a thread of the target changing the address space. */
    public void write() {
        on(writer, () -> {
            writeOps();
            return null;
        }, null);
    }

    /**
     * The reader's body, on the current task: access_remote_vm(mm, addr, buf, len, FOLL_FORCE)
     * through this machine's read variant. Returns the bytes read.
     */
    int readInto(byte[] buf) {
        did("read " + Num.hex(race.addr) + " " + race.len + " FOLL_FORCE");
        return Memory.accessRemoteVm(mm, race.addr, buf, race.len, Race.READ_FLAGS,
                variant.path, variant.walk);
    }

    /** The writer's body, on the current task: the race's system calls and stores, in order. */
    void writeOps() {
        race.write(this);
    }

    /**
     * The arbiter: once both actors returned, RCU callbacks are run (rcu_barrier) and the oracle's
     * final-state checks judge what is left ({@link Oracle#finalCheck}). Returns the reader's
     * outcome with {@code ,writer:WHAT} if a writer's call failed and {@code ,leak:REASON} if the
     * check failed.
     */
    public String judge(String readOutcome) {
        Verdict v = on(arbiter, () -> {
            kernel.rcu.barrier();
            return Oracle.finalCheck(kernel, mm, files);
        }, null);
        String s = String.valueOf(readOutcome);
        if (writerFailure != null)
            s += ",writer:" + writerFailure;
        if (v == null || v.cls() != Verdict.Cls.ACCEPTABLE)
            s += ",leak:" + (v == null ? "java-exception" : v.reason());
        return s;
    }

    /** Runs body on task t bound to the calling thread; what Execution does around an actor's body. */
    private <T> T on(Task t, Supplier<T> body, T onException) {
        t.bind();
        try {
            T r = onException;
            try {
                r = body.get();
            } catch (Throwable e) {
                kernel.reports.file(t, Report.Kind.BUG, "Java exception in port code", t.name + ": " + e);
            }
            try {
                kernel.lockdep.checkReturnToUser(t);
                kernel.rcu.runReadyCallbacks(t);
            } catch (Throwable e) {
                kernel.reports.file(t, Report.Kind.BUG, "Java exception in port code", t.name + " (at return to user): " + e);
            }
            t.exited = true;
            return r;
        } finally {
            Task.unbind();
        }
    }

    // ---------------------------------------------------------------- operations for races
    // Each writes its scenario line (docs/SCENARIOS.md) to the trail first, when there is one.

    /**
     * A mapping of the initial layout ({@code map NAME ADDR LEN PROT fill=X}), as the scenario
     * runner makes it: mmap(MAP_FIXED) (writable while it is filled), a store of {@code fill} over
     * it page by page from a thread of the target (0: left untouched, {@code fill=none}), then its
     * final protection.
     */
    void map(String name, long addr, long len, int prot, char fill) {
        did("map " + name + " " + Num.hex(addr) + " " + Num.hex(len) + " " + Prot.text(prot) + " fill=" + (fill == 0 ? "none" : fill));
        maps.put(addr, name);
        int extra = fill != 0 ? RW : 0;
        long r = Syscalls.mmap(mm, addr, len, prot | extra, Mm.MAP_FIXED | Mm.MAP_PRIVATE | Mm.MAP_ANONYMOUS, null, 0, name);
        check("mmap " + name, r, addr);
        if (fill != 0) {
            for (long a = addr; a < addr + len; a += Outcomes.PAGE)
                userStore(a, Outcomes.PAGE, fill);
            if ((prot | extra) != prot)
                check("mprotect " + name, Syscalls.mprotect(mm, addr, len, prot), 0);
        }
    }

    /** mmap(addr, len, prot, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS) ({@code mmap NAME ADDR LEN PROT fixed}). */
    void mmapFixed(String name, long addr, long len, int prot) {
        did("mmap " + name + " " + Num.hex(addr) + " " + Num.hex(len) + " " + Prot.text(prot) + " fixed");
        check("mmap " + name, syscall(new Op.Mmap(name, addr, len, prot, true, false, null, 0, false, 0),
                () -> Syscalls.mmap(mm, addr, len, prot, Mm.MAP_FIXED | Mm.MAP_PRIVATE | Mm.MAP_ANONYMOUS, null, 0, name)), addr);
    }

    /**
     * A store of {@code len} bytes {@code fill} at addr by a thread of the target, faults included
     * ({@code write ADDR LEN fill=X}; {@code init write} during the set-up).
     */
    void store(long addr, long len, char fill) {
        did(phase + "write " + Num.hex(addr) + " " + Num.hex(len) + " fill=" + fill);
        if (phase.isEmpty())
            syscall(new Op.Write(addr, len, Scenario.Fill.of((byte) fill), 0), () -> userStore(addr, len, fill));
        else
            userStore(addr, len, fill);
    }

    private long userStore(long addr, long len, char fill) {
        byte[] data = new byte[(int) len];
        Arrays.fill(data, (byte) fill);
        long r = Fault.userStore(mm, addr, data);
        check("store at 0x" + Long.toHexString(addr), r, 0);
        return r;
    }

    void munmap(long addr, long len) {
        did("munmap " + Num.hex(addr) + " " + Num.hex(len));
        check("munmap", syscall(new Op.Munmap(addr, len, 0), () -> Syscalls.munmap(mm, addr, len)), 0);
    }

    /** mremap(from, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, to). */
    void mremapFixed(long from, long len, long to) {
        did("mremap " + Num.hex(from) + " " + Num.hex(len) + " " + Num.hex(len) + " maymove fixed=" + Num.hex(to));
        check("mremap", syscall(new Op.Mremap(from, len, len, true, to, false, 0),
                () -> Syscalls.mremap(mm, from, len, len, Mm.MREMAP_MAYMOVE | Mm.MREMAP_FIXED, to)), to);
    }

    void mprotect(long addr, long len, int prot) {
        did("mprotect " + Num.hex(addr) + " " + Num.hex(len) + " " + Prot.text(prot));
        check("mprotect", syscall(new Op.Mprotect(addr, len, prot, 0), () -> Syscalls.mprotect(mm, addr, len, prot)), 0);
    }

    /** madvise(addr, len, MADV_DONTNEED). */
    void dontneed(long addr, long len) {
        did("madvise " + Num.hex(addr) + " " + Num.hex(len) + " dontneed");
        check("madvise", syscall(new Op.Madvise(addr, len, "dontneed", 0), () -> Syscalls.madvise(mm, addr, len, Mm.MADV_DONTNEED)), 0);
    }

    /** Page reclaim of the folio at addr: whether it was freed or kept is reclaim's business, not a failure. */
    void reclaim(long addr) {
        did("reclaim " + Num.hex(addr));
        note(syscall(new Op.Reclaim(addr, 0), () -> mmrace.port.Daemons.reclaimPage(mm, addr)));
    }

    /** khugepaged on the PMD range of addr: collapsed or refused, both legitimate under a race. */
    void collapse(long addr) {
        did("collapse " + Num.hex(addr));
        note(syscall(new Op.Collapse(addr, 0), () -> mmrace.port.Daemons.collapse(mm, addr)));
    }

    /**
     * One of the writer's calls, bracketed by the sys_enter/sys_exit tracepoints the scenario runner
     * fires around each operation (with the operation and its return value), so that an oracle
     * watching under the scheduler (CorpusAgreementTest) sees it begin and return and checks its
     * post-conditions as for the corpus file's writer. Under JCStress no hook listens: nothing fires.
     */
    private long syscall(Op op, LongSupplier call) {
        Trace.tracepoint(Tracepoint.SYS_ENTER, op, 0);
        long r = call.getAsLong();
        Trace.tracepoint(Tracepoint.SYS_EXIT, op, r);
        return r;
    }

    private void did(String scenarioLine) {
        if (trail != null)
            trail.add(scenarioLine);
    }

    private void note(long result) {
        results = Arrays.copyOf(results, results.length + 1);
        results[results.length - 1] = result;
    }

    /** What the writer's reclaim and collapse calls returned, in order (for tests). */
    public long[] results() {
        return results.clone();
    }

    private void check(String what, long ret, long want) {
        if (ret != want && writerFailure == null)
            writerFailure = what.replace(' ', '_') + "=" + (ret < 0 && ret > -4096 ? "-" + mmrace.runtime.Errno.name((int) -ret) : "0x" + Long.toHexString(ret));
    }
}
