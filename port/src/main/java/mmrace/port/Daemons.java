package mmrace.port;

import mmrace.runtime.Errno;
import mmrace.runtime.Page;
import mmrace.runtime.Probes;
import mmrace.runtime.Task;
import mmrace.runtime.Trace;

import static mmrace.port.Pgtable.PMD_MASK;
import static mmrace.port.Pgtable.PMD_SIZE;

/**
 * The model's khugepaged and page reclaim, aimed at one address: the scenario operations
 * "collapse ADDR" and "reclaim ADDR". Not a kernel file. The kernel's daemons pick their own work
 * (khugepaged walks its list of mms and their VMAs, kswapd takes folios from the tail of the LRU
 * lists); here the work is named by an address, and from there on the steps are the kernel's:
 * collapse_single_pmd in {@link Khugepaged}, shrink_folio_list in {@link Vmscan}.
 */
public final class Daemons {
    private Daemons() {}

    static final int P_TRYLOCK = Probes.register("khugepaged: mmap_read_trylock failed, come back later");
    static final int P_FLUSHER = Probes.register("reclaim: dirty file folio written back by the flusher, second pass");

    /**
     * khugepaged collapsing the PMD range containing {@code addr} in {@code mm}: what
     * khugepaged_scan_mm_slot (mm/khugepaged.c) does for that one range: mmap_read_trylock, the VMA
     * and its range checks, then hpage_collapse_scan_file (and try_collapse_pte_mapped_thp) for a
     * file VMA or hpage_collapse_scan_pmd for an anonymous one. Returns 0 when the range was
     * collapsed, else the {@link Khugepaged.ScanResult#code()} of why not.
     */
    public static long collapse(MmStruct mm, long addr) {
        Task t = Task.current();
        long haddr = addr & PMD_MASK;
        Trace.note("khugepaged: collapse of [%#x, %#x) in %s", haddr, haddr + PMD_SIZE, mm);
        // Don't wait for semaphore (to avoid long wait times). Just move to the next mm on the list.
        while (!MmapLock.mmapReadTrylock(mm)) {
            Probes.hit(P_TRYLOCK);
            // model: khugepaged moves on to the next mm and comes back after its scan sleep; here it
            // comes back once nobody holds or waits for mmap_lock for write
            t.waitUntil(mm.mmapLock.untilReadable("khugepaged: mmap_read_trylock failed, scan this mm later"));
        }
        boolean[] mmapUnlocked = { false };
        Khugepaged.ScanResult result;
        // for_each_vma from the scan address
        VmAreaStruct vma = Khugepaged.collapseTestExit(mm) ? null : Mmap.findVma(mm, haddr);
        if (vma == null) {
            result = Khugepaged.ScanResult.SCAN_VMA_NULL;
        } else if (!Khugepaged.thpVmaAllowableOrder(vma, vma.vmFlags.get(), false)) { // collapse_possible_orders
            result = Khugepaged.ScanResult.SCAN_VMA_CHECK;
        } else {
            long hstart = (vma.vmStart.get() + PMD_SIZE - 1) & PMD_MASK, hend = vma.vmEnd.get() & PMD_MASK;
            if (haddr < hstart || haddr + PMD_SIZE > hend)
                result = Khugepaged.ScanResult.SCAN_ADDRESS_RANGE; // model: the scan would not visit haddr here
            else if (Mm.vmaIsAnonymous(vma))
                result = Khugepaged.hpageCollapseScanPmd(mm, vma, haddr, mmapUnlocked);
            else
                result = scanFile(mm, vma, haddr, mmapUnlocked);
        }
        if (!mmapUnlocked[0])
            MmapLock.mmapReadUnlock(mm); // breakouterloop
        Trace.note("khugepaged: collapse of %#x -> %s", haddr, result);
        return result.code();
    }

