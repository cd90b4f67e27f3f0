package mmrace.run;

import mmrace.oracle.Oracle;
import mmrace.port.Fault;
import mmrace.port.File;
import mmrace.port.Khugepaged;
import mmrace.port.Memory;
import mmrace.port.Mm;
import mmrace.port.MmStruct;
import mmrace.port.Syscalls;
import mmrace.port.Vmscan;
import mmrace.runtime.Errno;
import mmrace.runtime.Task;
import mmrace.runtime.Trace;
import mmrace.scenario.Op;
import mmrace.scenario.Prot;
import mmrace.scenario.Variant;

import java.util.Arrays;
import java.util.List;

/** One scenario operation through the port, as a thread of the target (or a kernel thread) would make it. */
final class Perform {
    private Perform() {}

    static void perform(Op op, MmStruct mm, List<File> files, Variant v, Oracle oracle) {
        switch (op) {
            case Op.Read r -> {
                Variant rv = r.variant() != null ? r.variant() : v;
                byte[] buf = new byte[Math.max(0, r.len())];
                Task t = Task.current();
                oracle.expectRead(t, r.addr(), r.len(), r.flags());
                int n = Memory.accessRemoteVm(mm, r.addr(), buf, r.len(), r.flags(),
                        Memory.ReadPath.valueOf(rv.path), Memory.WalkMode.valueOf(rv.walk));
                oracle.readReturned(t, buf, n);
            }
            case Op.Mmap m -> {
                File f = m.file() == null ? null : SetUp.fileNamed(files, m.file());
                int flags = (m.fixed() ? Mm.MAP_FIXED : 0) | (m.shared() ? Mm.MAP_SHARED : Mm.MAP_PRIVATE)
                        | (f == null ? Mm.MAP_ANONYMOUS : 0) | (m.growsdown() ? Mm.MAP_GROWSDOWN : 0);
                long r = Syscalls.mmap(mm, m.addr(), m.len(), m.prot(), flags, f, m.off() >>> 12, m.name());
                Trace.note("mmap(%#x, %#x, %s) = %s", m.addr(), m.len(), Prot.text(m.prot()), ret(r));
            }
            case Op.Munmap m -> Trace.note("munmap(%#x, %#x) = %s", m.addr(), m.len(), ret(Syscalls.munmap(mm, m.addr(), m.len())));
            case Op.Mremap m -> {
                int flags = (m.maymove() ? Mm.MREMAP_MAYMOVE : 0) | (m.fixedTo() != null ? Mm.MREMAP_FIXED : 0)
                        | (m.dontunmap() ? Mm.MREMAP_DONTUNMAP : 0);
                long r = Syscalls.mremap(mm, m.addr(), m.oldLen(), m.newLen(), flags, m.fixedTo() == null ? 0 : m.fixedTo());
                Trace.note("mremap(%#x, %#x, %#x) = %s", m.addr(), m.oldLen(), m.newLen(), ret(r));
            }
            case Op.Mprotect m -> Trace.note("mprotect(%#x, %#x, %s) = %s", m.addr(), m.len(), Prot.text(m.prot()),
                    ret(Syscalls.mprotect(mm, m.addr(), m.len(), m.prot())));
            case Op.Madvise m -> Trace.note("madvise(%#x, %#x, MADV_DONTNEED) = %s", m.addr(), m.len(),
                    ret(Syscalls.madvise(mm, m.addr(), m.len(), Mm.MADV_DONTNEED)));
            case Op.Write w -> {
                byte[] data = new byte[(int) w.len()];
                Arrays.fill(data, w.fill().value());
                Trace.note("store %#x bytes of '%s' at %#x = %s", w.len(), w.fill().text(), w.addr(), ret(Fault.userStore(mm, w.addr(), data)));
            }
            case Op.Reclaim r -> Trace.note("reclaim(%#x) = %s", r.addr(), ret(Vmscan.reclaimPage(mm, r.addr())));
            case Op.Collapse c -> Trace.note("collapse(%#x) = %s", c.addr(), ret(Khugepaged.collapse(mm, c.addr())));
        }
    }

    private static String ret(long r) {
        return r < 0 && r > -4096 ? "-" + Errno.name((int) -r) : "0x" + Long.toHexString(r);
    }
}
