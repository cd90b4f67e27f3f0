package mmrace.oracle;

import mmrace.oracle.ReadRecord.ChunkView;
import mmrace.runtime.Kernel;
import mmrace.runtime.Page;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The pages each read in flight saw mapped in its range (docs/ORACLE.md, pinned folio): GUP takes
 * a reference on the folio it copies from, and that reference outlives the PTE, so a page that a
 * present PTE mapped readable earlier in the read may still be what the read copies.
 */
final class Pins {
    /** Per read in flight and per chunk, the pages mapped there readable since the read began. */
    private final Map<ReadRecord, List<Map<Long, Page>>> mappedDuring = new HashMap<>();

    /**
     * Per chunk, the pages a present PTE mapped there, readable, earlier in the read and no longer
     * maps there, with their contents now: a read that took a reference on such a page (GUP's pin)
     * copies these bytes, whatever the address maps now. A page freed since, or freed and handed
     * out again, is no longer that folio and is dropped.
     */
    ReadRecord.Pinned[][] pinned(ReadRecord r, ChunkView[] cv, Kernel kernel) {
        List<Map<Long, Page>> seen = mappedDuring.computeIfAbsent(r, x -> new ArrayList<>());
        ReadRecord.Pinned[][] out = new ReadRecord.Pinned[cv.length][];
        for (int c = 0; c < cv.length; c++) {
            if (seen.size() <= c)
                seen.add(new java.util.LinkedHashMap<>());
            Map<Long, Page> pages = seen.get(c);
            pages.entrySet().removeIf(e -> e.getValue().freed || ReadRecord.folioKey(e.getValue().pfn, e.getValue().allocations) != e.getKey());
            List<ReadRecord.Pinned> ps = new ArrayList<>();
            long from = r.chunkStart(c);
            int off = (int) (from & (Page.PAGE_SIZE - 1)), n = (int) (r.chunkEnd(c) - from);
            for (Map.Entry<Long, Page> e : pages.entrySet()) {
                if (e.getKey() == cv[c].folio())
                    continue;
                byte[] b = new byte[n];
                e.getValue().peekBytes(off, b, 0, n);
                ps.add(new ReadRecord.Pinned(e.getKey(), b));
            }
            out[c] = ps.toArray(new ReadRecord.Pinned[0]);
            if (cv[c].readable() && cv[c].folio() != 0 && !pages.containsKey(cv[c].folio()))
                pages.put(cv[c].folio(), kernel.pages.pfnToPage(cv[c].folio() & 0xffffffffL));
        }
        return out;
    }

    /** The read returned: nothing of it is held any more. */
    void forget(ReadRecord r) {
        mappedDuring.remove(r);
    }
}
