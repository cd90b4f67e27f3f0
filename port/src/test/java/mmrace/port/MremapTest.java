package mmrace.port;

import mmrace.runtime.Errno;
import org.junit.jupiter.api.Test;

import static mmrace.port.Mm.*;
import static mmrace.port.MmFixture.P;
import static mmrace.port.MmFixture.RW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * mremap(2). Expanding in place and MREMAP_DONTUNMAP to a free destination never unmap anything;
 * shrinking, moving and MREMAP_FIXED over a mapping run unmap_region [needs Memory]; the content
 * checks fault pages in [needs Memory].
 */
class MremapTest {
    final MmFixture f = new MmFixture();
    static final int MAYMOVE = MREMAP_MAYMOVE, FIXED = MREMAP_FIXED, DONTUNMAP = MREMAP_DONTUNMAP;

    /** Growing a VMA into the free space after it: vma_merge_extend expands the same VMA. */
    @Test
    void expandInPlace() {
        VmAreaStruct a = f.fixedAnon(0x10000, 2 * P, RW, "A");
        assertEquals(0x10000, Syscalls.mremap(f.mm, 0x10000, 2 * P, 4 * P, 0, 0));
        assertEquals("A[10000-14000)", f.layout());
        assertSame(a, f.vmaAt(0x13000));
        f.assertQuiescent();
    }

    /** Growing up to a compatible next VMA merges with it (vma_expand removing next). */
    @Test
    void expandInPlaceMergesWithNext() {
        VmAreaStruct a = f.fixedAnon(0x10000, 2 * P, RW, "A");
        VmAreaStruct b = f.fixedAnon(0x14000, 2 * P, RW, "B");
        assertEquals(0x10000, Syscalls.mremap(f.mm, 0x10000, 2 * P, 4 * P, 0, 0));
        assertEquals("A[10000-16000)", f.layout());
        MmFixture.assertFreed(b);
        assertEquals(1, a.vmRefcnt.peek());
        f.assertQuiescent();
    }

    /** Growing into a mapped range without MREMAP_MAYMOVE: -ENOMEM, nothing changes. */
    @Test
    void expandBlockedWithoutMaymove() {
        f.fixedAnon(0x10000, 2 * P, RW, "A");
        f.fixedAnon(0x12000, P, PROT_READ, "B");
        assertEquals(-Errno.ENOMEM, Syscalls.mremap(f.mm, 0x10000, 2 * P, 3 * P, 0, 0));
        assertEquals("A[10000-12000) B[12000-13000)", f.layout());
        f.assertQuiescent();
    }

    /**
     * MREMAP_DONTUNMAP|MREMAP_FIXED to a free address: copy_vma links a new VMA "A'" there and the
     * (absent) page tables move; the source stays mapped, without VM_ACCOUNT.
     */
    @Test
    void dontunmapToAFreeAddress() {
        VmAreaStruct a = f.fixedAnon(0x10000, 2 * P, RW, "A");
        assertEquals(0x40000, Syscalls.mremap(f.mm, 0x10000, 2 * P, 2 * P, MAYMOVE | FIXED | DONTUNMAP, 0x40000));
        assertEquals("A[10000-12000) A'[40000-42000)", f.layout());
        assertEquals(0, a.vmFlags.peek() & VM_ACCOUNT);
        VmAreaStruct nu = f.vmaAt(0x40000);
        assertNotSame(a, nu);
        assertEquals(0x40, nu.vmPgoff.peek(), "an unfaulted anonymous vma takes the pgoff of its new place");
        assertEquals(2, f.mm.mapCount.peek());
        f.assertQuiescent();
    }

