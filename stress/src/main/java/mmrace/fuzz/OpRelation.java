package mmrace.fuzz;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import mmrace.scenario.Op;

/** How scenario operations relate, for the fuzzer's coverage keys: their kinds, their roles, their address ranges. */
final class OpRelation {
    private OpRelation() {}

    /** A remote access: access_remote_vm reading (read) or writing (poke) the target's memory. */
    static boolean isRemoteAccess(Op op) {
        return op instanceof Op.Read || op instanceof Op.Poke;
    }

    /** mmap, munmap, mremap, mprotect or madvise: an operation that changes the layout a read must survive. */
    static boolean changesLayout(Op op) {
        return op instanceof Op.Mmap || op instanceof Op.Munmap
                || op instanceof Op.Mremap || op instanceof Op.Mprotect
                || op instanceof Op.Madvise;
    }

    private static final Map<String, Long> KIND_KEYS = new ConcurrentHashMap<>();

    /** The key of an operation's kind ({@link Finding#kind}): the same in every process. */
    static long kindKey(Op op) {
        return KIND_KEYS.computeIfAbsent(Finding.kind(op), Coverage::hash);
    }

    /** Names of {@link #spatial}'s values. */
    static final String[] SPATIAL = {"disjoint", "intersecting", "covering"};

    /** How two operations' address ranges relate: 0 disjoint, 1 intersecting, 2 one covers the other. */
    static int spatial(Op p, Op q) {
        long[] a = range(p), b = range(q);
        if (a[1] <= b[0] || b[1] <= a[0])
            return 0;
        if (a[0] <= b[0] && a[1] >= b[1] || b[0] <= a[0] && b[1] >= a[1])
            return 2;
        return 1;
    }

    /** The address range an operation touches, [start, end). */
    static long[] range(Op op) {
        return switch (op) {
            case Op.Read r -> new long[] {r.addr(), r.addr() + Math.max(1, r.len())};
            case Op.Poke p -> new long[] {p.addr(), p.addr() + Math.max(1, p.len())};
            case Op.Mmap m -> new long[] {m.addr(), m.addr() + m.len()};
            case Op.Munmap m -> new long[] {m.addr(), m.addr() + m.len()};
            case Op.Mprotect m -> new long[] {m.addr(), m.addr() + m.len()};
            case Op.Madvise m -> new long[] {m.addr(), m.addr() + m.len()};
            case Op.Write w -> new long[] {w.addr(), w.addr() + w.len()};
            case Op.Mremap m -> {
                long lo = m.addr(), hi = m.addr() + Math.max(m.oldLen(), m.newLen());
                if (m.fixedTo() != null) {
                    lo = Math.min(lo, m.fixedTo());
                    hi = Math.max(hi, m.fixedTo() + m.newLen());
                }
                yield new long[] {lo, hi};
            }
            case Op.Reclaim r -> new long[] {r.addr() & -4096, (r.addr() & -4096) + 4096};
            case Op.Collapse c -> new long[] {c.addr() & -(2L << 20), (c.addr() & -(2L << 20)) + (2L << 20)};
            case Op.Fork f -> new long[] {0, Long.MAX_VALUE}; // dup_mmap copies the whole address space
            case Op.Exit e -> new long[] {0, Long.MAX_VALUE}; // exit_mmap tears it all down
        };
    }
}
