package mmrace.oracle;

import mmrace.oracle.ReadRecord.ChunkView;
import mmrace.oracle.ReadRecord.Instant;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Judges one read from its history. A byte is explained by an instant only if, at that instant,
 * its address was mapped readable for this access (check_vma_flags with the read's gup flags,
 * FOLL_FORCE included) and held that byte. A read is layout-consistent when one instant J of its
 * interval explains every byte it returned, and, if it stopped short, the address where it stopped
 * was not readable in J (acceptable, or interesting when it saw several layouts). Failing that,
 * when the instants of ONE layout explain its bytes between them (content changed by DONTNEED or
 * a user write during the read), it is a content mix: interesting. Otherwise forbidden: a torn
 * read; a permission bypass when the bytes only ever came from a page the caller may not read;
 * freed memory when they are poison; "unexplained" when they never were in the range.
 */
public final class ReadJudge {
    private ReadJudge() {}

    public static Verdict judge(ReadRecord r) {
        long at = r.endStep;
        if (r.n < 0 || r.n > r.len)
            return Verdict.needsTriage(Reason.UNEXPLAINED, at, "read returned " + r.n + " for a length of " + r.len);
        if (r.instants.isEmpty())
            return Verdict.needsTriage(Reason.UNEXPLAINED, at, "no address-space state recorded for the read");
        if (r.len == 0)
            return Verdict.acceptable(at);
        List<String> notes = new ArrayList<>();
        Verdict data;
        if (r.lockDropped)
            data = perChunk(r, notes);
        else
            data = oneInstant(r, notes);
        if (data.cls() != Verdict.Cls.ACCEPTABLE)
            return data;
        if (r.retried)
            return Verdict.interesting(Reason.VMA_LOCK_RETRY, at, "lock_vma_under_rcu retried on a detached VMA");
        if (r.fellBack)
            return Verdict.interesting(Reason.FAST_FALLBACK, at, "the fast path fell back to mmap_lock");
        return data;
    }

    /** The normal case: one instant must explain the read, or one layout's instants between them. */
    private static Verdict oneInstant(ReadRecord r, List<String> notes) {
        long at = r.endStep;
        // strict: one instant's layout and contents
        for (Instant j : r.instants) {
            if (explains(r, j)) {
                if (r.n < r.len && readable(r.instants.get(0), stopChunk(r)) && !r.oomInjected)
                    return Verdict.interesting(Reason.SHORT_READ, at, "stopped at " + hex(r.addr + r.n)
                            + ", readable when the read began; " + gens(r));
                if (gensSeen(r) > 1)
                    return Verdict.interesting(Reason.MULTI_LAYOUT, at, "layouts " + gens(r) + " during the read; bytes match the state at step " + j.step());
                if (r.lockDropped)
                    return Verdict.interesting(Reason.STACK_LOCK_DROP, at, "");
                return Verdict.acceptable(at);
            }
        }
        // one layout, contents from several of its instants
        long[] gens = r.instants.stream().mapToLong(Instant::gen).distinct().toArray();
        for (long g : gens) {
            if (explainsMixed(r, g, false))
                return Verdict.interesting(Reason.CONTENT_MIX, at, "pages of layout gen " + g + " read at different instants");
        }
        // ... and from folios the read took while they were mapped, copied after they were replaced
        for (long g : gens) {
            if (explainsMixed(r, g, true))
                return Verdict.interesting(Reason.PINNED_FOLIO, at, "bytes of a folio mapped when the read took it and "
                        + "replaced at the address since, as it held them at the copy; layout gen " + g);
        }
        return forbidden(r);
    }

    /** After expand_stack dropped mmap_lock: each chunk on its own (the slow path's one layout break). */
    private static Verdict perChunk(ReadRecord r, List<String> notes) {
        for (int c = 0; c < copiedChunks(r); c++) {
            boolean ok = false;
            for (int i = 0; i < r.instants.size(); i++)
                ok |= heldAt(r, r.instants.get(i), c) || pinnedAt(r, i, c, ANY_GEN);
            if (!ok)
                return forbidden(r);
        }
        return Verdict.interesting(Reason.STACK_LOCK_DROP, r.endStep, "expand_stack dropped mmap_lock during the read");
    }

    /** Does instant j alone explain the read: every chunk readable there with j's bytes, and the stop unreadable? */
    private static boolean explains(ReadRecord r, Instant j) {
        for (int c = 0; c < copiedChunks(r); c++)
            if (!heldAt(r, j, c))
                return false;
        return r.n >= r.len || r.oomInjected || !readable(j, stopChunk(r));
    }

    /**
     * Do the instants of layout generation g explain the read between them: every chunk held, readable
     * for this access, at some instant of g (not necessarily the same one), and, if the read stopped
     * short, the address where it stopped unreadable at some instant of g? A byte is never explained by
     * an instant of another layout: bytes of a neighbour written after the first page was unmapped or
     * made unreadable are no content mix, however the page's identity matches.
     */
    private static boolean explainsMixed(ReadRecord r, long g, boolean pins) {
        for (int c = 0; c < copiedChunks(r); c++) {
            boolean ok = false;
            for (int i = 0; i < r.instants.size() && !ok; i++)
                ok = r.instants.get(i).gen() == g && (heldAt(r, r.instants.get(i), c) || pins && pinnedAt(r, i, c, g));
            if (!ok)
                return false;
        }
        if (r.n >= r.len || r.oomInjected)
            return true;
        for (Instant i : r.instants)
            if (i.gen() == g && !readable(i, stopChunk(r)))
                return true;
        return false;
    }

