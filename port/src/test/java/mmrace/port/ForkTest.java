package mmrace.port;

import mmrace.runtime.Err;
import mmrace.runtime.Errno;
import mmrace.runtime.Kernel;
import mmrace.runtime.Mutant;
import mmrace.runtime.Page;
import mmrace.runtime.Report;
import mmrace.runtime.Task;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static mmrace.port.Mm.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Processes single-threaded: fork's dup_mmap/copy_page_range (mm/mmap.c, mm/memory.c) shares a
 * private anonymous page between parent and child write-protected in both, and the first store on
 * either side copies it (do_wp_page, wp_page_copy); a private file mapping that never had an
 * anon_vma is not copied at all (vma_needs_copy); the last mmput tears an address space down
 * (exit_mmap: every page, page table and VMA freed) and the last mmdrop frees the mm itself
 * (__mmdrop), after which touching it is a use-after-free; a VMA freed by one process and reused
 * by another is refused by vma_start_read for the first one (its {@code vm_mm != mm} branch).
 */
class ForkTest {
    static final long P = Page.PAGE_SIZE;
    static final int RW = PROT_READ | PROT_WRITE;
    static final int ANON = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;

    Kernel k;
    Recorder rec;
    Task t;
    TaskStruct parent;
    MmStruct mm;

    @BeforeEach
    void setUp() {
        k = new Kernel();
        rec = new Recorder();
        t = k.newTask("t0", rec);
        t.bind();
        mm = MmStruct.mmAlloc(k, "P1");
        parent = new TaskStruct("P1");
        parent.mm.set(mm);
    }

    @AfterEach
    void tearDown() {
        Mutant.set(Set.of());
        Task.unbind();
    }

    void anon(MmStruct m, long addr, long len, String label) {
        assertEquals(addr, Syscalls.mmap(m, addr, len, RW, ANON, null, 0, label), "mmap " + label);
    }

    void store(MmStruct m, long addr, char c) {
        assertEquals(0, Fault.userStore(m, addr, new byte[] {(byte) c}), "store at " + Long.toHexString(addr));
    }

    static long pte(MmStruct m, long addr) {
        return Pgtable.peekPte(m, addr);
    }

    Page page(MmStruct m, long addr) {
        long e = pte(m, addr);
        return Pgtable.ptePresent(e) ? k.pages.pfnToPage(Pgtable.ptePfn(e)) : null;
    }

    int load(MmStruct m, long addr) {
        Page p = page(m, addr);
        return p == null ? -1 : p.peekByte((int) (addr & (P - 1))) & 0xff;
    }

    static VmAreaStruct vmaAt(MmStruct m, long addr) {
        MapleTree.Node n = m.mmMt.peek();
        for (int i = 0; i < n.size(); i++)
            if (n.index(i) <= addr && addr <= n.last(i))
                return (VmAreaStruct) n.entry(i);
        return null;
    }

    TaskStruct fork(String comm) {
        TaskStruct child = Fork.kernelClone(parent, 0, comm);
        assertFalse(Err.isErr(child), "fork");
        return child;
    }

