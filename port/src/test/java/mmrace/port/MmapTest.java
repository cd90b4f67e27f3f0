package mmrace.port;

import mmrace.runtime.Errno;
import org.junit.jupiter.api.Test;

import java.util.List;

import static mmrace.port.Mm.*;
import static mmrace.port.MmFixture.ANON;
import static mmrace.port.MmFixture.P;
import static mmrace.port.MmFixture.RW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * mmap(2) through ksys_mmap_pgoff -> vm_mmap_pgoff -> do_mmap -> mmap_region, on address ranges
 * with nothing mapped (so no unmap runs and no page table is touched).
 */
class MmapTest {
    final MmFixture f = new MmFixture();

    /**
     * An anonymous private mapping without a hint goes top-down right below mmap_base; the VMA is
     * anonymous (vm_ops NULL), accounted (private writable), soft-dirty, pgoff = addr >> PAGE_SHIFT,
     * attached once (vm_refcnt 1), and readable under a per-VMA lock once mmap_write_unlock ended
     * the write section (its vm_lock_seq is the old, odd mm_lock_seq).
     */
    @Test
    void anonymousMappingIsAttachedAndUnlockedAfterUnlock() {
        long addr = Syscalls.mmap(f.mm, 0, 2 * P, RW, ANON, null, 0, "A");
        assertEquals(Mmap.MMAP_BASE - 2 * P, addr);
        VmAreaStruct a = f.vmaAt(addr);
        assertEquals("A", a.name());
        assertEquals(addr, a.vmStart.peek());
        assertEquals(addr + 2 * P, a.vmEnd.peek());
        assertEquals(addr >>> 12, a.vmPgoff.peek());
        assertNull(a.vmOps.peek());
        assertEquals(VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | VM_ACCOUNT | VM_SOFTDIRTY, a.vmFlags.peek());
        assertEquals(Pgtable.vmGetPageProt(a.vmFlags.peek()), a.vmPageProt.peek());
        assertEquals(1, a.vmRefcnt.peek());
        assertEquals(1, f.mm.mapCount.peek());
        assertEquals(2, f.mm.mmLockSeq.peek(), "one write section: seq 0 -> 1 -> 2");
        assertEquals(1, a.vmLockSeq.peek(), "write-locked in that section");
        f.assertQuiescent();

        VmAreaStruct locked = MmapLock.lockVmaUnderRcu(f.mm, addr + P);
        assertSame(a, locked);
        assertEquals(2, a.vmRefcnt.peek());
        MmapLock.vmaEndRead(a);
        f.assertQuiescent();
    }

    /**
     * A second compatible anonymous mapping placed right below the first is merged into it
     * (vma_merge_new_range -> vma_expand): still one VMA, the same object, now twice as long.
     */
    @Test
    void adjacentCompatibleMappingIsMergedIntoTheExistingVma() {
        long a = Syscalls.mmap(f.mm, 0, 2 * P, RW, ANON, null, 0, "A");
        long b = Syscalls.mmap(f.mm, 0, 2 * P, RW, ANON, null, 0, "B");
        assertEquals(a - 2 * P, b);
        assertEquals("A[" + Long.toHexString(b) + "-" + Long.toHexString(a + 2 * P) + ")", f.layout());
        assertEquals(b >>> 12, f.vmaAt(b).vmPgoff.peek());
        assertEquals(1, f.mm.mapCount.peek());
        assertEquals(1, f.liveVmas());
        f.assertQuiescent();
    }

    /** Mappings with different protections are not merged. */
    @Test
    void incompatibleNeighbourIsNotMerged() {
        f.fixedAnon(0x10000, P, RW, "A");
        f.fixedAnon(0x11000, P, PROT_READ, "B");
        assertEquals("A[10000-11000) B[11000-12000)", f.layout());
        assertEquals(2, f.mm.mapCount.peek());
        f.assertQuiescent();
    }

