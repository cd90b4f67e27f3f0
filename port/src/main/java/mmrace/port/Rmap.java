package mmrace.port;

import mmrace.runtime.KmemCache;
import mmrace.runtime.Page;
import mmrace.runtime.Probes;
import mmrace.runtime.Report;
import mmrace.runtime.Task;
import mmrace.runtime.Trace;

/**
 * mm/rmap.c read at c17ee635fd3a482b2ad2bf5e269755c2eae5f25e (folio_lock_anon_vma_read, mm_find_pmd,
 * try_to_unmap_one, try_to_unmap and the TLB flush batching of CONFIG_ARCH_WANT_BATCHED_UNMAP_TLB_FLUSH;
 * the anon_vma and rmap counting functions are the model below):
 * anon_vma set-up and tear-down, adding and removing the reverse mapping of folios, and
 * try_to_unmap of one folio for reclaim.
 *
 * <p>model: no interval tree and no anon_vma hierarchy (root, parent, refcount, num_children,
 * num_active_vmas): an {@link AnonVma} lists the VMAs linked to it, a VMA's
 * {@link VmAreaStruct#anonVmaChain} lists the anon_vmas it is linked to (its anon_vma_chain), and an
 * anon_vma is freed back to its cache (SLAB_TYPESAFE_BY_RCU, as anon_vma_cachep) when the last VMA
 * unlinks from it; mapcounts are per folio (all folios the fault path makes are small).
 */
public final class Rmap {
    private Rmap() {}

    /** PageAnonExclusive (PG_anon_exclusive). model: a bit the page flags do not otherwise use. */
    public static final long PG_ANON_EXCLUSIVE = 1L << 45;

    static final int P_PREPARE_RACE = Probes.register("__anon_vma_prepare: another task set vma->anon_vma first");
    static final int P_PREPARE_REUSE = Probes.register("__anon_vma_prepare: reuse a neighbour's anon_vma (find_mergeable_anon_vma)");
    static final int P_FORK_NO_ANON_VMA = Probes.register("anon_vma_fork: parent vma has no anon_vma, nothing to link");
    static final int P_UNMAP_SWAP = Probes.register("try_to_unmap_one: anonymous PTE replaced by a swap entry");
    static final int P_UNMAP_FILE = Probes.register("try_to_unmap_one: file PTE cleared");
    static final int P_UNMAP_DEFER = Probes.register("try_to_unmap_one: TLB flush deferred to the end of the batch (TTU_BATCH_FLUSH)");
    static final int P_BATCHED_PENDING = Probes.register("flush_tlb_batched_pending: a deferred flush is pending, flush_tlb_mm");

    /** enum ttu_flags, the ones the port passes. */
    public static final int TTU_SPLIT_HUGE_PMD = 1 << 2, TTU_IGNORE_MLOCK = 1 << 3, TTU_SYNC = 1 << 4,
            TTU_HWPOISON = 1 << 5, TTU_BATCH_FLUSH = 1 << 6, TTU_RMAP_LOCKED = 1 << 7;

    /** TLB_FLUSH_BATCH_FLUSHED_SHIFT, TLB_FLUSH_BATCH_PENDING_MASK, TLB_FLUSH_BATCH_PENDING_LARGE. */
    static final int TLB_FLUSH_BATCH_FLUSHED_SHIFT = 16;
    static final int TLB_FLUSH_BATCH_PENDING_MASK = (1 << (TLB_FLUSH_BATCH_FLUSHED_SHIFT - 1)) - 1;
    static final int TLB_FLUSH_BATCH_PENDING_LARGE = TLB_FLUSH_BATCH_PENDING_MASK / 2;

    /**
     * struct tlbflush_unmap_batch (current->tlb_ubc) with x86's arch_tlbflush_unmap_batch (the
     * CPUs to flush). Private to its task, so plain fields.
     */
    static final class TlbflushUnmapBatch {
        final java.util.Set<Task> cpumask = new java.util.LinkedHashSet<>();
        boolean flushRequired;
        boolean writable;
    }