    /** MREMAP_DONTUNMAP moves the PTEs: the data is at the destination, the source reads as unpopulated. [needs Memory] */
    @Test
    void dontunmapMovesThePages() {
        f.fixedAnon(0x10000, 2 * P, RW, "A");
        f.store(0x10000, (byte) 'x');
        f.store(0x11fff, (byte) 'y');
        assertEquals(0x40000, Syscalls.mremap(f.mm, 0x10000, 2 * P, 2 * P, MAYMOVE | FIXED | DONTUNMAP, 0x40000));
        assertEquals('x', f.load(0x40000));
        assertEquals('y', f.load(0x41fff));
        assertEquals(-1, f.load(0x10000));
        assertEquals(-1, f.load(0x11fff));
        f.assertQuiescent();
    }

    /**
     * Shrinking: the tail is unmapped by do_vmi_munmap with the lock dropped inside. The munmap
     * splits with new_below, so the surviving head is the new VMA "A'" and the original object,
     * now the tail, is freed. [needs Memory]
     */
    @Test
    void shrink() {
        VmAreaStruct a = f.fixedAnon(0x10000, 4 * P, RW, "A");
        f.store(0x10000, (byte) 1);
        f.store(0x13000, (byte) 2);
        assertEquals(0x10000, Syscalls.mremap(f.mm, 0x10000, 4 * P, 2 * P, 0, 0));
        assertEquals("A'[10000-12000)", f.layout());
        MmFixture.assertFreed(a);
        assertEquals(1, f.load(0x10000));
        assertEquals(-1, f.load(0x13000));
        f.assertQuiescent();
    }

    /** Growing where the VMA can't: MREMAP_MAYMOVE moves it (copy, move page tables, unmap the source). [needs Memory] */
    @Test
    void moveToGrow() {
        f.fixedAnon(0x10000, 2 * P, RW, "A");
        f.fixedAnon(0x12000, P, PROT_READ, "B");
        f.store(0x10100, (byte) 'm');
        long r = Syscalls.mremap(f.mm, 0x10000, 2 * P, 4 * P, MAYMOVE, 0);
        assertEquals(Mmap.MMAP_BASE - 4 * P, r);
        assertEquals('m', f.load(r + 0x100));
        assertEquals(-1, f.load(0x10100));
        assertEquals(null, f.vmaAt(0x10000));
        f.assertQuiescent();
    }

    /** MREMAP_FIXED over a mapping: the destination is unmapped first, then the VMA moves. [needs Memory] */
    @Test
    void fixedOverAMapping() {
        VmAreaStruct a = f.fixedAnon(0x10000, 2 * P, RW, "A");
        VmAreaStruct c = f.fixedAnon(0x40000, 4 * P, PROT_READ, "C");
        f.store(0x11000, (byte) 'z');
        assertEquals(0x40000, Syscalls.mremap(f.mm, 0x10000, 2 * P, 2 * P, MAYMOVE | FIXED, 0x40000));
        assertEquals('z', f.load(0x41000));
        assertEquals(null, f.vmaAt(0x10000));
        MmFixture.assertFreed(a);
        assertEquals("A'[40000-42000) C'[42000-44000)", f.layout());
        // C, freed by the munmap of the destination, went back to the SLAB_TYPESAFE_BY_RCU cache
        // and was handed out again at once for A' (vm_area_dup in copy_vma)
        assertSame(c, f.vmaAt(0x40000));
        f.assertQuiescent();
    }

