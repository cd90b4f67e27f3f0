package mmrace.port;

import mmrace.runtime.Mutant;
import mmrace.runtime.Page;
import mmrace.runtime.Probes;
import mmrace.runtime.Report;
import mmrace.runtime.Task;
import mmrace.runtime.Trace;

/**
 * mm/vmscan.c: page reclaim of one folio, as shrink_folio_list() does it for each folio of its
 * list, with pageout(), __remove_mapping(), folio_isolate_lru() and folio_putback_lru().
 *
 * <p>Read: the 2026 mm/vmscan.c through an annotated (machine-transliterated) copy, stored id
 * 67124927363 (shrink_folio_list, pageout, __remove_mapping, folio_check_references,
 * folio_isolate_lru, folio_putback_lru, isolate_lru_folios); and __remove_mapping as quoted from
 * mm/vmscan.c lines 700-808 on v6.19 in a kernel test robot report of 9 Feb 2026 (stored id
 * 52464399011). Not re-read: swap_writeout (mm/page_io.c), whose first step is folio_free_swap.
 *
 * <p>{@link Daemons#reclaimPage} (the scenario operation "page reclaim of the folio mapped at
 * ADDR") picks the folio and calls shrink_folio_list. The steps for the folio are the kernel's,
 * in the kernel's order:
 * folio_trylock; (anonymous) folio_alloc_swap + folio_mark_dirty; try_to_unmap; (dirty) a file
 * folio is activated for the flusher, an anonymous one goes through pageout() = swap_writeout;
 * __remove_mapping freezes the refcount at 1 + nr (isolation + page/swap cache) under the
 * i_pages/swap-cluster lock and fails if anyone else holds a reference; then the folio is freed.
 *
 * <p>model departures:
 * <ul>
 * <li>The folio is not taken from an LRU list: {@link Daemons#reclaimPage} finds it through the
 *     page tables (mmap_read_lock + folio_walk_start, so under the PTL) and isolates it there. There are no
 *     LRU lists: a folio counts as "on the LRU" unless isolated, and {@link #PG_ISOLATED} (a
 *     model-only page flag, test-and-set like folio_test_clear_lru) makes isolation exclusive
 *     between reclaim and khugepaged, as the LRU flag does.
 * <li>folio_check_references: folio_referenced (the rmap walk testing and clearing young PTEs) is
 *     not ported; every folio is treated as FOLIOREF_RECLAIM (not referenced).
 * <li>No writeback in flight (I/O completes at once: folio_test_writeback is never true), no
 *     memcg, no demotion, no mlock, no lazyfree (MADV_FREE), no pinned folios (FOLL_PIN is not
 *     used), no buffer heads (folio_needs_release is false), no workingset shadow entries, no
 *     PG_reclaim / PG_active bits (activation is recorded only in the return code).
 * <li>Large folios (made by THP collapse) are not reclaimed: the kernel would swap a THP out whole
 *     or split it (split_folio_to_list), and for file THPs unmap every subpage; the model keeps
 *     them ({@link #KEEP_LARGE}).
 * <li>A dirty file folio is kept by the first pass (activated, as the kernel does since pageout()
 *     stopped writing file folios); {@link Daemons#reclaimPage} then runs the flusher's write-back
 *     ({@link PageWriteback#writebackFolio}) and a second pass, which frees it if it is clean and
 *     unreferenced.
 * <li>The i_pages lock is taken without disabling interrupts (as everywhere in the port) and
 *     mapping->host->i_lock is not modelled; the swap cluster lock is the swap device's lock.
 * </ul>
 */
public final class Vmscan {
    private Vmscan() {}

