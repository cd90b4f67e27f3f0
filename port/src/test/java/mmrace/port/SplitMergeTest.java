package mmrace.port;

import mmrace.runtime.Errno;
import org.junit.jupiter.api.Test;

import static mmrace.port.Mm.*;
import static mmrace.port.MmFixture.P;
import static mmrace.port.MmFixture.RW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * split_vma and the vma_modify_flags merge/split at the tree level, driven directly with mmap_lock
 * held for write, on VMAs without page tables (mprotect_fixup's change_protection then finds no
 * page table and needs no mmu_gather, so a null tlb is fine here).
 */
class SplitMergeTest {
    final MmFixture f = new MmFixture();

    /**
     * __split_vma(new_below = 0): the original keeps [start, addr), a copy "A'" gets [addr, end)
     * with pgoff advanced; both are write-locked until mmap_write_unlock; the copy enters the tree
     * attached (vm_refcnt 1); map_count grows by one.
     */
    @Test
    void splitAbove() {
        VmAreaStruct a = f.fixedAnon(0x10000, 4 * P, RW, "A");
        MmapLock.mmapWriteLock(f.mm);
        VmaIter vmi = VmaIter.of(f.mm, 0x10000);
        assertSame(a, vmi.vmaFind(0x14000));
        assertEquals(0, Vma.splitVma(vmi, a, 0x11000, false));
        VmAreaStruct nu = f.vmaAt(0x11000);
        assertNotSame(a, nu);
        assertEquals("A'", nu.name());
        assertEquals(0x11, nu.vmPgoff.peek());
        assertEquals(a.vmFlags.peek(), nu.vmFlags.peek());
        int seq = f.mm.mmLockSeq.peek();
        assertEquals(seq, a.vmLockSeq.peek(), "original write-locked");
        assertEquals(seq, nu.vmLockSeq.peek(), "new vma entered the tree write-locked");
        assertEquals(1, nu.vmRefcnt.peek());
        MmapLock.mmapWriteUnlock(f.mm);
        assertEquals("A[10000-11000) A'[11000-14000)", f.layout());
        assertEquals(2, f.mm.mapCount.peek());
        f.assertQuiescent();
    }

    /** __split_vma(new_below = 1): the copy takes the lower part, the original the upper part with pgoff advanced. */
    @Test
    void splitBelow() {
        VmAreaStruct a = f.fixedAnon(0x10000, 4 * P, RW, "A");
        MmapLock.mmapWriteLock(f.mm);
        VmaIter vmi = VmaIter.of(f.mm, 0x10000);
        vmi.vmaFind(0x14000);
        assertEquals(0, Vma.splitVma(vmi, a, 0x13000, true));
        MmapLock.mmapWriteUnlock(f.mm);
        assertEquals("A'[10000-13000) A[13000-14000)", f.layout());
        assertEquals(0x13, a.vmPgoff.peek());
        f.assertQuiescent();
    }

    /** A failed split (vm_area_dup or mas_preallocate out of memory) leaves the VMA whole and frees the copy. */
    @Test
    void splitFailures() {
        VmAreaStruct a = f.fixedAnon(0x10000, 4 * P, RW, "A");
        MmapLock.mmapWriteLock(f.mm);
        f.k.faults.failNth("slab:vm_area_struct", "*", 1);
        VmaIter vmi = VmaIter.of(f.mm, 0x10000);
        vmi.vmaFind(0x14000);
        assertEquals(-Errno.ENOMEM, Vma.splitVma(vmi, a, 0x11000, false));
        f.k.faults.failNth("maple:prealloc", "*", 1);
        assertEquals(-Errno.ENOMEM, Vma.splitVma(vmi, a, 0x11000, false));
        MmapLock.mmapWriteUnlock(f.mm);
        assertEquals("A[10000-14000)", f.layout());
        assertEquals(1, f.liveVmas());
        f.assertQuiescent();
    }

    /** mprotect_fixup on [start, end) of one VMA, as do_mprotect_pkey positions the iterator. */
    private int fixup(long start, long end, int prot) {
        MmapLock.mmapWriteLock(f.mm);
        VmaIter vmi = VmaIter.of(f.mm, start);
        VmAreaStruct vma = vmi.vmaFind(end);
        VmAreaStruct[] prev = {vmi.vmaPrev()};
        if (start > vma.vmStart.get())
            prev[0] = vma;
        vma = vmi.vmaFind(end);
        long newflags = calcVmProtBits(prot) | (vma.vmFlags.get() & ~VM_ACCESS_FLAGS);
        MmuGather tlb = MmuGather.tlbGatherMmu(f.mm);
        int err = Mprotect.mprotectFixup(vmi, tlb, vma, prev, start, end, newflags);
        MmuGather.tlbFinishMmu(tlb);
        MmapLock.mmapWriteUnlock(f.mm);
        return err;
    }

    /**
     * Three pages rw; the middle one made read-only splits the VMA in three (the original object
     * becomes the middle); made rw again, vma_merge_existing_range merges prev, middle and next back
     * into one VMA (prev, "A'", survives; middle and next are detached and freed).
     */
    @Test
    void mprotectMiddleSplitsThenMergesBack() {
        VmAreaStruct a = f.fixedAnon(0x10000, 3 * P, RW, "A");
        long flags = a.vmFlags.peek();
        assertEquals(0, fixup(0x11000, 0x12000, PROT_READ));
        assertEquals(3, f.mm.mapCount.peek());
        VmAreaStruct lower = f.vmaAt(0x10000), upper = f.vmaAt(0x12000);
        assertSame(a, f.vmaAt(0x11000), "the original object is the middle");
        assertEquals(VM_READ, a.vmFlags.peek() & VM_ACCESS_FLAGS);
        assertEquals(0, a.vmFlags.peek() & VM_ACCOUNT, "an unfaulted anonymous vma made read-only is unaccounted");
        assertEquals(Pgtable.PAGE_READONLY, a.vmPageProt.peek());
        assertEquals(RW, (int) (lower.vmFlags.peek() & VM_ACCESS_FLAGS));
        f.assertQuiescent();

        assertEquals(0, fixup(0x11000, 0x12000, RW));
        assertEquals(1, f.mm.mapCount.peek());
        assertEquals(lower.name() + "[10000-13000)", f.layout());
        assertSame(lower, f.vmaAt(0x11000));
        assertEquals(flags, lower.vmFlags.peek());
        MmFixture.assertFreed(a);
        MmFixture.assertFreed(upper);
        assertEquals(1, f.liveVmas());
        f.assertQuiescent();
    }

    /**
     * Changing the first page of B to the protections of the VMA A before it merges that page into
     * A (merge left, adjusting B's start): no new VMA, B shrinks and its pgoff advances.
     */
    @Test
    void mprotectMergesIntoPrevAdjustingMiddle() {
        VmAreaStruct a = f.fixedAnon(0x10000, 2 * P, PROT_READ, "A");
        VmAreaStruct b = f.fixedAnon(0x12000, 2 * P, RW, "B");
        assertEquals(0, fixup(0x12000, 0x13000, PROT_READ));
        assertEquals("A[10000-13000) B[13000-14000)", f.layout());
        assertEquals(0x13, b.vmPgoff.peek());
        assertEquals(2, f.liveVmas());
        assertTrue(a.vmRefcnt.peek() == 1 && b.vmRefcnt.peek() == 1);
        f.assertQuiescent();
    }
}
