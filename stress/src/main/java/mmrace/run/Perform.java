package mmrace.run;

import mmrace.oracle.Oracle;
import mmrace.port.Fault;
import mmrace.port.File;
import mmrace.port.Memory;
import mmrace.port.Mm;
import mmrace.port.MmStruct;
import mmrace.port.MmTypes;
import mmrace.port.Syscalls;
import mmrace.port.Daemons;
import mmrace.port.Exit;
import mmrace.port.Fork;
import mmrace.port.TaskStruct;
import mmrace.runtime.Err;
import mmrace.runtime.Task;
import mmrace.runtime.Trace;
import mmrace.runtime.Tracepoint;
import mmrace.scenario.Op;
import mmrace.scenario.Scenario;
import mmrace.scenario.Variant;

import java.util.Arrays;
import java.util.List;

/**
 * One scenario operation through the port, as a thread of the target (or a kernel thread) would
 * make it, between the {@link Tracepoint#SYS_ENTER} and {@link Tracepoint#SYS_EXIT} tracepoints
 * (a = the op, b = what it returned). Those two events are what observers learn operations from:
 * the fuzzer's operation boundaries and return values, the trace's call lines.
 */
final class Perform {
    private Perform() {}

    /** The source buffer of the last user write (the port only reads it): the same write again makes no new buffer. */
    private static volatile byte[] lastFill = new byte[0];

    /** {@code len} bytes of {@code value}, shared between writes (never written to). */
    private static byte[] filled(int len, byte value) {
        byte[] b = lastFill;
        if (b.length == len && (len == 0 || b[0] == value))
            return b;
        b = new byte[len];
        Arrays.fill(b, value);
        lastFill = b;
        return b;
    }

    static void perform(Op op, MmStruct mm, List<File> files, Variant v, Oracle oracle) {
        Trace.tracepoint(Tracepoint.SYS_ENTER, op, 0);
        long ret = call(op, mm, files, v, oracle);
        Trace.tracepoint(Tracepoint.SYS_EXIT, op, ret);
    }

    private static long call(Op op, MmStruct mm, List<File> files, Variant v, Oracle oracle) {
        return switch (op) {
            case Op.Read r -> {
                Variant rv = r.variant() != null ? r.variant() : v;
                byte[] buf = new byte[Math.max(0, r.len())];
                Task t = Task.current();
                oracle.expectRead(t, r.addr(), r.len(), r.flags());
                int n = Memory.accessRemoteVm(mm, r.addr(), buf, r.len(), r.flags(),
                        rv.path, rv.walk);
                oracle.readReturned(t, buf, n);
                yield n;
            }
            case Op.Poke p -> {
                // writes always take the slow path: the variant only decides which entry refuses them
                byte[] buf = new byte[Math.max(0, p.len())];
                Arrays.fill(buf, p.fill().value());
                Task t = Task.current();
                oracle.expectWrite(t, p.addr(), buf.clone(), p.flags());
                int n = Memory.accessRemoteVm(mm, p.addr(), buf, p.len(), MmTypes.FOLL_WRITE | p.flags(), v.path, v.walk);
                oracle.writeReturned(t, n);
                yield n;
            }
            case Op.Mmap m -> {
                File f = m.file() == null ? null : SetUp.fileNamed(files, m.file());
                int flags = (m.fixed() ? Mm.MAP_FIXED : 0) | (m.shared() ? Mm.MAP_SHARED : Mm.MAP_PRIVATE)
                        | (f == null ? Mm.MAP_ANONYMOUS : 0) | (m.growsdown() ? Mm.MAP_GROWSDOWN : 0);
                yield Syscalls.mmap(mm, m.addr(), m.len(), m.prot(), flags, f, m.off() >>> 12, m.name());
            }
            case Op.Munmap m -> Syscalls.munmap(mm, m.addr(), m.len());
            case Op.Mremap m -> {
                int flags = (m.maymove() ? Mm.MREMAP_MAYMOVE : 0) | (m.fixedTo() != null ? Mm.MREMAP_FIXED : 0)
                        | (m.dontunmap() ? Mm.MREMAP_DONTUNMAP : 0);
                yield Syscalls.mremap(mm, m.addr(), m.oldLen(), m.newLen(), flags, m.fixedTo() == null ? 0 : m.fixedTo());
            }
            case Op.Mprotect m -> Syscalls.mprotect(mm, m.addr(), m.len(), m.prot());
            case Op.Madvise m -> Syscalls.madvise(mm, m.addr(), m.len(), Mm.MADV_DONTNEED);
            case Op.Write w -> Fault.userStore(mm, w.addr(), filled((int) w.len(), w.fill().value()));
            case Op.Reclaim r -> Daemons.reclaimPage(mm, r.addr());
            case Op.Collapse c -> Daemons.collapse(mm, c.addr());
            case Op.Fork f -> throw new IllegalStateException("fork outside a scenario with processes");
            case Op.Exit e -> throw new IllegalStateException("exit outside a scenario with processes");
        };
    }

