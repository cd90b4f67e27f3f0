package mmrace.port;

import mmrace.runtime.KmemCache;
import mmrace.runtime.Page;
import mmrace.runtime.Probes;
import mmrace.runtime.Report;
import mmrace.runtime.Task;
import mmrace.runtime.Trace;

/**
 * mm/rmap.c (not re-read for this port; the protocol is the kernel's since the folio conversion):
 * anon_vma set-up and tear-down, adding and removing the reverse mapping of folios, and
 * try_to_unmap of one folio for reclaim.
 *
 * <p>model: no anon_vma_chain and no interval tree: an {@link AnonVma} lists the VMAs that use it,
 * and is freed back to its cache (SLAB_TYPESAFE_BY_RCU, as anon_vma_cachep) when the last one
 * unlinks; mapcounts are per folio (all folios the fault path makes are small).
 */
public final class Rmap {
    private Rmap() {}

    /** PageAnonExclusive (PG_anon_exclusive). model: a bit the page flags do not otherwise use. */
    public static final long PG_ANON_EXCLUSIVE = 1L << 45;

    static final int P_PREPARE_RACE = Probes.register("__anon_vma_prepare: another task set vma->anon_vma first");
    static final int P_PREPARE_REUSE = Probes.register("__anon_vma_prepare: reuse a neighbour's anon_vma (find_mergeable_anon_vma)");
    static final int P_UNMAP_SWAP = Probes.register("try_to_unmap_one: anonymous PTE replaced by a swap entry");
    static final int P_UNMAP_FILE = Probes.register("try_to_unmap_one: file PTE cleared");

    /** anon_vma_cachep. */
    static KmemCache<AnonVma> anonVmaCachep(mmrace.runtime.Kernel k) {
        return k.cache("anon_vma", true, AnonVma::new);
    }

    /** anon_vma_prepare(vma): 0 or -ENOMEM. */
    public static int anonVmaPrepare(VmAreaStruct vma) {
        if (vma.anonVma.get() != null)
            return 0;
        return __anonVmaPrepare(vma);
    }

    /**
     * __anon_vma_prepare(vma): reuse a compatible neighbour's anon_vma (find_mergeable_anon_vma) or
     * allocate one, and publish it under mm->page_table_lock. Caller holds mmap_lock for reading.
     *
     * <p>Fixed: the port used to allocate a new anon_vma every time. The kernel first tries
     * find_mergeable_anon_vma, and that changes what users see: two VMAs split by mprotect and
     * faulted separately share one anon_vma, so a later mprotect merges them again, and mremap then
     * treats the range as one VMA instead of failing with EFAULT (found by the model-based test).
     */
    public static int __anonVmaPrepare(VmAreaStruct vma) {
        MmStruct mm = vma.vmMm.get();
        // anon_vma_chain_alloc: model no chains
        AnonVma anonVma = Vma.findMergeableAnonVma(vma);
        AnonVma allocated = null;
        if (anonVma == null) {
            anonVma = anonVmaCachep(mm.kernel).alloc(); // anon_vma_alloc
            if (anonVma == null)
                return -mmrace.runtime.Errno.ENOMEM;
            anonVma.vmas.clear();
            allocated = anonVma;
        } else {
            Probes.hit(P_PREPARE_REUSE);
        }
        anonVma.rwsem.downWrite(); // anon_vma_lock_write
        mm.pageTableLock.lock();
        if (vma.anonVma.get() == null) {
            vma.anonVma.set(anonVma);
            anonVma.vmas.add(vma); // anon_vma_chain_link
            allocated = null;
        } else {
            Probes.hit(P_PREPARE_RACE);
        }
        mm.pageTableLock.unlock();
        anonVma.rwsem.upWrite();
        if (allocated != null)
            anonVmaCachep(mm.kernel).free(allocated); // put_anon_vma
        Trace.note("anon_vma_prepare(%s) -> %s", vma, vma.anonVma.peek());
        return 0;
    }

    /** anon_vma_clone(dst, src): dst shares src's anon_vma. 0 or -ENOMEM. */
    public static int anonVmaClone(VmAreaStruct dst, VmAreaStruct src) {
        AnonVma av = src.anonVma.get();
        if (av == null)
            return 0;
        av.rwsem.downWrite();
        if (!av.vmas.contains(dst))
            av.vmas.add(dst);
        av.rwsem.upWrite();
        dst.anonVma.set(av);
        return 0;
    }

    /** unlink_anon_vmas(vma): the VMA leaves its anon_vma, which is freed when no VMA is left. */
    public static void unlinkAnonVmas(VmAreaStruct vma) {
        AnonVma av = vma.anonVma.get();
        if (av == null)
            return;
        av.rwsem.downWrite();
        av.vmas.remove(vma);
        boolean empty = av.vmas.isEmpty();
        av.rwsem.upWrite();
        vma.anonVma.set(null);
        if (empty)
            anonVmaCachep(vma.vmMm.get().kernel).free(av); // put_anon_vma -> __put_anon_vma
    }