    /**
     * After fork, parent and child map the same page at 0x10000, read-only in both (COW), with
     * two mappings and two references and no longer exclusive to the parent. A store by the parent
     * then faults and copies (do_wp_page: not exclusive, wp_page_copy), and the child keeps the old
     * contents; the child's own store copies again, leaving the old page to nobody but the swap-less
     * free path.
     */
    @Test
    void forkSharesAnonymousPagesCopyOnWrite() {
        anon(mm, 0x10000, 2 * P, "A");
        store(mm, 0x10000, 'a');
        store(mm, 0x11000, 'a');
        Page shared = page(mm, 0x10000);
        TaskStruct child = fork("P2");
        MmStruct cmm = child.mm.get();
        assertNotSame(mm, cmm);
        VmAreaStruct ca = vmaAt(cmm, 0x10000), pa = vmaAt(mm, 0x10000);
        assertNotSame(pa, ca, "the child has its own VMA");
        assertSame(cmm, ca.vmMm.peek());
        assertEquals(0x12000, ca.vmEnd.peek());
        assertSame(shared, page(cmm, 0x10000), "the child maps the parent's page");
        assertFalse(Pgtable.pteWrite(pte(mm, 0x10000)), "parent's PTE write-protected");
        assertFalse(Pgtable.pteWrite(pte(cmm, 0x10000)), "child's PTE write-protected");
        assertEquals(1, shared.mapcount.peek(), "two mappings (_mapcount starts at -1)");
        assertEquals(2, shared.refcount.peek(), "a reference per mapping");
        assertEquals(0, shared.flags.peek() & Rmap.PG_ANON_EXCLUSIVE, "no longer exclusive");
        assertTrue(ca.anonVmaChain.contains(pa.anonVma.peek()), "the child's VMA is on the parent's anon_vma");
        assertNotSame(pa.anonVma.peek(), ca.anonVma.peek(), "and has an anon_vma of its own");
        assertTrue(Vma.vmaIsForkChild(ca));
        assertFalse(Vma.vmaIsForkChild(pa));
        assertTrue(rec.hit("__copy_present_ptes: COW mapping, write-protect the parent's PTE too"));

        store(mm, 0x10000, 'p');
        assertNotSame(shared, page(mm, 0x10000), "the parent's store copied the page");
        assertEquals('p', load(mm, 0x10000));
        assertEquals('a', load(cmm, 0x10000), "the child does not see the parent's store");
        assertEquals(0, shared.mapcount.peek(), "one mapping left: the child's");
        store(cmm, 0x11000, 'c');
        assertEquals('a', load(mm, 0x11000), "the parent does not see the child's store");
        assertEquals('c', load(cmm, 0x11000));
        assertEquals(List.of(), k.reports.all());
    }

    /**
     * A private file mapping that was only read has no anon_vma: fork does not copy its PTEs
     * (vma_needs_copy false), the child will fault its pages in from the page cache.
     */
    @Test
    void forkLeavesFileMappingsWithoutAnonVmaToBeRefaulted() {
        File f = Filemap.init(new File("F", filled(4 * P, (byte) 'f')));
        assertEquals(0x20000, Syscalls.mmap(mm, 0x20000, 4 * P, PROT_READ, MAP_PRIVATE | MAP_FIXED, f, 0, "C"));
        byte[] b = new byte[1];
        assertEquals(1, Memory.accessRemoteVm(mm, 0x20000, b, 1, MmTypes.FOLL_FORCE)); // fault it in
        assertTrue(Pgtable.ptePresent(pte(mm, 0x20000)));
        TaskStruct child = fork("P2");
        MmStruct cmm = child.mm.get();
        assertTrue(rec.hit("copy_page_range: vma_needs_copy false (file-backed, no anon_vma): refault later"));
        assertEquals(0, pte(cmm, 0x20000), "no PTE copied");
        assertEquals(1, Memory.accessRemoteVm(cmm, 0x20000, b, 1, MmTypes.FOLL_FORCE));
        assertEquals('f', b[0], "the child reads the file");
        assertTrue(f.iMmap.contains(vmaAt(cmm, 0x20000)), "the child's VMA is in the file's i_mmap");
        assertEquals(List.of(), k.reports.all());
    }

    /**
     * The last mmput tears the address space down: every VMA back to the cache, every page and
     * page table freed; the struct itself stays until the last mmdrop, and is then freed: a read
     * of its mm_users afterwards is a KASAN use-after-free.
     */
    @Test
    void lastMmputTearsDownAndLastMmdropFreesTheMm() {
        anon(mm, 0x10000, 2 * P, "A");
        anon(mm, 0x40000, P, "B");
        store(mm, 0x10000, 'a');
        store(mm, 0x40000, 'b');
        Page pa = page(mm, 0x10000);
        Page pgd = mm.pgd;
        Fork.mmgrab(mm); // a /proc/PID/mem file holds the struct
        Exit.exitMm(parent);
        assertNull(parent.mm.peek(), "the task has no mm");
        assertTrue(rec.hit("mmput: last mm_users reference, __mmput tears the address space down"));
        assertEquals(0, VmaInit.vmAreaCachep(k).live(), "every VMA freed");
        assertTrue(pa.freed, "its pages freed: refcount " + pa.refcount.peek() + " mapcount " + pa.mapcount.peek() + " rcu " + k.rcu.pendingCallbacks());
        assertEquals(0, mm.mmMt.peek().size(), "the tree emptied");
        assertFalse(mm.freed, "the struct outlives its address space while mm_count is held");
        assertFalse(Fork.mmgetNotZero(mm), "no new user of a dead address space");
        assertNull(Fork.getTaskMm(parent), "get_task_mm of an exited task");
        Fork.mmdrop(mm);
        assertTrue(mm.freed, "the last mmdrop freed it");
        assertTrue(pgd.freed, "and its pgd");
        assertEquals(List.of(), k.reports.all());
        mm.mmUsers.read();
        assertEquals(Report.Kind.KASAN, k.reports.all().get(0).kind(), "touching a freed mm: " + k.reports.all());
    }

