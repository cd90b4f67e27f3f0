package mmrace.scenario;

/**
 * The model's capacity, checked when a scenario is read ({@link Scenario#MAX_MEMORY},
 * {@link Scenario#MAX_OPS}): what its set-up and operations may need of the model's memory,
 * counted conservatively, in file order, so that the error names the line that goes over.
 * <ul>
 * <li>a filled mapping: its length (twice for a private file mapping: page cache and COW copy);
 *     a device mapping: its length;</li>
 * <li>a store: twice its length (it may copy on write); a read: its length (it may read a file's
 *     pages into the page cache); a collapse or a reclaim: 2 MiB (a THP, its swap blocks).</li>
 * </ul>
 * Unfilled mappings, mmap, munmap, mremap, mprotect and madvise need no pages of their own.
 */
final class Capacity {
    private static final long THP = 2L << 20;

    private Capacity() {}

    static void check(Scenario s, String file) throws ScenarioError {
        long used = 0;
        for (Scenario.MapSpec m : s.maps) {
            long need = m.device() ? m.len() : m.fill().none() ? 0 : m.file() != null && !m.shared() ? 2 * m.len() : m.len();
            used = add(file, m.line(), used, need, "map " + m.name() + (m.device() ? " (device memory)" : " (filled)"));
        }
        int ops = 0;
        for (Op op : s.init)
            used = add(file, op.line(), used, need(op), "init " + op.text());
        for (Scenario.Actor a : s.actors)
            for (Op op : a.ops()) {
                if (++ops > Scenario.MAX_OPS)
                    throw new ScenarioError(file, op.line(), "more than " + Scenario.MAX_OPS + " operations: the most a scenario may have");
                used = add(file, op.line(), used, need(op), op.text());
            }
    }

    private static long add(String file, int line, long used, long need, String what) throws ScenarioError {
        long total = used + need;
        if (need < 0 || total < used || total > Scenario.MAX_MEMORY)
            throw new ScenarioError(file, line, what + " brings the memory the scenario may need to " + mib(need < 0 || total < used
                    ? Long.MAX_VALUE : total) + " MiB; a scenario may need at most " + mib(Scenario.MAX_MEMORY) + " MiB (the model has "
                    + Scenario.MODEL_MEMORY_MIB + " MiB of pages): use fill=none, or smaller mappings and operations");
        return total;
    }

    private static long need(Op op) {
        return switch (op) {
            case Op.Write w -> 2 * w.len();
            case Op.Read r -> r.len();
            case Op.Poke p -> 2L * p.len(); // a remote write: like a store, a page copied (COW) per page it writes
            case Op.Collapse c -> THP;
            case Op.Reclaim r -> THP;
            default -> 0;
        };
    }

    private static long mib(long bytes) {
        return bytes == Long.MAX_VALUE ? bytes : (bytes + (1 << 20) - 1) >> 20;
    }
}
