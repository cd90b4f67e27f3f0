package mmrace.jcstress;

import mmrace.scenario.Variant;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.L_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * THP collapse under a read (corpus/thp-collapse-anon.scn): A is the 2 MiB-aligned PMD range
 * [0x200000, 0x400000), anonymous, with a in its first page and b in its second; khugepaged
 * collapses the range into an order-9 folio (collapse_huge_page in mm/khugepaged.c: mmap_lock for
 * writing, the VMA write-locked, the pmd cleared and the interrupts-off walkers flushed by
 * tlb_remove_table_sync_one, the pages copied, the old table reused, the old folios freed) while a
 * 16-byte read crosses 0x201000. The bytes never change: a|b is the only outcome. The walk mode is
 * what the two irqoff variants change: interrupts-off walkers are what tlb_remove_table_sync_one
 * waits for, RCU-only walkers rely on the VMA lock that collapse_huge_page write-locks.
 * (The page-cache collapse, which retracts tables without the VMA lock, needs a 2 MiB file per state
 * (6.5 MB, about 100 ms a run): too heavy for JCStress; the scheduler's tests cover it.)
 *
 * <p>Outcomes ({@link Outcomes}: the source of each page chunk read, then {@code short:N} if the
 * read stopped early, then the arbiter's {@code ,leak:REASON}), graded by the oracle:
 * {@code RaceExpectationsTest} judges each with {@link mmrace.oracle.ReadJudge} against the history
 * above and fails if a grade here disagrees. JCStress cannot tell when the read ran, so an
 * outcome is as good as the best read interval (any stretch of the history) that explains it.
 * <pre>
 *   A|B      ACCEPTABLE              a|b: from the small folios before the collapse or from the THP
 *                                    after it.
 *   (other)  FORBIDDEN               anything else: freed memory (POISON), zeros or another page's
 *                                    bytes, a short read, or a leak (,leak:REASON).
 * </pre>
 * Expected safe ({@link Safety}): slow, fast-one-vma-redo, fast-one-vma-redo-irqoff. Known bad:
 * fast-v1, fast-v1-irqoff, fast-one-vma, fast-one-vma-irqoff (their forbidden outcomes are the
 * problem shown, reported, not failures).
 * <p>Run: {@code ./mmrace stress --filter ThpCollapseRace}
 * <p>A real run: {@code ./mmrace stress --time-per-test 1000 --filter 'mmrace\.jcstress\.'} (JCStress
 * 0.16, -time 1000 -iters 1 -f 1, one JVM mode), on a 2-CPU VM shared with other jobs (load
 * average about 14), Temurin 25.0.3, 2026-12-04. Each test's results across all configurations
 * as JCStress printed them (it cuts descriptions; an outcome never seen is listed by its id):
 * <pre>
 * ThpCollapseRace.Slow  [OK]
 *   RESULT  SAMPLES     FREQ      EXPECT  DESCRIPTION
 *      A|B      537  100.00%  Acceptable  a|b: from the small folios before the collapse or from th...
 *
 * ThpCollapseRace.FastV1  [OK]
 *   RESULT  SAMPLES     FREQ      EXPECT  DESCRIPTION
 *      A|B    5,049  100.00%  Acceptable  a|b: from the small folios before the collapse or from th...
 *
 * ThpCollapseRace.FastV1Irqoff  [OK]
 *   RESULT  SAMPLES     FREQ      EXPECT  DESCRIPTION
 *      A|B    7,572  100.00%  Acceptable  a|b: from the small folios before the collapse or from th...
 *
 * ThpCollapseRace.FastOneVma  [OK]
 *   RESULT  SAMPLES     FREQ      EXPECT  DESCRIPTION
 *      A|B    6,372  100.00%  Acceptable  a|b: from the small folios before the collapse or from th...
 *
 * ThpCollapseRace.FastOneVmaIrqoff  [OK]
 *   RESULT  SAMPLES     FREQ      EXPECT  DESCRIPTION
 *      A|B    5,305  100.00%  Acceptable  a|b: from the small folios before the collapse or from th...
 *
 * ThpCollapseRace.FastOneVmaRedo  [OK]
 *   RESULT  SAMPLES     FREQ      EXPECT  DESCRIPTION
 *      A|B    2,821  100.00%  Acceptable  a|b: from the small folios before the collapse or from th...
 *
 * ThpCollapseRace.FastOneVmaRedoIrqoff  [OK]
 *   RESULT  SAMPLES     FREQ      EXPECT  DESCRIPTION
 *      A|B    9,091  100.00%  Acceptable  a|b: from the small folios before the collapse or from th...
 * </pre>
 */
public final class ThpCollapseRace {
    private ThpCollapseRace() {}

    /**
     * slow (expected safe): upstream __access_remote_vm: mmap_read_lock and GUP for the whole
     * read.
     */
    @JCStressTest
    @Description("khugepaged collapses the PMD range under a 16-byte read across its first two pages, read by slow.")
    @Outcome(id = "A\\|B", expect = ACCEPTABLE, desc = "a|b: from the small folios before the collapse or from the THP after it.")
    @Outcome(expect = FORBIDDEN, desc = "anything else: freed memory (POISON), zeros or another page's bytes, a short read, or a leak (,leak:REASON).")
    @State
    public static class Slow {
        final Machine m = new Machine(Race.THP_COLLAPSE, Variant.SLOW);

        @Actor
        public void reader(L_Result r) {
            r.r1 = m.read();
        }

        @Actor
        public void writer() {
            m.write();
        }

        @Arbiter
        public void arbiter(L_Result r) {
            r.r1 = m.judge((String) r.r1);
        }
    }

    /**
     * fast-v1 (known bad): the v1 patch: lock_vma_under_rcu per address, moving on into the next
     * VMA; the remainder under mmap_lock; RCU-only page-table walk.
     */
    @JCStressTest
    @Description("khugepaged collapses the PMD range under a 16-byte read across its first two pages, read by fast-v1.")
    @Outcome(id = "A\\|B", expect = ACCEPTABLE, desc = "a|b: from the small folios before the collapse or from the THP after it.")
    @Outcome(expect = FORBIDDEN, desc = "anything else: freed memory (POISON), zeros or another page's bytes, a short read, or a leak (,leak:REASON).")
    @State
    public static class FastV1 {
        final Machine m = new Machine(Race.THP_COLLAPSE, Variant.FAST_V1);

        @Actor
        public void reader(L_Result r) {
            r.r1 = m.read();
        }

        @Actor
        public void writer() {
            m.write();
        }

        @Arbiter
        public void arbiter(L_Result r) {
            r.r1 = m.judge((String) r.r1);
        }
    }

    /**
     * fast-v1-irqoff (known bad): fast-v1 with interrupts off around
     * folio_walk_start..folio_walk_end (v2 2/3).
     */
    @JCStressTest
    @Description("khugepaged collapses the PMD range under a 16-byte read across its first two pages, read by fast-v1-irqoff.")
    @Outcome(id = "A\\|B", expect = ACCEPTABLE, desc = "a|b: from the small folios before the collapse or from the THP after it.")
    @Outcome(expect = FORBIDDEN, desc = "anything else: freed memory (POISON), zeros or another page's bytes, a short read, or a leak (,leak:REASON).")
    @State
    public static class FastV1Irqoff {
        final Machine m = new Machine(Race.THP_COLLAPSE, Variant.FAST_V1_IRQOFF);

        @Actor
        public void reader(L_Result r) {
            r.r1 = m.read();
        }

        @Actor
        public void writer() {
            m.write();
        }

        @Arbiter
        public void arbiter(L_Result r) {
            r.r1 = m.judge((String) r.r1);
        }
    }

    /**
     * fast-one-vma (known bad): Suren's rule: the fast path only if the whole range lies in the
     * first VMA; a fallback in the middle continues the remainder on the slow path.
     */
    @JCStressTest
    @Description("khugepaged collapses the PMD range under a 16-byte read across its first two pages, read by fast-one-vma.")
    @Outcome(id = "A\\|B", expect = ACCEPTABLE, desc = "a|b: from the small folios before the collapse or from the THP after it.")
    @Outcome(expect = FORBIDDEN, desc = "anything else: freed memory (POISON), zeros or another page's bytes, a short read, or a leak (,leak:REASON).")
    @State
    public static class FastOneVma {
        final Machine m = new Machine(Race.THP_COLLAPSE, Variant.FAST_ONE_VMA);

        @Actor
        public void reader(L_Result r) {
            r.r1 = m.read();
        }

        @Actor
        public void writer() {
            m.write();
        }

        @Arbiter
        public void arbiter(L_Result r) {
            r.r1 = m.judge((String) r.r1);
        }
    }

    /** fast-one-vma-irqoff (known bad): fast-one-vma with interrupts off around the walk. */
    @JCStressTest
    @Description("khugepaged collapses the PMD range under a 16-byte read across its first two pages, read by fast-one-vma-irqoff.")
    @Outcome(id = "A\\|B", expect = ACCEPTABLE, desc = "a|b: from the small folios before the collapse or from the THP after it.")
    @Outcome(expect = FORBIDDEN, desc = "anything else: freed memory (POISON), zeros or another page's bytes, a short read, or a leak (,leak:REASON).")
    @State
    public static class FastOneVmaIrqoff {
        final Machine m = new Machine(Race.THP_COLLAPSE, Variant.FAST_ONE_VMA_IRQOFF);

        @Actor
        public void reader(L_Result r) {
            r.r1 = m.read();
        }

        @Actor
        public void writer() {
            m.write();
        }

        @Arbiter
        public void arbiter(L_Result r) {
            r.r1 = m.judge((String) r.r1);
        }
    }

    /**
     * fast-one-vma-redo (expected safe): as fast-one-vma, but a fallback discards the copied
     * prefix and redoes the whole read on the slow path.
     */
    @JCStressTest
    @Description("khugepaged collapses the PMD range under a 16-byte read across its first two pages, read by fast-one-vma-redo.")
    @Outcome(id = "A\\|B", expect = ACCEPTABLE, desc = "a|b: from the small folios before the collapse or from the THP after it.")
    @Outcome(expect = FORBIDDEN, desc = "anything else: freed memory (POISON), zeros or another page's bytes, a short read, or a leak (,leak:REASON).")
    @State
    public static class FastOneVmaRedo {
        final Machine m = new Machine(Race.THP_COLLAPSE, Variant.FAST_ONE_VMA_REDO);

        @Actor
        public void reader(L_Result r) {
            r.r1 = m.read();
        }

        @Actor
        public void writer() {
            m.write();
        }

        @Arbiter
        public void arbiter(L_Result r) {
            r.r1 = m.judge((String) r.r1);
        }
    }

    /**
     * fast-one-vma-redo-irqoff (expected safe): fast-one-vma-redo with interrupts off around the
     * walk.
     */
    @JCStressTest
    @Description("khugepaged collapses the PMD range under a 16-byte read across its first two pages, read by fast-one-vma-redo-irqoff.")
    @Outcome(id = "A\\|B", expect = ACCEPTABLE, desc = "a|b: from the small folios before the collapse or from the THP after it.")
    @Outcome(expect = FORBIDDEN, desc = "anything else: freed memory (POISON), zeros or another page's bytes, a short read, or a leak (,leak:REASON).")
    @State
    public static class FastOneVmaRedoIrqoff {
        final Machine m = new Machine(Race.THP_COLLAPSE, Variant.FAST_ONE_VMA_REDO_IRQOFF);

        @Actor
        public void reader(L_Result r) {
            r.r1 = m.read();
        }

        @Actor
        public void writer() {
            m.write();
        }

        @Arbiter
        public void arbiter(L_Result r) {
            r.r1 = m.judge((String) r.r1);
        }
    }
}