    /**
     * A file mapping: f_op->mmap runs on the new VMA while it is detached (vm_refcnt 0) under mmap
     * write, and may set vm_ops; the VMA is linked into the file's i_mmap; MAP_SHARED gives
     * VM_SHARED|VM_MAYSHARE and, being shared writable with write-back, a read-only vm_page_prot
     * (vma_wants_writenotify); pgoff is the file offset.
     */
    @Test
    void sharedFileMapping() {
        File file = new File("f", new byte[4 * (int) P]);
        VmOperations ops = new VmOperations() {};
        int[] refcntSeen = {-1};
        boolean[] writeLocked = {false};
        file.fOpMmap = vma -> {
            refcntSeen[0] = vma.vmRefcnt.peek();
            writeLocked[0] = f.mm.mmapLock.isWriteLockedBy(f.t);
            vma.vmOps.set(ops);
            return 0;
        };
        long addr = Syscalls.mmap(f.mm, 0x20000, 2 * P, RW, MAP_SHARED, file, 1, "F");
        assertEquals(0x20000, addr, "the hint is free");
        VmAreaStruct v = f.vmaAt(addr);
        assertEquals(0, refcntSeen[0]);
        assertTrue(writeLocked[0]);
        assertSame(file, v.vmFile.peek());
        assertSame(ops, v.vmOps.peek());
        assertEquals(1, v.vmPgoff.peek());
        assertEquals(VM_SHARED | VM_MAYSHARE, v.vmFlags.peek() & (VM_SHARED | VM_MAYSHARE));
        assertEquals(0, v.vmFlags.peek() & VM_ACCOUNT, "shared mappings are not accounted");
        assertEquals(Pgtable.PAGE_READONLY, v.vmPageProt.peek(), "write-notify: read-only until written");
        assertEquals(List.of(v), file.iMmap);
        f.assertQuiescent();
    }

    /** A private file mapping: no VM_SHARED, COW protections (read-only PTEs). */
    @Test
    void privateFileMapping() {
        File file = new File("f", new byte[2 * (int) P]);
        long addr = Syscalls.mmap(f.mm, 0, 2 * P, RW, MAP_PRIVATE, file, 0, "F");
        VmAreaStruct v = f.vmaAt(addr);
        assertSame(file, v.vmFile.peek());
        assertEquals(0, v.vmFlags.peek() & (VM_SHARED | VM_MAYSHARE));
        assertEquals(Pgtable.PAGE_READONLY, v.vmPageProt.peek());
        assertEquals(List.of(v), file.iMmap);
        f.assertQuiescent();
    }

    /** A non-fixed hint below mmap_min_addr is rounded up to it (round_hint_to_min). */
    @Test
    void lowHintIsRoundedUpToMmapMinAddr() {
        assertEquals(Mmap.MMAP_MIN_ADDR, Syscalls.mmap(f.mm, 0x1000, P, RW, ANON, null, 0, "A"));
        f.assertQuiescent();
    }

    /** A hint that overlaps a mapping is ignored: the top-down search picks the address. */
    @Test
    void occupiedHintFallsBackToTheSearch() {
        f.fixedAnon(0x10000, 2 * P, RW, "A");
        assertEquals(Mmap.MMAP_BASE - P, Syscalls.mmap(f.mm, 0x11000, P, PROT_READ, ANON, null, 0, "B"));
        f.assertQuiescent();
    }

    /** MAP_FIXED_NOREPLACE over a mapping fails with -EEXIST and changes nothing. */
    @Test
    void fixedNoreplaceOverAMappingIsEexist() {
        f.fixedAnon(0x10000, 2 * P, RW, "A");
        assertEquals(-Errno.EEXIST, Syscalls.mmap(f.mm, 0x11000, P, RW, ANON | MAP_FIXED_NOREPLACE, null, 0, "B"));
        assertEquals("A[10000-12000)", f.layout());
        f.assertQuiescent();
    }

