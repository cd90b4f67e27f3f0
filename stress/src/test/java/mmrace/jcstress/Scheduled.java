package mmrace.jcstress;

import mmrace.oracle.Oracle;
import mmrace.oracle.ReadRecord;
import mmrace.port.MapleTree;
import mmrace.port.Mm;
import mmrace.port.MmStruct;
import mmrace.port.Pgtable;
import mmrace.port.VmAreaStruct;
import mmrace.runtime.Page;
import mmrace.runtime.Task;
import mmrace.runtime.Trace;
import mmrace.runtime.Tracepoint;
import mmrace.run.Runner;
import mmrace.scenario.Op;
import mmrace.scenario.Scenario;
import mmrace.scenario.Variant;
import mmrace.sched.Actor;
import mmrace.sched.Config;
import mmrace.sched.Execution;
import mmrace.sched.Pct;
import mmrace.sched.Program;
import mmrace.sched.RandomWalk;
import mmrace.sched.Result;
import mmrace.sched.Strategy;
import mmrace.sched.TraceRecorder;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * One execution of a race under the deterministic scheduler, written down so that two executions
 * can be compared: the steps (every trace row but the runner's printk-style notes), the bytes the
 * reader got, the address space left behind and the oracle's verdict.
 *
 * <p>The one place where {@link CorpusAgreementTest} calls the scenario runner and the scheduler
 * (their packages move and their APIs change on other branches): three ways to run one race under
 * one strategy:
 * <ul>
 * <li>{@link #corpus}: the corpus file's own actors on the file's set-up ({@code ./mmrace run});
 * <li>{@link #jcstressOnCorpus}: the JCStress actors' bodies ({@link Machine#readInto},
 *     {@link Machine#writeOps}) on the file's set-up, with the file's oracle watching;
 * <li>{@link #jcstressAlone}: the JCStress actors' bodies on the JCStress set-up
 *     ({@link Machine#forScheduler}), no oracle: what JCStress runs, step by step.
 * </ul>
 *
 * @param steps   trace rows ("step actor kind text"), notes left out
 * @param read    what the reader returned: "n=16 A|B" (chunk names, {@link Outcomes#name})
 * @param space   the address space at the end ({@link #space})
 * @param verdict the oracle's verdict label ("forbidden torn-read"), or null with no oracle
 */
record Scheduled(List<String> steps, String read, String space, String verdict) {
    /** The strategies both sides are run with: the file's own schedule for v, random walks and PCT. */
    static List<Supplier<Strategy>> strategies(Scenario s, Variant v, int randomSeeds, int pctSeeds) {
        List<Supplier<Strategy>> l = new ArrayList<>();
        l.add(() -> Runner.strategy(s, v));
        for (int seed = 1; seed <= randomSeeds; seed++) {
            long sd = seed;
            l.add(() -> new RandomWalk(sd));
        }
        for (int seed = 1; seed <= pctSeeds; seed++) {
            long sd = seed;
            l.add(() -> new Pct(3, 0, sd));
        }
        return l;
    }

    /** The file's actors on the file's set-up. */
    static Scheduled corpus(Scenario s, Variant v, Strategy strategy) {
        Runner.Outcome o = Runner.run(s, v, strategy, config());
        return of(o.result(), o.oracle().reads(), o.oracle().mm(), o.verdict().label());
    }

    /** The JCStress actors' bodies on the file's set-up, watched by the file's oracle. */
    static Scheduled jcstressOnCorpus(Race race, Scenario s, Variant v, Strategy strategy) {
        Runner.Built b = Runner.build(s, v);
        Oracle oracle = b.oracle();
        Machine m = Machine.over(race, v, b.program().kernel(), oracle.mm());
        // the file's read line, bracketed as the runner brackets it (Perform), so that the oracle
        // checks the post-conditions at the read's return as it does for the file's own reader
        Op read = s.actors.get(0).ops().get(0);
        Runnable reader = () -> {
            Task t = Task.current();
            byte[] buf = new byte[race.len];
            Trace.tracepoint(Tracepoint.SYS_ENTER, read, 0);
            oracle.expectRead(t, race.addr, race.len, Race.READ_FLAGS);
            int n = m.readInto(buf);
            oracle.readReturned(t, buf, n);
            Trace.tracepoint(Tracepoint.SYS_EXIT, read, n);
        };
        Execution e = new Execution(new Program(m.kernel, actors(reader, m::writeOps)), strategy, config());
        e.listen(b.listener());
        Result r = e.run();
        return of(r, oracle.reads(), m.mm, oracle.verdict().label());
    }

    /** The JCStress actors' bodies on the JCStress set-up, as JCStress runs them, with no oracle. */
    static Scheduled jcstressAlone(Race race, Variant v, Strategy strategy) {
        Machine m = Machine.forScheduler(race, v);
        byte[] buf = new byte[race.len];
        int[] n = {-1};
        Result r = new Execution(new Program(m.kernel, actors(() -> n[0] = m.readInto(buf), m::writeOps)), strategy, config()).run();
        return new Scheduled(steps(r), read(race.addr, race.len, buf, n[0]), space(m.mm), null);
    }

    /** The actors in the corpus files' order: the reader, then the writer. */
    private static List<Actor> actors(Runnable reader, Runnable writer) {
        return List.of(new Actor("reader", reader), new Actor("writer", writer));
    }

    private static Config config() {
        return Config.DEFAULT.withTrace(true);
    }

    private static Scheduled of(Result r, List<ReadRecord> reads, MmStruct mm, String verdict) {
        String read = reads.size() == 1 ? read(reads.get(0).addr, reads.get(0).len, reads.get(0).bytes, reads.get(0).n)
                : reads.size() + " reads";
        return new Scheduled(steps(r), read, space(mm), verdict);
    }

    private static String read(long addr, int len, byte[] bytes, int n) {
        return "n=" + n + " " + Outcomes.name(addr, len, java.util.Arrays.copyOf(bytes, len), n);
    }

    private static List<String> steps(Result r) {
        List<String> l = new ArrayList<>();
        List<String> names = List.of("reader", "writer", Actor.KTHREAD);
        // The runner's own rows (its trace notes and the sys_enter/sys_exit events it fires around
        // each operation) are not steps of the port: JCStress actors call the port directly.
        for (TraceRecorder.Row row : r.trace())
            if (row.kind() != TraceRecorder.Kind.NOTE && row.kind() != TraceRecorder.Kind.SYSCALL)
                l.add(row.step() + " " + names.get(row.actor()) + " " + row.kind() + " " + row.text());
        l.add("end: " + r.outcome() + " after " + r.steps() + " steps");
        return l;
    }

    /**
     * The address space, read without points: each VMA (name, range, flags, whether it has an
     * anon_vma), then its pages in runs of equal state: the name of the bytes
     * ({@link Outcomes#token}) with the folio's refcount and mapcount, "swap" for a swap entry.
     */
    static String space(MmStruct mm) {
        StringBuilder b = new StringBuilder();
        MapleTree.Node n = mm.mmMt.peek();
        for (int i = 0; i < n.size(); i++) {
            VmAreaStruct v = (VmAreaStruct) n.entry(i);
            b.append(v.label).append(" [0x").append(Long.toHexString(n.index(i))).append("-0x")
                    .append(Long.toHexString(n.last(i) + 1)).append(' ').append(Mm.flagsString(v.vmFlags.peek()))
                    .append(v.anonVma.peek() != null ? " anon_vma" : "").append("]");
            String run = null;
            long runStart = 0;
            for (long a = n.index(i); a <= n.last(i) + 1; a += Page.PAGE_SIZE) {
                String p = a > n.last(i) ? null : page(mm, a);
                if (p != null && p.equals(run))
                    continue;
                if (run != null)
                    b.append(" 0x").append(Long.toHexString(runStart)).append("..0x").append(Long.toHexString(a)).append(' ').append(run);
                run = p;
                runStart = a;
            }
            b.append('\n');
        }
        return b.toString();
    }

    private static String page(MmStruct mm, long addr) {
        long pte = Pgtable.peekPte(mm, addr);
        if (pte == 0)
            return null;
        if (!Pgtable.ptePresent(pte))
            return "swap";
        Page p = mm.kernel.pages.pfnToPage(Pgtable.ptePfn(pte));
        byte[] data = new byte[Page.PAGE_SIZE];
        p.peekBytes(0, data, 0, data.length);
        boolean uniform = true;
        for (int i = 1; i < data.length && uniform; i++)
            uniform = data[i] == data[0];
        return (uniform ? Outcomes.token(data[0]) : Outcomes.token(data, 0, data.length)) + " ref=" + p.head.refcount.peek() + " map=" + p.mapcount.peek();
    }
}
