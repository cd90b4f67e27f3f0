package mmrace.jcstress;

import mmrace.oracle.Oracle;
import mmrace.oracle.Verdict;
import mmrace.port.Fault;
import mmrace.port.File;
import mmrace.port.Memory;
import mmrace.port.Mm;
import mmrace.port.MmStruct;
import mmrace.port.MmTypes;
import mmrace.port.Syscalls;
import mmrace.runtime.Kernel;
import mmrace.runtime.Report;
import mmrace.runtime.Task;
import mmrace.scenario.Variant;

import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * The machine of one JCStress {@code @State}: a fresh {@link Kernel} with no scheduler (runtime
 * primitives run free, waits spin), the target's address space built by a set-up task in the
 * constructor, and one task per JCStress thread: the reader, the writer (a thread of the target)
 * and the arbiter. Each actor binds its task for the duration of the call ({@link #on}), as
 * {@code Execution} does for the scheduler's actors: a Java exception out of the port becomes a BUG
 * report, and on return the task must hold nothing (lockdep's return-to-user check).
 *
 * <p>Kept small: JCStress makes thousands of states. Pages allocate their 4 KiB only when
 * written, the layouts are a few pages.
 */
public final class Machine {
    static final int RW = Mm.PROT_READ | Mm.PROT_WRITE;

    public final Kernel kernel = new Kernel();
    public final MmStruct mm;
    /** The files of the address space (none: the races map anonymous memory; the final check takes them). */
    public final List<File> files = List.of();
    public final Race race;
    public final Variant variant;
    private final Task reader, writer, arbiter;
    /** The first of the writer's system calls that failed, or null (read by the arbiter). */
    private String writerFailure;
    /** What reclaim and collapse returned, in order (they may legitimately refuse under a race). */
    private long[] results = new long[0];

    /** Builds race's initial address space on a set-up task, then makes the racing tasks. */
    public Machine(Race race, Variant variant) {
        this.race = race;
        this.variant = variant;
        Task setUp = kernel.newTask("set-up", null);
        Task previous = bound();
        setUp.bind();
        try {
            mm = MmStruct.mmAlloc(kernel, "target");
            race.setUp(this);
            if (!kernel.reports.isEmpty())
                throw new IllegalStateException(race + ": set-up filed reports: " + kernel.reports.all());
            if (writerFailure != null)
                throw new IllegalStateException(race + ": set-up failed: " + writerFailure);
            setUp.exited = true;
        } finally {
            Task.unbind();
            if (previous != null)
                previous.bind();
        }
        reader = kernel.newTask("reader", null);
        writer = kernel.newTask("writer", null);
        arbiter = kernel.newTask("arbiter", null);
    }

    private static Task bound() {
        try {
            return Task.current();
        } catch (IllegalStateException e) {
            return null;
        }
    }

    // ---------------------------------------------------------------- the actors

    /** The reader actor: access_remote_vm through this machine's variant. Returns the outcome string. */
    public String read() {
        return on(reader, () -> {
            byte[] buf = new byte[race.len];
            int n = Memory.accessRemoteVm(mm, race.addr, buf, race.len, MmTypes.FOLL_FORCE,
                    Memory.ReadPath.valueOf(variant.path), Memory.WalkMode.valueOf(variant.walk));
            return Outcomes.name(race.addr, race.len, buf, n);
        }, "exception");
    }

    /** The writer actor: a thread of the target changing the address space. */
    public void write() {
        on(writer, () -> {
            race.write(this);
            return null;
        }, null);
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

    /**
     * A mapping of the initial layout, as the scenario runner makes it: mmap(MAP_FIXED) (writable
     * while it is filled), a store of {@code fill} over it from a thread of the target (0: left
     * untouched), then its final protection.
     */
    void map(String name, long addr, long len, int prot, char fill) {
        int extra = fill != 0 ? RW : 0;
        long r = Syscalls.mmap(mm, addr, len, prot | extra, Mm.MAP_FIXED | Mm.MAP_PRIVATE | Mm.MAP_ANONYMOUS, null, 0, name);
        check("mmap " + name, r, addr);
        if (fill != 0) {
            store(addr, len, fill);
            if ((prot | extra) != prot)
                check("mprotect " + name, Syscalls.mprotect(mm, addr, len, prot), 0);
        }
    }

    /** mmap(addr, len, prot, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS). */
    void mmapFixed(String name, long addr, long len, int prot) {
        check("mmap " + name, Syscalls.mmap(mm, addr, len, prot, Mm.MAP_FIXED | Mm.MAP_PRIVATE | Mm.MAP_ANONYMOUS, null, 0, name), addr);
    }

    /** A store of {@code len} bytes {@code fill} at addr by a thread of the target (faults included). */
    void store(long addr, long len, char fill) {
        byte[] data = new byte[(int) len];
        Arrays.fill(data, (byte) fill);
        check("store at 0x" + Long.toHexString(addr), Fault.userStore(mm, addr, data), 0);
    }

    void munmap(long addr, long len) {
        check("munmap", Syscalls.munmap(mm, addr, len), 0);
    }

    void mremapFixed(long from, long len, long to) {
        check("mremap", Syscalls.mremap(mm, from, len, len, Mm.MREMAP_MAYMOVE | Mm.MREMAP_FIXED, to), to);
    }

    void mprotect(long addr, long len, int prot) {
        check("mprotect", Syscalls.mprotect(mm, addr, len, prot), 0);
    }

    void dontneed(long addr, long len) {
        check("madvise", Syscalls.madvise(mm, addr, len, Mm.MADV_DONTNEED), 0);
    }

    /** Page reclaim of the folio at addr: whether it was freed or kept is reclaim's business, not a failure. */
    void reclaim(long addr) {
        note(mmrace.port.Daemons.reclaimPage(mm, addr));
    }

    /** khugepaged on the PMD range of addr: collapsed or refused, both legitimate under a race. */
    void collapse(long addr) {
        note(mmrace.port.Daemons.collapse(mm, addr));
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