    /** The tlb_ubc of every task of a machine. */
    static final class TlbUbcs {
        final java.util.Map<Task, TlbflushUnmapBatch> byTask = new java.util.concurrent.ConcurrentHashMap<>();
    }

    /** current->tlb_ubc. */
    static TlbflushUnmapBatch tlbUbc() {
        Task t = Task.current();
        return t.kernel.global(TlbUbcs.class, TlbUbcs::new).byTask.computeIfAbsent(t, x -> new TlbflushUnmapBatch());
    }

    /**
     * try_to_unmap_flush(): flush the TLB entries reclaim unmapped without flushing, on the CPUs
     * that may hold them, before the folios are written out or freed.
     */
    public static void tryToUnmapFlush() {
        TlbflushUnmapBatch tlbUbc = tlbUbc();
        if (!tlbUbc.flushRequired)
            return;
        Tlb.archTlbbatchFlush(tlbUbc.cpumask);
        tlbUbc.flushRequired = false;
        tlbUbc.writable = false;
    }

    /** try_to_unmap_flush_dirty(): flush iff there are potentially writable TLB entries that can race with IO. */
    public static void tryToUnmapFlushDirty() {
        if (tlbUbc().writable)
            tryToUnmapFlush();
    }

    /** set_tlb_ubc_flush_pending(mm, pteval, start, end). */
    static void setTlbUbcFlushPending(MmStruct mm, long pteval, long start, long end) {
        TlbflushUnmapBatch tlbUbc = tlbUbc();
        boolean writable = Pgtable.pteDirty(pteval);
        if ((pteval & Pgtable._PAGE_PRESENT) == 0) // !pte_accessible(mm, pteval): model no tlb_flush_pending
            return;
        Tlb.archTlbbatchAddPending(tlbUbc.cpumask, mm, start, end);
        tlbUbc.flushRequired = true;
        // Ensure compiler does not re-order the setting of tlb_flush_batched before the PTE is cleared.
        int batch = mm.tlbFlushBatched.read();
        for (;;) { // retry:
            if ((batch & TLB_FLUSH_BATCH_PENDING_MASK) > TLB_FLUSH_BATCH_PENDING_LARGE) {
                // Prevent `pending' from catching up with `flushed' because of overflow.
                int seen = mm.tlbFlushBatched.cmpxchg(batch, 1);
                if (seen != batch) {
                    batch = seen;
                    continue;
                }
            } else {
                mm.tlbFlushBatched.addReturn(1); // atomic_inc
            }
            break;
        }
        // If the PTE was dirty then it's best to assume it's writable.
        if (writable)
            tlbUbc.writable = true;
    }

    /** should_defer_flush(mm, flags). */
    static boolean shouldDeferFlush(MmStruct mm, int flags) {
        if ((flags & TTU_BATCH_FLUSH) == 0)
            return false;
        return Tlb.archTlbbatchShouldDefer(mm);
    }

    /**
     * flush_tlb_batched_pending(mm): under a PTL, before changing PTEs, flush the whole mm if
     * reclaim deferred a flush that has not happened yet (a stale TLB entry must not outlive this
     * change).
     */
    public static void flushTlbBatchedPending(MmStruct mm) {
        int batch = mm.tlbFlushBatched.read();
        int pending = batch & TLB_FLUSH_BATCH_PENDING_MASK;
        int flushed = batch >>> TLB_FLUSH_BATCH_FLUSHED_SHIFT;
        if (pending != flushed) {
            Probes.hit(P_BATCHED_PENDING);
            Tlb.flushTlbMm(mm);
            // If the new TLB flushing is pending during flushing, leave mm->tlb_flush_batched as is.
            mm.tlbFlushBatched.cmpxchg(batch, pending | (pending << TLB_FLUSH_BATCH_FLUSHED_SHIFT));
        }
    }

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
            vma.anonVmaChain.add(anonVma); // anon_vma_chain_assign
            anonVma.vmas.add(vma); // anon_vma_interval_tree_insert
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

