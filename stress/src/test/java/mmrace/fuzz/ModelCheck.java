package mmrace.fuzz;

import mmrace.oracle.RefModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import mmrace.oracle.Layout;
import mmrace.oracle.ReadRecord;
import mmrace.oracle.Verdict;
import mmrace.port.File;
import mmrace.port.Mm;
import mmrace.port.MmStruct;
import mmrace.runtime.Errno;
import mmrace.runtime.Tracepoint;
import mmrace.scenario.Op;
import mmrace.scenario.Scenario;
import mmrace.scenario.Variant;
import mmrace.sched.Config;
import mmrace.sched.Execution;
import mmrace.sched.ExecutionListener;
import mmrace.sched.RandomWalk;

/**
 * Runs a one-actor scenario through the port (a {@link Target}, normally {@link PortTarget}) and
 * through {@link RefModel}, and compares after every operation: return values (a store only
 * succeeded-or-not, reclaim and collapse not at all), the bytes of every read, the layout
 * (normalised: compatible neighbours joined), and then the VMAs one by one: boundaries, vm_flags
 * (but VM_SOFTDIRTY), vm_pgoff and which VMAs share an anon_vma, since these decide what later
 * merges and mremaps do.
 */
final class ModelCheck {
    private ModelCheck() {}

    /**
     * Each non-read operation's return value, from the runner's sys_exit tracepoint after it, and
     * the layout at that moment (a snapshot of the mm, which the listener learns from the first
     * mmap write release; before that, none). Reads are left out: their results come from the
     * oracle's read records, and they do not change the layout.
     */
    static final class Listener implements ExecutionListener {
        final List<Long> rets = new ArrayList<>();
        final List<List<RefModel.Region>> layouts = new ArrayList<>();
        final List<List<String>> vmaLists = new ArrayList<>();
        private final Scenario s;
        private MmStruct mm;

        Listener(Scenario s) {
            this.s = s;
        }

        @Override
        public void start(Execution e) {
            rets.clear();
            layouts.clear();
            vmaLists.clear();
            mm = null;
        }

        @Override
        public void tracepoint(long step, int actor, Tracepoint tp, Object a, long b) {
            if (tp == Tracepoint.MMAP_WRITE_RELEASED && a instanceof MmStruct m)
                mm = m;
            if (tp != Tracepoint.SYS_EXIT || a instanceof Op.Read)
                return;
            rets.add(b);
            Layout l = mm == null ? null : Layout.snapshot(mm, 0);
            layouts.add(l == null ? null : normalise(l, s));
            vmaLists.add(l == null ? null : vmas(l));
        }
    }

    static List<RefModel.Region> normalise(Layout l, Scenario s) {
        List<RefModel.Region> rs = new ArrayList<>();
        for (Layout.Region r : l.regions()) {
            int prot = (int) (r.flags() & (Mm.VM_READ | Mm.VM_WRITE | Mm.VM_EXEC));
            boolean shared = (r.flags() & Mm.VM_SHARED) != 0;
            String kind = "other";
            long off = 0;
            if (r.file() == null && r.vmOps() == null)
                kind = "anon";
            else if (r.file() instanceof File f && s.files.stream().anyMatch(x -> x.name().equals(f.label))) {
                kind = "file:" + f.label;
                off = r.pgoff();
            }
            rs.add(new RefModel.Region(r.start(), r.end(), prot, shared, kind, off));
        }
        return RefModel.normalise(rs);
    }

    /**
     * The port's VMAs one by one, as {@link RefModel#vmaList()} gives the model's: range, vm_flags
     * (without VM_SOFTDIRTY, which the model does not keep), vm_pgoff and which anon_vma (numbered
     * in order of first appearance; "-" for none).
     */
    static List<String> vmas(Layout l) {
        Map<Object, Integer> ids = new HashMap<>();
        List<String> out = new ArrayList<>();
        for (Layout.Region r : l.regions()) {
            Object av = r.vma().anonVma.peek();
            String a = av == null ? "-" : "a" + ids.computeIfAbsent(av, x -> ids.size() + 1);
            out.add(String.format("[%#x-%#x %#x @%#x %s]", r.start(), r.end(), r.flags() & ~Mm.VM_SOFTDIRTY, r.pgoff(), a));
        }
        return out;
    }