    /** The folio was freed. */
    public static final long RECLAIMED = 0;
    /** folio_trylock failed (someone holds the folio lock): keep. */
    public static final long KEEP_LOCKED = 1;
    /** folio_alloc_swap failed (no swap slot): activate_locked_split. */
    public static final long KEEP_NO_SWAP = 2;
    /** try_to_unmap left the folio mapped: activate_locked. */
    public static final long KEEP_MAPPED = 3;
    /** Dirty: a file folio waiting for the flusher (activate_locked), or dirtied again after write-out. */
    public static final long KEEP_DIRTY = 4;
    /** pageout() PAGE_KEEP: a reference besides the isolation and the swap cache (is_page_cache_freeable). */
    public static final long KEEP_PAGEOUT = 5;
    /** __remove_mapping failed: folio_ref_freeze(1 + nr) saw another reference, or the folio was dirty. */
    public static final long KEEP_BUSY = 6;
    /** model: a large (THP) folio, which the model does not reclaim. */
    public static final long KEEP_LARGE = 7;
    /** No mapping to remove the folio from (folio_mapping() == NULL): keep_locked. */
    public static final long KEEP_NO_MAPPING = 8;

    /**
     * model: the folio is isolated from the LRU (the kernel's !PG_lru). Page flags the port uses:
     * bits 0-6, 10, 19, 40-42, 45; this one is free.
     */
    public static final long PG_ISOLATED = 1L << 47;

    static final int P_ISOLATE_BUSY = Probes.register("folio_isolate_lru: already isolated (not on the LRU)");
    static final int P_TRYLOCK = Probes.register("shrink_folio_list: folio_trylock failed, keep");
    static final int P_LARGE = Probes.register("shrink_folio_list: large folio, kept (model)");
    static final int P_ALLOC_SWAP = Probes.register("shrink_folio_list: anonymous folio added to the swap cache");
    static final int P_NO_SWAP = Probes.register("shrink_folio_list: folio_alloc_swap failed, activate");
    static final int P_STILL_MAPPED = Probes.register("shrink_folio_list: still mapped after try_to_unmap, activate");
    static final int P_DIRTY_FILE = Probes.register("shrink_folio_list: dirty file folio, activate for the flusher");
    static final int P_PAGEOUT_KEEP = Probes.register("pageout: extra reference (is_page_cache_freeable), PAGE_KEEP");
    static final int P_PAGEOUT_FREED_SWAP = Probes.register("swap_writeout: folio_free_swap (no swap PTE left), not written");
    static final int P_PAGEOUT_WRITTEN = Probes.register("pageout: written to swap, PAGE_SUCCESS");
    static final int P_REDIRTIED = Probes.register("shrink_folio_list: dirty again after pageout, keep");
    static final int P_FREEZE_FAIL = Probes.register("__remove_mapping: folio_ref_freeze failed (someone holds a reference)");
    static final int P_FREEZE_DIRTY = Probes.register("__remove_mapping: dirty after the freeze, unfreeze");
    static final int P_REMOVED_SWAP = Probes.register("__remove_mapping: removed from the swap cache");
    static final int P_REMOVED_FILE = Probes.register("__remove_mapping: removed from the page cache");
    static final int P_FREED = Probes.register("shrink_folio_list: folio freed");

    /** enum pageout_t. */
    enum Pageout { PAGE_KEEP, PAGE_ACTIVATE, PAGE_SUCCESS, PAGE_CLEAN }

    // ---------------------------------------------------------------- LRU isolation

    /**
     * folio_isolate_lru(folio): the caller holds a reference (or the PTL of a PTE mapping it).
     * folio_test_clear_lru, then folio_get. model: the LRU flag is the absence of {@link #PG_ISOLATED}.
     */
    public static boolean folioIsolateLru(Page folio) {
        Task t = Task.current();
        if (folio.refcount.read() == 0)
            t.kernel.reports.file(t, Report.Kind.BUG, "VM_BUG_ON_FOLIO(!folio_ref_count(folio))", folio.name());
        if ((folio.flags.fetchOr(PG_ISOLATED) & PG_ISOLATED) != 0) {
            Probes.hit(P_ISOLATE_BUSY);
            return false;
        }
        Swap.folioGet(folio);
        return true;
    }

    /** folio_putback_lru(folio): folio_add_lru (model: clear the isolation bit) and drop the isolation reference. */
    public static void folioPutbackLru(Page folio) {
        folio.flags.fetchAnd(~PG_ISOLATED);
        Swap.folioPut(folio);
    }

    /** folio_test_lru(folio). model: not isolated. */
    public static boolean folioTestLru(Page folio) {
        return (folio.flags.readOnce() & PG_ISOLATED) == 0;
    }