    /**
     * anon_vma_clone(dst, src, operation): link dst to every anon_vma of src's chain (split, merge,
     * mremap's copy_vma, fork). 0 or -ENOMEM. Except on fork, dst keeps src's anon_vma, which
     * vm_area_dup (or dup_anon_vma) already copied.
     * model: the chain needs no allocation, so it cannot fail; on fork no anon_vma without active
     * VMAs is reused (maybe_reuse_anon_vma: the model keeps no num_active_vmas/num_children).
     */
    public static int anonVmaClone(VmAreaStruct dst, VmAreaStruct src) {
        AnonVma active = src.anonVma.get();
        if (active == null)
            return 0;
        active.rwsem.downWrite(); // anon_vma_lock_write(src->anon_vma): the root's lock
        for (AnonVma av : src.anonVmaChain) {
            if (!dst.anonVmaChain.contains(av)) {
                dst.anonVmaChain.add(av); // anon_vma_chain_assign
                av.vmas.add(dst); // anon_vma_interval_tree_insert
            }
        }
        active.rwsem.upWrite();
        // model: dst->anon_vma is stored again (it already is src's); the kernel's
        // dst->anon_vma->num_active_vmas++ is not modelled
        dst.anonVma.set(active);
        return 0;
    }

    /**
     * anon_vma_fork(vma, pvma): attach the child's VMA to the anon_vmas of the parent's VMA (so rmap
     * finds the child's mappings of the parent's folios), then give it an anon_vma of its own for
     * the folios it will COW. 0 or -ENOMEM. Nothing to do when the parent's VMA has no anon_vma.
     */
    public static int anonVmaFork(VmAreaStruct vma, VmAreaStruct pvma) {
        // Don't bother if the parent process has no anon_vma here.
        if (pvma.anonVma.get() == null) {
            Probes.hit(P_FORK_NO_ANON_VMA);
            return 0;
        }
        // Drop inherited anon_vma, we'll reuse existing or allocate new.
        vma.anonVma.set(null);
        AnonVma anonVma = anonVmaCachep(vma.vmMm.get().kernel).alloc(); // anon_vma_alloc
        if (anonVma == null)
            return -mmrace.runtime.Errno.ENOMEM;
        anonVma.vmas.clear();
        // anon_vma_chain_alloc: model: no allocation
        // First, attach the new VMA to the parent VMA's anon_vmas, so rmap can find non-COWed pages in child processes.
        int rc = anonVmaCloneFork(vma, pvma);
        // OK no reuse, so add our own anon_vma. Since it is not linked anywhere we can safely
        // manipulate anon_vma fields without a lock. (root, parent, get_anon_vma(root): model none)
        // Mark this anon_vma as the one where our new (COWed) pages go.
        vma.anonVma.set(anonVma);
        vma.anonVmaChain.add(anonVma); // anon_vma_chain_assign
        anonVma.rwsem.downWrite(); // Now let rmap see it.
        anonVma.vmas.add(vma); // anon_vma_interval_tree_insert
        anonVma.rwsem.upWrite();
        Trace.note("anon_vma_fork(%s, %s) -> %s", vma, pvma, anonVma);
        return rc;
    }

    /** anon_vma_clone(vma, pvma, VMA_OP_FORK): as {@link #anonVmaClone}, without taking over the anon_vma. */
    private static int anonVmaCloneFork(VmAreaStruct dst, VmAreaStruct src) {
        AnonVma active = src.anonVma.get();
        active.rwsem.downWrite();
        for (AnonVma av : src.anonVmaChain) {
            dst.anonVmaChain.add(av);
            av.vmas.add(dst);
        }
        active.rwsem.upWrite();
        return 0;
    }

