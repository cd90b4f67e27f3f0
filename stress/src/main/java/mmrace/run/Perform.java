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
import mmrace.runtime.Task;
import mmrace.runtime.Trace;
import mmrace.runtime.Tracepoint;
import mmrace.scenario.Op;
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
        };
    }
}
