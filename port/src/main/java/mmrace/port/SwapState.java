package mmrace.port;

import mmrace.runtime.Atomic;
import mmrace.runtime.Field;
import mmrace.runtime.KObject;
import mmrace.runtime.Kernel;
import mmrace.runtime.Page;
import mmrace.runtime.Probes;
import mmrace.runtime.Ref;
import mmrace.runtime.SpinLock;
import mmrace.runtime.Task;
import mmrace.runtime.Trace;

import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A minimal swap model: mm/swap_state.c (the swap cache, swap-in) with the slot accounting of
 * mm/swapfile.c (swap_map counts, SWAP_HAS_CACHE). Not re-read for this port: it follows the
 * kernel's protocol as reclaim and do_swap_page rely on it: a slot holds a count of swap PTEs plus
 * SWAP_HAS_CACHE while a folio for it sits in the swap cache; the swap cache holds one folio
 * reference; a lock-free lookup is folio_try_get under RCU followed by a re-check.
 *
 * <p>model: one swap device per {@link Kernel} with {@value #NSLOTS} slots (slot 0 is the header);
 * the contents of a slot are kept in a page from the allocator (the "disk block"), allocated with
 * the slot and freed with it; I/O is a page copy that completes at once; no swap clusters, no
 * readahead beyond the one page, no swapoff (get_swap_device always succeeds). Reclaim
 * (mm/vmscan.c) uses {@link #folioAllocSwap}, {@link #swapWritepage}, {@link #swapDuplicate} and
 * {@link #deleteFromSwapCache}.
 */
public final class SwapState {
    private SwapState() {}

    public static final int NSLOTS = 256;
    /** SWAP_HAS_CACHE in swap_map. */
    public static final int SWAP_HAS_CACHE = 0x40;
    /** ENOENT (include/uapi/asm-generic/errno-base.h). */
    static final int ENOENT = 2;

    static final int P_CACHE_HIT = Probes.register("swap_cache_get_folio: found in swap cache");
    static final int P_CACHE_RACE = Probes.register("swap_cache_get_folio: folio left the swap cache, retry");
    static final int P_PREPARE_EEXIST = Probes.register("__read_swap_cache_async: swapcache_prepare -EEXIST, retry");
    static final int P_SWAPIN = Probes.register("__read_swap_cache_async: read a page from swap");

    /** struct swap_info_struct, with its swap cache (swap_address_space) and the device contents. */
    public static final class SwapInfo extends KObject {
        private static final Field LOCK = new Field("si->lock");
        private static final Field SWAP_MAP = new Field("swap_map");
        private static final Field CACHE = new Field("swap_cache");
        private static final Field BLOCK = new Field("swap_block");
        final SpinLock lock = new SpinLock(this, LOCK, "swap_info");
        final Atomic[] swapMap = new Atomic[NSLOTS];
        final Ref<?>[] cache = new Ref<?>[NSLOTS];
        final Ref<?>[] block = new Ref<?>[NSLOTS];

        SwapInfo() {
            for (int i = 0; i < NSLOTS; i++) {
                swapMap[i] = new Atomic(this, SWAP_MAP, 0);
                cache[i] = new Ref<Page>(this, CACHE, null);
                block[i] = new Ref<Page>(this, BLOCK, null);
            }
            swapMap[0].poke(1); // the header is never handed out
        }

        @SuppressWarnings("unchecked")
        Ref<Page> cache(long off) {
            return (Ref<Page>) cache[(int) off];
        }

        @SuppressWarnings("unchecked")
        Ref<Page> block(long off) {
            return (Ref<Page>) block[(int) off];
        }

        @Override
        public String name() {
            return "swap";
        }
    }


    /** swp_swap_info(entry): the one device of this machine. */
    public static SwapInfo swapInfo(Kernel k) {
        return k.global(SwapInfo.class, SwapInfo::new);
    }

    /**
     * What swap offset {@code off} holds, with no point: the swap-cache folio if there is one,
     * else the slot's contents. For the oracle, which reads memory between steps.
     */
    public static Page peekSwapped(Kernel k, long off) {
        SwapInfo si = k.globalIfPresent(SwapInfo.class);
        if (si == null || !validOffset(off))
            return null;
        Page p = si.cache(off).peek();
        return p != null ? p : si.block(off).peek();
    }

    /** The folios in the swap cache now, with no points: for the oracle's final accounting. */
    public static java.util.List<Page> peekSwapCache(Kernel k) {
        SwapInfo si = k.globalIfPresent(SwapInfo.class);
        java.util.List<Page> out = new java.util.ArrayList<>();
        if (si == null)
            return out;
        for (long off = 1; off < NSLOTS; off++) {
            Page p = si.cache(off).peek();
            if (p != null && !out.contains(p))
                out.add(p);
        }
        return out;
    }

    /** The pages holding swapped-out contents (the device's blocks), with no points: for the oracle. */
    public static java.util.List<Page> peekSwapBlocks(Kernel k) {
        SwapInfo si = k.globalIfPresent(SwapInfo.class);
        java.util.List<Page> out = new java.util.ArrayList<>();
        if (si == null)
            return out;
        for (long off = 1; off < NSLOTS; off++) {
            Page p = si.block(off).peek();
            if (p != null)
                out.add(p);
        }
        return out;
    }

    static boolean validOffset(long off) {
        return off > 0 && off < NSLOTS;
    }

    /** folio_test_swapcache(folio). */
    public static boolean folioTestSwapcache(Page folio) {
        return (folio.flags.readOnce() & Page.PG_SWAPCACHE) != 0;
    }

    /** __swap_count(entry) / swap_entry_swapped(): the number of swap PTEs for the slot. */
    public static int swapCount(Kernel k, long off) {
        return swapInfo(k).swapMap[(int) off].read() & ~SWAP_HAS_CACHE;
    }

    // ---------------------------------------------------------------- mm/swapfile.c

    /**
     * folio_alloc_swap(folio): a free slot, SWAP_HAS_CACHE set, and the folio added to the swap
     * cache. Returns the swap offset, or 0 when no slot could be had (site "swap_slot" can fail).
     */
    public static long folioAllocSwap(Page folio) {
        Task t = Task.current();
        SwapInfo si = swapInfo(t.kernel);
        if (t.kernel.faults.shouldFail(t, "swap_slot"))
            return 0;
        Page blk = t.kernel.pages.alloc("swap_block");
        if (blk == null)
            return 0;
        long off = 0;
        si.lock.lock();
        for (int i = 1; i < NSLOTS; i++) {
            if (si.swapMap[i].read() == 0) {
                si.swapMap[i].set(SWAP_HAS_CACHE);
                off = i;
                break;
            }
        }
        if (off != 0)
            si.block(off).set(blk);
        si.lock.unlock();
        if (off == 0) {
            t.kernel.pages.free(blk);
            return 0;
        }
        swapCacheAddFolio(folio, off);
        Trace.note("folio_alloc_swap(%s) -> swap slot %d", folio, off);
        return off;
    }

    /** swap_duplicate(entry) / folio_dup_swap: one more swap PTE for the slot. */
    public static int swapDuplicate(long off) {
        SwapInfo si = swapInfo(Task.current().kernel);
        si.lock.lock();
        si.swapMap[(int) off].addReturn(1);
        si.lock.unlock();
        return 0;
    }

    /** swapcache_prepare(entry, 1): claim SWAP_HAS_CACHE; -EEXIST if another task holds it. */
    static int swapcachePrepare(SwapInfo si, long off) {
        int ret = 0;
        si.lock.lock();
        int v = si.swapMap[(int) off].read();
        if ((v & ~SWAP_HAS_CACHE) == 0)
            ret = -ENOENT;
        else if ((v & SWAP_HAS_CACHE) != 0)
            ret = -mmrace.runtime.Errno.EEXIST;
        else
            si.swapMap[(int) off].set(v | SWAP_HAS_CACHE);
        si.lock.unlock();
        return ret;
    }

    /** Frees the slot when nothing refers to it any more (swap_entries_free). Called with si->lock. */
    static void maybeFreeSlot(SwapInfo si, long off) {
        if (si.swapMap[(int) off].read() != 0)
            return;
        Page blk = si.block(off).get();
        si.block(off).set(null);
        if (blk != null)
            Task.current().kernel.pages.free(blk);
    }

    /** swap_put_entries_direct(entry, nr) (zap) and swap_free_nr (do_swap_page): drop swap PTE counts. */
    public static void swapPutEntriesDirect(long off, int nr) {
        SwapInfo si = swapInfo(Task.current().kernel);
        si.lock.lock();
        for (int i = 0; i < nr; i++) {
            if (!validOffset(off + i))
                continue;
            Atomic m = si.swapMap[(int) (off + i)];
            int v = m.read();
            if ((v & ~SWAP_HAS_CACHE) == 0) {
                Task t = Task.current();
                t.kernel.reports.file(t, mmrace.runtime.Report.Kind.BUG, "swap_put: bad swap entry", "offset " + (off + i));
                continue;
            }
            m.set(v - 1);
            maybeFreeSlot(si, off + i);
        }
        si.lock.unlock();
    }

    /** put_swap_folio(folio, entry): drop SWAP_HAS_CACHE. */
    static void putSwapFolio(SwapInfo si, long off) {
        si.lock.lock();
        Atomic m = si.swapMap[(int) off];
        m.set(m.read() & ~SWAP_HAS_CACHE);
        maybeFreeSlot(si, off);
        si.lock.unlock();
    }

    // ---------------------------------------------------------------- mm/swap_state.c

    /** swap_cache_add_folio(folio, entry): the swap cache takes a reference. */
    static void swapCacheAddFolio(Page folio, long off) {
        SwapInfo si = swapInfo(Task.current().kernel);
        Swap.folioRefAdd(folio, 1);
        folio.privateWord.set(off);
        folio.flags.fetchOr(Page.PG_SWAPCACHE | Page.PG_SWAPBACKED);
        si.cache(off).rcuAssignPointer(folio);
    }

    /**
     * __swap_cache_del_folio(ci, folio, entry, shadow): the folio leaves the swap cache; returns
     * the slot it had. It does not drop the swap cache's folio reference and does not touch
     * SWAP_HAS_CACHE: the caller does (put_swap_folio), as __remove_mapping in mm/vmscan.c does
     * with the refcount frozen at 0. model: no shadow entries.
     */
    public static long __swapCacheDelFolio(Page folio) {
        SwapInfo si = swapInfo(Task.current().kernel);
        long off = folio.privateWord.get();
        si.cache(off).writeOnce(null);
        folio.flags.fetchAnd(~Page.PG_SWAPCACHE);
        folio.privateWord.set(0);
        return off;
    }

    /** put_swap_folio(folio, entry): drop SWAP_HAS_CACHE of the slot the folio had. */
    public static void putSwapFolio(Kernel k, long off) {
        putSwapFolio(swapInfo(k), off);
    }

    /** swap_cache_del_folio(folio): __swap_cache_del_folio + put_swap_folio + folio_ref_sub. */
    public static void deleteFromSwapCache(Page folio) {
        SwapInfo si = swapInfo(Task.current().kernel);
        long off = __swapCacheDelFolio(folio);
        putSwapFolio(si, off);
        Swap.folioPut(folio); // folio_ref_sub(folio, nr); the caller holds its own reference
    }

    /** swap_writepage(folio): write the folio's contents to its slot. */
    public static void swapWritepage(Page folio) {
        SwapInfo si = swapInfo(Task.current().kernel);
        long off = folio.privateWord.get();
        Page blk = si.block(off).get();
        blk.copyPage(folio);
        Trace.note("swap_writepage(%s) -> slot %d", folio, off);
    }

    /** swap_cache_get_folio(entry): the folio in the swap cache, with a reference, or null. */
    public static Page swapCacheGetFolio(long off) {
        Task t = Task.current();
        SwapInfo si = swapInfo(t.kernel);
        for (;;) {
            t.kernel.rcu.readLock();
            Page folio = si.cache(off).rcuDereference();
            if (folio == null) {
                t.kernel.rcu.readUnlock();
                return null;
            }
            if (Swap.folioTryGet(folio)) {
                if (si.cache(off).readOnce() == folio && folioTestSwapcache(folio) && folio.privateWord.readOnce() == off) {
                    t.kernel.rcu.readUnlock();
                    Probes.hit(P_CACHE_HIT);
                    return folio;
                }
                t.kernel.rcu.readUnlock();
                Swap.folioPut(folio);
            } else {
                t.kernel.rcu.readUnlock();
            }
            Probes.hit(P_CACHE_RACE);
            t.spin("swap_cache_get_folio: retry");
        }
    }

    /**
     * __read_swap_cache_async(entry) + swap_read_folio: the folio for the slot, referenced and
     * uptodate (unless the read is still in flight: model: it never is), or null if the slot is no
     * longer in use or memory ran out.
     */
    public static Page readSwapCacheAsync(long off) {
        Task t = Task.current();
        SwapInfo si = swapInfo(t.kernel);
        Page folio;
        for (;;) {
            folio = swapCacheGetFolio(off);
            if (folio != null)
                return folio;
            if (swapCount(t.kernel, off) == 0) // !swap_entry_swapped(si, entry)
                return null;
            folio = t.kernel.pages.alloc("page");
            if (folio == null)
                return null;
            int err = swapcachePrepare(si, off);
            if (err == 0)
                break;
            Swap.folioPut(folio);
            if (err != -mmrace.runtime.Errno.EEXIST)
                return null;
            Probes.hit(P_PREPARE_EEXIST);
            t.spin("__read_swap_cache_async: swapcache_prepare -EEXIST");
        }
        folio.flags.set(folio.flags.get() | Page.PG_LOCKED | Page.PG_SWAPBACKED); // __folio_set_locked: not yet visible
        folio.mapping.set(null);
        Swap.folioRefAdd(folio, 1);
        folio.privateWord.set(off);
        folio.flags.fetchOr(Page.PG_SWAPCACHE);
        si.cache(off).rcuAssignPointer(folio);
        // swap_read_folio
        Probes.hit(P_SWAPIN);
        Page blk = si.block(off).get();
        folio.copyPage(blk);
        folio.flags.fetchOr(Page.PG_UPTODATE); // folio_mark_uptodate
        Filemap.folioUnlock(folio);
        Trace.note("swap_read_folio(slot %d) -> %s", off, folio);
        return folio;
    }

    /** folio_free_swap(folio): with the folio locked, drop it from the swap cache if no PTE uses the slot. */
    public static boolean folioFreeSwap(Page folio) {
        if (!folioTestSwapcache(folio))
            return false;
        long off = folio.privateWord.get();
        if (swapCount(Task.current().kernel, off) > 0) // folio_swapped
            return false;
        deleteFromSwapCache(folio);
        folio.flags.fetchOr(Page.PG_DIRTY); // folio_mark_dirty: the only copy is in memory now
        return true;
    }

    /** free_swap_cache(folio). */
    public static void freeSwapCache(Page folio) {
        if (folioTestSwapcache(folio) && folio.mapcount.read() < 0 && Filemap.folioTrylock(folio)) {
            folioFreeSwap(folio);
            Filemap.folioUnlock(folio);
        }
    }

    /** free_pages_and_swap_cache(pages, nr): what the mmu_gather does with its pages after the flush. */
    public static void freePagesAndSwapCache(List<Page> pages) {
        for (Page p : pages)
            freeSwapCache(p.head);
        for (Page p : pages) // folios_put
            Swap.folioPut(p.head);
    }
}
