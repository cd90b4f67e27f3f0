package mmrace.port;

import mmrace.runtime.Kernel;
import mmrace.runtime.Page;
import mmrace.runtime.Report;
import mmrace.runtime.Task;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Builds address spaces for tests without mmap (which another branch ports): VMAs are created the
 * way __mmap_region ends up creating them (vm_area_alloc, fields set while detached, f_op->mmap,
 * vma_start_write + vma_mark_attached + the tree store under mmap write), and checks that a call
 * left every lock and reference as it found it.
 */
final class TestMm {
    private TestMm() {}

    static final long RW = Mm.VM_READ | Mm.VM_WRITE | Mm.VM_MAYREAD | Mm.VM_MAYWRITE | Mm.VM_MAYEXEC;
    static final long RO = Mm.VM_READ | Mm.VM_MAYREAD | Mm.VM_MAYWRITE | Mm.VM_MAYEXEC;

    static MmStruct mm(Kernel k) {
        return MmStruct.mmAlloc(k, "T");
    }

    /** An anonymous private mapping [start, end) with the given VM_* flags. */
    static VmAreaStruct anon(MmStruct mm, long start, long end, long flags, String label) {
        return map(mm, start, end, flags, null, start >>> Page.PAGE_SHIFT, label);
    }

    /**
     * A mapping [start, end): anonymous if file is null, else of file at pgoff (f_op->mmap runs with
     * the VMA detached and mmap write held, as in __mmap_new_file_vma).
     */
    static VmAreaStruct map(MmStruct mm, long start, long end, long flags, File file, long pgoff, String label) {
        MmapLock.mmapWriteLock(mm);
        VmAreaStruct vma = VmaInit.vmAreaAlloc(mm);
        vma.label = label;
        vma.vmStart.set(start);
        vma.vmEnd.set(end);
        vma.vmFlags.set(flags);
        vma.vmPageProt.set(Pgtable.vmGetPageProt(flags));
        vma.vmPgoff.set(pgoff);
        if (file == null) {
            vma.vmOps.set(null); // vma_set_anonymous
        } else {
            vma.vmFile.set(file);
            int err = file.fOpMmap.applyAsInt(vma);
            if (err != 0)
                throw new AssertionError("f_op->mmap failed: " + err);
            file.iMmapRwsem.downWrite();
            file.iMmap.add(vma);
            file.iMmapRwsem.upWrite();
        }
        MmapLock.vmaStartWrite(vma);
        MmapLock.vmaMarkAttached(vma);
        assertTrue(mm.mmMt.store(start, end - 1, vma));
        mm.mapCount.set(mm.mapCount.get() + 1);
        MmapLock.mmapWriteUnlock(mm);
        return vma;
    }

    /** What a test expects to be back where it was after each call. */
    record Balance(Map<VmAreaStruct, Integer> refcnt, Map<Page, Integer> pageRefs, int zeroRefs) {}

    static Balance balance(Kernel k, MmStruct mm) {
        Map<VmAreaStruct, Integer> r = new HashMap<>();
        MapleTree.Node n = mm.mmMt.peek();
        for (int i = 0; i < n.size(); i++) {
            VmAreaStruct v = (VmAreaStruct) n.entry(i);
            r.put(v, v.vmRefcnt.peek());
        }
        Map<Page, Integer> p = new HashMap<>();
        for (Page pg : k.pages.memmap())
            if (!pg.freed)
                p.put(pg, pg.refcount.peek());
        return new Balance(r, p, k.pages.zeroPage.refcount.peek());
    }

    /**
     * No report filed; nothing held (locks, RCU, interrupts, preemption); every VMA's vm_refcnt and
     * every live page's refcount as in {@code before} (pages allocated since may be new).
     */
    static void assertBalanced(Kernel k, Task t, Balance before) {
        List<Report> reports = k.reports.all();
        assertTrue(reports.isEmpty(), () -> "reports: " + reports);
        assertEquals(List.of(), k.lockdep.heldBy(t), "locks held");
        assertFalse(t.inRcuReadSection(), "RCU read section left open");
        assertFalse(t.irqsDisabled(), "interrupts left disabled");
        assertFalse(t.inAtomic(), "preempt count leaked");
        before.refcnt.forEach((v, c) -> assertEquals(c, v.vmRefcnt.peek(), "vm_refcnt of " + v));
        List<String> bad = new ArrayList<>();
        before.pageRefs.forEach((p, c) -> {
            if (!p.freed && p.refcount.peek() != c)
                bad.add(p.name() + ": " + c + " -> " + p.refcount.peek());
        });
        assertEquals(List.of(), bad, "folio refcounts");
        assertEquals(before.zeroRefs, k.pages.zeroPage.refcount.peek(), "zero page refcount");
    }

    /** The PTE value for addr, read with no points (0 if a level is missing). */
    static long pteAt(MmStruct mm, long addr) {
        return Pgtable.peekPte(mm, addr);
    }

    /** The page mapped at addr (null if none or not present). */
    static Page pageAt(MmStruct mm, long addr) {
        long pte = pteAt(mm, addr);
        if (!Pgtable.ptePresent(pte))
            return null;
        return mm.kernel.pages.pfnToPage(Pgtable.ptePfn(pte));
    }

    static byte[] pattern(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++)
            b[i] = (byte) (seed + i * 7);
        return b;
    }
}