    /**
     * One operation of actor thread {@code me} in a scenario with processes: its syscalls and
     * stores go to its own mm (current->mm), a read goes through /proc/PID/mem of the process it
     * names, fork and exit change which processes and mms exist.
     */
    static void perform(Op op, Processes procs, Processes.Member me, List<File> files, Variant v, Oracle oracle) {
        Task t = Task.current();
        MmStruct mm = me.task.mm.get(); // current->mm
        if (mm == null)
            return; // a thread without an mm (it exited, or was cloned from one that had): nothing to run
        oracle.threadOf(t, mm);
        Trace.tracepoint(Tracepoint.SYS_ENTER, op, 0);
        long ret = switch (op) {
            case Op.Read r -> memRw(r, procs, me, v, oracle);
            case Op.Poke p -> memWrite(p, procs, me, files, v, oracle);
            case Op.Fork f -> fork(f, procs, me, oracle);
            case Op.Exit e -> {
                Exit.exitMm(me.task); // do_exit
                me.exited = true;
                yield 0;
            }
            default -> call(op, mm, files, v, oracle);
        };
        Trace.tracepoint(Tracepoint.SYS_EXIT, op, ret);
    }

    /** fork() -> kernel_clone(): the child process exists once it returns (its threads may start). */
    private static long fork(Op.Fork f, Processes procs, Processes.Member me, Oracle oracle) {
        Task t = Task.current();
        oracle.forkBegins(t);
        TaskStruct child = Fork.kernelClone(me.task, 0, f.child());
        oracle.forkEnds(t);
        boolean ok = !Err.isErr(child);
        procs.resolve(f.child(), ok ? child : null);
        if (ok)
            oracle.track(child.mm.peek());
        return ok ? 0 : Err.ptrErr(child);
    }

    /**
     * read(2) of /proc/PID/mem (fs/proc/base.c mem_rw; not stored at c17ee635, as it has stood
     * since 6.x): the file holds the mm with mmgrab from its open (proc_mem_open: mm_access, mmgrab,
     * mmput); each read pins the address space with mmget_not_zero (0 bytes if it is gone), copies
     * with access_remote_vm and lets go with mmput, which may be the last: then this reader tears
     * the address space down. model: one access_remote_vm for the whole read (mem_rw loops by page).
     */
    private static long memRw(Op.Read r, Processes procs, Processes.Member me, Variant v, Oracle oracle) {
        String target = r.proc() != null ? r.proc() : me.proc.name;
        Processes.MemFile file = me.open.get(target);
        if (file == null) {
            file = memOpen(procs.byName.get(target));
            if (file == null)
                return 0; // open fails: no such process (yet)
            me.open.put(target, file);
        }
        MmStruct mm = file.mm();
        if (mm == null)
            return 0; // the task had no mm when the file was opened
        if (!Fork.mmgetNotZero(mm))
            return 0;
        Variant rv = r.variant() != null ? r.variant() : v;
        byte[] buf = new byte[Math.max(0, r.len())];
        Task t = Task.current();
        oracle.expectRead(t, r.addr(), r.len(), r.flags());
        int n = Memory.accessRemoteVm(mm, r.addr(), buf, r.len(), r.flags(), rv.path, rv.walk);
        oracle.readReturned(t, buf, n);
        Fork.mmput(mm);
        return n;
    }

    /**
     * write(2) of /proc/P1/mem: a poke always writes the target's memory (the oracle's write rules
     * judge the target's mm), through the file as {@link #memRw} reads: mmget_not_zero for the
     * write (nothing written if the address space is gone), access_remote_vm(FOLL_WRITE), mmput.
     */
    private static long memWrite(Op.Poke p, Processes procs, Processes.Member me, List<File> files, Variant v, Oracle oracle) {
        Processes.MemFile file = me.open.get(Scenario.TARGET);
        if (file == null) {
            file = memOpen(procs.byName.get(Scenario.TARGET));
            if (file == null)
                return 0;
            me.open.put(Scenario.TARGET, file);
        }
        MmStruct mm = file.mm();
        if (mm == null || !Fork.mmgetNotZero(mm))
            return 0;
        long n = call(p, mm, files, v, oracle);
        Fork.mmput(mm);
        return n;
    }

    /** mem_open -> proc_mem_open(inode, PTRACE_MODE_ATTACH): null if the process does not exist. */
    private static Processes.MemFile memOpen(Processes.Proc p) {
        if (p == null || !p.resolved || p.leader == null)
            return null; // -ESRCH
        MmStruct mm = Fork.mmAccess(p.leader);
        if (mm != null) {
            // ensure this mm_struct can't be freed
            Fork.mmgrab(mm);
            // but do not pin its memory
            Fork.mmput(mm);
        }
        return new Processes.MemFile(mm);
    }

    /** mem_release(): the file lets go of the mm (mmdrop). */
    static void release(Processes.Member me) {
        for (Processes.MemFile f : me.open.values())
            if (f.mm() != null)
                Fork.mmdrop(f.mm());
        me.open.clear();
    }
}
