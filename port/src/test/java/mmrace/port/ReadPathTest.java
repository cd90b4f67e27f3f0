package mmrace.port;

import mmrace.port.Memory.ReadPath;
import mmrace.port.Memory.WalkMode;
import mmrace.runtime.Err;
import mmrace.runtime.Errno;
import mmrace.runtime.Kernel;
import mmrace.runtime.Page;
import mmrace.runtime.Task;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static mmrace.port.MmTypes.FOLL_ANON;
import static mmrace.port.MmTypes.FOLL_FORCE;
import static mmrace.port.MmTypes.FOLL_WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The remote read (access_remote_vm), single-threaded, for every read path and walk mode: what it
 * returns is what __access_remote_vm returns (the bytes copied, never an error: a short count that
 * stops at the first address with no VMA, no permission or nothing to copy; 0 when the first
 * address fails; zeros for never-touched anonymous memory), and each call leaves every lock (VMA
 * read lock, PTL, mmap_lock, RCU) and every reference (vm_refcnt, folio references) as it found
 * it, with no report filed.
 */
class ReadPathTest {
    static final long A = 0x10000, A_END = 0x12000, B = 0x12000, B_END = 0x14000;

    /** Reads len bytes at addr with one path/mode and checks the balance around the call. */
    static byte[] read(Kernel k, Task t, MmStruct mm, long addr, int len, int flags, ReadPath p, WalkMode w, int expect) {
        TestMm.Balance before = TestMm.balance(k, mm);
        byte[] buf = new byte[Math.max(len, 0)];
        int n = Memory.accessRemoteVm(mm, addr, buf, len, flags, p, w);
        assertEquals(expect, n, p + "/" + w + " at " + Long.toHexString(addr));
        TestMm.assertBalanced(k, t, before);
        return Arrays.copyOf(buf, Math.max(n, 0));
    }

    /**
     * Never-touched anonymous memory reads as zeros: GUP faults in the zero page
     * (do_anonymous_page maps it for a read fault); the fast paths find nothing present, fall back,
     * and the slow path does the same; once the zero page is mapped, the fast path (walking with
     * FW_VMA_LOCKED only, as the patch's text has it) still finds nothing it may copy and falls
     * back again, and the slow path reads zeros.
     */
    @Test
    void neverTouchedAnonymousReadsZeros() {
        for (ReadPath p : ReadPath.values())
            for (WalkMode w : WalkMode.values()) {
                Kernel k = new Kernel();
                Task t = k.enter("t0");
                MmStruct mm = TestMm.mm(k);
                TestMm.anon(mm, A, A_END, TestMm.RW, "A");
                byte[] first = read(k, t, mm, A + 0x100, 0x1800, 0, p, w, 0x1800);
                assertArrayEquals(new byte[0x1800], first);
                byte[] again = read(k, t, mm, A + 0x100, 0x1800, 0, p, w, 0x1800);
                assertArrayEquals(new byte[0x1800], again);
            }
    }

    /**
     * A read that runs into a hole stops short at the hole (A1/A3): GUP finds no VMA at 0x12000,
     * vma_lookup fails, expand_stack fails (no VM_GROWSDOWN VMA above) and __access_remote_vm
     * returns what it copied, with mmap_lock already released by expand_stack.
     */
    @Test
    void readAcrossAHoleStopsShort() {
        for (ReadPath p : ReadPath.values())
            for (WalkMode w : WalkMode.values()) {
                Kernel k = new Kernel();
                Task t = k.enter("t0");
                MmStruct mm = TestMm.mm(k);
                TestMm.anon(mm, A, A_END, TestMm.RW, "A");
                byte[] data = TestMm.pattern(16, 3);
                assertEquals(0, Fault.userStore(mm, A_END - 8, Arrays.copyOf(data, 8)));
                byte[] got = read(k, t, mm, A_END - 8, 16, 0, p, w, 8);
                assertArrayEquals(Arrays.copyOf(data, 8), got);
                read(k, t, mm, A_END, 16, 0, p, w, 0); // starts in the hole: nothing
            }
    }

