package mmrace.oracle;

import mmrace.oracle.ReadRecord.ChunkView;
import mmrace.oracle.ReadRecord.Instant;
import mmrace.port.File;
import mmrace.port.MmStruct;
import mmrace.port.Pgtable;
import mmrace.runtime.Kernel;
import mmrace.runtime.Access;
import mmrace.runtime.Page;
import mmrace.runtime.Probes;
import mmrace.runtime.Report;
import mmrace.runtime.Shared;
import mmrace.runtime.Task;
import mmrace.runtime.Tracepoint;
import mmrace.scenario.Op;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Classifies one execution: every read judged against the history of the address space during
 * it ({@link ReadJudge}), every kernel report, deadlock or livelock, and the final state
 * ({@link FinalState}). Fed by the execution's events (points, tracepoints, probes, reports) in
 * the order they happen; it only reads state with peeks.
 *
 * <p>The history: a layout is taken at every mmap write release (the only moments a locked
 * reader can see a new layout); contents are re-read after every store to a page-table entry,
 * page contents or the page cache while a read is in flight, except for changes the mmap_lock
 * writer makes to pages of VMAs it has write-locked (no correct reader can see them until the
 * write section ends); a user store by another thread through a present PTE is seen at once.
 */
public final class Oracle {
    private final Kernel kernel;
    private final MmStruct mm;
    private final List<File> files;
    private Layout layout;
    private long gen;
    private boolean dirty;
    /** The task whose store made the state dirty. */
    private Task dirtyTask;
    private long lastStep;
    private final Map<Task, ReadRecord> inFlight = new HashMap<>();
    private final Map<Task, ReadRecord> pending = new HashMap<>();
    private final Map<ReadRecord, Integer> injectedAtBegin = new HashMap<>();
    /** Per read in flight and per chunk, the pages mapped there readable since the read began. */
    private final Map<ReadRecord, List<Map<Long, Page>>> mappedDuring = new HashMap<>();
    private final List<ReadRecord> reads = new ArrayList<>();
    private final List<Verdict> readVerdicts = new ArrayList<>();
    /** (step, generation) each time the layout changed, for traces. */
    private final List<long[]> genChanges = new ArrayList<>();
    private Verdict verdict;
    /** The post-conditions of the target's operations, when the scenario's model is known. */
    private Contracts contracts;
    /** Remote writes (poke): their own rules. */
    private final WriteJudge writes;

    public Oracle(Kernel kernel, MmStruct mm, List<File> files) {
        this.kernel = kernel;
        this.mm = mm;
        this.files = files;
        this.layout = Layout.snapshot(mm, 0);
        this.writes = new WriteJudge(mm);
    }

    /** The runner is about to call access_remote_vm(FOLL_WRITE | flags) on task t, writing data at addr. */
    public void expectWrite(Task t, long addr, byte[] data, int flags) {
        writes.expect(t, addr, data, flags);
    }

    /** access_remote_vm(FOLL_WRITE) returned n on task t. */
    public void writeReturned(Task t, int n) {
        if (dirty) {
            dirty = false;
            record(lastStep);
        }
        verdict = Verdict.worse(verdict, writes.returned(lastStep, t, n, layout));
    }

    /**
     * Check every operation's post-conditions against this model of the address space (built from
     * the scenario the execution was set up from): see {@link Contracts}.
     */
    public void checkContracts(RefModel model) {
        contracts = new Contracts(model, mm, Layout.snapshot(mm, gen));
    }

    /** A thread of the target (or, for a read, another process) is about to make this operation. */
    private void opBegin(Task t, Op op) {
        if (contracts != null)
            contracts.begin(t, op, kernel.faults.injected());
    }

    /** The operation op returned result on task t: its post-conditions must hold now. */
    private void opEnd(Task t, Op op, long result) {
        if (contracts == null)
            return;
        String bad = contracts.end(t, op, result, kernel.faults.injected(), layout);
        if (bad != null)
            verdict = Verdict.worse(verdict, Verdict.forbidden(Reason.CONTRACT, lastStep, bad));
    }

    /** The runner is about to call access_remote_vm on task t with these arguments. */
    public void expectRead(Task t, long addr, int len, int flags) {
        pending.put(t, new ReadRecord(t.name, addr, len, flags));
    }

