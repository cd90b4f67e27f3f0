package mmrace.oracle;

import mmrace.oracle.ReadRecord.ChunkView;
import mmrace.port.AnonVma;
import mmrace.port.File;
import mmrace.port.Mm;
import mmrace.port.MmStruct;
import mmrace.port.VmAreaStruct;
import mmrace.runtime.Access;
import mmrace.runtime.Page;
import mmrace.runtime.Shared;
import mmrace.runtime.Task;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Judges remote writes: access_remote_vm with FOLL_WRITE (a scenario's {@code poke}), what a write
 * to /proc/PID/mem or PTRACE_POKEDATA does. The port tells it which page each chunk of a write
 * went into (the REMOTE_STORE tracepoint, after copy_to_user_page in __access_remote_vm,
 * mm/memory.c). Three rules (docs/ORACLE.md, "Remote writes"):
 *
 * <ul>
 *   <li>W1 ({@link Reason#COW_BYPASS}): a write never changes a page it must not. Through a private
 *       mapping FOLL_FORCE must break COW: the bytes go to an anonymous folio of the target
 *       (do_cow_fault, wp_page_copy; can_follow_write_pte accepts only an exclusive anonymous page,
 *       mm/gup.c), never into a file's page-cache page; never into the zero page; never into a page
 *       of another mm. Judged at each store.
 *   <li>W2 ({@link Reason#TORN_WRITE}): the bytes of one write land in pages of one layout:
 *       __access_remote_vm holds mmap_read_lock across the whole copy, so no layout change can
 *       come between two of its stores (except where expand_stack drops the lock: interesting
 *       {@link Reason#STACK_LOCK_DROP}). A forbidden outcome here is a bug of the port or the kernel.
 *   <li>W3 ({@link Reason#WRITE_LOST}, {@link Reason#WRITE_RACED}): when the write returns N, the
 *       target reads its first N bytes back as written, unless another task changed that memory
 *       while the write was in flight (MADV_DONTNEED zapping the page GUP returned, so that the
 *       bytes went into a page nobody maps any more; a store; a layout change): then interesting.
 * </ul>
 *
 * A short write (N less than asked) is not judged beyond its first N bytes: __access_remote_vm
 * returns how much it transferred, never an error.
 *
 * <p>TODO(thp): W1 must also refuse the huge zero page once huge PMDs exist in the port (follow_huge_pmd's
 * FOLL_WRITE path, can_follow_write_pmd in mm/gup.c); the port has no huge PMD yet.
 */
final class WriteJudge {
    private final MmStruct mm;
    private final Page zeroPage;
    private final Map<Task, WriteRecord> pending = new HashMap<>();
    private final Map<Task, WriteRecord> inFlight = new HashMap<>();
    private final List<WriteRecord> writes = new ArrayList<>();
    private final List<Verdict> verdicts = new ArrayList<>();

    WriteJudge(MmStruct mm) {
        this.mm = mm;
        this.zeroPage = mm.kernel.pages.zeroPage;
    }

    /** One remote write: what was asked, where each chunk went, whether anything raced with it. */
    static final class WriteRecord {
        final String actor;
        final long addr;
        final byte[] data;
        final int flags;
        long beginStep = -1, endStep = -1;
        int n = -1;
        /** expand_stack dropped mmap_lock during the write. */
        boolean lockDropped;
        /** Another task changed page-table entries, page contents, the page cache or the layout during the write. */
        boolean raced;
        /** Layout generation and region of the first store; the worst verdict of the stores so far. */
        long firstGen = -1;
        Verdict stores;

        WriteRecord(String actor, long addr, byte[] data, int flags) {
            this.actor = actor;
            this.addr = addr;
            this.data = data;
            this.flags = flags;
        }
    }

    boolean active() {
        return !inFlight.isEmpty();
    }

    /** The runner is about to call access_remote_vm(FOLL_WRITE | flags) on task t with data. */
    void expect(Task t, long addr, byte[] data, int flags) {
        pending.put(t, new WriteRecord(t.name, addr, data, flags));
    }

    /** access_remote_vm began on t (READ_BEGIN): true if it is a write this judge expected. */
    boolean begin(Task t, long step) {
        WriteRecord w = pending.remove(t);
        if (w == null)
            return false;
        w.beginStep = step;
        inFlight.put(t, w);
        return true;
    }

    /** access_remote_vm returned on t (READ_END): true if it was a write. */
    boolean end(Task t, long step) {
        WriteRecord w = inFlight.get(t);
        if (w == null)
            return false;
        w.endStep = step;
        return true;
    }

    /** expand_stack dropped mmap_lock inside t's access: true if it is a write. */
    boolean lockDropped(Task t) {
        WriteRecord w = inFlight.get(t);
        if (w == null)
            return false;
        w.lockDropped = true;
        return true;
    }

    /** A point: a store by another task to what a process reads makes every write in flight racy. */
    void onPoint(long step, Task t, Access op, Shared s) {
        if (!op.writes || s.field == null || !(s.field == Page.ENTRIES || s.field == Page.DATA || s.field == File.I_PAGES))
            return;
        changedBy(t);
    }

    /** The layout changed (an mmap_lock writer released it): every write in flight but t's is racy. */
    void changedBy(Task t) {
        for (Map.Entry<Task, WriteRecord> e : inFlight.entrySet())
            if (e.getKey() != t)
                e.getValue().raced = true;
    }

    /**
     * __access_remote_vm copied t's bytes for {@code addr} into {@code page} (REMOTE_STORE), in
     * layout {@code layout} (generation {@code gen}). Returns a forbidden or interesting verdict
     * for this store, or null.
     */
    Verdict store(long step, Task t, Page page, long addr, Layout layout, long gen) {
        WriteRecord w = inFlight.get(t);
        if (w == null)
            return Verdict.needsTriage(Reason.UNEXPLAINED, step, "a remote write by " + t.name + " that the runner did not announce stored at "
                    + ReadJudge.hex(addr));
        Layout.Region r = layout.at(addr);
        Verdict v = pageVerdict(step, page, addr, r);
        if (v == null)
            v = layoutVerdict(step, w, addr, r, gen);
        if (w.firstGen < 0)
            w.firstGen = gen;
        w.stores = Verdict.worse(w.stores, v);
        return v;
    }

    /** W1: the page a chunk went into. */
    private Verdict pageVerdict(long step, Page page, long addr, Layout.Region r) {
        Page folio = page.head;
        String at = " at " + ReadJudge.hex(addr);
        if (folio == zeroPage)
            return cowBypass(step, "the zero page was written" + at);
        if ((folio.flags.peek() & Page.PG_RESERVED) != 0)
            return cowBypass(step, "a reserved page (pfn " + folio.pfn + ") was written" + at);
        if (r == null)
            return null; // W2 says it
        Object mapping = folio.mapping.peek();
        boolean anon = (folio.flags.peek() & Page.PG_ANON) != 0;
        if (!anon && mapping instanceof File f) {
            if ((r.flags() & Mm.VM_SHARED) == 0)
                return cowBypass(step, "page " + folio.index.peek() + " of file " + f.label + "'s page cache was written" + at + " through "
                        + r + ", a private mapping: FOLL_FORCE must break COW there (do_cow_fault, wp_page_copy)");
            long idx = r.pgoff() + ((addr - r.start()) >>> Page.PAGE_SHIFT);
            if (r.file() != f || folio.index.peek() + (page.pfn - folio.pfn) != idx)
                return cowBypass(step, "page " + folio.index.peek() + " of file " + f.label + " was written" + at + ", where " + r
                        + " maps page " + idx + " of " + r.file());
            return null;
        }
        if (anon && mapping instanceof AnonVma av && !mapsThisMm(av))
            return cowBypass(step, "an anonymous page of another mm (" + av.name() + ") was written" + at);
        return null;
    }

    private boolean mapsThisMm(AnonVma av) {
        for (VmAreaStruct v : av.vmas)
            if (v.vmMm.peek() == mm)
                return true;
        return false;
    }

    private static Verdict cowBypass(long step, String detail) {
        return Verdict.forbidden(Reason.COW_BYPASS, step, detail);
    }

    /** W2: every store of one write in one layout, inside a VMA of it. */
    private static Verdict layoutVerdict(long step, WriteRecord w, long addr, Layout.Region r, long gen) {
        if (r == null)
            return Verdict.forbidden(Reason.TORN_WRITE, step, "stored at " + ReadJudge.hex(addr) + ", which no VMA of layout gen " + gen + " covers");
        if (w.firstGen >= 0 && gen != w.firstGen) {
            if (w.lockDropped)
                return Verdict.interesting(Reason.STACK_LOCK_DROP, step, "expand_stack dropped mmap_lock during the write (layouts gen "
                        + w.firstGen + " and " + gen + ")");
            return Verdict.forbidden(Reason.TORN_WRITE, step, "one write stored into layout gen " + w.firstGen + " and, at "
                    + ReadJudge.hex(addr) + ", into gen " + gen + " without dropping mmap_lock");
        }
        return null;
    }

    /**
     * access_remote_vm(FOLL_WRITE) returned n on t: W3 against what the target reads now
     * ({@link Ghost}), and the worst verdict of the write's stores.
     */
    Verdict returned(long step, Task t, int n, Layout layout) {
        WriteRecord w = inFlight.remove(t);
        if (w == null)
            return null;
        if (w.endStep < 0)
            w.endStep = step;
        w.n = n;
        writes.add(w);
        Verdict v = w.stores;
        if (n < 0 || n > w.data.length) {
            v = Verdict.worse(v, Verdict.needsTriage(Reason.UNEXPLAINED, w.endStep, "write returned " + n + " for a length of " + w.data.length));
        } else {
            v = Verdict.worse(v, readBack(w, layout));
        }
        v = v == null ? Verdict.acceptable(w.endStep) : v;
        verdicts.add(v);
        return v;
    }

    /** W3: the first n bytes read back as written, page by page. */
    private Verdict readBack(WriteRecord w, Layout layout) {
        long end = w.addr + w.n;
        for (long from = w.addr; from < end; ) {
            long to = Math.min(end, (from & Page.PAGE_MASK) + Page.PAGE_SIZE);
            ChunkView cv = Ghost.view(mm, layout, from, to, w.flags);
            int off = (int) (from - w.addr), len = (int) (to - from);
            if (cv.content() == null || !Arrays.equals(cv.content(), 0, len, w.data, off, off + len)) {
                String what = "wrote " + len + " bytes of " + fill(w) + " at " + ReadJudge.hex(from) + " and returned " + w.n
                        + "; the target reads " + (cv.content() == null ? "nothing there" : preview(cv.content(), len));
                if (w.raced)
                    return Verdict.interesting(Reason.WRITE_RACED, w.endStep, what + ", another task changed it during the write");
                return Verdict.forbidden(Reason.WRITE_LOST, w.endStep, what + ", and nothing else changed it");
            }
            from = to;
        }
        return null;
    }

    private static String fill(WriteRecord w) {
        return w.data.length == 0 ? "nothing" : preview(w.data, 1);
    }

    private static String preview(byte[] b, int n) {
        StringBuilder s = new StringBuilder("'");
        for (int k = 0; k < Math.min(n, 8); k++) {
            int v = b[k] & 0xff;
            s.append(v >= 0x20 && v < 0x7f ? String.valueOf((char) v) : String.format("\\x%02x", v));
        }
        return s.append(n > 8 ? "...'" : "'").toString();
    }

    /** Writes still in flight when the execution ended: they never returned. */
    Verdict finish(long step) {
        Verdict v = null;
        for (WriteRecord w : inFlight.values())
            v = Verdict.worse(v, Verdict.worse(w.stores,
                    Verdict.needsTriage(Reason.UNEXPLAINED, step, "write by " + w.actor + " never returned")));
        return v;
    }

    List<Verdict> verdicts() {
        return verdicts;
    }
}