    /**
     * FOLL_FORCE reads a PROT_NONE mapping only where VM_MAYREAD is set (check_vma_flags): without
     * FOLL_FORCE nothing is read; with it, a VM_MAYREAD mapping reads (zeros, through a protnone
     * zero-page PTE, which GUP follows since FOLL_HONOR_NUMA_FAULT is not set), a mapping without
     * VM_MAYREAD does not.
     */
    @Test
    void forceReadsProtNoneOnlyWithMayread() {
        for (ReadPath p : ReadPath.values())
            for (WalkMode w : WalkMode.values()) {
                Kernel k = new Kernel();
                Task t = k.enter("t0");
                MmStruct mm = TestMm.mm(k);
                TestMm.anon(mm, A, A_END, Mm.VM_MAYREAD | Mm.VM_MAYWRITE, "A");
                TestMm.anon(mm, B, B_END, Mm.VM_MAYWRITE, "B");
                read(k, t, mm, A, 64, 0, p, w, 0);
                assertArrayEquals(new byte[64], read(k, t, mm, A, 64, FOLL_FORCE, p, w, 64));
                assertArrayEquals(new byte[64], read(k, t, mm, A, 64, FOLL_FORCE, p, w, 64));
                read(k, t, mm, B, 64, FOLL_FORCE, p, w, 0);
            }
    }

    /** A regular file mapping reads the file's contents (filemap_fault fills the page cache from disk). */
    @Test
    void fileMappingReadsTheFile() {
        for (ReadPath p : ReadPath.values())
            for (WalkMode w : WalkMode.values()) {
                Kernel k = new Kernel();
                Task t = k.enter("t0");
                MmStruct mm = TestMm.mm(k);
                byte[] contents = TestMm.pattern(3 * Page.PAGE_SIZE, 11);
                File f = Filemap.init(new File("f", contents));
                TestMm.map(mm, A, A + 3 * Page.PAGE_SIZE, TestMm.RO, f, 0, "F");
                byte[] got = read(k, t, mm, A + 100, 2 * Page.PAGE_SIZE, 0, p, w, 2 * Page.PAGE_SIZE);
                assertArrayEquals(Arrays.copyOfRange(contents, 100, 100 + 2 * Page.PAGE_SIZE), got);
                got = read(k, t, mm, A + 100, 2 * Page.PAGE_SIZE, 0, p, w, 2 * Page.PAGE_SIZE);
                assertArrayEquals(Arrays.copyOfRange(contents, 100, 100 + 2 * Page.PAGE_SIZE), got);
            }
    }

    /**
     * FOLL_ANON (/proc/PID/cmdline, environ) refuses file mappings: check_vma_flags gives -EFAULT,
     * there is no vm_ops->access, so the read is short (here: nothing), never file data (F3).
     */
    @Test
    void follAnonRefusesFileMappings() {
        for (ReadPath p : ReadPath.values())
            for (WalkMode w : WalkMode.values()) {
                Kernel k = new Kernel();
                Task t = k.enter("t0");
                MmStruct mm = TestMm.mm(k);
                TestMm.anon(mm, A, A_END, TestMm.RW, "A");
                File f = Filemap.init(new File("f", TestMm.pattern(2 * Page.PAGE_SIZE, 5)));
                TestMm.map(mm, B, B_END, TestMm.RO, f, 0, "F");
                read(k, t, mm, B, 64, 0, p, w, 64); // populate the page cache and the PTE
                read(k, t, mm, B, 64, FOLL_ANON, p, w, 0);
                read(k, t, mm, A_END - 16, 64, FOLL_ANON, p, w, 16); // stops at the file mapping
            }
    }