    /** Before every point: fold in what the previous access changed; note what this one may change. */
    public void onPoint(long step, Task t, Access op, Shared s) {
        lastStep = step;
        if (dirty) {
            dirty = false;
            record(step);
        }
        if (writes.active())
            writes.onPoint(step, t, op, s);
        if (op.writes && !inFlight.isEmpty() && s.field != null
                && (s.field == Page.ENTRIES || s.field == Page.DATA || s.field == File.I_PAGES)) {
            dirty = true;
            dirtyTask = t;
        }
    }

    public void onTracepoint(long step, Task t, Tracepoint tp, Object a, long b) {
        // The runner's brackets around every operation (a = the op, b = its return value): they
        // bound the operation's post-conditions; a read is judged from READ_BEGIN to READ_END, inside them.
        if (tp == Tracepoint.SYS_ENTER && a instanceof Op op) {
            opBegin(t, op);
            return;
        }
        if (tp == Tracepoint.SYS_EXIT && a instanceof Op op) {
            opEnd(t, op, b);
            return;
        }
        lastStep = step;
        if (dirty) {
            dirty = false;
            record(step);
        }
        switch (tp) {
            case MMAP_WRITE_RELEASED -> {
                if (a != mm)
                    return;
                Layout l = Layout.snapshot(mm, gen);
                if (!l.sameAs(layout)) {
                    gen++;
                    layout = new Layout(gen, l.regions());
                    genChanges.add(new long[] {step, gen});
                    writes.changedBy(t);
                    record(step);
                }
            }
            case READ_BEGIN -> {
                if (writes.begin(t, step))
                    return;
                ReadRecord r = pending.remove(t);
                if (r == null)
                    r = new ReadRecord(t.name, b, 0, 0);
                r.beginStep = step;
                inFlight.put(t, r);
                injectedAtBegin.put(r, kernel.faults.injected());
                r.instants.add(instant(r, step, null));
            }
            case READ_END -> {
                if (writes.end(t, step))
                    return;
                ReadRecord r = inFlight.get(t);
                if (r != null)
                    r.endStep = step;
            }
            case USER_STORE -> {
                if (a instanceof Page page && !inFlight.isEmpty())
                    recordStore(step, page, b);
            }
            case REMOTE_STORE -> {
                if (a instanceof Page page) {
                    verdict = Verdict.worse(verdict, writes.store(step, t, page, b, layout, gen));
                    if (!inFlight.isEmpty())
                        recordStore(step, page, b);
                }
            }
            case READ_LOCK_DROPPED -> {
                if (writes.lockDropped(t))
                    return;
                ReadRecord r = inFlight.get(t);
                if (r != null)
                    r.lockDropped = true;
            }
            default -> {}
        }
    }

    public void onProbe(Task t, int id) {
        int kind = probeKind(id);
        if ((kind & PAST_PAGE) != 0)
            accessPhysPastPage = true;
        if (inFlight.isEmpty())
            return;
        ReadRecord r = inFlight.get(t);
        if (r == null)
            return;
        if ((kind & FALLBACK) != 0)
            r.fellBack = true;
        if ((kind & RETRY) != 0)
            r.retried = true;
    }

    private static final int FALLBACK = 1, RETRY = 2, KNOWN = 4, PAST_PAGE = 8;

    /** generic_access_phys copied past the page it looked up in this execution (FINDINGS.md section 4). */
    private boolean accessPhysPastPage;

    /**
     * A known root cause that the bytes of this execution went through, or null: findings with one
     * are the same bug whatever the variant and the operations around it, and are deduplicated so.
     */
    public static final String ROOT_CAUSE_ACCESS_PHYS = "generic_access_phys copies past the looked-up page";

    public String rootCause() {
        return accessPhysPastPage ? ROOT_CAUSE_ACCESS_PHYS : null;
    }
    private static volatile int[] probeKinds = new int[0];

    /** What a probe means to the oracle, from its name, computed once per probe. */
    private static int probeKind(int id) {
        int[] k = probeKinds;
        if (id < k.length && k[id] != 0)
            return k[id];
        String p = Probes.name(id);
        int v = KNOWN | (p.contains("fall back") || p.contains("fallback") || p.contains("falls back") ? FALLBACK : 0)
                | (p.contains("retry") ? RETRY : 0) | (p.contains("copy runs past the looked-up page") ? PAST_PAGE : 0);
        int[] nk = java.util.Arrays.copyOf(k, Math.max(k.length, Probes.count()));
        nk[id] = v;
        probeKinds = nk;
        return v;
    }