    /**
     * khugepaged_scan_mm_slot's file branch, entered with mmap_read_lock held and left without it:
     * get_file, drop mmap_lock, hpage_collapse_scan_file; if the page cache already holds a THP
     * for the range, retake mmap_lock and try_collapse_pte_mapped_thp (install_pmd false).
     */
    private static Khugepaged.ScanResult scanFile(MmStruct mm, VmAreaStruct vma, long haddr, boolean[] mmapUnlocked) {
        File file = vma.vmFile.get(); // get_file
        long pgoff = Rmap.linearPageIndex(vma, haddr);
        MmapLock.mmapReadUnlock(mm);
        mmapUnlocked[0] = true;
        Khugepaged.ScanResult result = Khugepaged.hpageCollapseScanFile(mm, haddr, file, pgoff);
        if (result == Khugepaged.ScanResult.SCAN_PTE_MAPPED_HUGEPAGE) {
            MmapLock.mmapReadLock(mm);
            if (!Khugepaged.collapseTestExit(mm)) { // else goto breakouterloop
                result = Khugepaged.tryCollapsePteMappedThp(mm, haddr, false);
                if (result == Khugepaged.ScanResult.SCAN_PMD_MAPPED)
                    result = Khugepaged.ScanResult.SCAN_SUCCEED;
            }
            MmapLock.mmapReadUnlock(mm);
        }
        return result;
    }

    /**
     * Page reclaim of the folio mapped at {@code addr} in {@code mm}. Returns
     * {@link Vmscan#RECLAIMED} (0) when the folio was freed; a positive KEEP_* code when shrink_folio_list keeps it; -EFAULT when
     * no VMA contains addr, -ENOENT when nothing reclaimable is mapped there, -EBUSY when the folio
     * is already isolated (by another reclaimer or khugepaged).
     *
     * <p>model: the LRU pick. The folio is found under mmap_read_lock with folio_walk_start (the PTL
     * held) and isolated there (folio_get is legal: the PTE holds a reference); then every lock is
     * dropped and shrink_folio_list runs on the isolated folio, as it does in the kernel.
     */
    public static long reclaimPage(MmStruct mm, long addr) {
        Trace.note("reclaim of the folio at %#x in %s", addr, mm);
        MmapLock.mmapReadLock(mm);
        VmAreaStruct vma = Mmap.vmaLookup(mm, addr);
        if (vma == null) {
            MmapLock.mmapReadUnlock(mm);
            return -Errno.EFAULT;
        }
        FolioWalk fw = new FolioWalk();
        Page folio = PageWalk.folioWalkStart(fw, vma, addr, 0);
        if (folio == null) {
            MmapLock.mmapReadUnlock(mm);
            return -Errno.ENOENT;
        }
        boolean isolated = Vmscan.folioIsolateLru(folio);
        PageWalk.folioWalkEnd(fw, vma);
        MmapLock.mmapReadUnlock(mm);
        if (!isolated)
            return -Errno.EBUSY;
        // Stable while we hold a reference: a page-cache folio changes mapping only once frozen.
        File file = Rmap.folioTestAnon(folio) ? null : (File) folio.mapping.get();
        long index = folio.index.get();

        long ret = Vmscan.shrinkFolioList(folio);
        if (ret == Vmscan.KEEP_DIRTY && file != null) {
            // model: the flusher writes the folio back, and reclaim meets it again at the tail of
            // the inactive list (folio_rotate_reclaimable after its write-back).
            Probes.hit(P_FLUSHER);
            PageWriteback.writebackFolio(file, index);
            Page again = Filemap.filemapGetFolio(file, index);
            if (again == null)
                return ret; // gone from the page cache meanwhile: not our doing
            isolated = Vmscan.folioIsolateLru(again);
            Swap.folioPut(again); // the look-up's reference; the isolation holds its own
            if (!isolated)
                return -Errno.EBUSY;
            ret = Vmscan.shrinkFolioList(again);
        }
        Trace.note("reclaim of the folio at %#x -> %d", addr, ret);
        return ret;
    }
}