    /**
     * VM_IO | VM_PFNMAP mappings are never read through struct page (check_vma_flags -EFAULT; the
     * fast paths refuse them): with vm_ops->access = generic_access_phys the device's contents come
     * back; without ->access the read stops.
     */
    @Test
    void ioPfnmapGoThroughAccessOrStop() {
        for (ReadPath p : ReadPath.values())
            for (WalkMode w : WalkMode.values()) {
                Kernel k = new Kernel();
                Task t = k.enter("t0");
                MmStruct mm = TestMm.mm(k);
                byte[] contents = TestMm.pattern(2 * Page.PAGE_SIZE, 21);
                DevMem.Device d = DevMem.create(k, "dev", contents);
                VmAreaStruct v = TestMm.map(mm, A, A_END, TestMm.RW | Mm.VM_SHARED | Mm.VM_MAYSHARE, d.file(), 0, "D");
                assertEquals(Mm.VM_IO | Mm.VM_PFNMAP, v.vmFlags.peek() & (Mm.VM_IO | Mm.VM_PFNMAP));
                byte[] got = read(k, t, mm, A + 10, 5000, 0, p, w, 5000);
                assertArrayEquals(Arrays.copyOfRange(contents, 10, 5010), got);

                DevMem.Device d2 = DevMem.create(k, "dev2", contents);
                VmAreaStruct v2 = TestMm.map(mm, B, B_END, TestMm.RW | Mm.VM_SHARED | Mm.VM_MAYSHARE, d2.file(), 0, "E");
                MmapLock.mmapWriteLock(mm);
                MmapLock.vmaStartWrite(v2);
                v2.vmOps.set(VmOperations.DUMMY); // a driver without ->access
                MmapLock.mmapWriteUnlock(mm);
                read(k, t, mm, B, 64, 0, p, w, 0);
            }
    }

    /**
     * What a thread of the target stores (Fault.userStore: MMU walk, write faults, COW of the zero
     * page) is read back by every read path and walk mode, across a page and a VMA boundary, with and
     * without FOLL_FORCE; and a FOLL_WRITE access writes through the slow path.
     */
    @Test
    void userStoresAreReadBackByEveryPath() {
        for (ReadPath p : ReadPath.values())
            for (WalkMode w : WalkMode.values()) {
                Kernel k = new Kernel();
                Task t = k.enter("t0");
                MmStruct mm = TestMm.mm(k);
                TestMm.anon(mm, A, A_END, TestMm.RW, "A");
                TestMm.anon(mm, B, B_END, TestMm.RW, "B");
                assertArrayEquals(new byte[32], read(k, t, mm, A + 0x1000 - 16, 32, 0, p, w, 32)); // zero page mapped
                byte[] data = TestMm.pattern(0x1000 + 64, 9);
                assertEquals(0, Fault.userStore(mm, A + 0x1000 - 32, data)); // do_wp_page on the zero page, then B
                assertTrue(k.reports.all().isEmpty(), () -> k.reports.all().toString());
                byte[] got = read(k, t, mm, A + 0x1000 - 32, data.length, 0, p, w, data.length);
                assertArrayEquals(data, got);
                got = read(k, t, mm, A + 0x1000 - 32, data.length, FOLL_FORCE, p, w, data.length);
                assertArrayEquals(data, got);

                byte[] w2 = TestMm.pattern(8, 99);
                TestMm.Balance before = TestMm.balance(k, mm);
                assertEquals(8, Memory.accessRemoteVm(mm, B + 4, w2, 8, FOLL_WRITE | FOLL_FORCE, p, w));
                TestMm.assertBalanced(k, t, before);
                assertArrayEquals(w2, read(k, t, mm, B + 4, 8, 0, p, w, 8));
            }
    }