    /**
     * unlink_anon_vmas(vma): the VMA leaves every anon_vma of its chain; an anon_vma no VMA is
     * linked to any more is freed.
     */
    public static void unlinkAnonVmas(VmAreaStruct vma) {
        AnonVma active = vma.anonVma.get();
        if (active == null) // Unfaulted is a no-op.
            return;
        active.rwsem.downWrite();
        java.util.List<AnonVma> empty = new java.util.ArrayList<>();
        for (AnonVma av : vma.anonVmaChain) {
            av.vmas.remove(vma); // anon_vma_interval_tree_remove
            if (av.vmas.isEmpty())
                empty.add(av); // Leave empty anon_vmas on the list - we'll need to free them outside the lock.
        }
        vma.anonVmaChain.clear();
        active.rwsem.upWrite();
        vma.anonVma.set(null); // model: after the unlock (the kernel clears it just before)
        for (AnonVma av : empty)
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

    /**
     * folio_try_dup_anon_rmap_pte(folio, page, dst_vma, src_vma) (include/linux/rmap.h): fork
     * shares an anonymous page: it is no longer exclusive to the parent, and gains a mapping. 0, or
     * -EBUSY when the page may be pinned and must be copied instead.
     * model: no page is ever pinned (no FOLL_PIN, MMF_HAS_PINNED never set), so never -EBUSY.
     */
    public static int folioTryDupAnonRmapPte(Page folio, Page page, VmAreaStruct dstVma, VmAreaStruct srcVma) {
        // maybe_pinned = folio_needs_cow_for_dma(src_vma, folio): false
        if ((page.flags.readOnce() & PG_ANON_EXCLUSIVE) != 0) // PageAnonExclusive(page)
            page.flags.fetchAnd(~PG_ANON_EXCLUSIVE); // ClearPageAnonExclusive(page)
        folio.mapcount.addReturn(1); // atomic_inc(&page->_mapcount): model per folio
        return 0;
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
     * the TLB is flushed (or, with TTU_BATCH_FLUSH, the flush is deferred to try_to_unmap_flush),
     * the rmap and the mapping's reference dropped. Returns whether the folio is unmapped afterwards
     * (model: the kernel returns nothing; its callers test folio_mapped).
     */
    public static boolean tryToUnmap(Page folio, int flags) {
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
            tryToUnmapOne(folio, vma, address, anon, flags);
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

    /**
     * mm_find_pmd(mm, address): the pmd entry where address would be mapped, or null if an upper
     * level is not present; no checks on what the pmd represents.
     */
    public static Ptep mmFindPmd(MmStruct mm, long address) {
        Ptep pgd = Pgtable.pgdOffset(mm, address); // pgd_present: p4d folded into pgd
        long p4d = Pgtable.p4dOffset(pgd, address).readOnce();
        if (!Pgtable.pudPresent(p4d)) // p4d_present
            return null;
        Ptep pud = Pgtable.pudOffset(p4d, address);
        long pudv = pud.readOnce();
        if (!Pgtable.pudPresent(pudv))
            return null;
        return Pgtable.pmdOffset(pudv, address);
    }

    /** try_to_unmap_one(folio, vma, address, flags): page_vma_mapped_walk for one small folio. */
    static boolean tryToUnmapOne(Page folio, VmAreaStruct vma, long address, boolean anon, int flags) {
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
        long endAddr = address + Page.PAGE_SIZE; // folio_unmap_pte_batch: one PTE
        pteval = pte.getAndClear(); // get_and_clear_ptes: nuke the page table entry
        // We clear the PTE but do not flush so potentially a remote CPU could still be writing to
        // the folio: a clear->dirty transition on a cached TLB entry is written through and traps.
        if (shouldDeferFlush(mm, flags)) {
            Probes.hit(P_UNMAP_DEFER);
            setTlbUbcFlushPending(mm, pteval, address, endAddr);
        } else {
            Tlb.flushTlbRange(vma, address, endAddr);
        }
        if (Pgtable.pteDirty(pteval))
            folio.flags.fetchOr(Page.PG_DIRTY); // folio_mark_dirty
        if (anon) {
            long entry = folio.privateWord.get(); // page_swap_entry(subpage)
            if ((folio.flags.readOnce() & Page.PG_SWAPBACKED) != 0 != SwapState.folioTestSwapcache(folio)) {
                Task t = Task.current();
                t.kernel.reports.file(t, Report.Kind.WARN, "WARN_ON_ONCE(folio_test_swapbacked != folio_test_swapcache)", folio.name());
                PgtableGeneric.pteUnmapUnlock(pte, m.ptl()); // walk_abort: the PTE stays cleared
                return false;
            }
            // !folio_test_swapbacked (MADV_FREE): model: no lazyfree folios
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
