package mmrace.port;

import mmrace.runtime.Lockdep;
import mmrace.runtime.Page;
import mmrace.runtime.Probes;
import mmrace.runtime.Ref;
import mmrace.runtime.Report;
import mmrace.runtime.Task;
import mmrace.runtime.Trace;

import static mmrace.port.MmTypes.FAULT_FLAG_ALLOW_RETRY;
import static mmrace.port.MmTypes.FAULT_FLAG_RETRY_NOWAIT;
import static mmrace.port.MmTypes.FAULT_FLAG_TRIED;
import static mmrace.port.MmTypes.VM_FAULT_LOCKED;
import static mmrace.port.MmTypes.VM_FAULT_MAJOR;
import static mmrace.port.MmTypes.VM_FAULT_OOM;
import static mmrace.port.MmTypes.VM_FAULT_RETRY;
import static mmrace.port.MmTypes.VM_FAULT_SIGBUS;

/**
 * mm/filemap.c (not re-read for this port; the read-fault path as the kernel has had it since the
 * folio conversion): the folio lock, the page-cache lookup (filemap_get_entry: folio_try_get under
 * RCU, then a re-check that the slot still holds the folio), adding a folio to the page cache under
 * the xa_lock, filemap_fault for read faults, generic_file_vm_ops and generic_file_mmap.
 *
 * <p>model: no readahead, no fault-around (generic_file_vm_ops has no ->map_pages here, so a file
 * fault under a VMA lock retries under mmap_lock, as vmf_can_call_fault says), no writeback:
 * "reading" a page is a copy from the file's disk ({@link File#diskPage}) that completes at once (the disk array is not
 * shared state the scheduler sees). A fault past EOF is VM_FAULT_SIGBUS. Write-back of dirty
 * folios is {@link PageWriteback} (the flusher, as reclaim uses it). Large page-cache folios come
 * only from THP collapse ({@link Khugepaged}); the folio is stored in each slot it covers and
 * filemap_fault hands out the exact page (folio_file_page).
 */
public final class Filemap {
    private Filemap() {}

    static final int P_FIND_HIT = Probes.register("filemap_fault: folio found in the page cache");
    static final int P_FIND_RACE = Probes.register("filemap_get_entry: folio changed under us, retry");
    static final int P_READ = Probes.register("filemap_fault: folio read from disk (major)");
    static final int P_ADD_EEXIST = Probes.register("filemap_add_folio: -EEXIST, another task added it");
    static final int P_LOCK_RETRY = Probes.register("__folio_lock_or_retry: folio locked, VM_FAULT_RETRY");
    static final int P_FAULT_RETRY_FIND = Probes.register("filemap_fault: folio left the page cache while we locked it, retry_find");

    // ---------------------------------------------------------------- the folio lock

    /** folio_trylock(folio): test_and_set_bit_lock(PG_locked). */
    public static boolean folioTrylock(Page folio) {
        return (folio.flags.fetchOr(Page.PG_LOCKED) & Page.PG_LOCKED) == 0;
    }

    /** folio_lock(folio) / __folio_lock: sleeps until the lock is free. */
    public static void folioLock(Page folio) {
        Task t = Task.current();
        Lockdep.mightSleep(t, "folio_lock");
        while (!folioTrylock(folio))
            t.waitUntil(unlocked(folio, "folio_lock(" + folio.name() + ")")); // folio_wait_bit_common: sleep until PG_locked clears
    }

    /** folio_unlock(folio): clear_bit_unlock(PG_locked) and wake waiters. */
    public static void folioUnlock(Page folio) {
        long old = folio.flags.fetchAnd(~Page.PG_LOCKED);
        if ((old & Page.PG_LOCKED) == 0) {
            Task t = Task.current();
            t.kernel.reports.file(t, Report.Kind.BUG, "VM_BUG_ON_FOLIO(!folio_test_locked(folio))", folio.name());
        }
    }

    /** folio_test_locked(folio). */
    public static boolean folioTestLocked(Page folio) {
        return (folio.flags.readOnce() & Page.PG_LOCKED) != 0;
    }