    /**
     * folio_mapping(folio): the swap cache's address space for a folio in the swap cache (model:
     * the swap device), NULL for another anonymous folio, else the page cache's.
     */
    static Object folioMapping(Page folio) {
        if (SwapState.folioTestSwapcache(folio))
            return SwapState.swapInfo(Task.current().kernel);
        if (Rmap.folioTestAnon(folio))
            return null;
        return folio.mapping.get();
    }

    // ---------------------------------------------------------------- shrink_folio_list, one folio

    /**
     * shrink_folio_list(folio_list, ...) for a list holding one isolated folio (the caller's
     * isolation reference is consumed: the folio is freed or put back). Returns RECLAIMED or why
     * it was kept. After the folio: try_to_unmap_flush() (the TLB flushes try_to_unmap deferred
     * with TTU_BATCH_FLUSH), then the freed folio goes back to the page allocator.
     */
    static long shrinkFolioList(Page folio) {
        long ret = shrinkFolio(folio);
        if (ret == RECLAIMED && Mutant.on(Mutant.RECLAIM_FREE_BEFORE_FLUSH))
            Swap.__folioPut(folio);
        Rmap.tryToUnmapFlush();
        if (ret == RECLAIMED && !Mutant.on(Mutant.RECLAIM_FREE_BEFORE_FLUSH)) // free_unref_folios(&free_folios)
            Swap.__folioPut(folio);
        return ret;
    }

    /**
     * The loop body of shrink_folio_list for one folio: RECLAIMED with the folio on free_folios
     * (refcount frozen at 0 by __remove_mapping, freed by the caller after the TLB flush), or why
     * it was kept.
     */
    private static long shrinkFolio(Page folio) {
        Object mapping;
        int nrPages;

        if (!Filemap.folioTrylock(folio)) {
            Probes.hit(P_TRYLOCK);
            return keep(folio, KEEP_LOCKED);
        }
        // folio_contain_hwpoisoned_page: no memory errors in the model
        nrPages = 1 << folio.order; // folio_nr_pages
        // folio_evictable: no mlock; sc->may_unmap: yes; folio_check_dirty_writeback: statistics
        // folio_test_writeback: model: never (I/O completes at once)
        // references = folio_check_references(folio, sc): model: FOLIOREF_RECLAIM
        // do_demote_pass: no memory tiers
        if (nrPages > 1) {
            Probes.hit(P_LARGE);
            return activateLocked(folio, KEEP_LARGE); // model: see the class comment
        }

        // Anonymous process memory has backing store? Try to allocate it some swap space here.
        boolean anon = Rmap.folioTestAnon(folio);
        if (anon && (folio.flags.readOnce() & Page.PG_SWAPBACKED) != 0 && !SwapState.folioTestSwapcache(folio)) {
            // !(sc->gfp_mask & __GFP_IO): reclaim may do I/O; folio_maybe_dma_pinned: no pins
            if (SwapState.folioAllocSwap(folio) == 0) {
                Probes.hit(P_NO_SWAP);
                return activateLocked(folio, KEEP_NO_SWAP); // activate_locked_split
            }
            Probes.hit(P_ALLOC_SWAP);
            folio.flags.fetchOr(Page.PG_DIRTY); // folio_mark_dirty
        }

        // The folio is mapped into the page tables of one or more processes. Try to unmap it here.
        if (Rmap.folioMapped(folio)) {
            // flags: TTU_BATCH_FLUSH (TTU_SPLIT_HUGE_PMD / TTU_SYNC only for large folios)
            Rmap.tryToUnmap(folio, Rmap.TTU_BATCH_FLUSH);
            if (Rmap.folioMapped(folio)) {
                Probes.hit(P_STILL_MAPPED);
                return activateLocked(folio, KEEP_MAPPED);
            }
        }
        // folio_maybe_dma_pinned: no pins

        mapping = folioMapping(folio);
        if ((folio.flags.readOnce() & Page.PG_DIRTY) != 0) {
            if (!anon) { // folio_is_file_lru
                // Immediately reclaim when written back: folio_set_reclaim (model: no PG_reclaim)
                Probes.hit(P_DIRTY_FILE);
                return activateLocked(folio, KEEP_DIRTY);
            }
            // may_enter_fs, sc->may_writepage: yes
            // Folio is dirty. Flush the TLB if a writable entry potentially exists to avoid CPU
            // writes after I/O starts.
            Rmap.tryToUnmapFlushDirty();
            switch (pageout(mapping, folio)) {
                case PAGE_KEEP:
                    return keepLocked(folio, KEEP_PAGEOUT);
                case PAGE_ACTIVATE:
                    return activateLocked(folio, KEEP_DIRTY);
                case PAGE_SUCCESS:
                    // folio_test_writeback: model: never
                    if ((folio.flags.readOnce() & Page.PG_DIRTY) != 0) {
                        Probes.hit(P_REDIRTIED);
                        return keep(folio, KEEP_DIRTY);
                    }
                    // A synchronous write - probably a ramdisk. Go ahead and try to reclaim the folio.
                    if (!Filemap.folioTrylock(folio)) {
                        Probes.hit(P_TRYLOCK);
                        return keep(folio, KEEP_LOCKED);
                    }
                    if ((folio.flags.readOnce() & Page.PG_DIRTY) != 0)
                        return keepLocked(folio, KEEP_DIRTY);
                    mapping = folioMapping(folio);
                    break; // fallthrough to PAGE_CLEAN
                case PAGE_CLEAN:
                    break; // try to free the folio below
            }
        }

        // folio_needs_release: no private data; folio_test_lazyfree: no MADV_FREE
        if (mapping == null)
            return keepLocked(folio, KEEP_NO_MAPPING);
        if (!__removeMapping(mapping, folio))
            return keepLocked(folio, KEEP_BUSY);
        Filemap.folioUnlock(folio);
        // free_it: nr_reclaimed += nr_pages; folio_batch_add(&free_folios): freed after
        // try_to_unmap_flush. The refcount is 0 (frozen by __remove_mapping): nobody else can
        // reach the folio.
        Probes.hit(P_FREED);
        Trace.note("shrink_folio_list: %s reclaimed", folio);
        return RECLAIMED;
    }

