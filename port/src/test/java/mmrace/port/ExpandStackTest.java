package mmrace.port;

import org.junit.jupiter.api.Test;

import static mmrace.port.Mm.*;
import static mmrace.port.MmFixture.ANON;
import static mmrace.port.MmFixture.P;
import static mmrace.port.MmFixture.RW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * expand_stack(mm, addr), called with mmap read held: drops it, takes mmap write, grows a
 * VM_GROWSDOWN VMA down (expand_downwards needs anon_vma_prepare) and downgrades, or returns NULL
 * with no lock held.
 */
class ExpandStackTest {
    final MmFixture f = new MmFixture();
    static final long STACK = 0x7f0000000000L;

    /** Growing down by two pages: the same VMA, pgoff lowered, mmap read held again. [needs Memory (Rmap)] */
    @Test
    void growsDownAndDowngrades() {
        assertEquals(STACK, Syscalls.mmap(f.mm, STACK, P, RW, ANON | MAP_FIXED | MAP_GROWSDOWN, null, 0, "S"));
        VmAreaStruct s = f.vmaAt(STACK);
        MmapLock.mmapReadLock(f.mm);
        assertSame(s, Mmap.expandStack(f.mm, STACK - 2 * P + 8));
        assertTrue(f.mm.mmapLock.isReadLockedBy(f.t));
        MmapLock.mmapReadUnlock(f.mm);
        assertEquals(STACK - 2 * P, s.vmStart.peek());
        assertEquals((STACK >>> 12) - 2, s.vmPgoff.peek());
        f.assertQuiescent();
    }

    /** An address below a VMA that is not a stack: NULL, and no lock held. */
    @Test
    void notAStackReturnsNullUnlocked() {
        f.fixedAnon(0x20000, P, RW, "A");
        MmapLock.mmapReadLock(f.mm);
        assertNull(Mmap.expandStack(f.mm, 0x1f000));
        f.assertQuiescent();
    }

    /** An address already inside a VMA: that VMA, nothing grows. */
    @Test
    void addressAlreadyMapped() {
        VmAreaStruct a = f.fixedAnon(0x20000, P, RW, "A");
        MmapLock.mmapReadLock(f.mm);
        assertSame(a, Mmap.expandStack(f.mm, 0x20010));
        MmapLock.mmapReadUnlock(f.mm);
        f.assertQuiescent();
    }
}