    /** check_mremap_params and the VMA checks. */
    @Test
    void badArguments() {
        f.fixedAnon(0x10000, 2 * P, RW, "A");
        assertEquals(-Errno.EINVAL, Syscalls.mremap(f.mm, 0x10000, 2 * P, 2 * P, 8, 0), "unknown flag");
        assertEquals(-Errno.EINVAL, Syscalls.mremap(f.mm, 0x10800, P, P, 0, 0), "unaligned");
        assertEquals(-Errno.EINVAL, Syscalls.mremap(f.mm, 0x10000, 2 * P, 0, 0, 0), "new_len 0");
        assertEquals(-Errno.EINVAL, Syscalls.mremap(f.mm, 0x10000, 2 * P, 2 * P, FIXED, 0x40000), "FIXED without MAYMOVE");
        assertEquals(-Errno.EINVAL, Syscalls.mremap(f.mm, 0x10000, 2 * P, 3 * P, MAYMOVE | DONTUNMAP, 0x40000), "DONTUNMAP resize");
        assertEquals(-Errno.EINVAL, Syscalls.mremap(f.mm, 0x10000, 2 * P, 2 * P, MAYMOVE | FIXED, 0x11000), "overlap");
        assertEquals(-Errno.EINVAL, Syscalls.mremap(f.mm, 0x10000, 2 * P, 2 * P, MAYMOVE | FIXED, 0x40800), "unaligned new_addr");
        assertEquals(-Errno.EFAULT, Syscalls.mremap(f.mm, 0x30000, P, 2 * P, MAYMOVE, 0), "no vma");
        assertEquals(-Errno.EFAULT, Syscalls.mremap(f.mm, 0x10000, 3 * P, 4 * P, MAYMOVE, 0), "crosses the vma end");
        assertEquals(-Errno.EINVAL, Syscalls.mremap(f.mm, 0x10000, 0, P, MAYMOVE, 0), "duplicating a private mapping");
        assertEquals(0x10000, Syscalls.mremap(f.mm, 0x10000, 2 * P, 2 * P, 0, 0), "same size: nothing to do");
        assertEquals("A[10000-12000)", f.layout());
        f.assertQuiescent();
    }

    /**
     * __anon_vma_prepare reuses a neighbour's anon_vma (find_mergeable_anon_vma): Y is faulted next
     * to X, which has an anon_vma and differs only in its protection (anon_vma_compatible ignores
     * the access bits), so Y takes X's anon_vma; when mprotect makes X writable again the two merge
     * (is_mergeable_anon_vma: the same anon_vma), and mremap sees one VMA it can grow in place.
     * With a fresh anon_vma for Y the merge is refused and mremap fails with EFAULT (the old range
     * would cross a VMA boundary). Found by the model-based test. [needs Memory]
     */
    @Test
    void faultReusesNeighboursAnonVmaSoMprotectRemerges() {
        VmAreaStruct x = f.fixedAnon(0x41000, P, RW, "X");
        f.store(0x41000, (byte) 'x');
        assertEquals(0, Syscalls.mprotect(f.mm, 0x41000, P, PROT_READ));
        VmAreaStruct y = f.fixedAnon(0x40000, P, RW, "Y");
        assertEquals("Y[40000-41000) X[41000-42000)", f.layout(), "different protections: no merge at mmap");
        f.store(0x40000, (byte) 'y');
        assertSame(x.anonVma.peek(), y.anonVma.peek(), "the fault reused X's anon_vma");
        assertEquals(0, Syscalls.mprotect(f.mm, 0x41000, P, RW));
        assertEquals("Y[40000-42000)", f.layout(), "X merged into Y");
        MmFixture.assertFreed(x);
        assertEquals(0x40000, Syscalls.mremap(f.mm, 0x40000, 2 * P, 3 * P, 0, 0));
        assertEquals("Y[40000-43000)", f.layout());
        assertEquals('y', f.load(0x40000));
        assertEquals('x', f.load(0x41000));
        f.assertQuiescent();
    }

    /** find_mergeable_anon_vma only reuses an adjacent neighbour's (anon_vma_compatible wants a->vm_end == b->vm_start). [needs Memory] */
    @Test
    void faultDoesNotReuseAnIncompatibleNeighboursAnonVma() {
        VmAreaStruct x = f.fixedAnon(0x41000, P, RW, "X");
        f.store(0x41000, (byte) 'x');
        VmAreaStruct y = f.fixedAnon(0x3f000, P, RW, "Y");
        f.store(0x3f000, (byte) 'y');
        assertEquals("Y[3f000-40000) X[41000-42000)", f.layout());
        assertNotSame(x.anonVma.peek(), y.anonVma.peek(), "not adjacent: a new anon_vma");
        f.assertQuiescent();
    }
}
