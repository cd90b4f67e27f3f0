package mmrace.port;

import mmrace.runtime.Page;
import mmrace.runtime.Report;
import mmrace.runtime.Task;
import mmrace.runtime.Trace;

/**
 * mm/swap.c with the folio reference helpers of include/linux/mm.h and include/linux/page_ref.h
 * (not re-read for this port: ported from the design every kernel since 5.16 shares): folio_get,
 * folio_try_get, folio_put and __folio_put, folio_ref_freeze for reclaim.
 *
 * <p>model: no LRU lists, no memcg, no per-CPU folio batches: __folio_put frees the folio to the
 * page allocator at once.
 */
public final class Swap {
    private Swap() {}

    /** folio_get(folio): the caller knows the count is above zero (VM_BUG_ON otherwise). */
    public static void folioGet(Page folio) {
        int nu = folio.refcount.addReturn(1); // folio_ref_inc
        if (nu <= 1) {
            Task t = Task.current();
            t.kernel.reports.file(t, Report.Kind.BUG, "VM_BUG_ON_FOLIO(folio_ref_zero_or_close_to_overflow)", folio.name());
        }
    }

    /** folio_ref_add(folio, nr). */
    public static void folioRefAdd(Page folio, int nr) {
        if (nr != 0)
            folio.refcount.addReturn(nr);
    }

    /** folio_ref_count(folio). */
    public static int folioRefCount(Page folio) {
        return folio.refcount.read();
    }

    /** folio_try_get(folio): folio_ref_add_unless(folio, 1, 0), for lock-free lookups. */
    public static boolean folioTryGet(Page folio) {
        return folio.refcount.refcountAddNotZero(1);
    }

    /** folio_ref_freeze(folio, count): the count becomes 0 iff it was exactly {@code count}. */
    public static boolean folioRefFreeze(Page folio, int count) {
        return folio.refcount.cmpxchg(count, 0) == count;
    }

    /** folio_ref_unfreeze(folio, count): atomic_set_release. */
    public static void folioRefUnfreeze(Page folio, int count) {
        folio.refcount.setRelease(count);
    }

    /** folio_put_testzero(folio). */
    static boolean folioPutTestzero(Page folio) {
        int nu = folio.refcount.addReturn(-1);
        if (nu < 0) {
            Task t = Task.current();
            t.kernel.reports.file(t, Report.Kind.BUG, "VM_BUG_ON_FOLIO(folio_ref_count(folio) == 0)", folio.name());
        }
        return nu == 0;
    }

    /** folio_put(folio): drop a reference; free the folio when it was the last. */
    public static void folioPut(Page folio) {
        if (folioPutTestzero(folio))
            __folioPut(folio);
    }

    /** folio_put_refs(folio, refs). */
    public static void folioPutRefs(Page folio, int refs) {
        int nu = folio.refcount.addReturn(-refs);
        if (nu == 0)
            __folioPut(folio);
    }

    /** put_page(page). */
    public static void putPage(Page page) {
        folioPut(page.head);
    }

    /** __folio_put(folio): the last reference is gone; back to the page allocator. */
    static void __folioPut(Page folio) {
        Task t = Task.current();
        if ((folio.flags.peek() & Page.PG_RESERVED) != 0) {
            t.kernel.reports.file(t, Report.Kind.BUG, "Bad page state: reserved page refcount hit zero", folio.name());
            return;
        }
        if (folio.mapcount.peek() >= 0)
            t.kernel.reports.file(t, Report.Kind.BUG, "Bad page state: freeing a mapped folio", folio.name() + " mapcount " + (folio.mapcount.peek() + 1));
        Trace.note("__folio_put(%s): freed", folio);
        t.kernel.pages.free(folio); // free_frozen_pages
    }

    /** folio_mark_accessed(folio). model: only the referenced bit. */
    public static void folioMarkAccessed(Page folio) {
        folio.flags.fetchOr(Page.PG_REFERENCED);
    }
}