    /** folio_add_new_anon_rmap(folio, vma, address, RMAP_EXCLUSIVE): a new anonymous folio's first mapping. */
    public static void folioAddNewAnonRmap(Page folio, VmAreaStruct vma, long address) {
        AnonVma av = vma.anonVma.get();
        if (av == null) {
            Task t = Task.current();
            t.kernel.reports.file(t, Report.Kind.BUG, "VM_BUG_ON_VMA(!anon_vma)", vma.describe());
        }
        folio.flags.fetchOr(Page.PG_SWAPBACKED | Page.PG_ANON | PG_ANON_EXCLUSIVE); // __folio_set_swapbacked, __folio_set_anon
        // RMAP_EXCLUSIVE on a large folio: SetPageAnonExclusive on every page (THP collapse)
        for (int i = 1; i < (1 << folio.order); i++)
            Task.current().kernel.pages.pfnToPage(folio.pfn + i).flags.fetchOr(PG_ANON_EXCLUSIVE);
        folio.mapping.writeOnce(av); // WRITE_ONCE(folio->mapping, anon_vma + PAGE_MAPPING_ANON)
        folio.index.set(linearPageIndex(vma, address));
        folio.mapcount.set(0); // atomic_set(&folio->_mapcount, 0)
    }

    /** folio_add_anon_rmap_ptes(folio, page, nr, vma, address, flags): one more mapping of an anon folio. */
    public static void folioAddAnonRmapPtes(Page folio, Page page, int nr, VmAreaStruct vma, long address, boolean exclusive) {
        folio.mapcount.addReturn(nr);
        if (exclusive)
            page.flags.fetchOr(PG_ANON_EXCLUSIVE);
    }

    /** folio_add_file_rmap_ptes(folio, page, nr, vma). */
    public static void folioAddFileRmapPtes(Page folio, Page page, int nr, VmAreaStruct vma) {
        folio.mapcount.addReturn(nr);
    }

    /** folio_remove_rmap_ptes(folio, page, nr, vma). */
    public static void folioRemoveRmapPtes(Page folio, Page page, int nr, VmAreaStruct vma) {
        int nu = folio.mapcount.addReturn(-nr);
        if (nu < -1) {
            Task t = Task.current();
            t.kernel.reports.file(t, Report.Kind.BUG, "Bad page map: mapcount underflow", folio.name());
        }
    }

    /** folio_test_anon(folio). */
    public static boolean folioTestAnon(Page folio) {
        return (folio.flags.readOnce() & Page.PG_ANON) != 0;
    }

    /** folio_mapped(folio). */
    public static boolean folioMapped(Page folio) {
        return folio.mapcount.read() >= 0;
    }

    /** linear_page_index(vma, address). */
    static long linearPageIndex(VmAreaStruct vma, long address) {
        return ((address - vma.vmStart.get()) >>> Page.PAGE_SHIFT) + vma.vmPgoff.get();
    }

    /** vma_address(vma, pgoff, nr): the address of pgoff in vma, or -EFAULT (-14) if outside. */
    static long vmaAddress(VmAreaStruct vma, long pgoff) {
        long start = vma.vmStart.get(), pg = vma.vmPgoff.get();
        if (pgoff < pg)
            return -mmrace.runtime.Errno.EFAULT;
        long addr = start + ((pgoff - pg) << Page.PAGE_SHIFT);
        return addr < vma.vmEnd.get() ? addr : -mmrace.runtime.Errno.EFAULT;
    }

    /**
     * try_to_unmap(folio, flags) for a locked folio: every PTE that maps it is cleared under the
     * PTL (anonymous: replaced by a swap entry for folio->swap, which must be set; file: cleared),
     * the TLB is flushed, the rmap and the mapping's reference dropped. Returns whether the folio is
     * unmapped afterwards.
     */
    public static boolean tryToUnmap(Page folio) {
        if (!Filemap.folioTestLocked(folio)) {
            Task t = Task.current();
            t.kernel.reports.file(t, Report.Kind.BUG, "VM_BUG_ON_FOLIO(!folio_test_locked(folio))", folio.name());
        }
        java.util.List<VmAreaStruct> vmas;
        Object mapping = folio.mapping.get();
        boolean anon = folioTestAnon(folio);
        mmrace.runtime.RwSemaphore lock;
        if (anon) {
            AnonVma av = folioLockAnonVmaRead(folio);
            if (av == null)
                return !folioMapped(folio);
            lock = av.rwsem;
            vmas = java.util.List.copyOf(av.vmas);
        } else {
            File f = (File) mapping;
            if (f == null)
                return !folioMapped(folio);
            lock = f.iMmapRwsem;
            lock.downRead(); // i_mmap_lock_read
            vmas = java.util.List.copyOf(f.iMmap);
        }
        long pgoff = folio.index.get();
        for (VmAreaStruct vma : vmas) {
            long address = vmaAddress(vma, pgoff);
            if (address < 0)
                continue;
            tryToUnmapOne(folio, vma, address, anon);
            if (!folioMapped(folio))
                break;
        }
        lock.upRead();
        return !folioMapped(folio);
    }