    /** folio_wait_locked(folio). */
    static void folioWaitLocked(Page folio) {
        Task t = Task.current();
        while (folioTestLocked(folio))
            t.waitUntil(unlocked(folio, "folio_wait_locked(" + folio.name() + ")"));
    }

    /**
     * The wait of folio_wait_bit_common(folio, PG_locked): until the bit clears. model: the folio
     * lock is not lockdep-tracked (as in the kernel), so the wait-for graph names every other task.
     */
    static mmrace.runtime.Waiter unlocked(Page folio, String what) {
        Task t = Task.current();
        return new mmrace.runtime.Waiter() {
            @Override public boolean ready() { return (folio.flags.peek() & Page.PG_LOCKED) == 0; }
            @Override public String what() { return what; }
            @Override public java.util.List<Task> holders() {
                return t.kernel.tasks().stream().filter(x -> x != t && !x.exited).toList();
            }
        };
    }

    /**
     * folio_lock_or_retry(folio, vmf): 0 with the folio locked, or VM_FAULT_RETRY with the fault
     * lock (VMA lock or mmap_lock) released when the fault allows retrying.
     */
    public static int folioLockOrRetry(Page folio, VmFault vmf) {
        if (folioTrylock(folio))
            return 0;
        int flags = vmf.flags;
        if ((flags & FAULT_FLAG_ALLOW_RETRY) != 0 && (flags & FAULT_FLAG_TRIED) == 0) { // fault_flag_allow_retry_first
            Probes.hit(P_LOCK_RETRY);
            if ((flags & FAULT_FLAG_RETRY_NOWAIT) != 0)
                return VM_FAULT_RETRY;
            Memory.releaseFaultLock(vmf);
            folioWaitLocked(folio);
            return VM_FAULT_RETRY;
        }
        folioLock(folio);
        return 0;
    }

    // ---------------------------------------------------------------- page cache

    /**
     * folio_file_page(folio, index) (include/linux/pagemap.h): the page of {@code folio} that holds
     * file index {@code index}; the folio itself when it is small. Large page-cache folios come from
     * THP collapse ({@link Khugepaged}), which stores the head in every slot it covers.
     */
    public static Page folioFilePage(Page folio, long index) {
        if (folio.order == 0)
            return folio;
        long i = index & ((1L << folio.order) - 1);
        return Task.current().kernel.pages.pfnToPage(folio.pfn + i);
    }

    /** filemap_get_entry / filemap_get_folio(mapping, index): the folio with a reference, or null. */
    public static Page filemapGetFolio(File mapping, long index) {
        Task t = Task.current();
        if (index < 0 || index >= mapping.sizePages)
            return null;
        Ref<Page> slot = mapping.iPages.get((int) index);
        for (;;) {
            t.kernel.rcu.readLock();
            Page folio = slot.rcuDereference(); // xas_load
            if (folio == null) {
                t.kernel.rcu.readUnlock();
                return null;
            }
            if (Swap.folioTryGet(folio)) {
                if (slot.readOnce() == folio) { // xas_reload
                    t.kernel.rcu.readUnlock();
                    return folio;
                }
                t.kernel.rcu.readUnlock();
                Swap.folioPut(folio);
            } else {
                t.kernel.rcu.readUnlock();
            }
            Probes.hit(P_FIND_RACE);
            t.spin("filemap_get_entry: retry");
        }
    }

    /**
     * filemap_add_folio(mapping, folio, index): under the xa_lock, store the locked folio in the
     * page cache, which takes a reference. 0, or -EEXIST when another folio got there first.
     */
    public static int filemapAddFolio(File mapping, Page folio, long index) {
        Ref<Page> slot = mapping.iPages.get((int) index);
        Swap.folioRefAdd(folio, 1);
        folio.mapping.set(mapping);
        folio.index.set(index);
        mapping.xaLock.lock();
        if (slot.get() != null) {
            mapping.xaLock.unlock();
            folio.mapping.set(null);
            Swap.folioRefAdd(folio, -1);
            return -mmrace.runtime.Errno.EEXIST;
        }
        slot.rcuAssignPointer(folio);
        mapping.xaLock.unlock();
        return 0;
    }

