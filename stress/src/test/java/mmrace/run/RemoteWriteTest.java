package mmrace.run;

import mmrace.oracle.Layout;
import mmrace.oracle.ReadRecord;
import mmrace.oracle.Reason;
import mmrace.oracle.Verdict;
import mmrace.port.File;
import mmrace.port.MmStruct;
import mmrace.port.Pgtable;
import mmrace.port.Rmap;
import mmrace.runtime.Page;
import mmrace.runtime.Probes;
import mmrace.runtime.Tracepoint;
import mmrace.scenario.Corpus;
import mmrace.scenario.Op;
import mmrace.scenario.Scenario;
import mmrace.scenario.ScenarioParser;
import mmrace.scenario.Variant;
import mmrace.sched.Config;
import mmrace.sched.ExecutionListener;
import mmrace.sched.RandomWalk;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Remote writes (the {@code poke} op: access_remote_vm with FOLL_WRITE, as /proc/PID/mem writes
 * and PTRACE_POKEDATA do) through the port, one actor, nothing racing: what check_vma_flags
 * (mm/gup.c) lets through, where the bytes land (FOLL_FORCE COW into an anonymous folio for a
 * private mapping, the page cache for a shared writable one), and that every variant sends a write
 * to the slow path.
 */
class RemoteWriteTest {
    /** One execution, with the value each poke returned (from the runner's sys_exit tracepoint) and the probes hit. */
    record Run(Runner.Outcome outcome, List<Long> pokes, List<String> probes) {
        MmStruct mm() {
            return outcome.oracle().mm();
        }

        String read(int i) {
            ReadRecord r = outcome.oracle().reads().get(i);
            return new String(r.bytes, 0, r.n, StandardCharsets.ISO_8859_1);
        }
    }

    static Run run(Scenario s, Variant v) {
        List<Long> pokes = new ArrayList<>();
        List<String> probes = new ArrayList<>();
        ExecutionListener l = new ExecutionListener() {
            @Override
            public void tracepoint(long step, int actor, Tracepoint tp, Object a, long b) {
                if (tp == Tracepoint.SYS_EXIT && a instanceof Op.Poke)
                    pokes.add(b);
            }

            @Override
            public void probe(long step, int actor, int id) {
                probes.add(Probes.name(id));
            }
        };
        return new Run(Runner.run(s, v, new RandomWalk(0), Config.DEFAULT, l), pokes, probes);
    }

    static Scenario parse(String text) throws Exception {
        return ScenarioParser.parse("<test>", "mmrace-scenario 1\nname t\n" + text);
    }

    static File file(MmStruct mm, String label) {
        for (Layout.Region r : Layout.snapshot(mm, 0).regions())
            if (r.file() instanceof File f && f.label.equals(label))
                return f;
        throw new AssertionError("no mapping of " + label);
    }

