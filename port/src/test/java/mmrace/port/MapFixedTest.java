package mmrace.port;

import org.junit.jupiter.api.Test;

import static mmrace.port.Mm.*;
import static mmrace.port.MmFixture.ANON;
import static mmrace.port.MmFixture.P;
import static mmrace.port.MmFixture.RW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * mmap(MAP_FIXED) over existing mappings (__mmap_region with __mmap_setup gathering the victims):
 * the victims are write-locked and detached, their PTEs cleared with mmap write held, the new VMA
 * stored over their slots, the victims freed; the new VMA is read-lockable once mmap_write_unlock
 * ran. All these run unmap_region: [needs Memory].
 */
class MapFixedTest {
    final MmFixture f = new MmFixture();

    /** C replaces A and B entirely. */
    @Test
    void replacesTwoVmas() {
        VmAreaStruct a = f.fixedAnon(0x10000, 2 * P, RW, "A");
        VmAreaStruct b = f.fixedAnon(0x12000, 2 * P, PROT_READ, "B");
        f.store(0x10000, (byte) 'a');
        VmAreaStruct c = f.fixedAnon(0x10000, 4 * P, RW | PROT_EXEC, "C");
        assertEquals("C[10000-14000)", f.layout());
        MmFixture.assertFreed(a);
        MmFixture.assertFreed(b);
        assertEquals(1, c.vmRefcnt.peek());
        assertEquals(1, f.mm.mapCount.peek());
        assertEquals(-1, f.load(0x10000), "the old page is gone");
        f.assertQuiescent();
        assertSame(c, MmapLock.lockVmaUnderRcu(f.mm, 0x13000));
        MmapLock.vmaEndRead(c);
        f.assertQuiescent();
    }

    /**
     * A read-only page mapped over the last page of A (rw) is merged into B (read-only, right
     * after it): vma_merge_new_range expands B down over the victim's range; A is split.
     */
    @Test
    void replacedRangeMergesWithNext() {
        f.fixedAnon(0x10000, 2 * P, RW, "A");
        VmAreaStruct b = f.fixedAnon(0x12000, 2 * P, PROT_READ, "B");
        assertEquals(0x11000, Syscalls.mmap(f.mm, 0x11000, P, PROT_READ, ANON | MAP_FIXED, null, 0, "C"));
        assertEquals("A'[10000-11000) B[11000-14000)", f.layout());
        assertEquals(0x11, b.vmPgoff.peek());
        f.assertQuiescent();
    }
}