    public void onReport(Report r) {
        verdict = Verdict.worse(verdict, reportVerdict(r));
    }

    /** The forbidden verdict a kernel report stands for (KASAN: F2, a leaked lock: F4, ...). */
    static Verdict reportVerdict(Report r) {
        Reason reason = switch (r.kind()) {
            case KASAN -> Reason.FREED_MEMORY;
            case LOCKDEP -> r.title().contains("held when returning") || r.title().contains("still open") ? Reason.LOCK_LEAK : Reason.KERNEL_ASSERTION;
            case BUG -> r.title().startsWith("Java exception") ? Reason.JAVA_EXCEPTION
                    : r.title().contains("at return to user space") ? Reason.LOCK_LEAK : Reason.KERNEL_ASSERTION;
            case WARN -> r.title().startsWith("refcount_t") ? Reason.REFCOUNT_LEAK : Reason.KERNEL_ASSERTION;
        };
        return Verdict.forbidden(reason, r.step(), r.kind() + ": " + r.title()
                + (r.detail().isEmpty() ? "" : " (" + r.detail() + ")") + " [" + r.task() + "]");
    }

    /**
     * The end-of-execution checks without a scheduler, for runs on real threads (JCStress): every
     * report the kernel filed (KASAN, lockdep, WARN, BUG, a Java exception) and the final state
     * ({@link FinalState}: nothing locked, every reference count where the kernel's structures say
     * it must be, nothing leaked or freed while reachable). Call it when every task has returned,
     * after {@code kernel.rcu.barrier()} (on a bound task) so that RCU callbacks have run.
     * Acceptable, or the worst forbidden verdict.
     */
    public static Verdict finalCheck(Kernel kernel, MmStruct mm, List<File> files) {
        Verdict v = null;
        for (Report r : kernel.reports.all())
            v = Verdict.worse(v, reportVerdict(r));
        v = Verdict.worse(v, FinalState.check(kernel, mm, files, kernel.steps()));
        return v == null ? Verdict.acceptable(kernel.steps()) : v;
    }

    /** access_remote_vm returned n bytes into buf on task t. */
    public void readReturned(Task t, byte[] buf, int n) {
        if (dirty) {
            dirty = false;
            record(lastStep);
        }
        ReadRecord r = inFlight.remove(t);
        if (r == null)
            return;
        mappedDuring.remove(r);
        if (r.endStep < 0)
            r.endStep = lastStep;
        r.n = n;
        r.bytes = java.util.Arrays.copyOf(buf, Math.max(0, Math.min(n, buf.length)));
        r.oomInjected = kernel.faults.injected() > injectedAtBegin.remove(r);
        Verdict v = ReadJudge.judge(r);
        reads.add(r);
        readVerdicts.add(v);
        verdict = Verdict.worse(verdict, v);
    }

    /** The execution ended with no runnable task: a deadlock. */
    public void deadlock(long step, String cycle) {
        verdict = Verdict.worse(verdict, Verdict.forbidden(Reason.DEADLOCK, step, cycle));
    }

    public void livelock(long step, String detail) {
        verdict = Verdict.worse(verdict, Verdict.forbidden(Reason.LIVELOCK, step, detail));
    }

    /** Every task returned and RCU callbacks ran: check the final state. */
    public void finish(long step) {
        for (ReadRecord r : inFlight.values())
            verdict = Verdict.worse(verdict, Verdict.needsTriage(Reason.UNEXPLAINED, step, "read by " + r.actor + " never returned"));
        verdict = Verdict.worse(verdict, writes.finish(step));
        verdict = Verdict.worse(verdict, FinalState.check(kernel, mm, files, step));
        String bad = contracts == null ? null : contracts.finish(layout);
        if (bad != null)
            verdict = Verdict.worse(verdict, Verdict.forbidden(Reason.CONTRACT, step, bad));
    }

    public Kernel kernel() {
        return kernel;
    }

    public MmStruct mm() {
        return mm;
    }

    public Verdict verdict() {
        return verdict == null ? Verdict.acceptable(lastStep) : verdict;
    }

