package mmrace.port;

import mmrace.runtime.Err;
import mmrace.runtime.Errno;
import mmrace.runtime.Kernel;
import mmrace.runtime.Report;
import mmrace.runtime.Task;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Per-VMA locks single-threaded (mm/mmap_lock.c): lock_vma_under_rcu read-locks an attached,
 * unlocked VMA and refuses a write-locked or detached one; vm_refcnt (0 detached, 1 attached, +1
 * per reader, + VM_REFCNT_EXCLUDE_READERS_FLAG while a writer waits for readers) and mm_lock_seq
 * (odd while mmap_lock is held for writing) move as mm/mmap_lock.c moves them; changing an
 * attached VMA without vma_start_write is reported.
 */
class MmapLockTest {
    Kernel k;
    Task t;
    MmStruct mm;

    @BeforeEach
    void setUp() {
        k = new Kernel();
        t = k.enter("t0");
        mm = MmStruct.mmAlloc(k, "mm");
    }

    @AfterEach
    void tearDown() {
        Task.unbind();
    }

    /** A VMA [start, end) inserted the way __mmap_new_vma does: write-locked, attached, stored. */
    VmAreaStruct insert(String name, long start, long end) {
        MmapLock.mmapWriteLock(mm);
        VmAreaStruct v = VmaInit.vmAreaAlloc(mm);
        v.label = name;
        v.vmStart.set(start);
        v.vmEnd.set(end);
        v.vmFlags.set(Mm.VM_READ | Mm.VM_WRITE | Mm.VM_MAYREAD | Mm.VM_MAYWRITE);
        v.vmOps.set(null);
        MmapLock.vmaStartWrite(v);
        MmapLock.vmaMarkAttached(v);
        mm.mmMt.store(start, end - 1, v);
        MmapLock.mmapWriteUnlock(mm);
        return v;
    }

    @Test
    void locksAnAttachedUnlockedVma() {
        VmAreaStruct a = insert("A", 0x10000, 0x12000);
        assertEquals(1, a.vmRefcnt.peek());
        VmAreaStruct got = MmapLock.lockVmaUnderRcu(mm, 0x11000);
        assertSame(a, got);
        assertEquals(2, a.vmRefcnt.peek(), "one read reference");
        MmapLock.vmaEndRead(got);
        assertEquals(1, a.vmRefcnt.peek());
        assertNull(MmapLock.lockVmaUnderRcu(mm, 0x12000), "nothing mapped there");
        k.lockdep.checkReturnToUser(t);
        assertTrue(k.reports.isEmpty(), k.reports.all().toString());
    }

    @Test
    void refusesAWriteLockedVma() {
        VmAreaStruct a = insert("A", 0x10000, 0x12000);
        MmapLock.mmapWriteLock(mm);
        assertEquals(1, mm.mmLockSeq.peek() & 1, "mm_lock_seq is odd while mmap_lock is write-locked");
        MmapLock.vmaStartWrite(a);
        assertEquals(mm.mmLockSeq.peek(), a.vmLockSeq.peek());
        assertNull(MmapLock.lockVmaUnderRcu(mm, 0x10000));
        assertEquals(1, a.vmRefcnt.peek(), "the failed reader left no reference");
        MmapLock.mmapWriteUnlock(mm);
        assertEquals(0, mm.mmLockSeq.peek() & 1);
        VmAreaStruct got = MmapLock.lockVmaUnderRcu(mm, 0x10000);
        assertSame(a, got, "mmap_write_unlock ends every VMA write lock of the section");
        MmapLock.vmaEndRead(got);
        k.lockdep.checkReturnToUser(t);
        assertTrue(k.reports.isEmpty(), k.reports.all().toString());
    }