    /**
     * folio_lock_anon_vma_read(folio, rwc): the folio's anon_vma, read-locked, or null when the
     * folio is no longer mapped (its anon_vma may then already be freed: it is SLAB_TYPESAFE_BY_RCU,
     * so looking at it under RCU is safe, trusting it is not).
     *
     * <p>model: no anon_vma tree (the root is the anon_vma itself) and no anon_vma refcount: where the
     * kernel, its trylock failing, pins the anon_vma and sleeps on the rwsem, the model waits until
     * the rwsem can be taken and starts over.
     */
    static AnonVma folioLockAnonVmaRead(Page folio) {
        Task t = Task.current();
        for (;;) {
            t.kernel.rcu.readLock();
            Object mapping = folio.mapping.readOnce();
            if (!(mapping instanceof AnonVma anonVma) || !folioMapped(folio)) {
                t.kernel.rcu.readUnlock();
                return null;
            }
            if (anonVma.rwsem.downReadTrylock()) {
                // If the folio is still mapped, then this anon_vma is still its anon_vma, and
                // holding the rwsem ensures that it will not go away.
                if (!folioMapped(folio)) {
                    anonVma.rwsem.upRead();
                    anonVma = null;
                }
                t.kernel.rcu.readUnlock();
                return anonVma;
            }
            t.kernel.rcu.readUnlock();
            t.waitUntil(anonVma.rwsem.untilReadable("folio_lock_anon_vma_read: anon_vma rwsem busy"));
        }
    }

    /** mm_find_pmd(mm, address): the pmd entry for address, or null if an upper level is missing. */
    public static Ptep mmFindPmd(MmStruct mm, long address) {
        Ptep pgd = Pgtable.pgdOffset(mm, address);
        long p4d = Pgtable.p4dOffset(pgd, address).readOnce();
        if (!Pgtable.pudPresent(p4d) || Pgtable.entryBad(p4d))
            return null;
        Ptep pud = Pgtable.pudOffset(p4d, address);
        long pudv = pud.readOnce();
        if (!Pgtable.pudPresent(pudv) || Pgtable.pudLeaf(pudv) || Pgtable.entryBad(pudv))
            return null;
        return Pgtable.pmdOffset(pudv, address);
    }

    /** try_to_unmap_one(folio, vma, address): page_vma_mapped_walk for one small folio. */
    static boolean tryToUnmapOne(Page folio, VmAreaStruct vma, long address, boolean anon) {
        MmStruct mm = vma.vmMm.get();
        Ptep pmd = mmFindPmd(mm, address);
        if (pmd == null)
            return true;
        PgtableGeneric.PteMap m = PgtableGeneric.pteOffsetMapLock(mm, pmd, address);
        if (m == null)
            return true;
        Ptep pte = m.pte();
        long pteval = pte.readOnce();
        if (!Pgtable.ptePresent(pteval) || Pgtable.ptePfn(pteval) != folio.pfn) {
            PgtableGeneric.pteUnmapUnlock(pte, m.ptl());
            return true;
        }
        pteval = pte.getAndClear(); // ptep_clear_flush
        Tlb.flushTlbPage(vma, address);
        if (Pgtable.pteDirty(pteval))
            folio.flags.fetchOr(Page.PG_DIRTY);
        if (anon) {
            long entry = folio.privateWord.get();
            if (!SwapState.folioTestSwapcache(folio) || entry == 0) {
                pte.set(pteval); // set_pte_at(mm, address, pvmw.pte, pteval): not in the swap cache
                PgtableGeneric.pteUnmapUnlock(pte, m.ptl());
                return false;
            }
            SwapState.swapDuplicate(entry);
            Probes.hit(P_UNMAP_SWAP);
            pte.set(Pgtable.swpEntryToPte(entry));
        } else {
            Probes.hit(P_UNMAP_FILE);
        }
        folioRemoveRmapPtes(folio, folio, 1, vma);
        PgtableGeneric.pteUnmapUnlock(pte, m.ptl());
        Swap.folioPut(folio);
        Trace.note("try_to_unmap_one(%s, %s, %#x)", folio, vma, address);
        return true;
    }
}
