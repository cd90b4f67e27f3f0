package mmrace.port;

import mmrace.runtime.Page;
import mmrace.runtime.Probes;
import mmrace.runtime.Trace;

/**
 * mm/page-writeback.c (folio_mark_dirty and folio_mark_dirty_lock read at
 * c17ee635fd3a482b2ad2bf5e269755c2eae5f25e; the rest not re-read for this port, the protocol every
 * kernel since the folio conversion shares): folio_clear_dirty_for_io, and the flusher's write-back of one dirty
 * page-cache folio. Since 2025 reclaim no longer writes file folios itself (pageout() in mm/vmscan.c
 * only writes anonymous and shmem folios, and activates a dirty file folio with PG_reclaim set so
 * that the flusher writes it and it is reclaimed when clean); {@link Daemons#reclaimPage} calls
 * {@link #writebackFolio} in between its two passes to stand for the flusher.
 *
 * <p>model: I/O completes at once (no PG_writeback, no folio_end_writeback); the "disk" is
 * {@link File#disk}, a plain array the scheduler does not see; folio_mkclean (write-protecting the
 * PTEs of a mapped folio before clearing its dirty bit) is not ported: a store through a PTE that
 * is still dirty is not lost, because try_to_unmap and the zap path carry the PTE's dirty bit to
 * the folio again. folio_mkclean also clears and flushes each shared PTE (ptep_clear_flush, an
 * IPI with the PTE lock held); the model only reaches write-back after reclaim unmapped the
 * folio, where folio_mkclean finds it unmapped and does nothing, unless a fault mapped it again
 * in between: that instance of flushing under the PTE lock is not modelled.
 */
public final class PageWriteback {
    private PageWriteback() {}

    static final int P_WROTE = Probes.register("flusher: wrote a dirty page-cache folio back to disk");
    static final int P_CLEAN = Probes.register("flusher: folio was clean or left the page cache");

    /**
     * folio_mark_dirty(folio): true if this call dirtied it. model: no ->dirty_folio of the
     * mapping, no dirty accounting: set PG_dirty (what noop_dirty_folio and filemap_dirty_folio do
     * to the folio itself).
     */
    public static boolean folioMarkDirty(Page folio) {
        return (folio.flags.fetchOr(Page.PG_DIRTY) & Page.PG_DIRTY) == 0;
    }

    /**
     * folio_mark_dirty_lock(folio): folio_mark_dirty under the folio lock, for a caller that holds
     * no reference on the mapping's inode (__access_remote_vm after a remote write, mm/memory.c).
     */
    public static boolean folioMarkDirtyLock(Page folio) {
        Filemap.folioLock(folio);
        boolean ret = folioMarkDirty(folio);
        Filemap.folioUnlock(folio);
        return ret;
    }

    /** folio_clear_dirty_for_io(folio): with the folio locked; true if it was dirty. */
    public static boolean folioClearDirtyForIo(Page folio) {
        // folio_mkclean(folio) for a mapped folio: model: not ported (see the class comment)
        return (folio.flags.fetchAnd(~Page.PG_DIRTY) & Page.PG_DIRTY) != 0; // folio_test_clear_dirty
    }

    /**
     * The flusher writing back the folio at {@code index} of {@code mapping}
     * (wb_writeback -> writeback_single_inode -> do_writepages -> writeback_iter for one folio):
     * look it up, lock it, check it is still this mapping's, clear its dirty bit for I/O and write
     * it to disk. Returns whether it wrote.
     */
    public static boolean writebackFolio(File mapping, long index) {
        Page folio = Filemap.filemapGetFolio(mapping, index);
        if (folio == null) {
            Probes.hit(P_CLEAN);
            return false;
        }
        Filemap.folioLock(folio);
        boolean wrote = false;
        if (folio.mapping.get() == mapping && folioClearDirtyForIo(folio)) {
            // ->writepages: folio_start_writeback, submit, folio_end_writeback: model: synchronous
            long first = folio.index.get();
            for (int i = 0; i < (1 << folio.order); i++) {
                Page page = Filemap.folioFilePage(folio, first + i);
                page.copyFrom(0, mapping.disk, (int) ((first + i) * Page.PAGE_SIZE), Page.PAGE_SIZE);
            }
            wrote = true;
            Probes.hit(P_WROTE);
            Trace.note("writeback of %s index %d to disk", mapping, first);
        } else {
            Probes.hit(P_CLEAN);
        }
        Filemap.folioUnlock(folio);
        Swap.folioPut(folio);
        return wrote;
    }
}