    /**
     * Bad input returns 0 and never throws: len 0 (the kernel takes the lock and returns 0),
     * negative len, a range that overflows, addresses above TASK_SIZE (no VMA: vma_lookup and
     * expand_stack fail).
     */
    @Test
    void badInputReturnsZero() {
        for (ReadPath p : ReadPath.values())
            for (WalkMode w : WalkMode.values()) {
                Kernel k = new Kernel();
                Task t = k.enter("t0");
                MmStruct mm = TestMm.mm(k);
                TestMm.anon(mm, A, A_END, TestMm.RW, "A");
                read(k, t, mm, A, 0, 0, p, w, 0);
                TestMm.Balance before = TestMm.balance(k, mm);
                assertEquals(0, Memory.accessRemoteVm(mm, A, new byte[8], -5, 0, p, w));
                assertEquals(0, Memory.accessRemoteVm(mm, A, new byte[8], 16, 0, p, w)); // buffer too small
                TestMm.assertBalanced(k, t, before);
                read(k, t, mm, -8L, 16, 0, p, w, 0);
                read(k, t, mm, Mm.TASK_SIZE, 16, 0, p, w, 0);
                read(k, t, mm, Mm.TASK_SIZE + 0x100000, 16, 0, p, w, 0);
                read(k, t, mm, Long.MAX_VALUE - 4, 16, 0, p, w, 0);
            }
    }

    /**
     * A DONTNEED-style zap (zap_page_range_single_batched under mmap read) makes anonymous memory
     * read as zeros again (A4) and frees its folio after the TLB flush; with reclaim_pt the emptied
     * PTE table is unlinked and freed after an RCU grace period.
     */
    @Test
    void dontneedZapReadsZerosAgain() {
        for (boolean reclaimPt : new boolean[] { false, true }) {
            Kernel k = new Kernel();
            Task t = k.enter("t0");
            MmStruct mm = TestMm.mm(k);
            long start = 0x200000, end = 0x400000; // one whole PTE table
            VmAreaStruct v = TestMm.anon(mm, start, end, TestMm.RW, "A");
            byte[] data = TestMm.pattern(100, 1);
            assertEquals(0, Fault.userStore(mm, start + 0x3000, data));
            Page folio = TestMm.pageAt(mm, start + 0x3000);
            assertNotEquals(null, folio);
            Ptep pmd = Rmap.mmFindPmd(mm, start);
            Page pteTable = Pgtable.tablePage(pmd.peek());
            int inUse = k.pages.inUse();

            MmapLock.mmapReadLock(mm);
            MmuGather tlb = MmuGather.tlbGatherMmu(mm);
            ZapDetails details = new ZapDetails();
            details.reclaimPt = reclaimPt;
            details.evenCows = true; // madvise_dontneed_single_vma
            Memory.zapPageRangeSingleBatched(tlb, v, start, end - start, details);
            MmuGather.tlbFinishMmu(tlb);
            MmapLock.mmapReadUnlock(mm);

            assertTrue(folio.freed, "the zapped folio is freed after the flush");
            assertEquals(reclaimPt, pteTable.freed, "PTE table freed only with reclaim_pt");
            assertEquals(reclaimPt ? 0 : Pgtable.mkTableEntry(pteTable), pmd.peek());
            assertTrue(k.pages.inUse() < inUse);
            for (ReadPath p : ReadPath.values())
                for (WalkMode w : WalkMode.values())
                    assertArrayEquals(new byte[100], read(k, t, mm, start + 0x3000, 100, 0, p, w, 100));
        }
    }

