package mmrace.oracle;

import mmrace.port.Mm;
import mmrace.port.MmStruct;
import mmrace.port.MmTypes;
import mmrace.runtime.Task;
import mmrace.scenario.Op;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The post-conditions of the operations the target's threads make (mmap, munmap, mremap, mprotect,
 * madvise(MADV_DONTNEED), user stores, remote writes): once one has returned, every address must read what the
 * operations completed so far leave there. The {@link RefModel} starts from the scenario's layout
 * and applies each operation, in the order they return, as the kernel defines it (zero-fill for
 * private anonymous memory after DONTNEED, the file for a private file mapping, the old contents
 * at the new address after mremap, the stored bytes after a store or a remote write). At each return, and at the end
 * of the execution, the port's address space (layout as of the last mmap write release, contents
 * of the live page tables, page cache and swap) must agree with the model, page by page: mapped or
 * not, protection and sharing, and, except for device memory, readability and contents for a
 * FOLL_FORCE read.
 *
 * <p>Room for what still races: an address an operation that has not returned may touch (its
 * range, the other mappings of the same file pages, for reclaim and collapse too) is not checked;
 * while an mmap or mremap that lets the kernel choose the address is running, neither is any
 * address the model holds unmapped. Where two operations that overlapped in time both touched an
 * address, or where the port returned what the model did not (an injected allocation failure, a
 * race the model cannot order), the model no longer knows that address, until a munmap or a
 * MAP_FIXED mmap defines it again. Stack growth (a read's expand_stack) is not modelled: pages a
 * grows-down VMA gained are not checked.
 */
final class Contracts {
    private static final long PAGE = RefModel.PAGE;

    /** One operation: what it is, its place in the begin/return order, and the addresses it may touch. */
    private static final class Call {
        final Task task;
        final Op op;
        final long begin;
        /** Allocation failures injected so far when it began. */
        final int injected;
        long end = Long.MAX_VALUE;
        long result;
        /** The addresses it may touch, and the file pages they mapped while it ran. */
        Ranges footprint;
        final Set<ObjPage> objs = new HashSet<>();

        Call(Task task, Op op, long begin, int injected, Ranges footprint) {
            this.task = task;
            this.op = op;
            this.begin = begin;
            this.injected = injected;
            this.footprint = footprint;
        }

        boolean overlaps(Call o) {
            return o.begin < end && begin < o.end;
        }

        boolean touchesWhat(Call o) {
            return !footprint.intersect(o.footprint).isEmpty() || objs.stream().anyMatch(o.objs::contains);
        }

        /** Changes what the model holds (reads, reclaim and collapse change nothing, but pass through states the model has not). */
        boolean mutates() {
            return !(op instanceof Op.Read || op instanceof Op.Reclaim || op instanceof Op.Collapse);
        }

        /** The kernel chooses where the new mapping goes. */
        boolean places() {
            return op instanceof Op.Mmap m && !m.fixed() || op instanceof Op.Mremap r && r.maymove() && r.fixedTo() == null;
        }
    }

    /** Page idx of a file (or device) object of the model: what every mapping of it shares. */
    private record ObjPage(RefVmas.Obj obj, long idx) {}

    private final RefModel model;
    private final MmStruct mm;
    private final Map<Task, Call> running = new LinkedHashMap<>();
    private final List<Call> done = new ArrayList<>();
    /** Addresses, and file pages, whose layout or contents the model cannot know. */
    private final Ranges unknown = new Ranges();
    private final Set<ObjPage> unknownObjs = new HashSet<>();
    /** The port's page under comparison ({@link #mismatch}). */
    private final byte[] scratch = new byte[(int) PAGE];
    /**
     * An mmap or mremap that chooses its address did what the model did not (an injected failure
     * on its error path can leave the new mapping behind): where the model holds nothing, the port
     * may hold anything from then on.
     */
    private boolean placementLost;
    private long clock;

    /** Starts from the set-up; where the model disagrees with the port already, it claims nothing. */
    Contracts(RefModel model, MmStruct mm, Layout layout) {
        this.model = model;
        this.mm = mm;
        for (long a : pages(layout))
            if (mismatch(a, layout) != null)
                unknown.add(a, a + PAGE);
    }

    /** Task t begins op; {@code injected}: allocation failures injected so far. */
    void begin(Task t, Op op, int injected) {
        Call c = new Call(t, op, ++clock, injected, footprint(op));
        c.objs.addAll(objPages(c.footprint));
        running.put(t, c);
    }

    /**
     * Op returned {@code result} on task t: apply it to the model, then check every address; a
     * violation or null. A read is only taken off the operations still racing.
     */
    String end(Task t, Op op, long result, int injected, Layout layout) {
        Call c = running.remove(t);
        if (c == null)
            return null;
        c.end = ++clock;
        if (op instanceof Op.Read) {
            stackGrowth(layout);
            return check(layout, touched(c)); // the addresses it may have been faulting in are checked again
        }
        Long chosen = c.places() && result >= 0 ? result : null;
        long expected;
        try {
            expected = model.apply(op, chosen);
        } catch (UnsupportedOperationException e) {
            expected = Long.MIN_VALUE; // not modelled (mremap of old length 0): the model knows nothing of it
        }
        c.footprint.addAll(footprint(op));
        addPlacement(c, result);
        addPlacement(c, expected);
        c.objs.addAll(objPages(c.footprint));
        c.result = result;
        boolean blind = !c.footprint.intersect(unknown).isEmpty() || c.objs.stream().anyMatch(unknownObjs::contains);
        boolean predicted = expected == result && injected == c.injected;
        // the port did what the model did not (an injected failure, a race it cannot order), or an
        // operation that goes page by page worked on what the model does not know (what it did after
        // it, and wherever mremap moved it, are unknown too)
        if (c.mutates() && (!predicted || blind && sequential(c)))
            forget(c);
        placementLost |= c.places() && !predicted;
        if (predicted)
            defined(c, result);
        if (c.mutates())
            for (Call o : others())
                if (o.mutates() && o.overlaps(c) && c.touchesWhat(o)) {
                    // which went first decides what the common addresses hold, and more when an operation
                    // goes page by page and stops at the first it cannot do (a store, mprotect, mremap, a call
                    // that failed): then none of its range is known
                    unknown.addAll(c.footprint.intersect(o.footprint));
                    unknownObjs.addAll(c.objs); // one may have written a file page through a mapping the other replaced
                    unknownObjs.addAll(o.objs);
                    if (sequential(c))
                        forget(c);
                    if (o.end != Long.MAX_VALUE && sequential(o)) // one still running is judged when it returns
                        forget(o);
                }
        done.add(c);
        // Only an operation's own addresses (and the other mappings of its file pages) can have changed
        // since they were last checked: every other change comes from an operation still running, whose
        // addresses are not checked yet. A placement may have gone anywhere the model left free.
        return check(layout, c.places() ? null : touched(c));
    }

    /** Every operation has returned: every address must agree. */
    String finish(Layout layout) {
        return check(layout, null);
    }

    /** Its addresses, and wherever the model maps its file pages now. */
    private Ranges touched(Call c) {
        Ranges r = new Ranges();
        r.addAll(c.footprint);
        for (RefVmas.Vma v : model.vmas())
            if (v.obj() != null)
                for (long a = v.start(); a < v.end(); a += PAGE)
                    if (c.objs.contains(new ObjPage(v.obj(), v.pgoff() + (a - v.start()) / PAGE)))
                        r.add(a, a + PAGE);
        return r;
    }

    /** "the last to touch it: 'madvise 0x10000 0x2000 dontneed' by t1, returned 0x0" */
    private String lastTouching(long a) {
        ObjPage o = objPage(a);
        for (int i = done.size() - 1; i >= 0; i--) {
            Call c = done.get(i);
            if (c.mutates() && (c.footprint.contains(a) || o != null && c.objs.contains(o)))
                return "; the last operation to touch it: " + text(c.op) + " by " + c.task.name + ", returned " + ret(c.result);
        }
        return "; no operation touched it since the set-up";
    }

    private List<Call> others() {
        List<Call> l = new ArrayList<>(done);
        l.addAll(running.values());
        return l;
    }

    /** What it does to one page depends on how it fared on the pages before it. */
    private static boolean sequential(Call c) {
        return c.op instanceof Op.Write || c.op instanceof Op.Poke || c.op instanceof Op.Mprotect || c.op instanceof Op.Mremap || c.result < 0;
    }

    private void forget(Call c) {
        unknown.addAll(c.footprint);
        unknownObjs.addAll(c.objs);
    }

    /** A munmap or a MAP_FIXED mmap that did what the model did defines its range again. */
    private void defined(Call c, long result) {
        switch (c.op) {
            case Op.Munmap m when result == 0 -> unknown.remove(m.addr(), m.addr() + RefVmas.alignUp(m.len()));
            case Op.Mmap m when m.fixed() && result == m.addr() -> unknown.remove(m.addr(), m.addr() + RefVmas.alignUp(m.len()));
            default -> {}
        }
    }

    /**
     * A read's expand_stack grew a grows-down VMA, which the model does not do: what it gained is
     * unknown to the model (an mmap hint there, an mremap of it, all differ from then on).
     */
    private void stackGrowth(Layout layout) {
        for (Layout.Region r : layout.regions()) {
            if ((r.flags() & Mm.VM_GROWSDOWN) == 0)
                continue;
            RefVmas.Vma v = model.find(r.end() - 1);
            if (v != null && v.growsdown() && r.start() < v.start())
                unknown.add(r.start(), v.start());
        }
    }

    private void addPlacement(Call c, long at) {
        if (at < 0 || at > RefVmas.TASK_SIZE)
            return;
        if (c.op instanceof Op.Mmap m && !m.fixed())
            c.footprint.add(at, at + RefVmas.alignUp(m.len()));
        if (c.op instanceof Op.Mremap m)
            c.footprint.add(at, at + RefVmas.alignUp(m.newLen()));
    }

    /** The addresses op may touch itself (the other mappings of the same file pages: {@link #touched}). */
    private static Ranges footprint(Op op) {
        return switch (op) {
            case Op.Mmap m -> m.fixed() ? Ranges.of(m.addr(), m.addr() + RefVmas.alignUp(m.len())) : new Ranges();
            case Op.Munmap m -> Ranges.of(m.addr(), m.addr() + RefVmas.alignUp(m.len()));
            case Op.Mprotect m -> Ranges.of(m.addr(), m.addr() + RefVmas.alignUp(m.len()));
            case Op.Madvise m -> Ranges.of(m.addr(), m.addr() + RefVmas.alignUp(m.len()));
            case Op.Write w -> Ranges.of(w.addr() & -PAGE, RefVmas.alignUp(w.addr() + w.len()));
            case Op.Poke p -> Ranges.of(p.addr() & -PAGE, RefVmas.alignUp(p.addr() + Math.max(p.len(), 0)));
            case Op.Mremap m -> {
                Ranges r = Ranges.of(m.addr(), m.addr() + Math.max(RefVmas.alignUp(m.oldLen()), RefVmas.alignUp(m.newLen())));
                if (m.fixedTo() != null)
                    r.add(m.fixedTo(), m.fixedTo() + RefVmas.alignUp(m.newLen()));
                yield r;
            }
            case Op.Reclaim r -> Ranges.of(r.addr() & -PAGE, (r.addr() & -PAGE) + PAGE);
            case Op.Collapse c -> Ranges.of(c.addr() & -0x200000L, (c.addr() & -0x200000L) + 0x200000L);
            case Op.Read r -> Ranges.of(r.addr() & -PAGE, RefVmas.alignUp(r.addr() + Math.max(r.len(), 0)));
            // not in a scenario with one process, the only kind whose contracts are checked (Runner)
            case Op.Fork f -> new Ranges();
            case Op.Exit e -> new Ranges();
        };
    }

    /** The file pages the model maps in these addresses now. */
    private Set<ObjPage> objPages(Ranges addrs) {
        Set<ObjPage> out = new HashSet<>();
        for (RefVmas.Vma v : model.vmas())
            if (v.obj() != null)
                for (long a = v.start(); a < v.end(); a += PAGE)
                    if (addrs.contains(a))
                        out.add(new ObjPage(v.obj(), v.pgoff() + (a - v.start()) / PAGE));
        return out;
    }

    /** The file page the model maps at a, or null. */
    private ObjPage objPage(long a) {
        RefVmas.Vma v = model.find(a);
        return v == null || v.obj() == null ? null : new ObjPage(v.obj(), v.pgoff() + (a - v.start()) / PAGE);
    }

    // --- the check ---

    /** The first address of {@code only} (null: of the whole address space) where the port and the model differ. */
    private String check(Layout layout, Ranges only) {
        boolean placing = placementLost || running.values().stream().anyMatch(Call::places);
        Ranges racing = new Ranges();
        Set<ObjPage> racingObjs = new HashSet<>();
        for (Call c : running.values()) {
            racing.addAll(c.footprint);
            racingObjs.addAll(c.objs);
            racingObjs.addAll(objPages(c.footprint)); // mapped there since it began
        }
        for (long a : only == null ? pages(layout) : pages(only)) {
            ObjPage o = objPage(a);
            if (unknown.contains(a) || racing.contains(a) || placing && model.find(a) == null
                    || o != null && (unknownObjs.contains(o) || racingObjs.contains(o)))
                continue;
            String bad = mismatch(a, layout);
            if (bad != null)
                return bad + lastTouching(a);
        }
        return null;
    }

    private static List<Long> pages(Ranges only) {
        List<Long> out = new ArrayList<>();
        for (long[] sp : only.spans())
            for (long a = sp[0] & -PAGE; a < sp[1]; a += PAGE)
                out.add(a);
        return out;
    }

    /** Every page either side maps, in address order. */
    private List<Long> pages(Layout layout) {
        java.util.TreeSet<Long> out = new java.util.TreeSet<>();
        for (Layout.Region r : layout.regions())
            for (long a = r.start(); a < r.end(); a += PAGE)
                out.add(a);
        for (RefVmas.Vma v : model.vmas())
            for (long a = v.start(); a < v.end(); a += PAGE)
                out.add(a);
        return new ArrayList<>(out);
    }

    /** How page a of the port differs from the model, or null. */
    private String mismatch(long a, Layout layout) {
        RefVmas.Vma v = model.find(a);
        Layout.Region r = layout.at(a);
        if (v == null && r == null)
            return null;
        if (v == null)
            return (r.flags() & Mm.VM_GROWSDOWN) != 0 ? null // stack growth is not modelled
                    : ReadJudge.hex(a) + " is mapped (" + r + ") where the completed operations leave nothing";
        if (r == null)
            return ReadJudge.hex(a) + " is not mapped where the completed operations leave " + v.name() + " " + prot(v.flags());
        long want = v.flags() & (Mm.VM_READ | Mm.VM_WRITE | Mm.VM_EXEC | Mm.VM_SHARED);
        long got = r.flags() & (Mm.VM_READ | Mm.VM_WRITE | Mm.VM_EXEC | Mm.VM_SHARED);
        if (want != got)
            return ReadJudge.hex(a) + " is " + prot(got) + " (" + r + ") where the completed operations leave " + prot(want);
        if (v.device())
            return null; // device memory is read through vm_ops->access, which the model does not follow past a COW
        byte[] expect = model.peekPage(a);
        Ghost.PagePeek got2 = Ghost.peekPage(mm, layout, a, MmTypes.FOLL_FORCE, scratch); // no page allocated: this sweeps every mapped page
        boolean readable = expect != null;
        if (readable != got2.readable())
            return ReadJudge.hex(a) + (got2.readable() ? " is readable" : " is not readable") + " where the completed operations leave it "
                    + (readable ? "readable" : "unreadable");
        if (readable && !Arrays.equals(expect, got2.content()))
            return ReadJudge.hex(a) + " reads " + preview(got2.content()) + " where the completed operations leave " + preview(expect);
        return null;
    }

    private static String prot(long flags) {
        return ((flags & Mm.VM_READ) != 0 ? "r" : "-") + ((flags & Mm.VM_WRITE) != 0 ? "w" : "-") + ((flags & Mm.VM_EXEC) != 0 ? "x" : "-")
                + ((flags & Mm.VM_SHARED) != 0 ? "s" : "p");
    }

    /** The first bytes of a page and where it first differs from a run of its first byte. */
    static String preview(byte[] b) {
        if (b == null)
            return "nothing (no page)";
        StringBuilder s = new StringBuilder("'");
        for (int k = 0; k < Math.min(8, b.length); k++) {
            int v = b[k] & 0xff;
            s.append(v >= 0x20 && v < 0x7f ? String.valueOf((char) v) : String.format("\\x%02x", v));
        }
        s.append(b.length > 8 ? "...'" : "'");
        for (int k = 1; k < b.length; k++)
            if (b[k] != b[0]) {
                s.append(" (differs at +").append(ReadJudge.hex(k)).append(')');
                break;
            }
        return s.toString();
    }

    /** "'madvise 0x10000 0x2000 dontneed'": the op as its scenario line. */
    static String text(Op op) {
        return "'" + op.text() + "'";
    }

    private static String ret(long r) {
        return r < 0 && r > -4096 ? "-" + mmrace.runtime.Errno.name((int) -r) : ReadJudge.hex(r);
    }
}