    /** activate_locked: (swap not full: keep the swap slot) folio_set_active; then keep_locked. */
    private static long activateLocked(Page folio, long why) {
        // folio_test_swapcache && (mem_cgroup_swap_full || mlocked): folio_free_swap: model: swap never full
        return keepLocked(folio, why);
    }

    /** keep_locked: folio_unlock; then keep. */
    private static long keepLocked(Page folio, long why) {
        Filemap.folioUnlock(folio);
        return keep(folio, why);
    }

    /** keep: the folio goes back on the LRU (move_folios_to_lru for the caller's list). */
    private static long keep(Page folio, long why) {
        folioPutbackLru(folio);
        Trace.note("shrink_folio_list: %s kept (%d)", folio, why);
        return why;
    }

    /**
     * pageout(ctx, mapping, folio, folio_list): write a dirty anonymous folio to swap. Returns with
     * the folio unlocked on PAGE_SUCCESS, locked otherwise.
     */
    static Pageout pageout(Object mapping, Page folio) {
        // A freeable shmem or swapcache folio is referenced only by the caller that isolated the
        // folio and the page cache.
        if (Swap.folioRefCount(folio) != 1 + (1 << folio.order) || mapping == null) {
            Probes.hit(P_PAGEOUT_KEEP);
            return Pageout.PAGE_KEEP;
        }
        if (!Rmap.folioTestAnon(folio)) // !shmem_mapping(mapping) (model: no shmem) && !folio_test_anon
            return Pageout.PAGE_ACTIVATE;
        if (!PageWriteback.folioClearDirtyForIo(folio))
            return Pageout.PAGE_CLEAN;
        // folio_set_reclaim: model: no PG_reclaim
        swapWriteout(folio); // res: 0
        // synchronous write? folio_test_writeback is never true: folio_clear_reclaim
        return Pageout.PAGE_SUCCESS;
    }

