package mmrace.runtime;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The page allocator (mm/page_alloc.c) and mem_map. Freed pages are poisoned (PAGE_POISON) and
 * pushed to the front of the free list, so the next allocation reuses the most recently freed page:
 * a reader that keeps using a page it no longer holds sees poison or someone else's data, and
 * KASAN reports the access. pfn 0 is never handed out; pfn 1 is the zero page.
 */
public final class PageAlloc extends Shared {
    private static final Field BUDDY = new Field("page_alloc");
    /** The most pages one machine may use (memory per execution stays small). */
    public static final int MAX_PAGES = 1 << 16;

    private final Kernel kernel;
    private final List<Page> memmap = new ArrayList<>();
    private final ArrayDeque<Page> free = new ArrayDeque<>();
    private final java.util.concurrent.locks.ReentrantLock guard = new java.util.concurrent.locks.ReentrantLock();
    private int inUse;
    /** ZERO_PAGE(0): reserved, all zeros, never freed. */
    public final Page zeroPage;

    PageAlloc(Kernel kernel) {
        super(null, BUDDY);
        this.kernel = kernel;
        memmap.add(null);
        zeroPage = newPage();
        zeroPage.flags.poke(Page.PG_RESERVED | Page.PG_UPTODATE);
        zeroPage.refcount.poke(1);
        zeroPage.freed = false;
    }

    /** alloc_page(): a page with refcount 1, or null if an allocation failure was injected at {@code site}. */
    public Page alloc(String site) {
        Task t = Task.current();
        t.point(Access.ALLOC, this, 0);
        if (kernel.faults.shouldFail(t, site))
            return null;
        Page p;
        guard.lock();
        try {
            p = free.pollFirst();
            if (p == null)
                p = newPage();
            inUse++;
        } finally {
            guard.unlock();
        }
        reset(p);
        return p;
    }

    /**
     * alloc_pages(order): a folio of 2^order contiguous pages, head refcount 1.
     * model: large folios come from fresh memory and go back to it page by page.
     */
    public Page allocPages(int order, String site) {
        if (order == 0)
            return alloc(site);
        Task t = Task.current();
        t.point(Access.ALLOC, this, order);
        if (kernel.faults.shouldFail(t, site))
            return null;
        Page head;
        guard.lock();
        try {
            head = newPage();
            reset(head);
            for (int i = 1; i < (1 << order); i++) {
                Page tail = newPage();
                reset(tail);
                tail.head = head;
                tail.refcount.poke(0);
            }
            inUse += 1 << order;
        } finally {
            guard.unlock();
        }
        head.order = order;
        head.flags.poke(Page.PG_HEAD);
        return head;
    }

    /** Allocates and makes a page table page of the given level (pagetable_alloc + ctor). */
    public Page allocTable(String level) {
        Page p = alloc("pgtable");
        if (p != null)
            p.makeTable(level);
        return p;
    }

    /** __free_pages(): poisons the page (every page of a large folio) and puts it on the free list. */
    public void free(Page p) {
        Task t = Task.current();
        t.point(Access.FREE, this, p.pfn);
        int n = 1 << p.order;
        for (int i = 0; i < n; i++) {
            Page q = pfnToPage(p.pfn + i);
            if (q.freed) {
                kernel.reports.file(t, Report.Kind.BUG, "Bad page state: double free", q.name());
                continue;
            }
            if ((q.flags.peek() & Page.PG_RESERVED) != 0) {
                kernel.reports.file(t, Report.Kind.BUG, "Bad page state: freeing a reserved page", q.name());
                continue;
            }
            q.poison();
            q.freed = true;
            q.order = 0;
            q.head = q;
            guard.lock();
            try {
                free.addFirst(q);
                inUse--;
            } finally {
                guard.unlock();
            }
        }
    }

    /** pfn_to_page(); null for a pfn that has no struct page. */
    public Page pfnToPage(long pfn) {
        guard.lock();
        try {
            return pfn > 0 && pfn < memmap.size() ? memmap.get((int) pfn) : null;
        } finally {
            guard.unlock();
        }
    }

    /** Pages allocated and not freed (the zero page is not counted). */
    public int inUse() {
        guard.lock();
        try {
            return inUse;
        } finally {
            guard.unlock();
        }
    }

    /** Every page there is, for leak checks. */
    public List<Page> memmap() {
        guard.lock();
        try {
            return new ArrayList<>(memmap.subList(1, memmap.size()));
        } finally {
            guard.unlock();
        }
    }

    private Page newPage() {
        if (memmap.size() >= MAX_PAGES)
            throw new ModelLimit("model out of memory: the model has " + MAX_PAGES + " pages (" + (MAX_PAGES >> 8) + " MiB)");
        Page p = new Page(memmap.size());
        memmap.add(p);
        p.freed = true;
        return p;
    }

    private static void reset(Page p) {
        p.refcount.poke(1);
        p.mapcount.poke(-1);
        p.flags.poke(0);
        p.mapping.poke(null);
        p.index.poke(0);
        p.privateWord.poke(0);
        p.tableLevel = null;
        p.order = 0;
        p.head = p;
        p.allocations++;
        p.freed = false;
    }
}
