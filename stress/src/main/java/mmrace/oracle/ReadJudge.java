package mmrace.oracle;

import mmrace.oracle.ReadRecord.ChunkView;
import mmrace.oracle.ReadRecord.Instant;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Judges one read from its history. A read is layout-consistent when one instant J of its
 * interval explains it: every returned chunk was readable in J and came from the page J maps
 * there, and if it stopped short, the address where it stopped was not readable in J. The bytes
 * of a chunk must be what that page held at J (acceptable), or at some instant of the interval
 * (content mixed by DONTNEED or a user write: interesting, A5/A6). No such J: forbidden (F1 torn
 * read; F3 when the bytes only ever came from a page the caller may not read; F2 when they are
 * freed memory's poison; "unexplained" when they never were in the range).
 */
public final class ReadJudge {
    private ReadJudge() {}

    public static Verdict judge(ReadRecord r) {
        long at = r.endStep;
        if (r.n < 0 || r.n > r.len)
            return Verdict.forbidden(Reason.UNEXPLAINED, at, "read returned " + r.n + " for a length of " + r.len);
        if (r.instants.isEmpty())
            return Verdict.forbidden(Reason.UNEXPLAINED, at, "no address-space state recorded for the read");
        if (r.len == 0)
            return Verdict.acceptable(at);
        List<String> notes = new ArrayList<>();
        Verdict data;
        if (r.lockDropped)
            data = perChunk(r, notes);
        else
            data = oneInstant(r, notes);
        if (data.cls() == Verdict.Cls.FORBIDDEN)
            return data;
        if (data.cls() == Verdict.Cls.INTERESTING)
            return data;
        if (r.retried)
            return Verdict.interesting(Reason.VMA_LOCK_RETRY, at, "lock_vma_under_rcu retried on a detached VMA");
        if (r.fellBack)
            return Verdict.interesting(Reason.FAST_FALLBACK, at, "the fast path fell back to mmap_lock");
        return data;
    }

    /** The normal case: one instant must explain the read. */
    private static Verdict oneInstant(ReadRecord r, List<String> notes) {
        long at = r.endStep;
        // strict: one instant's layout and contents
        for (Instant j : r.instants) {
            if (explains(r, j, false)) {
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
        // one layout, contents from several instants
        for (Instant j : r.instants) {
            if (explains(r, j, true))
                return Verdict.interesting(Reason.CONTENT_MIX, at, "pages of layout gen " + j.gen() + " read at different instants");
        }
        return forbidden(r);
    }

    /** After expand_stack dropped mmap_lock: each chunk on its own (the slow path's one layout break). */
    private static Verdict perChunk(ReadRecord r, List<String> notes) {
        for (int c = 0; c < copiedChunks(r); c++) {
            boolean ok = false;
            for (Instant j : r.instants)
                ok |= chunkFrom(r, j, c, j);
            if (!ok)
                return forbidden(r);
        }
        return Verdict.interesting(Reason.STACK_LOCK_DROP, r.endStep, "expand_stack dropped mmap_lock during the read");
    }

    /** Does layout instant j explain the read (contents from j only, or from any instant)? */
    private static boolean explains(ReadRecord r, Instant j, boolean anyContent) {
        for (int c = 0; c < copiedChunks(r); c++) {
            ChunkView v = j.chunks()[c];
            if (!v.readable() || v.identity() == null)
                return false;
            boolean ok = chunkFrom(r, j, c, j);
            if (!ok && anyContent)
                for (Instant i : r.instants)
                    if (ok = chunkFrom(r, j, c, i))
                        break;
            if (!ok)
                return false;
        }
        if (r.n < r.len && !r.oomInjected && readable(j, stopChunk(r)))
            return false;
        return true;
    }

    /** Chunk c of the result equals what instant i held at the page layout j maps there. */
    private static boolean chunkFrom(ReadRecord r, Instant j, int c, Instant i) {
        ChunkView lj = j.chunks()[c], vi = i.chunks()[c];
        if (!lj.readable() || lj.identity() == null || vi.content() == null || !lj.identity().equals(vi.identity()))
            return false;
        return matches(r, c, vi.content());
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
            for (Instant i : r.instants) {
                ChunkView v = i.chunks()[c];
                if (v.content() != null && matches(r, c, v.content())) {
                    if (v.readable()) anyReadable = true;
                    else anyUnreadable = true;
                }
            }
            if (!anyReadable && anyUnreadable)
                return Verdict.forbidden(Reason.PERMISSION_BYPASS, at, "bytes at " + hex(r.chunkStart(c))
                        + " came from a page the caller could not read at any instant of the read");
            if (!anyReadable) {
                if (poisoned(r, c))
                    return Verdict.forbidden(Reason.FREED_MEMORY, at, "bytes at " + hex(r.chunkStart(c)) + " are freed memory's poison (0xaa)");
                return Verdict.forbidden(Reason.UNEXPLAINED, at, "bytes at " + hex(r.chunkStart(c))
                        + " were never in the range during the read: " + preview(r, c));
            }
        }
        if (r.n < r.len && !r.oomInjected) {
            boolean stopOk = false;
            for (Instant i : r.instants)
                stopOk |= !readable(i, stopChunk(r));
            if (!stopOk)
                return Verdict.forbidden(Reason.UNEXPLAINED, at, "short read: stopped at " + hex(r.addr + r.n)
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
