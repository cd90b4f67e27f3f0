package mmrace.oracle;

import mmrace.port.MapleTree;
import mmrace.port.Mm;
import mmrace.port.MmStruct;
import mmrace.port.Pgtable;
import mmrace.port.SwapState;
import mmrace.port.VmAreaStruct;
import mmrace.runtime.Kernel;
import mmrace.runtime.Page;

import java.util.Collection;

/**
 * Copy-on-write isolation between processes (F10, {@code cow-leak}). After fork, a private
 * anonymous page that parent and child share is write-protected in both, and the first store on
 * either side copies it (do_wp_page, wp_page_copy, mm/memory.c): a store by one process never
 * reaches memory the other sees. While fork is still copying, a store by a thread of the parent
 * through a translation it already had may land in the page the child now maps; that is allowed
 * only while the parent maps the same page (both then see the store: as if it came before the
 * fork). dup_mmap write-locks every source VMA (fb49c455323f) and flushes the parent's TLB before
 * it returns, so no page fault copies such a page while a store to it is still in flight.
 *
 * <p>Checked at every user store: the page it went into, if anonymous, must not be mapped by a
 * private mapping of another process at the same address (fork keeps addresses), unless the
 * storing process maps that page there too (or holds it through a swap entry it will fault back)
 * and a fork is in progress.
 */
final class CowLeak {
    private CowLeak() {}

    /**
     * The verdict for a store by {@code task} (a thread of {@code storer}) into {@code page} at
     * {@code addr}, or null. {@code forking}: some fork has not returned yet.
     */
    static Verdict check(Kernel k, Collection<MmStruct> mms, MmStruct storer, Page page, long addr, boolean forking,
                         long step, String task) {
        if (gone(storer) || page == null || (page.head.flags.peek() & Page.PG_ANON) == 0)
            return null;
        for (MmStruct other : mms) {
            if (other == storer || gone(other) || !mapsPrivately(other, addr, page))
                continue;
            long pte = Pgtable.peekPte(storer, addr);
            boolean own = Pgtable.ptePresent(pte) && Pgtable.ptePfn(pte) == page.pfn;
            if (!own && !willSee(k, pte, page))
                return Verdict.forbidden(Reason.COW_LEAK, step, task + "'s store at 0x" + Long.toHexString(addr) + " went into "
                        + page.name() + ", which " + other.name() + " maps privately and " + storer.name()
                        + " no longer maps: the store is lost to " + storer.name() + " and seen by " + other.name()
                        + " (the page was copied for " + storer.name() + " before the store landed)");
            if (!forking)
                return Verdict.forbidden(Reason.COW_LEAK, step, task + "'s store at 0x" + Long.toHexString(addr) + " went into "
                        + page.name() + ", still shared with " + other.name() + "'s private mapping after fork returned");
        }
        return null;
    }

    /** No mm, or one being freed (__mmdrop has freed its pgd) or freed. */
    private static boolean gone(MmStruct m) {
        return m == null || m.freed || m.pgd == null || m.pgd.freed;
    }

    /** {@code m} maps {@code page} at {@code addr} through a private mapping. */
    private static boolean mapsPrivately(MmStruct m, long addr, Page page) {
        long pte = Pgtable.peekPte(m, addr);
        if (!Pgtable.ptePresent(pte) || Pgtable.ptePfn(pte) != page.pfn)
            return false;
        MapleTree.Node n = m.mmMt.peek();
        for (int i = 0; i < n.size(); i++)
            if (Long.compareUnsigned(n.index(i), addr) <= 0 && Long.compareUnsigned(addr, n.last(i)) <= 0)
                return n.entry(i) instanceof VmAreaStruct vma && (vma.vmFlags.peek() & Mm.VM_SHARED) == 0;
        return false;
    }

    /**
     * The storing process will see the page again through its PTE: a swap entry whose swap cache
     * holds it, or (reclaim between clearing the PTE and writing the swap entry) a page in the
     * swap cache.
     */
    private static boolean willSee(Kernel k, long pte, Page page) {
        if (Pgtable.isSwapPte(pte))
            return SwapState.peekSwapped(k, Pgtable.swpOffset(pte)) == page.head;
        return Pgtable.pteNone(pte) && (page.head.flags.peek() & Page.PG_SWAPCACHE) != 0;
    }
}