    /** The kernel's errno for each kind of bad argument; nothing is mapped and the lock is free. */
    @Test
    void badArguments() {
        assertEquals(-Errno.EINVAL, Syscalls.mmap(f.mm, 0, 0, RW, ANON, null, 0, "x"), "len 0");
        assertEquals(-Errno.EINVAL, Syscalls.mmap(f.mm, 0x10800, P, RW, ANON | MAP_FIXED, null, 0, "x"), "unaligned MAP_FIXED");
        assertEquals(-Errno.ENOMEM, Syscalls.mmap(f.mm, 0, -P, RW, ANON, null, 0, "x"), "PAGE_ALIGN(len) overflows to 0");
        assertEquals(-Errno.ENOMEM, Syscalls.mmap(f.mm, Mm.TASK_SIZE, P, RW, ANON | MAP_FIXED, null, 0, "x"), "above TASK_SIZE");
        assertEquals(-Errno.ENOMEM, Syscalls.mmap(f.mm, 0, Mm.TASK_SIZE + P, RW, ANON, null, 0, "x"), "longer than TASK_SIZE");
        assertEquals(-Errno.EPERM, Syscalls.mmap(f.mm, 0x1000, P, RW, ANON | MAP_FIXED, null, 0, "x"), "MAP_FIXED below mmap_min_addr");
        assertEquals(-Errno.EINVAL, Syscalls.mmap(f.mm, 0, P, RW, MAP_ANONYMOUS, null, 0, "x"), "neither shared nor private");
        assertEquals(-9, Syscalls.mmap(f.mm, 0, P, RW, MAP_PRIVATE, null, 0, "x"), "no file: -EBADF");
        File file = new File("f", new byte[(int) P]);
        assertEquals(-75, Syscalls.mmap(f.mm, 0, 2 * P, RW, MAP_PRIVATE, file, -1, "x"), "pgoff overflow: -EOVERFLOW");
        assertEquals(-Errno.EINVAL, Syscalls.mmap(f.mm, 0, P, RW, MAP_PRIVATE | MAP_GROWSDOWN, file, 0, "x"), "grows-down file");
        assertEquals("", f.layout());
        assertEquals(0, f.liveVmas());
        f.assertQuiescent();
    }

    /** mas_preallocate failing (-ENOMEM) frees the new VMA and maps nothing. */
    @Test
    void treePreallocationFailure() {
        f.k.faults.failNth("maple:prealloc", "*", 1);
        assertEquals(-Errno.ENOMEM, Syscalls.mmap(f.mm, 0x10000, P, RW, ANON | MAP_FIXED, null, 0, "A"));
        assertEquals("", f.layout());
        assertEquals(0, f.liveVmas());
        f.assertQuiescent();
    }

    /** vm_area_alloc failing gives -ENOMEM. */
    @Test
    void vmaAllocationFailure() {
        f.k.faults.failNth("slab:vm_area_struct", "*", 1);
        assertEquals(-Errno.ENOMEM, Syscalls.mmap(f.mm, 0x10000, P, RW, ANON | MAP_FIXED, null, 0, "A"));
        assertEquals("", f.layout());
        f.assertQuiescent();
    }

    /**
     * vma_is_shared_maywrite (include/linux/mm.h; fork's dup_mmap calls mapping_allow_writable for
     * such a child VMA): true for a MAP_SHARED mapping that may be made writable, even while it is
     * mapped read-only (VM_MAYWRITE without VM_WRITE); false for a private writable mapping and for
     * a shared mapping of a file that may not be written.
     */
    @Test
    void sharedMaywriteIsAboutTheMappingNotTheProtection() {
        File file = new File("f", new byte[4 * (int) P]);
        long shared = Syscalls.mmap(f.mm, 0x20000, P, PROT_READ, MAP_SHARED, file, 0, "S");
        long priv = Syscalls.mmap(f.mm, 0x30000, P, RW, MAP_PRIVATE, file, 0, "P");
        assertTrue(vmaIsSharedMaywrite(f.vmaAt(shared)), "MAP_SHARED, PROT_READ: VM_SHARED | VM_MAYWRITE");
        assertTrue(!vmaIsSharedMaywrite(f.vmaAt(priv)), "MAP_PRIVATE, writable: not shared");
        MmapLock.mmapWriteLock(f.mm);
        VmAreaStruct s = f.vmaAt(shared);
        vmFlagsClear(s, VM_MAYWRITE); // what mmap of a file opened read-only leaves
        assertTrue(!vmaIsSharedMaywrite(s), "VM_SHARED without VM_MAYWRITE");
        MmapLock.mmapWriteUnlock(f.mm);
        f.assertQuiescent();
    }
}