    /**
     * A VMA freed by P1 (munmap) goes back to the one vm_area_struct cache and P2's next mmap gets
     * the same memory. A reader of P1 that found it under RCU before the munmap takes a reference
     * (it is attached again, in P2) and must then see vm_mm != mm: it drops the reference, holding
     * P2's mm with mmgrab across the drop, and fails. With the check gone (mutant) it read-locks
     * P2's VMA for P1.
     */
    @Test
    void vmaReusedByAnotherMmIsRefusedByVmaStartRead() {
        MmStruct mm2 = MmStruct.mmAlloc(k, "P2");
        anon(mm, 0x10000, P, "A");
        VmAreaStruct stale = vmaAt(mm, 0x10000);
        assertEquals(0, Syscalls.munmap(mm, 0x10000, P));
        assertTrue(stale.freed);
        anon(mm2, 0x10000, P, "A2");
        assertSame(stale, vmaAt(mm2, 0x10000), "the cache handed the same memory to P2");
        rec.clear();
        k.rcu.readLock();
        assertNull(MmapLock.vmaStartRead(mm, stale), "refused for P1");
        assertTrue(rec.hit("vma_start_read: vm_mm != mm (reused)"));
        assertFalse(t.inRcuReadSection(), "RCU released on failure");
        assertEquals(1, stale.vmRefcnt.peek(), "the reader's reference dropped");
        assertEquals(1, mm2.mmCount.peek(), "mmgrab/mmdrop balanced");

        Mutant.set(Set.of(Mutant.NO_MM_CHECK));
        k.rcu.readLock();
        VmAreaStruct wrong = MmapLock.vmaStartRead(mm, stale);
        assertSame(stale, wrong, "without the check: P2's VMA read-locked for P1");
        k.rcu.readUnlock();
        MmapLock.vmaEndRead(wrong);
        assertEquals(List.of(), k.reports.all());
    }

    /**
     * A fork that cannot allocate the second VMA's copy fails with -ENOMEM; the half-built child
     * is torn down (dup_mmap's failure path, then mmput of the new mm) and nothing leaks: the
     * parent's VMAs are the only ones allocated, its pages are back to one mapping each and still
     * writable where they were.
     */
    @Test
    void failedForkTearsDownTheCopiedPrefix() {
        anon(mm, 0x10000, P, "A");
        anon(mm, 0x40000, P, "B");
        store(mm, 0x10000, 'a');
        store(mm, 0x40000, 'b');
        Page pa = page(mm, 0x10000);
        k.faults.failNth("slab:vm_area_struct", "*", 2);
        TaskStruct child = Fork.kernelClone(parent, 0, "P2");
        assertTrue(Err.isErr(child));
        assertEquals(-Errno.ENOMEM, Err.ptrErr(child));
        assertTrue(rec.hit("dup_mmap: failed, tear down the copied prefix"));
        assertEquals(2, VmaInit.vmAreaCachep(k).live(), "only the parent's VMAs");
        assertEquals(1, Fork.mmCachep(k).live(), "only the parent's mm");
        assertEquals(0, pa.mapcount.peek(), "one mapping again");
        assertEquals(1, pa.refcount.peek());
        assertEquals(List.of(), k.reports.all());
        store(mm, 0x10000, 'x'); // write-protected by the copy: do_wp_page reuses the page
        assertSame(pa, page(mm, 0x10000));
    }

    static byte[] filled(long n, byte b) {
        byte[] a = new byte[(int) n];
        java.util.Arrays.fill(a, b);
        return a;
    }
}
