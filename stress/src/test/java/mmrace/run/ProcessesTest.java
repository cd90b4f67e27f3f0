package mmrace.run;

import mmrace.oracle.Reason;
import mmrace.oracle.Verdict;
import mmrace.port.MmStruct;
import mmrace.runtime.Mutant;
import mmrace.runtime.Probes;
import mmrace.scenario.Corpus;
import mmrace.scenario.Scenario;
import mmrace.scenario.ScenarioParser;
import mmrace.scenario.Variant;
import mmrace.sched.Config;
import mmrace.sched.ExecutionListener;
import mmrace.sched.Pct;
import mmrace.sched.Replay;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scenarios with several processes, run through the port: the three corpus races of processes, mm
 * lifetimes and fork, each with the kernel's code and with the mutant that removes the check it
 * depends on (runtime/Mutant; never shipped behaviour).
 *
 * <ul>
 * <li>corpus/vma-reused-by-another-process.scn: the VMA P1 frees is P2's next one while a reader of
 *     P1 holds a pointer to it from mm_mt; vma_start_read's {@code vm_mm != mm} branch refuses it
 *     (its probe fires) and the fast path falls back. Without the check the reader returns P2's
 *     bytes for P1.</li>
 * <li>corpus/fork-fault-race.scn: a store in flight, a fork and a write fault in the parent. With
 *     dup_mmap's vma_start_write the fault waits for the fork and copies the page with the store in
 *     it; without it (the 6.4 bug) the copy is made first and the store is lost to the parent.</li>
 * <li>corpus/exit-during-remote-read.scn: the /proc reader's mmput is the last one and tears the
 *     address space down; with mmget_not_zero taking a reference from zero, a reader resurrects an
 *     address space exit_mmap already tore down and the mm is freed under its open file.</li>
 * </ul>
 */
class ProcessesTest {
    @AfterEach
    void mutantsOff() {
        Mutant.set(Set.of());
    }

    static Scenario corpus(String name) throws Exception {
        return ScenarioParser.parse(Corpus.dir().resolve(name));
    }

    /** Records probe names and which task hit them (by actor name). */
    static final class Probed implements ExecutionListener {
        final List<String> hits = new ArrayList<>();
        private List<String> actors;

        @Override
        public void start(mmrace.sched.Execution e) {
            actors = e.actorNames();
        }

        @Override
        public void probe(long step, int actor, int id) {
            hits.add((actor < actors.size() ? actors.get(actor) : "kthread") + ": " + Probes.name(id));
        }

        boolean hit(String actor, String probe) {
            return hits.contains(actor + ": " + probe);
        }
    }

    @Test
    void aVmaReusedByAnotherProcessIsRefusedByTheVmMmCheck() throws Exception {
        Scenario s = corpus("vma-reused-by-another-process.scn");
        assertTrue(s.usesProcesses());
        for (Variant v : Variant.values()) {
            if (v == Variant.SLOW)
                continue;
            Probed p = new Probed();
            Runner.Outcome o = Runner.run(s, v, Runner.strategy(s, v), Config.DEFAULT, p);
            assertTrue(p.hit("reader", "vma_start_read: vm_mm != mm (reused)"), v.id + ": the vm_mm != mm branch: " + p.hits);
            assertEquals("interesting short-read", o.verdict().label(), v.id + ": " + o.verdict());
        }
        Mutant.set(Set.of(Mutant.NO_MM_CHECK));
        for (Variant v : Variant.values()) {
            Verdict got = Runner.run(s, v, false).verdict();
            if (v == Variant.SLOW) {
                assertEquals(Verdict.Cls.ACCEPTABLE, got.cls(), "the slow path has no stale VMA pointer");
                continue;
            }
            assertEquals(Reason.UNEXPLAINED, got.reason(), v.id + ": P2's bytes returned for P1: " + got);
            assertTrue(got.detail().contains("pppp"), got.detail());
        }
    }

    /**
     * Without the vm_mm check, PCT finds the reuse race from the scenario alone (no recorded
     * schedule), as ./mmrace explore --strategy=pct --depth=2 does: within 2,000 executions.
     */
    @Test
    void pctFindsTheReuseRaceWithoutTheCheck() throws Exception {
        Scenario s = corpus("vma-reused-by-another-process.scn").copy();
        s.schedules.clear();
        s.expects.clear();
        Scenario.Actor r = s.actors.get(0);
        for (int i = 0; i < 2; i++)
            r.ops().add(r.ops().get(0)); // three reads: three chances at the window
        Mutant.set(Set.of(Mutant.NO_MM_CHECK));
        Pct pct = new Pct(2, 0, 1); // one strategy across executions, as explore runs it: it learns the length
        int runs = 0;
        boolean found = false;
        while (runs < 2000 && !found) {
            runs++;
            found = Runner.run(s, Variant.FAST_ONE_VMA_REDO, pct, Config.DEFAULT).verdict().reason() == Reason.UNEXPLAINED;
        }
        assertTrue(found, "no forbidden read in " + runs + " executions");
    }

