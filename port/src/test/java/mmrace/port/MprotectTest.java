package mmrace.port;

import mmrace.runtime.Errno;
import org.junit.jupiter.api.Test;

import static mmrace.port.Mm.*;
import static mmrace.port.MmFixture.P;
import static mmrace.port.MmFixture.RW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * mprotect(2) -> do_mprotect_pkey. Changing a mapping runs tlb_gather_mmu/tlb_finish_mmu, so those
 * tests need the merged mm/mmu_gather.c [needs Memory]; the argument checks return before it.
 * The same split/merge without the syscall is in {@link SplitMergeTest}.
 */
class MprotectTest {
    final MmFixture f = new MmFixture();

    /** Three pages rw -> middle read-only (three VMAs) -> middle rw again (one VMA). [needs Memory] */
    @Test
    void splitAndMergeBack() {
        VmAreaStruct a = f.fixedAnon(0x10000, 3 * P, RW, "A");
        long flags = a.vmFlags.peek();
        assertEquals(0, Syscalls.mprotect(f.mm, 0x11000, P, PROT_READ));
        assertEquals(3, f.mm.mapCount.peek());
        assertSame(a, f.vmaAt(0x11000));
        assertEquals(VM_READ, a.vmFlags.peek() & VM_ACCESS_FLAGS);
        f.assertQuiescent();
        assertEquals(0, Syscalls.mprotect(f.mm, 0x11000, P, RW));
        assertEquals(1, f.mm.mapCount.peek());
        VmAreaStruct v = f.vmaAt(0x10000);
        assertEquals(0x10000, v.vmStart.peek());
        assertEquals(0x13000, v.vmEnd.peek());
        assertEquals(flags, v.vmFlags.peek());
        MmFixture.assertFreed(a);
        f.assertQuiescent();
    }

    /**
     * A range over A (rw) and B (read-only) made read-only: A, now like B and spanned whole, is
     * merged into B (merge right, middle removed: B grows down); B's own fixup then changes nothing.
     * [needs Memory]
     */
    @Test
    void spanningTwoVmas() {
        VmAreaStruct a = f.fixedAnon(0x10000, 2 * P, RW, "A");
        VmAreaStruct b = f.fixedAnon(0x12000, 2 * P, PROT_READ, "B");
        assertEquals(0, Syscalls.mprotect(f.mm, 0x10000, 4 * P, PROT_READ));
        assertEquals("B[10000-14000)", f.layout());
        assertEquals(0x10, b.vmPgoff.peek());
        MmFixture.assertFreed(a);
        f.assertQuiescent();
    }

    /** Present PTEs are rewritten under the PTL: the write bit goes, the page stays. [needs Memory] */
    @Test
    void ptesLoseTheWriteBit() {
        f.fixedAnon(0x10000, P, RW, "A");
        f.store(0x10010, (byte) 7);
        assertEquals(0, Syscalls.mprotect(f.mm, 0x10000, P, PROT_READ));
        long e = Pgtable.tablePage(Pgtable.tablePage(Pgtable.tablePage(f.mm.pgd.peekEntry(Pgtable.pgdIndex(0x10000)))
                .peekEntry(Pgtable.pudIndex(0x10000))).peekEntry(Pgtable.pmdIndex(0x10000))).peekEntry(Pgtable.pteIndex(0x10000));
        assertTrue(Pgtable.ptePresent(e));
        assertFalse(Pgtable.pteWrite(e));
        assertEquals(7, f.load(0x10010));
        f.assertQuiescent();
    }

    /** PROT_WRITE on a mapping without VM_MAYWRITE is -EACCES (a read-only shared file mapping has none). [needs Memory] */
    @Test
    void writeBeyondMaywriteIsEacces() {
        f.fixedAnon(0x10000, P, RW, "A");
        MmapLock.mmapWriteLock(f.mm);
        VmAreaStruct a = f.vmaAt(0x10000);
        MmapLock.vmaStartWrite(a);
        vmFlagsClear(a, VM_MAYWRITE | VM_WRITE);
        MmapLock.mmapWriteUnlock(f.mm);
        assertEquals(-Errno.EACCES, Syscalls.mprotect(f.mm, 0x10000, P, RW));
        f.assertQuiescent();
    }

    /** do_mprotect_pkey's checks, all before anything changes. */
    @Test
    void badArguments() {
        f.fixedAnon(0x10000, 2 * P, RW, "A");
        assertEquals(-Errno.EINVAL, Syscalls.mprotect(f.mm, 0x10800, P, PROT_READ), "unaligned");
        assertEquals(0, Syscalls.mprotect(f.mm, 0x10000, 0, PROT_READ), "len 0");
        assertEquals(-Errno.ENOMEM, Syscalls.mprotect(f.mm, 0x10000, -P, PROT_READ), "end wraps");
        assertEquals(-Errno.EINVAL, Syscalls.mprotect(f.mm, 0x10000, P, 0x10), "unknown prot bit");
        assertEquals(-Errno.EINVAL, Syscalls.mprotect(f.mm, 0x10000, P, PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP), "both grows");
        assertEquals(-Errno.ENOMEM, Syscalls.mprotect(f.mm, 0x20000, P, PROT_READ), "nothing mapped");
        assertEquals(-Errno.ENOMEM, Syscalls.mprotect(f.mm, 0xf000, 2 * P, PROT_READ), "starts in a hole");
        assertEquals(-Errno.EINVAL, Syscalls.mprotect(f.mm, 0x10000, P, PROT_READ | PROT_GROWSDOWN), "not a grows-down vma");
        assertEquals("A[10000-12000)", f.layout());
        assertEquals(RW, (int) (f.vmaAt(0x10000).vmFlags.peek() & VM_ACCESS_FLAGS));
        f.assertQuiescent();
    }
}
