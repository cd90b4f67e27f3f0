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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
 *
 * <p>With several processes there is one such history per mm ({@link History}: the target's,
 * those {@link #track} names, and any mm first seen in an event), and each read is judged against
 * the history of the mm it reads. Every user store is also checked for copy-on-write isolation
 * ({@link CowLeak}).
 */
public final class Oracle {
    /** The history of one address space: its layouts (generations) while reads are in flight. */
    private static final class History {
        final MmStruct mm;
        Layout layout;
        long gen;
        /** (step, generation) each time the layout changed, for traces. */
        final List<long[]> genChanges = new ArrayList<>();

        History(MmStruct mm) {
            this.mm = mm;
            this.layout = Layout.snapshot(mm, 0);
        }
    }

    private final Kernel kernel;
    private final MmStruct mm;
    private final List<File> files;
    /** The target's history first, then every other mm's, in the order they were first seen. */
    private final Map<MmStruct, History> histories = new LinkedHashMap<>();
    private final History main;
    private final Map<ReadRecord, History> readOf = new HashMap<>();
    /** The mm each task's current operation runs in (told by the runner; unknown: the target). */
    private final Map<Task, MmStruct> threadMm = new HashMap<>();
    /** Tasks inside fork() (dup_mmap may still be copying, its TLB flush not yet done). */
    private final Set<Task> forking = new HashSet<>();
    private boolean dirty;
    /** The task whose store made the state dirty. */
    private Task dirtyTask;
    private long lastStep;
    private final Map<Task, ReadRecord> inFlight = new HashMap<>();
    private final Map<Task, ReadRecord> pending = new HashMap<>();
    private final Map<ReadRecord, Integer> injectedAtBegin = new HashMap<>();
    /** Per read in flight, the pages mapped in its range earlier in the read (GUP may still hold them). */
    private final Pins pins = new Pins();
    private final List<ReadRecord> reads = new ArrayList<>();
    private final List<Verdict> readVerdicts = new ArrayList<>();
    private Verdict verdict;
    /** The post-conditions of the target's operations, when the scenario's model is known. */
    private Contracts contracts;
    /** Remote writes (poke): their own rules. */
    private final WriteJudge writes;

    public Oracle(Kernel kernel, MmStruct mm, List<File> files) {
        this.kernel = kernel;
        this.mm = mm;
        this.files = files;
        this.main = new History(mm);
        histories.put(mm, main);
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
        verdict = Verdict.worse(verdict, writes.returned(lastStep, t, n, main.layout));
    }

    /** Another process's mm, to be followed from now on (a process line, a fork's child). */
    public void track(MmStruct other) {
        history(other);
    }

    private History history(MmStruct m) {
        return histories.computeIfAbsent(m, History::new);
    }

    /** Task t's operation about to start runs in mm {@code m} (its process's). */
    public void threadOf(Task t, MmStruct m) {
        threadMm.put(t, m);
    }

    /** Task t is about to fork: until {@link #forkEnds}, its process's pages may be shared mid-copy. */
    public void forkBegins(Task t) {
        forking.add(t);
    }

    public void forkEnds(Task t) {
        forking.remove(t);
    }

    /**
     * Check every operation's post-conditions against this model of the target's address space
     * (built from the scenario the execution was set up from): see {@link Contracts}. Only for a
     * scenario with one process: the model follows one mm.
     */
    public void checkContracts(RefModel model) {
        contracts = new Contracts(model, mm, Layout.snapshot(mm, main.gen));
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
        String bad = contracts.end(t, op, result, kernel.faults.injected(), main.layout);
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
        if (tp == Tracepoint.SYS_ENTER || tp == Tracepoint.SYS_EXIT) {
            if (a instanceof Op op) {
                if (tp == Tracepoint.SYS_ENTER)
                    opBegin(t, op);
                else
                    opEnd(t, op, b);
            }
            return;
        }
        lastStep = step;
        if (dirty) {
            dirty = false;
            record(step);
        }
        switch (tp) {
            case MMAP_WRITE_RELEASED -> {
                if (!(a instanceof MmStruct m))
                    return;
                History h = history(m);
                Layout l = Layout.snapshot(m, h.gen);
                if (!l.sameAs(h.layout)) {
                    h.gen++;
                    h.layout = new Layout(h.gen, l.regions());
                    h.genChanges.add(new long[] {step, h.gen});
                    if (h == main)
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
                readOf.put(r, a instanceof MmStruct m ? history(m) : main);
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
                if (a instanceof Page page && histories.size() > 1)
                    verdict = Verdict.worse(verdict, CowLeak.check(kernel, histories.keySet(), threadMm.get(t), page, b,
                            !forking.isEmpty(), step, t.name));
                if (a instanceof Page page && !inFlight.isEmpty())
                    recordStore(step, page, b, threadMm.get(t));
            }
            case REMOTE_STORE -> {
                if (a instanceof Page page) {
                    verdict = Verdict.worse(verdict, writes.store(step, t, page, b, main.layout, main.gen));
                    if (!inFlight.isEmpty())
                        recordStore(step, page, b, null);
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
        if ((kind & SWAP_OOM) != 0 && kernel.faults.injected() == 0)
            swapOomWithoutFailure = true;
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

    private static final int FALLBACK = 1, RETRY = 2, KNOWN = 4, PAST_PAGE = 8, SWAP_OOM = 16;

    /** generic_access_phys copied past the page it looked up in this execution (FINDINGS.md section 4). */
    private boolean accessPhysPastPage;

    /**
     * A known root cause that the bytes of this execution went through, or null: findings with one
     * are the same bug whatever the variant and the operations around it, and are deduplicated so.
     */
    public static final String ROOT_CAUSE_ACCESS_PHYS = "generic_access_phys copies past the looked-up page";

    /**
     * do_swap_page found no folio for a swap entry (swapin returned NULL: the entry was freed under
     * it) yet the PTE holds that entry again, and returned VM_FAULT_OOM with no allocation failing
     * (corpus/regressions/swap-aba-oom.scn): the swap-entry A-B-A.
     */
    private boolean swapOomWithoutFailure;

    public static final String ROOT_CAUSE_SWAP_ABA = "do_swap_page returns VM_FAULT_OOM after a swap entry A-B-A";

    public String rootCause() {
        return accessPhysPastPage ? ROOT_CAUSE_ACCESS_PHYS : swapOomWithoutFailure ? ROOT_CAUSE_SWAP_ABA : null;
    }
    private static volatile int[] probeKinds = new int[0];

    /** What a probe means to the oracle, from its name, computed once per probe. */
    private static int probeKind(int id) {
        int[] k = probeKinds;
        if (id < k.length && k[id] != 0)
            return k[id];
        String p = Probes.name(id);
        int v = KNOWN | (p.contains("fall back") || p.contains("fallback") || p.contains("falls back") ? FALLBACK : 0)
                | (p.contains("retry") ? RETRY : 0) | (p.contains("copy runs past the looked-up page") ? PAST_PAGE : 0)
                | (p.contains("yet the PTE still holds it: VM_FAULT_OOM") ? SWAP_OOM : 0);
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
        pins.forget(r);
        if (r.endStep < 0)
            r.endStep = lastStep;
        r.n = n;
        r.bytes = java.util.Arrays.copyOf(buf, Math.max(0, Math.min(n, buf.length)));
        r.oomInjected = kernel.faults.injected() > injectedAtBegin.remove(r);
        readOf.remove(r);
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

    /** The execution reached a limit of the model while making progress: no verdict, unless a forbidden or needs-triage one came first. */
    public void limit(long step, String detail) {
        verdict = Verdict.worse(verdict, Verdict.limit(step, detail));
    }

    /** Every task returned and RCU callbacks ran: check the final state. */
    public void finish(long step) {
        for (ReadRecord r : inFlight.values())
            verdict = Verdict.worse(verdict, Verdict.needsTriage(Reason.UNEXPLAINED, step, "read by " + r.actor + " never returned"));
        verdict = Verdict.worse(verdict, writes.finish(step));
        verdict = Verdict.worse(verdict, FinalState.check(kernel, new ArrayList<>(histories.keySet()), files, step));
        String bad = contracts == null ? null : contracts.finish(main.layout);
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

    /** The target's layout generation (every accessor below is the target's). */
    public long generation() {
        return main.gen;
    }

    /** The layout generation in force at a step (0 before the first change). */
    public long generationAt(long step) {
        long g = 0;
        for (long[] c : main.genChanges)
            if (c[0] <= step)
                g = c[1];
        return g;
    }

    /** Steps at which a new layout generation began, with its number. */
    public List<long[]> generationChanges() {
        return main.genChanges;
    }

    public Layout layout() {
        return main.layout;
    }

    /** Every mm this oracle followed: the target's first. */
    public List<MmStruct> mms() {
        return new ArrayList<>(histories.keySet());
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
    private void recordStore(long step, Page page, long addr, MmStruct storer) {
        long base = addr & ~(long) (Page.PAGE_SIZE - 1);
        for (ReadRecord r : inFlight.values()) {
            MmStruct mm = historyOf(r).mm;
            if (storer != null && storer != mm)
                continue; // another process's store: its page's contents change is recorded as such
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

    private History historyOf(ReadRecord r) {
        History h = readOf.get(r);
        return h != null ? h : main;
    }

    private Instant instant(ReadRecord r, long step, Instant last) {
        History h = historyOf(r);
        int m = r.chunks();
        ChunkView[] cv = new ChunkView[m];
        for (int c = 0; c < m; c++) {
            Layout.Region reg = h.layout.at(r.chunkStart(c));
            if (last != null && last.gen() == h.gen && reg != null && writeLocked(h.mm, reg) && byTheWriter(h.mm))
                cv[c] = last.chunks()[c]; // the write section's own changes are not visible yet
            else
                cv[c] = Ghost.view(h.mm, h.layout, r.chunkStart(c), r.chunkEnd(c), r.flags);
        }
        return new Instant(step, h.gen, cv, pins.pinned(r, cv, kernel));
    }

    /** The last change was made by the task holding mmap_lock for write (not, say, a user store by another thread). */
    private boolean byTheWriter(MmStruct mm) {
        return dirtyTask != null && mm.mmapLock.isWriteLockedBy(dirtyTask);
    }

    private static boolean writeLocked(MmStruct mm, Layout.Region reg) {
        int seq = mm.mmLockSeq.peek();
        return (seq & 1) != 0 && reg.vma().vmLockSeq.peek() == seq;
    }
}
