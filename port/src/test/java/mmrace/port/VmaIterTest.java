package mmrace.port;

import org.junit.jupiter.api.Test;

import static mmrace.port.Mm.*;
import static mmrace.port.MmFixture.P;
import static mmrace.port.MmFixture.RW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * The VMA iterator (struct vma_iterator over mm_mt) behaves as lib/maple_tree.c's cursor does
 * for the callers in mm/vma.c: vma_find returns the VMA at or after the position, vma_next and
 * vma_prev step over gaps, the *_range variants stop at gaps, and vma_iter_next_rewind leaves the
 * iterator on the gap after the previous VMA (what __mmap_setup relies on).
 *
 * <p>Layout: A [0x10000-0x12000) rw, gap, B [0x14000-0x16000) r, C [0x16000-0x18000) rw.
 */
class VmaIterTest {
    final MmFixture f = new MmFixture();
    final VmAreaStruct a = f.fixedAnon(0x10000, 2 * P, RW, "A");
    final VmAreaStruct b = f.fixedAnon(0x14000, 2 * P, PROT_READ, "B");
    final VmAreaStruct c = f.fixedAnon(0x16000, 2 * P, RW, "C");

    /** for_each_vma from inside A: A, B, C, then nothing. */
    @Test
    void findThenNextWalksEveryVmaInOrder() {
        VmaIter vmi = VmaIter.of(f.mm, 0x11000);
        assertSame(a, vmi.vmaFind(0x20000));
        assertSame(b, vmi.vmaNext());
        assertSame(c, vmi.vmaNext());
        assertNull(vmi.vmaNext());
        f.assertQuiescent();
    }

    /** vma_find stops at max: the VMA must start below max. */
    @Test
    void findHonoursMax() {
        assertNull(VmaIter.of(f.mm, 0x12000).vmaFind(0x14000));
        assertSame(b, VmaIter.of(f.mm, 0x12000).vmaFind(0x14001));
    }

    /** vma_iter_load in a gap returns NULL and positions on the gap; vma_prev/vma_next skip it. */
    @Test
    void loadInGapThenPrevAndNext() {
        VmaIter vmi = VmaIter.of(f.mm, 0x13000);
        assertNull(vmi.vmaIterLoad());
        assertEquals(0x12000, vmi.vmaIterAddr());
        assertEquals(0x14000, vmi.vmaIterEnd());
        assertSame(a, vmi.vmaPrev());
        assertSame(b, vmi.vmaNext());
    }

    /** find_vma_prev: the VMA at/after addr and the one before, as the kernel returns them. */
    @Test
    void findVmaPrev() {
        VmAreaStruct[] prev = {null};
        assertSame(b, Mmap.findVmaPrev(f.mm, 0x13000, prev));
        assertSame(a, prev[0]);
        assertSame(c, Mmap.findVmaPrev(f.mm, 0x17000, prev));
        assertSame(b, prev[0]);
        assertSame(a, Mmap.findVmaPrev(f.mm, 0x10000, prev));
        assertNull(prev[0]);
    }

    /** vma_iter_prev_range / next_range stop at gaps (NULL), unlike vma_prev / vma_next. */
    @Test
    void rangeStepsStopAtGaps() {
        VmaIter vmi = VmaIter.of(f.mm, 0x14000);
        assertSame(b, vmi.vmaIterLoad());
        assertNull(vmi.vmaIterPrevRange());
        assertEquals(0x12000, vmi.vmaIterAddr());
        assertSame(a, vmi.vmaIterPrevRange());
        assertSame(a, VmaIter.of(f.mm, 0x10000).vmaIterLoad());
        VmaIter v2 = VmaIter.of(f.mm, 0x10000);
        v2.vmaIterLoad();
        assertNull(v2.vmaIterNextRange());
        assertSame(b, v2.vmaIterNextRange());
    }

    /** vma_iter_next_rewind from a failed vma_find in the gap: next is B, prev is A, the iterator sits on the gap. */
    @Test
    void nextRewindLeavesTheIteratorOnTheGap() {
        VmaIter vmi = VmaIter.of(f.mm, 0x12000);
        assertNull(vmi.vmaFind(0x13000));
        VmAreaStruct[] prev = {null};
        assertSame(b, vmi.vmaIterNextRewind(prev));
        assertSame(a, prev[0]);
        assertEquals(0x12000, vmi.vmaIterAddr());
        assertEquals(0x14000, vmi.vmaIterEnd());
    }

    /** vma_prev at the lowest VMA underflows (NULL); a vma_find after it returns that VMA again. */
    @Test
    void prevUnderflowThenFind() {
        VmaIter vmi = VmaIter.of(f.mm, 0x10000);
        assertSame(a, vmi.vmaFind(0x20000));
        assertNull(vmi.vmaPrev());
        assertSame(a, vmi.vmaFind(0x20000));
        assertSame(b, vmi.vmaFind(0x20000));
    }
}