    /** Null if port and model agree on every operation of {@code s} (one actor) under {@code v}, else what differs. */
    static String mismatch(Target t, Scenario s, Variant v) {
        Listener l = new Listener(s);
        Target.Run run;
        try {
            run = t.run(s, v, new RandomWalk(0), Config.DEFAULT, l);
        } catch (RuntimeException e) {
            return "the port run failed: " + e;
        }
        if (run.verdict().cls() == Verdict.Cls.FORBIDDEN)
            return "the oracle found " + run.verdict();
        List<Op> ops = s.actors.get(0).ops();
        long nonReads = ops.stream().filter(op -> !(op instanceof Op.Read)).count();
        if (l.rets.size() != nonReads)
            return "the port reported " + l.rets.size() + " results for " + nonReads + " operations other than reads";
        List<ReadRecord> reads = run.oracle() == null ? List.of() : run.oracle().reads();
        RefModel m = new RefModel(s);
        int ri = 0, ni = 0;
        List<RefModel.Region> pl = null;
        List<String> pv = null;
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            long port = 0;
            if (!(op instanceof Op.Read)) {
                port = l.rets.get(ni);
                pl = l.layouts.get(ni);
                pv = l.vmaLists.get(ni);
                ni++;
            }
            long model = m.apply(op, port);
            String where = "operation " + (i + 1) + " '" + op.text() + "'";
            switch (op) {
                case Op.Read r -> {
                    if (ri >= reads.size())
                        return where + ": the oracle has no record of the read";
                    ReadRecord rec = reads.get(ri++);
                    byte[] got = Arrays.copyOf(rec.bytes, Math.max(0, rec.n));
                    if (rec.n != model || !Arrays.equals(got, m.lastRead()))
                        return where + ": port read " + rec.n + " bytes " + show(got) + ", model " + model + " bytes " + show(m.lastRead());
                }
                case Op.Write w -> {
                    if ((port == 0) != (model == 0))
                        return where + ": port returned " + ret(port) + ", model " + ret(model);
                }
                case Op.Reclaim r -> {}
                case Op.Collapse c -> {}
                default -> {
                    if (port != model)
                        return where + ": port returned " + ret(port) + ", model " + ret(model);
                }
            }
            if (pl != null && !pl.equals(m.layout()))
                return where + ": layout differs\n  port  " + pl + "\n  model " + m.layout();
            if (pv != null && !pv.equals(m.vmaList()))
                return where + ": VMAs differ\n  port  " + pv + "\n  model " + m.vmaList();
        }
        return null;
    }

    static String ret(long r) {
        return r < 0 && r > -4096 ? "-" + Errno.name((int) -r) : "0x" + Long.toHexString(r);
    }

    static String show(byte[] b) {
        StringBuilder s = new StringBuilder("\"");
        int i = 0;
        while (i < b.length) {
            int j = i;
            while (j < b.length && b[j] == b[i])
                j++;
            s.append(b[i] >= 'a' && b[i] <= 'z' ? String.valueOf((char) b[i]) : String.format("\\x%02x", b[i] & 0xff));
            if (j - i > 1)
                s.append('*').append(j - i);
            i = j;
        }
        return s.append('"').toString();
    }

    /**
     * A one-actor scenario for the model-based test: the default layout with a private file
     * mapping, sometimes a shared file mapping, and 4-12 operations, about a third of them remote
 * accesses (reads, and one in eight of those a remote write)
     * (MAP_GROWSDOWN, device mappings and fault injection are left out: the model does not have them).
     */
    static Scenario generate(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Gen g = new Gen(rng, Limits.DEFAULT);
        Scenario s = Gen.defaultLayout(true);
        if (rng.nextBoolean()) {
            s.files.add(new Scenario.FileSpec("G", 0x2000, Scenario.Fill.of((byte) 's'), 0));
            s.maps.add(new Scenario.MapSpec("S", 0x30000, 0x2000, mmrace.scenario.Prot.READ | mmrace.scenario.Prot.WRITE, true, "G", 0,
                    false, false, Scenario.Fill.NONE, 0));
        }
        List<Op> ops = new ArrayList<>();
        s.actors.add(new Scenario.Actor("t", ops, 0));
        int n = 4 + rng.nextInt(9);
        while (ops.size() < n) {
            Op op = rng.nextInt(3) == 0 ? g.remoteOp(s) : g.targetOp(s);
            if (op instanceof Op.Mmap m && m.growsdown())
                continue;
            ops.add(op);
        }
        s.schedules.put(null, Scenario.Sched.random(0));
        return s;
    }

}
