package mmrace.port;

import mmrace.runtime.Errno;
import org.junit.jupiter.api.Test;

import static mmrace.port.Mm.*;
import static mmrace.port.MmFixture.ANON;
import static mmrace.port.MmFixture.P;
import static mmrace.port.MmFixture.RW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * madvise(MADV_DONTNEED). The argument checks return before any lock; a DONTNEED that reaches a
 * VMA runs tlb_gather_mmu and zap_page_range_single_batched [needs Memory].
 */
class MadviseTest {
    final MmFixture f = new MmFixture();

    /** madvise_should_skip: -EINVAL for a bad advice, unaligned start or wrapping range; 0 for len 0 (even unmapped). */
    @Test
    void argumentChecks() {
        assertEquals(-Errno.EINVAL, Syscalls.madvise(f.mm, 0x10000, P, 999), "unknown advice");
        assertEquals(-Errno.EINVAL, Syscalls.madvise(f.mm, 0x10800, P, MADV_DONTNEED), "unaligned");
        assertEquals(-Errno.EINVAL, Syscalls.madvise(f.mm, 0x10000, -1L, MADV_DONTNEED), "len rounds up to 0");
        assertEquals(-Errno.EINVAL, Syscalls.madvise(f.mm, -2 * P, 4 * P, MADV_DONTNEED), "wraps");
        assertEquals(0, Syscalls.madvise(f.mm, 0x10000, 0, MADV_DONTNEED), "len 0");
        assertEquals(-Errno.EINVAL, Syscalls.madvise(f.mm, 0x10000, P, MADV_WILLNEED), "model: only DONTNEED is ported");
        f.assertQuiescent();
    }

    /**
     * DONTNEED inside one VMA runs under that VMA's read lock: the pages are zapped (reading gives
     * nothing mapped), the VMA is unchanged and its read lock was dropped (vm_refcnt 1). [needs Memory]
     */
    @Test
    void dontneedZapsUnderTheVmaLock() {
        VmAreaStruct a = f.fixedAnon(0x10000, 2 * P, RW, "A");
        f.store(0x10000, (byte) 1);
        f.store(0x11000, (byte) 2);
        assertEquals(0, Syscalls.madvise(f.mm, 0x10000, P, MADV_DONTNEED));
        assertEquals(-1, f.load(0x10000));
        assertEquals(2, f.load(0x11000));
        assertSame(a, f.vmaAt(0x10000));
        assertEquals(1, a.vmRefcnt.peek());
        f.assertQuiescent();
    }

    /** A range over two VMAs falls back to mmap_read_lock and walks both. [needs Memory] */
    @Test
    void dontneedOverTwoVmas() {
        f.fixedAnon(0x10000, P, RW, "A");
        f.fixedAnon(0x11000, P, PROT_READ, "B");
        f.store(0x10000, (byte) 1);
        assertEquals(0, Syscalls.madvise(f.mm, 0x10000, 2 * P, MADV_DONTNEED));
        assertEquals(-1, f.load(0x10000));
        f.assertQuiescent();
    }

    /** A hole in the range: the mapped parts are done and -ENOMEM is returned. [needs Memory] */
    @Test
    void dontneedOverAHole() {
        f.fixedAnon(0x10000, P, RW, "A");
        f.fixedAnon(0x12000, P, RW, "C");
        assertEquals(-Errno.ENOMEM, Syscalls.madvise(f.mm, 0x10000, 3 * P, MADV_DONTNEED));
        f.assertQuiescent();
    }

    /** VM_LOCKED mappings refuse DONTNEED with -EINVAL. [needs Memory] */
    @Test
    void lockedMappingIsEinval() {
        assertEquals(0x10000, Syscalls.mmap(f.mm, 0x10000, P, RW, ANON | MAP_FIXED | MAP_LOCKED, null, 0, "L"));
        assertEquals(-Errno.EINVAL, Syscalls.madvise(f.mm, 0x10000, P, MADV_DONTNEED));
        f.assertQuiescent();
    }
}