    public List<ReadRecord> reads() {
        return reads;
    }

    public List<Verdict> readVerdicts() {
        return readVerdicts;
    }

    /** The verdict of each remote write that returned, in the order they returned. */
    public List<Verdict> writeVerdicts() {
        return writes.verdicts();
    }

    public long generation() {
        return gen;
    }

    /** The layout generation in force at a step (0 before the first change). */
    public long generationAt(long step) {
        long g = 0;
        for (long[] c : genChanges)
            if (c[0] <= step)
                g = c[1];
        return g;
    }

    /** Steps at which a new layout generation began, with its number. */
    public List<long[]> generationChanges() {
        return genChanges;
    }

    public Layout layout() {
        return layout;
    }

    // --- history ---

    private void record(long step) {
        for (ReadRecord r : inFlight.values()) {
            Instant last = r.instants.isEmpty() ? null : r.instants.get(r.instants.size() - 1);
            Instant i = instant(r, step, last);
            if (last == null || !r.sameAs(last, i))
                r.instants.add(i);
        }
    }

    /**
     * A user store at {@code addr} went into {@code page}: at this instant addr's memory is that
     * page, whatever the PTE says now. The MMU walked a present PTE, and a PTE cleared since then
     * (try_to_unmap_one's ptep_clear_flush, waiting in its TLB flush for this store, which runs
     * with interrupts off) still maps the page for this CPU until the flush; the page's contents,
     * this store's included, become the swap entry's or the new PTE's. Ghost alone would read such
     * a PTE as never-touched memory (zeros). A remote write's store (REMOTE_STORE) is one too: GUP
     * took the page while it was mapped, and a concurrent zap (MADV_DONTNEED, reclaim) may have
     * cleared the PTE since; a read that took the same page before the zap copies the written bytes
     * out of it, which are then addr's memory at this instant as far as that read can tell.
     */
    private void recordStore(long step, Page page, long addr) {
        long base = addr & ~(long) (Page.PAGE_SIZE - 1);
        for (ReadRecord r : inFlight.values()) {
            Instant last = r.instants.isEmpty() ? null : r.instants.get(r.instants.size() - 1);
            Instant i = instant(r, step, last);
            for (int c = 0; c < i.chunks().length; c++) {
                long from = r.chunkStart(c), to = r.chunkEnd(c);
                if (from < base || from >= base + Page.PAGE_SIZE || Pgtable.ptePresent(Pgtable.peekPte(mm, from)))
                    continue;
                byte[] content = new byte[(int) (to - from)];
                page.peekBytes((int) (from - base), content, 0, content.length);
                ChunkView v = i.chunks()[c];
                i.chunks()[c] = new ChunkView(v.identity(), v.readable(), content);
            }
            if (last == null || !r.sameAs(last, i))
                r.instants.add(i);
        }
    }

    private Instant instant(ReadRecord r, long step, Instant last) {
        int m = r.chunks();
        ChunkView[] cv = new ChunkView[m];
        for (int c = 0; c < m; c++) {
            Layout.Region reg = layout.at(r.chunkStart(c));
            if (last != null && last.gen() == gen && reg != null && writeLocked(reg) && byTheWriter())
                cv[c] = last.chunks()[c]; // the write section's own changes are not visible yet
            else
                cv[c] = Ghost.view(mm, layout, r.chunkStart(c), r.chunkEnd(c), r.flags);
        }
        return new Instant(step, gen, cv, pinned(r, cv));
    }

    /**
     * Per chunk, the pages a present PTE mapped there, readable, earlier in the read and no longer
     * maps there, with their contents now: a read that took a reference on such a page (GUP's pin)
     * copies these bytes, whatever the address maps now. A page freed since, or freed and handed
     * out again, is no longer that folio and is dropped.
     */
    private ReadRecord.Pinned[][] pinned(ReadRecord r, ChunkView[] cv) {
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

    /** The last change was made by the task holding mmap_lock for write (not, say, a user store by another thread). */
    private boolean byTheWriter() {
        return dirtyTask != null && mm.mmapLock.isWriteLockedBy(dirtyTask);
    }

    private boolean writeLocked(Layout.Region reg) {
        int seq = mm.mmLockSeq.peek();
        return (seq & 1) != 0 && reg.vma().vmLockSeq.peek() == seq;
    }
}
