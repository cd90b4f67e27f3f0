package mmrace.port;

import mmrace.runtime.Report;
import org.junit.jupiter.api.Test;

import java.util.List;

import static mmrace.port.Mm.*;
import static mmrace.port.MmFixture.P;
import static mmrace.port.MmFixture.RW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Changing an attached VMA requires vma_start_write (under mmap write): vm_flags_reset asserts it
 * (vma_assert_write_locked), and the model checks every store to an attached VMA the same way.
 * A deliberately wrong call is reported; the right sequence is not.
 */
class VmaWriteLockTest {
    final MmFixture f = new MmFixture();

    /** vm_flags_reset on a VMA not write-locked in this mmap-write section: a WARN and a lockdep report. */
    @Test
    void flagsResetWithoutVmaStartWriteIsReported() {
        VmAreaStruct a = f.fixedAnon(0x10000, P, RW, "A");
        MmapLock.mmapWriteLock(f.mm);
        vmFlagsReset(a, a.vmFlags.get() & ~VM_WRITE);
        MmapLock.mmapWriteUnlock(f.mm);
        List<Report> r = f.k.reports.all();
        assertEquals(2, r.size(), r.toString());
        assertEquals(Report.Kind.WARN, r.get(0).kind());
        assertEquals("vma_assert_write_locked failed", r.get(0).title());
        assertEquals(Report.Kind.LOCKDEP, r.get(1).kind());
        assertTrue(r.get(1).detail().contains("vm_flags"), r.get(1).detail());
    }

    /** Without mmap_lock at all, the assertion itself complains that mmap write is not held. */
    @Test
    void flagsResetWithoutMmapLockIsReported() {
        VmAreaStruct a = f.fixedAnon(0x10000, P, RW, "A");
        vmFlagsReset(a, a.vmFlags.get() & ~VM_WRITE);
        assertTrue(f.k.reports.all().stream().anyMatch(x -> x.title().equals("mmap_assert_write_locked failed")),
                f.k.reports.all().toString());
    }

    /** vma_start_write first, then vm_flags_reset: nothing to report. */
    @Test
    void flagsResetAfterVmaStartWriteIsFine() {
        VmAreaStruct a = f.fixedAnon(0x10000, P, RW, "A");
        MmapLock.mmapWriteLock(f.mm);
        MmapLock.vmaStartWrite(a);
        vmFlagsReset(a, a.vmFlags.get() & ~VM_WRITE);
        MmapLock.mmapWriteUnlock(f.mm);
        f.assertQuiescent();
    }

    /** vm_flags_set and vm_flags_clear take the VMA write lock themselves. */
    @Test
    void flagsSetTakesTheLockItself() {
        VmAreaStruct a = f.fixedAnon(0x10000, P, RW, "A");
        MmapLock.mmapWriteLock(f.mm);
        vmFlagsSet(a, VM_LOCKED);
        vmFlagsClear(a, VM_LOCKED);
        assertEquals(f.mm.mmLockSeq.peek(), a.vmLockSeq.peek());
        MmapLock.mmapWriteUnlock(f.mm);
        f.assertQuiescent();
    }
}
