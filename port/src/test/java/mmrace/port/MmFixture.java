package mmrace.port;

import mmrace.runtime.Kernel;
import mmrace.runtime.Page;
import mmrace.runtime.Task;

import java.util.ArrayList;
import java.util.List;

import static mmrace.port.Mm.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One machine, one task ("t0", bound to the test thread) and one mm, plus the checks every
 * mutation test ends with: what the kernel guarantees once a syscall has returned.
 */
final class MmFixture {
    static final long P = Page.PAGE_SIZE;
    static final int RW = PROT_READ | PROT_WRITE;
    static final int ANON = MAP_PRIVATE | MAP_ANONYMOUS;

    final Kernel k = new Kernel();
    final Task t = k.enter("t0");
    final MmStruct mm = MmStruct.mmAlloc(k, "mm");

    /** mmap(MAP_FIXED|MAP_PRIVATE|MAP_ANONYMOUS) that must succeed. */
    VmAreaStruct fixedAnon(long addr, long len, int prot, String label) {
        long r = Syscalls.mmap(mm, addr, len, prot, ANON | MAP_FIXED, null, 0, label);
        assertEquals(addr, r, "mmap " + label);
        return vmaAt(addr);
    }

    /** The VMA the tree maps at addr, read without points (as the oracle does). */
    VmAreaStruct vmaAt(long addr) {
        MapleTree.Node n = mm.mmMt.peek();
        for (int i = 0; i < n.size(); i++)
            if (Long.compareUnsigned(n.index(i), addr) <= 0 && Long.compareUnsigned(addr, n.last(i)) <= 0)
                return (VmAreaStruct) n.entry(i);
        return null;
    }

    /** The VMAs in the tree, in address order. */
    List<VmAreaStruct> vmas() {
        MapleTree.Node n = mm.mmMt.peek();
        List<VmAreaStruct> l = new ArrayList<>();
        for (int i = 0; i < n.size(); i++)
            l.add((VmAreaStruct) n.entry(i));
        return l;
    }

    /** "A[10000-12000) B[12000-14000)": the layout by label and range. */
    String layout() {
        StringBuilder sb = new StringBuilder();
        for (VmAreaStruct v : vmas()) {
            if (sb.length() > 0)
                sb.append(' ');
            sb.append(v.name()).append('[').append(Long.toHexString(v.vmStart.peek())).append('-')
                    .append(Long.toHexString(v.vmEnd.peek())).append(')');
        }
        return sb.toString();
    }

    /**
     * What holds after any syscall returned: no report was filed, mmap_lock is free, mm_lock_seq is
     * even (no VMA is write-locked any more), every VMA in the tree is attached with vm_refcnt 1 and
     * the tree range is its own range, map_count counts them, the task holds no lock and no RCU
     * read section, and every maple node that left mm_mt (or made up a detached tree) went back to
     * the maple_node cache.
     */
    void assertQuiescent() {
        assertEquals(List.of(), k.reports.all(), "reports");
        assertFalse(mm.mmapLock.isLocked(), "mmap_lock free");
        assertEquals(0, mm.mmLockSeq.peek() & 1, "mm_lock_seq even");
        assertEquals(List.of(), Vma.validateMm(mm), "validate_mm");
        for (VmAreaStruct v : vmas())
            assertTrue(v.vmLockSeq.peek() != mm.mmLockSeq.peek(), v + " not write-locked");
        assertEquals(List.of(), k.lockdep.heldBy(t), "locks held");
        assertFalse(t.inRcuReadSection(), "RCU read section");
        assertEquals(0, k.rcu.pendingCallbacks(), "RCU callbacks pending");
        assertEquals(mm.mmMt.peekNodes(), MapleNode.mapleNodeCache(k).live(), "maple nodes allocated and not in mm_mt");
    }

    /** A freed VMA: detached (vm_refcnt 0) and back in the slab cache. */
    static void assertFreed(VmAreaStruct v) {
        assertEquals(0, v.vmRefcnt.peek(), v + " vm_refcnt");
        assertTrue(v.freed, v + " freed");
    }

    /** Live objects of the VMA cache (vm_area_alloc minus vm_area_free). */
    int liveVmas() {
        return VmaInit.vmAreaCachep(k).live();
    }

    // ---- user memory, for the tests that need the merged Memory (faults, zap, page tables) ----

    /** Faults addr in for writing (handle_mm_fault under mmap_lock read) and stores b there. */
    void store(long addr, byte b) {
        MmapLock.mmapReadLock(mm);
        VmAreaStruct vma = Mmap.vmaLookup(mm, addr);
        assertTrue(vma != null, "vma at " + Long.toHexString(addr));
        int ret = Memory.handleMmFault(vma, addr, MmTypes.FAULT_FLAG_WRITE | MmTypes.FAULT_FLAG_USER);
        assertEquals(0, ret & MmTypes.VM_FAULT_ERROR, "fault");
        MmapLock.mmapReadUnlock(mm);
        Page p = pageAt(addr);
        assertTrue(p != null, "page mapped after the fault");
        p.pokeBytes((int) (addr & (P - 1)), new byte[] {b}, 0, 1);
    }

    /** The page the page tables map at addr, or null (walked without points). */
    Page pageAt(long addr) {
        long pte = Pgtable.peekPte(mm, addr);
        return Pgtable.ptePresent(pte) ? mm.kernel.pages.pfnToPage(Pgtable.ptePfn(pte)) : null;
    }

    /** The byte at addr, or -1 if nothing is mapped there. */
    int load(long addr) {
        Page p = pageAt(addr);
        return p == null ? -1 : p.peekByte((int) (addr & (P - 1))) & 0xff;
    }
}