    @Test
    void forkWriteLocksTheParentsVmasAgainstFaults() throws Exception {
        Scenario s = corpus("fork-fault-race.scn");
        Probed p = new Probed();
        Runner.Outcome o = Runner.run(s, Variant.SLOW, Runner.strategy(s, Variant.SLOW), Config.DEFAULT, p);
        assertEquals(Verdict.Cls.ACCEPTABLE, o.verdict().cls(), o.verdict().toString());
        assertTrue(p.hit("t3", "do_user_addr_fault: lock_vma_under_rcu failed, take mmap_lock"), "t3's fault waits for the fork: " + p.hits);
        assertTrue(p.hit("t3", "do_wp_page: copy on write"));

        // the historical bug: no vma_start_write in dup_mmap; the schedule a PCT exploration found
        Mutant.set(Set.of(Mutant.DUP_MMAP_NO_VMA_LOCK));
        Scenario m = s.copy();
        m.schedules.clear();
        m.schedules.put(null, Scenario.Sched.steps("0:t1 6:t2 153:t3 216:t1 218:t2 222:t3"));
        Probed q = new Probed();
        Runner.Outcome bug = Runner.run(m, Variant.SLOW, Replay.of("0:t1 6:t2 153:t3 216:t1 218:t2 222:t3"), Config.DEFAULT, q);
        assertTrue(q.hit("t3", "do_user_addr_fault: handled under the VMA lock"), "t3 faults under the VMA lock mid-fork: " + q.hits);
        assertEquals(Reason.COW_LEAK, bug.verdict().reason(), bug.verdict().toString());
        assertTrue(bug.verdict().detail().contains("lost to P1 and seen by C"), bug.verdict().detail());
    }

    @Test
    void theLastMmputOfAReaderTearsTheExitedProcessDown() throws Exception {
        Scenario s = corpus("exit-during-remote-read.scn");
        for (Variant v : Variant.values()) {
            Probed p = new Probed();
            Runner.Outcome o = Runner.run(s, v, Runner.strategy(s, v), Config.DEFAULT, p);
            assertEquals(Verdict.Cls.ACCEPTABLE, o.verdict().cls(), v.id + ": " + o.verdict());
            assertTrue(p.hit("reader", "mmput: last mm_users reference, __mmput tears the address space down"), p.hits.toString());
            assertTrue(p.hit("reader", "mmdrop: last mm_count reference, __mmdrop frees the mm"));
            assertFalse(p.hit("t1", "mmput: last mm_users reference, __mmput tears the address space down"));
            MmStruct p1 = o.oracle().mms().get(0);
            assertEquals("P1", p1.name());
            assertTrue(p1.freed, "P1's mm_struct is back in its cache");
            assertEquals(1, o.oracle().reads().size());
            assertEquals(16, o.oracle().reads().get(0).n, "the read finished over an intact address space");
        }
    }

    /**
     * The exit race the fuzzer minimised with mmget_not_zero taking a reference from zero: the
     * reader opens /proc/P1/mem, P1 exits (exit_mmap), the reader's read then pins the dead address
     * space anyway; its mmput runs __mmput a second time and frees the mm, and closing the file
     * drops a reference on freed memory. With the kernel's mmget_not_zero the read returns 0 bytes.
     */
    @Test
    void aReaderMustNotResurrectAnExitedAddressSpace() throws Exception {
        Scenario s = ScenarioParser.parse("<test>", """
                mmrace-scenario 1
                process P2
                actor reader proc=P2
                  read 0x10008 16 FOLL_FORCE proc=P1
                actor t1
                  exit
                schedule * steps 0:reader 7:t1 31:reader
                """);
        Runner.Outcome ok = Runner.run(s, Variant.FAST_ONE_VMA_REDO, false);
        assertEquals(Verdict.Cls.ACCEPTABLE, ok.verdict().cls(), ok.verdict().toString());
        assertTrue(ok.oracle().reads().isEmpty(), "mmget_not_zero failed: nothing was read");
        Mutant.set(Set.of(Mutant.MMGET_FROM_ZERO));
        Verdict bug = Runner.run(s, Variant.FAST_ONE_VMA_REDO, false).verdict();
        assertEquals(Reason.FREED_MEMORY, bug.reason(), bug.toString());
        assertTrue(bug.detail().contains("use-after-free") && bug.detail().contains("mm_count"), bug.detail());
    }
}
