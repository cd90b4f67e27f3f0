package mmrace.port;

import mmrace.runtime.Errno;
import org.junit.jupiter.api.Test;

import static mmrace.port.Mm.*;
import static mmrace.port.MmFixture.P;
import static mmrace.port.MmFixture.RW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * munmap(2) -> __vm_munmap(unlock = true): split the boundary VMAs, write-lock and detach the
 * victims, clear the tree range, downgrade, zap, free the VMAs, drop the lock.
 *
 * <p>The unmapping tests run unmap_region, so they need the merged mm/memory.c and
 * mm/mmu_gather.c (unmap_vmas, free_pgtables, tlb_gather_mmu, tlb_finish_mmu); the argument
 * checks and the empty-range case do not.
 */
class MunmapTest {
    final MmFixture f = new MmFixture();

    /** Unmapping a whole VMA: it is gone from the tree, detached and freed; map_count 0. [needs Memory] */
    @Test
    void wholeVma() {
        VmAreaStruct a = f.fixedAnon(0x10000, 3 * P, RW, "A");
        assertEquals(0, Syscalls.munmap(f.mm, 0x10000, 3 * P));
        assertEquals("", f.layout());
        MmFixture.assertFreed(a);
        assertEquals(0, f.mm.mapCount.peek());
        assertEquals(0, f.liveVmas());
        f.assertQuiescent();
    }

    /**
     * Unmapping the middle page: __split_vma(new_below) makes the lower part a new VMA, then the
     * remainder is split at the end (a second copy for the upper part); the original object, now
     * the middle page, is the victim. Two VMAs remain, with their pgoffs. [needs Memory]
     */
    @Test
    void middleOfAVmaSplitsItInTwo() {
        VmAreaStruct a = f.fixedAnon(0x10000, 3 * P, RW, "A");
        assertEquals(0, Syscalls.munmap(f.mm, 0x11000, P));
        assertEquals("A'[10000-11000) A'[12000-13000)", f.layout());
        assertEquals(0x10, f.vmaAt(0x10000).vmPgoff.peek());
        assertEquals(0x12, f.vmaAt(0x12000).vmPgoff.peek());
        MmFixture.assertFreed(a);
        assertEquals(2, f.mm.mapCount.peek());
        assertEquals(2, f.liveVmas());
        f.assertQuiescent();
    }

    /** A range spanning the end of A and the start of B: both are split, the covered pieces freed. [needs Memory] */
    @Test
    void rangeSpanningTwoVmas() {
        VmAreaStruct a = f.fixedAnon(0x10000, 2 * P, RW, "A");
        VmAreaStruct b = f.fixedAnon(0x12000, 2 * P, PROT_READ, "B");
        assertEquals(0, Syscalls.munmap(f.mm, 0x11000, 2 * P));
        assertEquals("A'[10000-11000) B'[13000-14000)", f.layout());
        MmFixture.assertFreed(a);
        MmFixture.assertFreed(b);
        assertEquals(2, f.mm.mapCount.peek());
        f.assertQuiescent();
    }

    /** A range covering several whole VMAs and the gaps between them. [needs Memory] */
    @Test
    void rangeWithGaps() {
        f.fixedAnon(0x10000, P, RW, "A");
        f.fixedAnon(0x12000, P, PROT_READ, "B");
        VmAreaStruct c = f.fixedAnon(0x14000, P, RW, "C");
        assertEquals(0, Syscalls.munmap(f.mm, 0x10000, 0x4000));
        assertEquals("C[14000-15000)", f.layout());
        assertSame(c, f.vmaAt(0x14000));
        f.assertQuiescent();
    }

    /** Unmapped pages of a populated VMA are gone from the page tables. [needs Memory] */
    @Test
    void populatedPagesAreZapped() {
        f.fixedAnon(0x10000, 2 * P, RW, "A");
        f.store(0x10008, (byte) 'a');
        f.store(0x11008, (byte) 'b');
        assertEquals(0, Syscalls.munmap(f.mm, 0x11000, P));
        assertEquals('a', f.load(0x10008));
        assertEquals(-1, f.load(0x11008));
        f.assertQuiescent();
    }

    /** Nothing mapped in the range: do_vmi_munmap unlocks and returns 0. */
    @Test
    void emptyRangeIsNotAnError() {
        f.fixedAnon(0x10000, P, RW, "A");
        assertEquals(0, Syscalls.munmap(f.mm, 0x20000, P));
        assertEquals("A[10000-11000)", f.layout());
        f.assertQuiescent();
    }

    /** do_vmi_munmap's checks: -EINVAL for an unaligned start, len 0, a start above TASK_SIZE, an overflowing length. */
    @Test
    void badArguments() {
        f.fixedAnon(0x10000, P, RW, "A");
        assertEquals(-Errno.EINVAL, Syscalls.munmap(f.mm, 0x10800, P));
        assertEquals(-Errno.EINVAL, Syscalls.munmap(f.mm, 0x10000, 0));
        assertEquals(-Errno.EINVAL, Syscalls.munmap(f.mm, Mm.TASK_SIZE + P, P));
        assertEquals(-Errno.EINVAL, Syscalls.munmap(f.mm, 0x10000, Mm.TASK_SIZE));
        assertEquals("A[10000-11000)", f.layout());
        f.assertQuiescent();
    }

    /** The tree can't be cleared (-ENOMEM from mas_store_gfp): the victims are reattached, nothing changed. */
    @Test
    void clearingTheTreeFailsAndReattaches() {
        VmAreaStruct a = f.fixedAnon(0x10000, P, RW, "A");
        // the detached tree's store is the first "maple" allocation; the second is vma_iter_clear_gfp
        f.k.faults.failNth("maple", "*", 2);
        assertEquals(-Errno.ENOMEM, Syscalls.munmap(f.mm, 0x10000, P));
        assertSame(a, f.vmaAt(0x10000));
        assertEquals(1, a.vmRefcnt.peek());
        f.assertQuiescent();
    }
}