    /**
     * lock_vma_under_rcu returns NULL for a VMA that is write-locked (vm_lock_seq == mm_lock_seq)
     * and for an address whose VMA was detached and removed from the tree; vma_start_read on a
     * detached VMA reports -EAGAIN. Nothing is left held.
     */
    @Test
    void lockVmaUnderRcuRefusesWriteLockedAndDetached() {
        Kernel k = new Kernel();
        Task t = k.enter("t0");
        MmStruct mm = TestMm.mm(k);
        VmAreaStruct a = TestMm.anon(mm, A, A_END, TestMm.RW, "A");
        VmAreaStruct b = TestMm.anon(mm, B, B_END, TestMm.RW, "B");
        VmAreaStruct got = MmapLock.lockVmaUnderRcu(mm, A);
        assertSame(a, got);
        MmapLock.vmaEndRead(got);

        MmapLock.mmapWriteLock(mm);
        MmapLock.vmaStartWrite(a);
        assertNull(MmapLock.lockVmaUnderRcu(mm, A));
        MmapLock.vmaStartWrite(b);
        MmapLock.vmaMarkDetached(b);
        assertTrue(mm.mmMt.store(B, B_END - 1, null));
        MmapLock.mmapWriteUnlock(mm);
        assertNull(MmapLock.lockVmaUnderRcu(mm, B));
        k.rcu.readLock();
        assertEquals(-Errno.EAGAIN, Err.ptrErr(MmapLock.vmaStartRead(mm, b))); // ERR_PTR(-EAGAIN); drops RCU
        assertEquals(1, a.vmRefcnt.peek());
        assertEquals(0, b.vmRefcnt.peek());
        TestMm.assertBalanced(k, t, TestMm.balance(k, mm));
    }

    /**
     * A page that reclaim wrote to swap (the PTE replaced by a swap entry by try_to_unmap, the folio
     * dropped from the swap cache and freed) is read back through do_swap_page by every path; a
     * user store to it faults it back in writable.
     */
    @Test
    void swappedOutPagesAreReadBack() {
        for (ReadPath p : ReadPath.values()) {
            Kernel k = new Kernel();
            Task t = k.enter("t0");
            MmStruct mm = TestMm.mm(k);
            TestMm.anon(mm, A, A_END, TestMm.RW, "A");
            byte[] data = TestMm.pattern(200, 4);
            assertEquals(0, Fault.userStore(mm, A + 0x1000 - 100, data));
            for (long at : new long[] { A, A + 0x1000 }) {
                Page folio = TestMm.pageAt(mm, at);
                // shrink_folio_list, reduced: isolate (ref), lock, add to swap, unmap, write, remove
                Swap.folioGet(folio);
                assertTrue(Filemap.folioTrylock(folio));
                assertNotEquals(0L, SwapState.folioAllocSwap(folio));
                assertTrue(Rmap.tryToUnmap(folio, 0));
                SwapState.swapWritepage(folio);
                SwapState.deleteFromSwapCache(folio);
                Filemap.folioUnlock(folio);
                Swap.folioPut(folio);
                assertTrue(folio.freed);
            }
            assertTrue(Pgtable.isSwapPte(TestMm.pteAt(mm, A)));
            byte[] got = read(k, t, mm, A + 0x1000 - 100, 200, 0, p, WalkMode.RCU, 200);
            assertArrayEquals(data, got);
            byte[] more = TestMm.pattern(10, 77);
            assertEquals(0, Fault.userStore(mm, A + 0x1000 - 5, more));
            got = read(k, t, mm, A + 0x1000 - 5, 10, 0, p, WalkMode.IRQ_OFF, 10);
            assertArrayEquals(more, got);
            assertTrue(k.reports.all().isEmpty(), () -> k.reports.all().toString());
        }
    }

    /**
     * A private file mapping written by the target gets a private copy (do_cow_fault); the reader
     * sees the copy, the page cache and the disk keep the file's data.
     */
    @Test
    void privateFileWriteIsCopyOnWrite() {
        Kernel k = new Kernel();
        Task t = k.enter("t0");
        MmStruct mm = TestMm.mm(k);
        byte[] contents = TestMm.pattern(Page.PAGE_SIZE, 50);
        File f = Filemap.init(new File("f", contents));
        TestMm.map(mm, A, A + Page.PAGE_SIZE, TestMm.RW, f, 0, "F");
        assertArrayEquals(Arrays.copyOf(contents, 16), read(k, t, mm, A, 16, 0, ReadPath.SLOW, WalkMode.RCU, 16));
        byte[] data = TestMm.pattern(16, 3);
        assertEquals(0, Fault.userStore(mm, A, data)); // do_wp_page on the file page: copy
        assertArrayEquals(data, read(k, t, mm, A, 16, 0, ReadPath.FAST_ONE_VMA, WalkMode.RCU, 16));
        Page cached = f.iPages.get(0).peek();
        byte[] inCache = new byte[16];
        cached.peekBytes(0, inCache, 0, 16);
        assertArrayEquals(Arrays.copyOf(contents, 16), inCache);
        assertTrue(k.reports.all().isEmpty(), () -> k.reports.all().toString());
    }