    /**
     * filemap_read_folio(file, read_folio, folio): model: a copy from the disk; the folio is marked
     * uptodate (with the write barrier of folio_mark_uptodate) and unlocked.
     */
    static void filemapReadFolio(File file, Page folio) {
        long index = folio.index.get();
        folio.copyTo(0, file.diskPage(index), 0, Page.PAGE_SIZE);
        mmrace.runtime.Barrier.smpWmb();
        folio.flags.fetchOr(Page.PG_UPTODATE);
    }

    /**
     * filemap_fault(vmf): find or read the folio for vmf->pgoff; return it locked and referenced
     * (VM_FAULT_LOCKED) in vmf->page.
     */
    public static int filemapFault(VmFault vmf) {
        Task t = Task.current();
        File file = vmf.vma.vmFile.get();
        long index = vmf.pgoff;
        int ret = 0;
        if (index >= file.sizePages) // max_idx = DIV_ROUND_UP(i_size_read(inode), PAGE_SIZE)
            return VM_FAULT_SIGBUS;
        Page folio;
        for (;;) {
            folio = filemapGetFolio(file, index);
            if (folio != null) {
                Probes.hit(P_FIND_HIT);
                break;
            }
            // __filemap_get_folio(FGP_CREAT|FGP_FOR_MMAP) after no readahead: allocate, add, read
            Probes.hit(P_READ);
            ret = VM_FAULT_MAJOR;
            folio = t.kernel.pages.alloc("page"); // filemap_alloc_folio
            if (folio == null)
                return VM_FAULT_OOM;
            folio.flags.set(folio.flags.get() | Page.PG_LOCKED); // __folio_set_locked: not yet visible
            int err = filemapAddFolio(file, folio, index);
            if (err == 0) {
                filemapReadFolio(file, folio);
                folioUnlock(folio);
                break;
            }
            Probes.hit(P_ADD_EEXIST);
            folio.flags.set(folio.flags.get() & ~Page.PG_LOCKED);
            Swap.folioPut(folio);
        }
        int lret = folioLockOrRetry(folio, vmf); // lock_folio_maybe_drop_mmap
        if (lret != 0) {
            Swap.folioPut(folio);
            return ret | lret;
        }
        // Did it get truncated? model: files are never truncated, but a folio can leave the page
        // cache while we waited for its lock: reclaim (__remove_mapping) or THP collapse
        // (collapse_file replaces it with a large folio and clears folio->mapping).
        if (folio.mapping.get() != file) {
            Probes.hit(P_FAULT_RETRY_FIND);
            folioUnlock(folio);
            Swap.folioPut(folio);
            return ret | filemapFault(vmf); // goto retry_find
        }
        if ((folio.flags.readOnce() & Page.PG_UPTODATE) == 0) {
            folioUnlock(folio);
            Swap.folioPut(folio);
            return VM_FAULT_SIGBUS;
        }
        vmf.page = folioFilePage(folio, index);
        Trace.note("filemap_fault(%s, pgoff %d) -> %s", file, index, folio);
        return ret | VM_FAULT_LOCKED;
    }

    /** generic_file_vm_ops: fault = filemap_fault (map_pages and page_mkwrite not modelled). */
    public static final VmOperations GENERIC_FILE_VM_OPS = new VmOperations() {
        @Override public int fault(VmFault vmf) { return filemapFault(vmf); }
        @Override public String toString() { return "generic_file_vm_ops"; }
    };

    /** generic_file_mmap(file, vma): file_accessed; vma->vm_ops = &generic_file_vm_ops. */
    public static int genericFileMmap(File file, VmAreaStruct vma) {
        vma.vmOps.set(GENERIC_FILE_VM_OPS);
        return 0;
    }

    /** A regular file on a filesystem that uses generic_file_mmap: sets f_op->mmap. Returns the file. */
    public static File init(File file) {
        file.fOpMmap = vma -> genericFileMmap(file, vma);
        return file;
    }
}