    @Test
    void refusesADetachedVma() {
        VmAreaStruct a = insert("A", 0x10000, 0x12000);
        MmapLock.mmapWriteLock(mm);
        MmapLock.vmaStartWrite(a);
        MmapLock.vmaMarkDetached(a);
        assertEquals(0, a.vmRefcnt.peek());
        k.rcu.readLock();
        assertNull(MmapLock.vmaStartRead(mm, a), "while the writer holds mmap_lock, the early vm_lock_seq check fails first");
        MmapLock.mmapWriteUnlock(mm);
        // a reader that found the detached VMA in the tree before it was removed: -EAGAIN, retry
        k.rcu.readLock();
        VmAreaStruct got = MmapLock.vmaStartRead(mm, a);
        assertTrue(Err.isErr(got), "a detached VMA gives an error pointer");
        assertEquals(-Errno.EAGAIN, Err.ptrErr(got), "a detached VMA gives ERR_PTR(-EAGAIN)");
        assertTrue(!t.inRcuReadSection(), "vma_start_read leaves the RCU section on failure");
        MmapLock.mmapWriteLock(mm);
        mm.mmMt.store(0x10000, 0x11fff, null);
        MmapLock.mmapWriteUnlock(mm);
        assertNull(MmapLock.lockVmaUnderRcu(mm, 0x10000));
        VmaInit.vmAreaFree(a);
        k.lockdep.checkReturnToUser(t);
        assertTrue(k.reports.isEmpty(), k.reports.all().toString());
    }

    /**
     * vma_start_write_killable (fork's dup_mmap write-locks each source VMA with it): like
     * vma_start_write it marks readers excluded and waits for the readers to leave, but a fatal
     * signal ends the wait with -EINTR, the exclusion flag taken off again and the VMA not
     * write-locked. With no reader it write-locks at once; a second call in the same mmap_lock
     * section returns 0 without waiting.
     */
    @Test
    void vmaStartWriteKillableGivesUpOnAFatalSignal() throws Exception {
        VmAreaStruct a = insert("A", 0x10000, 0x12000);
        // a reader on another thread (task "reader") holds A's read lock: vm_refcnt 2
        Task[] reader = new Task[1];
        VmAreaStruct[] got = new VmAreaStruct[1];
        Thread r = new Thread(() -> {
            reader[0] = k.enter("reader");
            got[0] = MmapLock.lockVmaUnderRcu(mm, 0x10000);
        });
        r.start();
        r.join();
        assertSame(a, got[0]);
        assertEquals(2, a.vmRefcnt.peek());
        MmapLock.mmapWriteLock(mm);
        t.fatalSignal = true;
        assertEquals(-Errno.EINTR, MmapLock.vmaStartWriteKillable(a), "a reader is inside: the killed writer gives up");
        assertEquals(2, a.vmRefcnt.peek(), "VM_REFCNT_EXCLUDE_READERS_FLAG taken off again");
        assertTrue(a.vmLockSeq.peek() != mm.mmLockSeq.peek(), "not write-locked");
        t.fatalSignal = false;
        r = new Thread(() -> {
            reader[0].bind();
            MmapLock.vmaEndRead(got[0]);
        });
        r.start();
        r.join();
        assertEquals(0, MmapLock.vmaStartWriteKillable(a), "no reader: write-locked at once");
        assertEquals(mm.mmLockSeq.peek(), a.vmLockSeq.peek());
        assertEquals(1, a.vmRefcnt.peek());
        assertEquals(0, MmapLock.vmaStartWriteKillable(a), "already write-locked in this section");
        MmapLock.mmapWriteUnlock(mm);
        k.lockdep.checkReturnToUser(t);
        assertTrue(k.reports.isEmpty(), k.reports.all().toString());
    }

    @Test
    void rangeRecheckRejectsAShrunkVma() {
        VmAreaStruct a = insert("A", 0x10000, 0x12000);
        // the tree still maps 0x11000 to A, but A was shrunk (as in a split before the new piece is stored)
        MmapLock.mmapWriteLock(mm);
        MmapLock.vmaStartWrite(a);
        a.vmEnd.set(0x11000);
        MmapLock.mmapWriteUnlock(mm);
        assertNull(MmapLock.lockVmaUnderRcu(mm, 0x11000), "address outside the locked VMA");
        assertEquals(1, a.vmRefcnt.peek());
        assertTrue(k.reports.isEmpty(), k.reports.all().toString());
    }

    @Test
    void changingAVmaWithoutVmaStartWriteIsReported() {
        VmAreaStruct a = insert("A", 0x10000, 0x12000);
        MmapLock.mmapWriteLock(mm);
        a.vmFlags.set(Mm.VM_READ); // no vma_start_write(a)
        MmapLock.mmapWriteUnlock(mm);
        assertEquals(1, k.reports.all().stream().filter(r -> r.kind() == Report.Kind.LOCKDEP
                && r.title().equals("vma_assert_write_locked failed")).count(), k.reports.all().toString());
    }
}