    private static final long ANY_GEN = Long.MIN_VALUE;

    /**
     * Chunk c's bytes are what, at instant i, a folio held that a present PTE had mapped readable at
     * the chunk's address at an instant no later than i (of layout g, unless g is ANY_GEN), and that
     * was still the same allocation: GUP pinned it then and copies from it now, whatever the address
     * maps by the time of the copy (a COW gave it a new folio; the old one was written through a
     * shared mapping of the same file page). No rule of the kernel promises more.
     */
    private static boolean pinnedAt(ReadRecord r, int i, int c, long g) {
        Instant at = r.instants.get(i);
        if (g != ANY_GEN && at.gen() != g)
            return false;
        for (ReadRecord.Pinned p : at.pinned()[c]) {
            if (!matches(r, c, p.content()))
                continue;
            for (int k = 0; k <= i; k++) {
                Instant when = r.instants.get(k);
                ChunkView v = when.chunks()[c];
                if ((g == ANY_GEN || when.gen() == g) && v.readable() && v.folio() == p.folio())
                    return true;
            }
        }
        return false;
    }

    /** At instant i, chunk c's address was mapped readable for this access and held the bytes the read returned there. */
    private static boolean heldAt(ReadRecord r, Instant i, int c) {
        ChunkView v = i.chunks()[c];
        return v.readable() && v.identity() != null && v.content() != null && matches(r, c, v.content());
    }

    private static boolean matches(ReadRecord r, int c, byte[] content) {
        int from = (int) (r.chunkStart(c) - r.addr);
        int to = (int) Math.min(r.chunkEnd(c) - r.addr, r.n);
        if (to <= from)
            return true;
        return Arrays.equals(r.bytes, from, to, content, 0, to - from);
    }

    private static Verdict forbidden(ReadRecord r) {
        long at = r.endStep;
        for (int c = 0; c < copiedChunks(r); c++) {
            boolean anyReadable = false, anyUnreadable = false;
            for (int k = 0; k < r.instants.size(); k++) {
                ChunkView v = r.instants.get(k).chunks()[c];
                if (v.content() != null && matches(r, c, v.content())) {
                    if (v.readable()) anyReadable = true;
                    else anyUnreadable = true;
                }
                anyReadable |= pinnedAt(r, k, c, ANY_GEN);
            }
            if (!anyReadable && anyUnreadable)
                return Verdict.forbidden(Reason.PERMISSION_BYPASS, at, "bytes at " + hex(r.chunkStart(c))
                        + " came from a page the caller could not read at any instant of the read");
            if (!anyReadable) {
                if (poisoned(r, c))
                    return Verdict.forbidden(Reason.FREED_MEMORY, at, "bytes at " + hex(r.chunkStart(c)) + " are freed memory's poison (0xaa)");
                return Verdict.needsTriage(Reason.UNEXPLAINED, at, "bytes at " + hex(r.chunkStart(c))
                        + " were never in the range during the read: " + preview(r, c));
            }
        }
        if (r.n < r.len && !r.oomInjected) {
            boolean stopOk = false;
            for (Instant i : r.instants)
                stopOk |= !readable(i, stopChunk(r));
            if (!stopOk)
                return Verdict.needsTriage(Reason.UNEXPLAINED, at, "short read: stopped at " + hex(r.addr + r.n)
                        + ", which stayed readable for the whole read");
        }
        return Verdict.forbidden(Reason.TORN_READ, at, "no single instant holds every byte returned; " + gens(r) + "; "
                + describe(r));
    }

    static int copiedChunks(ReadRecord r) {
        int k = 0;
        for (int c = 0; c < r.chunks(); c++)
            if (r.chunkStart(c) < r.addr + r.n)
                k++;
        return k;
    }

    private static int stopChunk(ReadRecord r) {
        for (int c = 0; c < r.chunks(); c++)
            if (r.chunkEnd(c) > r.addr + r.n)
                return c;
        return r.chunks() - 1;
    }

    private static boolean readable(Instant i, int c) {
        return c < i.chunks().length && i.chunks()[c].readable();
    }

    private static boolean poisoned(ReadRecord r, int c) {
        int from = (int) (r.chunkStart(c) - r.addr), to = (int) Math.min(r.chunkEnd(c) - r.addr, r.n);
        for (int k = from; k < to; k++)
            if (r.bytes[k] != (byte) 0xaa)
                return false;
        return to > from;
    }

    private static long gensSeen(ReadRecord r) {
        return r.instants.stream().mapToLong(Instant::gen).distinct().count();
    }

    private static String gens(ReadRecord r) {
        return "gen " + String.join(",", r.instants.stream().map(i -> String.valueOf(i.gen())).distinct().toList());
    }

    /** "0x11ff8: 'aaaaaaaa' 0x12000: 'cccccccc'". */
    private static String describe(ReadRecord r) {
        StringBuilder b = new StringBuilder("returned");
        for (int c = 0; c < copiedChunks(r); c++)
            b.append(' ').append(hex(r.chunkStart(c))).append(": ").append(preview(r, c));
        return b.toString();
    }

    private static String preview(ReadRecord r, int c) {
        int from = (int) (r.chunkStart(c) - r.addr), to = (int) Math.min(r.chunkEnd(c) - r.addr, r.n);
        StringBuilder b = new StringBuilder("'");
        for (int k = from; k < Math.min(to, from + 8); k++) {
            int v = r.bytes[k] & 0xff;
            b.append(v >= 0x20 && v < 0x7f ? String.valueOf((char) v) : String.format("\\x%02x", v));
        }
        return b.append(to - from > 8 ? "...'" : "'").toString();
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