    /**
     * swap_writeout(folio, swap_plug) (mm/page_io.c, not re-read): if no swap PTE uses the slot any
     * more, drop the folio from the swap cache instead of writing (folio_free_swap marks it dirty
     * again); else write it to its slot. Unlocks the folio either way.
     */
    static void swapWriteout(Page folio) {
        if (SwapState.folioFreeSwap(folio)) {
            Probes.hit(P_PAGEOUT_FREED_SWAP);
            Filemap.folioUnlock(folio);
            return;
        }
        SwapState.swapWritepage(folio); // __swap_writepage: model: the I/O completes at once
        Probes.hit(P_PAGEOUT_WRITTEN);
        Filemap.folioUnlock(folio);
    }

    /**
     * __remove_mapping(mapping, folio, reclaimed, target_memcg): with the folio locked, under the
     * swap-cluster lock or the i_pages lock, freeze the refcount at 1 + nr (our isolation reference
     * + the cache's); fail if it is anything else or the folio is dirty; else take the folio out
     * of the swap or page cache. On success the folio is returned with a refcount of 0.
     */
    static boolean __removeMapping(Object mapping, Page folio) {
        Task t = Task.current();
        if (!Filemap.folioTestLocked(folio))
            t.kernel.reports.file(t, Report.Kind.BUG, "BUG_ON(!folio_test_locked(folio))", folio.name());
        if (mapping != folioMapping(folio)) {
            t.kernel.reports.file(t, Report.Kind.BUG, "BUG_ON(mapping != folio_mapping(folio))", folio.name());
            return false; // model: BUG() would stop here; keep the folio instead
        }
        boolean swapcache = SwapState.folioTestSwapcache(folio);
        SwapState.SwapInfo si = swapcache ? SwapState.swapInfo(t.kernel) : null;
        File file = swapcache ? null : (File) mapping;
        if (swapcache)
            si.lock.lock(); // swap_cluster_get_and_lock_irq
        else
            file.xaLock.lock(); // spin_lock(&mapping->host->i_lock) (model: none); xa_lock_irq

        // The non racy check for a busy folio: the refcount first, then the dirty flag (the
        // atomic_cmpxchg in folio_ref_freeze provides the smp_rmb).
        int refcount = 1 + (1 << folio.order);
        cannotFree:
        {
            if (Mutant.on(Mutant.RECLAIM_RACY_REFCOUNT) ? !racyRefFreeze(folio, refcount) : !Swap.folioRefFreeze(folio, refcount)) {
                Probes.hit(P_FREEZE_FAIL);
                break cannotFree;
            }
            if ((folio.flags.readOnce() & Page.PG_DIRTY) != 0) {
                Probes.hit(P_FREEZE_DIRTY);
                Swap.folioRefUnfreeze(folio, refcount);
                break cannotFree;
            }
            if (swapcache) {
                // workingset_eviction: no shadows
                long off = SwapState.__swapCacheDelFolio(folio);
                si.lock.unlock(); // swap_cluster_unlock_irq
                SwapState.putSwapFolio(t.kernel, off);
                Probes.hit(P_REMOVED_SWAP);
            } else {
                __filemapRemoveFolio(file, folio);
                file.xaLock.unlock(); // xa_unlock_irq; spin_unlock(&mapping->host->i_lock)
                Probes.hit(P_REMOVED_FILE);
                // a_ops->free_folio: none
            }
            return true;
        }
        if (swapcache)
            si.lock.unlock();
        else
            file.xaLock.unlock();
        return false;
    }

    /**
     * The busy check as it was before e286781d5f2e (mutant reclaim-racy-refcount): read the count,
     * then set it to 0, two accesses where folio_ref_freeze is one cmpxchg.
     */
    private static boolean racyRefFreeze(Page folio, int count) {
        if (Swap.folioRefCount(folio) != count)
            return false;
        folio.refcount.set(0);
        return true;
    }

    /**
     * __filemap_remove_folio(folio, shadow) (mm/filemap.c, not re-read): page_cache_delete under the
     * i_pages lock: the slot is emptied (xas_store(shadow): model: no shadows) and folio->mapping
     * cleared.
     */
    static void __filemapRemoveFolio(File mapping, Page folio) {
        long index = folio.index.get();
        for (int i = 0; i < (1 << folio.order); i++)
            mapping.iPages.get((int) (index + i)).writeOnce(null);
        folio.mapping.set(null);
    }
}
