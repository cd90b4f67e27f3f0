package mmrace.oracle;

import java.util.ArrayList;
import java.util.List;

/**
 * The history of one remote read, as the oracle judges it: what was asked, what came back, and
 * what the address space held over the read's interval. Built by {@link Oracle} while an
 * execution runs, or by hand in tests ("constructed histories").
 */
public final class ReadRecord {
    public static final int PAGE = 4096;

    public final String actor;
    public final long addr;
    public final int len;
    public final int flags;
    public long beginStep, endStep = -1;
    /** The states of the read range during [beginStep, endStep], oldest first. */
    public final List<Instant> instants = new ArrayList<>();
    public byte[] bytes = new byte[0];
    public int n = -1;
    /** An allocation failure was injected during the read (a legitimate reason to stop short). */
    public boolean oomInjected;
    /** expand_stack dropped mmap_lock inside the read (slow path). */
    public boolean lockDropped;
    /** The fast path fell back; lock_vma_under_rcu retried. */
    public boolean fellBack, retried;

    /**
     * One page-sized (or smaller, at the ends) piece of the read range, as it was at one instant.
     * {@code folio}: which allocation of which page a present PTE mapped there ({@link #folioKey}),
     * 0 when none.
     */
    public record ChunkView(String identity, boolean readable, byte[] content, long folio) {
        public static final ChunkView UNMAPPED = new ChunkView(null, false, null, 0);

        public ChunkView(String identity, boolean readable, byte[] content) {
            this(identity, readable, content, 0);
        }
    }

    /**
     * The contents, at one instant, of a page that a present PTE mapped at a chunk's address earlier
     * in the read and no longer maps there (a COW, reclaim or zap replaced it), while it is still
     * the same allocation: what a read that took a reference on it (GUP's pin, the fast paths'
     * folio reference) copies from it now.
     */
    public record Pinned(long folio, byte[] content) {}

    /**
     * The read range at one instant: layout generation, one view per chunk, and per chunk the pages
     * mapped there earlier that the read may still hold ({@code pinned[c]}, empty when none).
     */
    public record Instant(long step, long gen, ChunkView[] chunks, Pinned[][] pinned) {
        public Instant(long step, long gen, ChunkView[] chunks) {
            this(step, gen, chunks, noPins(chunks.length));
        }

        private static Pinned[][] noPins(int n) {
            Pinned[][] p = new Pinned[n][];
            java.util.Arrays.fill(p, new Pinned[0]);
            return p;
        }
    }

    /** Names one allocation of a page: a page freed and handed out again is another folio. */
    public static long folioKey(long pfn, int allocations) {
        return ((long) allocations << 32) | pfn;
    }

    public ReadRecord(String actor, long addr, int len, int flags) {
        this.actor = actor;
        this.addr = addr;
        this.len = len;
        this.flags = flags;
    }

    /** Number of page chunks the range covers. */
    public int chunks() {
        if (len <= 0)
            return 0;
        long first = addr & ~(PAGE - 1L), last = (addr + len - 1) & ~(PAGE - 1L);
        return (int) ((last - first) / PAGE) + 1;
    }

    /** Start address of chunk i. */
    public long chunkStart(int i) {
        return i == 0 ? addr : (addr & ~(PAGE - 1L)) + (long) i * PAGE;
    }

    /** End address (exclusive) of chunk i. */
    public long chunkEnd(int i) {
        long e = (addr & ~(PAGE - 1L)) + (long) (i + 1) * PAGE;
        return Math.min(e, addr + len);
    }

    public boolean sameAs(Instant a, Instant b) {
        if (a.gen != b.gen)
            return false;
        for (int i = 0; i < a.chunks.length; i++) {
            ChunkView x = a.chunks[i], y = b.chunks[i];
            if (!java.util.Objects.equals(x.identity, y.identity) || x.readable != y.readable
                    || !java.util.Arrays.equals(x.content, y.content) || x.folio != y.folio)
                return false;
            Pinned[] p = a.pinned[i], q = b.pinned[i];
            if (p.length != q.length)
                return false;
            for (int k = 0; k < p.length; k++)
                if (p[k].folio != q[k].folio || !java.util.Arrays.equals(p[k].content, q[k].content))
                    return false;
        }
        return true;
    }
}