    /** A store to an unmapped or read-only address is SIGSEGV (-EFAULT), and changes nothing. */
    @Test
    void userStoreFaultsOnBadAddresses() {
        Kernel k = new Kernel();
        Task t = k.enter("t0");
        MmStruct mm = TestMm.mm(k);
        TestMm.anon(mm, A, A_END, TestMm.RO, "A");
        assertEquals(-mmrace.runtime.Errno.EFAULT, Fault.userStore(mm, B, new byte[4]));
        assertEquals(-mmrace.runtime.Errno.EFAULT, Fault.userStore(mm, A, new byte[4]));
        assertArrayEquals(new byte[4], read(k, t, mm, A, 4, 0, ReadPath.SLOW, WalkMode.RCU, 4));
        TestMm.assertBalanced(k, t, TestMm.balance(k, mm));
    }

    /**
     * FW_ZEROPAGE. The patch walks with folio_walk_start(..., FW_VMA_LOCKED): a zero-page PTE has no
     * normal page (vm_normal_page is NULL for it), so the walk returns NULL and the fast path falls
     * back to the mmap_lock path, which reads zeros. With the model-only option (FW_VMA_LOCKED |
     * FW_ZEROPAGE) the walk returns the zero page (fw.page NULL) and the fast path copies zeros
     * under the VMA lock, without falling back.
     */
    @Test
    void zeroPagePteFallsBackUnlessAskedFor() {
        for (WalkMode w : WalkMode.values()) {
            Kernel k = new Kernel();
            Recorder rec = new Recorder();
            Task t = k.newTask("t0", rec);
            t.bind();
            MmStruct mm = TestMm.mm(k);
            TestMm.anon(mm, A, A_END, TestMm.RW, "A");
            byte[] buf = new byte[64];
            assertEquals(64, Memory.accessRemoteVm(mm, A + 0x100, buf, 64, 0, ReadPath.SLOW, w)); // maps the zero page
            assertTrue(Memory.isZeroPfn(Pgtable.ptePfn(TestMm.pteAt(mm, A))), "a zero-page PTE");
            TestMm.Balance before = TestMm.balance(k, mm);
            for (ReadPath p : new ReadPath[] { ReadPath.FAST_V1, ReadPath.FAST_ONE_VMA, ReadPath.FAST_ONE_VMA_REDO }) {
                rec.clear();
                java.util.Arrays.fill(buf, (byte) 1);
                assertEquals(64, Memory.accessRemoteVm(mm, A + 0x100, buf, 64, 0, p, w));
                assertArrayEquals(new byte[64], buf, p + "/" + w);
                assertTrue(rec.hit("access_remote_vm_fast: falls back: not present"), p + "/" + w + ": " + rec.probes);
                assertTrue(rec.hit("__access_remote_vm: copied from a GUP page"), p + "/" + w + ": " + rec.probes);
                assertFalse(rec.hit("access_remote_vm_fast: zero page, copied zeros"), rec.probes::toString);
                rec.clear();
                java.util.Arrays.fill(buf, (byte) 1);
                assertEquals(64, Memory.accessRemoteVm(mm, A + 0x100, buf, 64, 0, p, w, true));
                assertArrayEquals(new byte[64], buf, p + "/" + w + " zero page");
                assertTrue(rec.hit("access_remote_vm_fast: zero page, copied zeros"), p + "/" + w + ": " + rec.probes);
                assertFalse(rec.hit("__access_remote_vm: copied from a GUP page"), rec.probes::toString);
            }
            TestMm.assertBalanced(k, t, before);
            Task.unbind();
        }
    }
}
