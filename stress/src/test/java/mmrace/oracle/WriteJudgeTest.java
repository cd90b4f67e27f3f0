package mmrace.oracle;

import mmrace.port.File;
import mmrace.port.Mm;
import mmrace.port.MmStruct;
import mmrace.port.Pgtable;
import mmrace.port.Syscalls;
import mmrace.run.Runner;
import mmrace.runtime.Access;
import mmrace.runtime.Kernel;
import mmrace.runtime.Page;
import mmrace.runtime.Shared;
import mmrace.runtime.Task;
import mmrace.runtime.Tracepoint;
import mmrace.scenario.Scenario;
import mmrace.scenario.ScenarioParser;
import mmrace.scenario.Variant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The write rules (WriteJudge, through the Oracle's events) on constructed histories: a real
 * address space built from a scenario (A = [0x10000, 0x12000) rw filled with 'a', P = a private
 * read-only mapping of file F at 0x20000, with F's page 0 in the page cache), then the events of
 * one remote write given by hand: READ_BEGIN, a REMOTE_STORE per page with the page the bytes
 * went into, points of other tasks, layout releases, the return. Each test names the rule and what
 * the kernel would have to do to give that history.
 */
class WriteJudgeTest {
    static final byte[] X8 = "XXXXXXXX".getBytes();

    Kernel k;
    MmStruct mm;
    Oracle o;
    Task debugger, thread;
    long step;

    void setUp() throws Exception {
        Scenario s = ScenarioParser.parse("<test>", """
                mmrace-scenario 1
                name t
                file F 0x2000 fill=f
                map A 0x10000 0x2000 rw fill=a
                map P 0x20000 0x2000 r file=F
                actor reader
                  read 0x20000 8 FOLL_FORCE
                """);
        Runner.Built b = Runner.build(s, Variant.SLOW);
        k = b.program().kernel();
        o = b.oracle();
        mm = o.mm();
        debugger = k.newTask("debugger", null);
        thread = k.enter("thread");
        // fault F's page 0 into the page cache, as a read through P would
        mmrace.port.Memory.accessRemoteVm(mm, 0x20000, new byte[8], 8, mmrace.port.MmTypes.FOLL_FORCE);
    }

    @AfterEach
    void unbind() {
        Task.unbind();
    }

    Page mapped(long addr) {
        long pte = Pgtable.peekPte(mm, addr);
        return k.pages.pfnToPage(Pgtable.ptePfn(pte));
    }

    File fileF() {
        for (Layout.Region r : Layout.snapshot(mm, 0).regions())
            if (r.file() instanceof File f)
                return f;
        throw new AssertionError();
    }

    void begin(long addr, byte[] data) {
        o.expectWrite(debugger, addr, data, mmrace.scenario.Op.Foll.FORCE);
        o.onTracepoint(++step, debugger, Tracepoint.READ_BEGIN, mm, addr);
    }

    /** __access_remote_vm copied data into page for addr (the copy itself, done without points). */
    Verdict store(Page page, long addr, byte[] data, boolean reallyCopy) {
        if (reallyCopy)
            page.pokeBytes((int) (addr & (Page.PAGE_SIZE - 1)), data, 0, data.length);
        o.onTracepoint(++step, debugger, Tracepoint.REMOTE_STORE, page, addr);
        return o.verdict();
    }

    Verdict end(int n) {
        o.onTracepoint(++step, debugger, Tracepoint.READ_END, mm, n);
        o.writeReturned(debugger, n);
        return o.writeVerdicts().get(o.writeVerdicts().size() - 1);
    }

    /** A store by another task into page contents (a point with a write to Page.DATA). */
    void foreignStore() {
        o.onPoint(++step, thread, Access.STORE, new Shared(null, Page.DATA) {});
    }

    /** The quiet case: 8 bytes into A's page, read back as written: acceptable. */
    @Test
    void aWriteThatLandsIsAcceptable() throws Exception {
        setUp();
        begin(0x10010, X8);
        store(mapped(0x10010), 0x10010, X8, true);
        assertEquals(Verdict.Cls.ACCEPTABLE, end(8).cls());
        assertEquals(Verdict.Cls.ACCEPTABLE, o.verdict().cls());
    }

    /**
     * W1, the Dirty COW outcome: the bytes for P (private, read-only) went into F's page-cache
     * page instead of an anonymous COW copy. Forbidden at the store, whatever the process reads.
     */
    @Test
    void aStoreIntoThePageCacheThroughAPrivateMappingIsForbidden() throws Exception {
        setUp();
        Page cache = fileF().iPages.get(0).peek();
        assertNotNull(cache, "F's page 0 is in the page cache");
        begin(0x20010, X8);
        Verdict v = store(cache, 0x20010, X8, true);
        assertEquals(Reason.COW_BYPASS, v.reason(), v.toString());
        end(8);
        assertEquals(Reason.COW_BYPASS, o.verdict().reason());
    }

    /** W1: the zero page is never written (wp_page_copy copies out of it). */
    @Test
    void aStoreIntoTheZeroPageIsForbidden() throws Exception {
        setUp();
        begin(0x10010, X8);
        Verdict v = store(k.pages.zeroPage, 0x10010, X8, false);
        assertEquals(Reason.COW_BYPASS, v.reason());
        assertEquals("the zero page was written at 0x10010", v.detail());
    }

    /**
     * W2: one write whose second page went into another layout than its first, although the
     * writer never dropped mmap_lock (a MAP_FIXED ran between its stores): forbidden torn-write.
     * The same with expand_stack's lock drop between them: interesting stack-lock-drop.
     */
    @Test
    void storesInTwoLayoutsAreTornUnlessTheLockWasDropped() throws Exception {
        for (boolean dropped : new boolean[] {false, true}) {
            setUp();
            byte[] data = new byte[16];
            Arrays.fill(data, (byte) 'X');
            begin(0x10ff8, data);
            store(mapped(0x10ff8), 0x10ff8, Arrays.copyOf(data, 8), true);
            assertEquals(Verdict.Cls.ACCEPTABLE, o.verdict().cls());
            Syscalls.mmap(mm, 0x11000, 0x1000, mmrace.scenario.Prot.READ, // read-only: C does not merge back into A
                    Mm.MAP_FIXED | Mm.MAP_PRIVATE | Mm.MAP_ANONYMOUS, null, 0, "C");
            if (dropped)
                o.onTracepoint(++step, debugger, Tracepoint.READ_LOCK_DROPPED, mm, 0);
            o.onTracepoint(++step, thread, Tracepoint.MMAP_WRITE_RELEASED, mm, 0);
            Page other = k.pages.alloc("page");
            Verdict v = store(other, 0x11000, Arrays.copyOf(data, 8), false);
            if (dropped)
                assertEquals(Reason.STACK_LOCK_DROP, v.reason(), v.toString());
            else
                assertEquals(Reason.TORN_WRITE, v.reason(), v.toString());
            Task.unbind();
        }
    }

    /**
     * W3: the write returned 8, but the target reads 'aaaaaaaa' there. With nothing else touching
     * memory during the write, that is a lost write: forbidden. With a store by another task
     * during the write (MADV_DONTNEED zapping the page GUP returned would do the same), it is
     * interesting write-raced.
     */
    @Test
    void aWriteTheTargetDoesNotSeeIsLostUnlessSomethingRaced() throws Exception {
        for (boolean raced : new boolean[] {false, true}) {
            setUp();
            begin(0x10010, X8);
            store(mapped(0x10010), 0x10010, X8, false);
            if (raced)
                foreignStore();
            Verdict v = end(8);
            assertEquals(raced ? Reason.WRITE_RACED : Reason.WRITE_LOST, v.reason(), v.toString());
            assertEquals(raced ? Verdict.Cls.INTERESTING : Verdict.Cls.FORBIDDEN, o.verdict().cls());
            Task.unbind();
        }
    }

    /** W3 looks at the bytes the write says it wrote, no more: a short write of 4 is judged on 4. */
    @Test
    void aShortWriteIsJudgedOnWhatItWrote() throws Exception {
        setUp();
        begin(0x10ffc, X8);
        store(mapped(0x10ffc), 0x10ffc, Arrays.copyOf(X8, 4), true);
        assertEquals(Verdict.Cls.ACCEPTABLE, end(4).cls());
    }
}