    static String pageCache(File f, long index, int off, int len) {
        Page p = f.iPages.get((int) index).peek();
        byte[] b = new byte[len];
        if (p == null)
            System.arraycopy(f.disk, (int) (index * Page.PAGE_SIZE) + off, b, 0, len);
        else
            p.peekBytes(off, b, 0, len);
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    static String disk(File f, long offset, int len) {
        return new String(f.disk, (int) offset, len, StandardCharsets.ISO_8859_1);
    }

    /**
     * corpus/force-write-cow.scn: FOLL_FORCE into a private read-only file mapping breaks COW.
     * do_cow_fault maps an anonymous copy (read-only: maybe_mkwrite finds no VM_WRITE; exclusive,
     * so can_follow_write_pte accepts it); the 8 bytes go into the copy. The process reads them
     * back through P; the file's page, in the page cache and on disk, still holds 'f', and a read
     * through the shared mapping S of the same page sees 'f' only.
     */
    @Test
    void forceWriteIntoPrivateFileMappingBreaksCow() throws Exception {
        Run r = run(ScenarioParser.parse(Corpus.dir().resolve("force-write-cow.scn")), Variant.SLOW);
        assertEquals(Verdict.Cls.ACCEPTABLE, r.outcome().verdict().cls(), r.outcome().verdict().toString());
        assertEquals(List.of(8L), r.pokes());
        assertEquals("ffffffffXXXXXXXXffffffff", r.read(0), "the target reads its COW copy through P");
        assertEquals("f".repeat(24), r.read(1), "the shared mapping S sees the file, not the debugger's bytes");
        File f = file(r.mm(), "F");
        assertEquals("f".repeat(32), pageCache(f, 0, 0, 32), "F's page-cache page is untouched");
        assertEquals("f".repeat(32), disk(f, 0, 32));
        long pte = Pgtable.peekPte(r.mm(), 0x20010);
        assertTrue(Pgtable.ptePresent(pte));
        assertFalse(Pgtable.pteWrite(pte), "no VM_WRITE: the copy is mapped read-only (maybe_mkwrite)");
        Page copy = r.mm().kernel.pages.pfnToPage(Pgtable.ptePfn(pte));
        assertTrue((copy.flags.peek() & Page.PG_ANON) != 0, "P maps an anonymous folio");
        assertTrue((copy.flags.peek() & Rmap.PG_ANON_EXCLUSIVE) != 0, "exclusive: can_follow_write_pte's condition");
        assertNotEquals(f.iPages.get(0).peek(), copy);
    }

    /**
     * check_vma_flags for FOLL_WRITE: without FOLL_FORCE a read-only mapping refuses (0 bytes,
     * nothing changes); FOLL_FORCE may override a missing VM_WRITE only in a COW (private)
     * mapping, never in a shared one. A shared writable mapping is written in the page cache,
     * where every mapping of the file sees it, and the folio is marked dirty
     * (folio_mark_dirty_lock in __access_remote_vm).
     */
    @Test
    void checkVmaFlagsDecidesWhatAWriteMayChange() throws Exception {
        Run r = run(parse("""
                file F 0x2000 fill=f
                file G 0x1000 fill=g
                map R 0x10000 0x1000 r fill=r
                map S 0x20000 0x1000 r shared file=F
                map W 0x30000 0x1000 rw shared file=G
                map V 0x40000 0x1000 r shared file=G
                actor debugger
                  poke 0x10000 8 fill=X none
                  poke 0x20000 8 fill=X FOLL_FORCE
                  poke 0x30000 8 fill=Y none
                  read 0x40000 16 FOLL_FORCE
                  poke 0x10008 8 fill=Z FOLL_FORCE
                  read 0x10000 24 FOLL_FORCE
                """), Variant.SLOW);
        assertEquals(Verdict.Cls.ACCEPTABLE, r.outcome().verdict().cls(), r.outcome().verdict().toString());
        assertEquals(List.of(0L, 0L, 8L, 8L), r.pokes());
        assertEquals("YYYYYYYYgggggggg", r.read(0), "W and V map the same page of G: V sees the write");
        assertEquals("rrrrrrrrZZZZZZZZrrrrrrrr", r.read(1), "the refused write left R alone; the FOLL_FORCE one broke COW");
        File f = file(r.mm(), "F"), g = file(r.mm(), "G");
        assertEquals("f".repeat(16), pageCache(f, 0, 0, 16));
        Page gp = g.iPages.get(0).peek();
        assertNotNull(gp);
        assertTrue((gp.flags.peek() & Page.PG_DIRTY) != 0, "folio_mark_dirty_lock");
    }

    /**
     * The fast path serves reads only (access_remote_vm_fast refuses FOLL_WRITE): under every
     * variant the write goes to __access_remote_vm and takes exactly the same steps.
     */
    @Test
    void everyVariantSendsWritesToTheSlowPath() throws Exception {
        Scenario s = parse("""
                map A 0x10000 0x2000 rw fill=a
                actor debugger
                  poke 0x11ff0 8 fill=X FOLL_FORCE
                """);
        long steps = -1;
        for (Variant v : Variant.values()) {
            Run r = run(s, v);
            assertEquals(List.of(8L), r.pokes(), v.id);
            assertEquals(Verdict.Cls.ACCEPTABLE, r.outcome().verdict().cls(), v.id);
            assertEquals(v != Variant.SLOW, r.probes().contains("access_remote_vm_fast: write, slow path"), v.id);
            assertFalse(r.probes().stream().anyMatch(p -> p.startsWith("access_remote_vm_fast: copied")), v.id + " wrote under a VMA lock");
            if (steps < 0)
                steps = r.outcome().result().steps();
            assertEquals(steps, r.outcome().result().steps(), v.id + " takes other steps than slow");
        }
    }

    /** A write to memory nobody maps: 0 bytes, acceptable (a short write is not judged beyond what it wrote). */
    @Test
    void aWriteToNothingWritesNothing() throws Exception {
        Run r = run(parse("""
                map A 0x10000 0x1000 rw fill=a
                actor debugger
                  poke 0x20000 8 fill=X FOLL_FORCE
                  poke 0x10ffc 8 fill=X FOLL_FORCE
                """), Variant.SLOW);
        assertEquals(List.of(0L, 4L), r.pokes());
        assertEquals(Verdict.Cls.ACCEPTABLE, r.outcome().verdict().cls(), r.outcome().verdict().toString());
        assertEquals(List.of(Reason.OK, Reason.OK), r.outcome().oracle().writeVerdicts().stream().map(Verdict::reason).toList());
    }
}
