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
 * Page reclaim under a read (corpus/reclaim-both-pages.scn): A [0x10000, 0x12000) holds a in its
 * first page and b in its second; reclaim takes each page in turn (shrink_folio_list in
 * mm/vmscan.c for one folio: isolate, folio_alloc_swap, try_to_unmap, pageout, __remove_mapping, free),
 * while a 16-byte read crosses 0x11000. Contents never change: a read that meets a swap entry faults the page back in (the fast
 * path falls back). a|b is the only outcome; anything else is freed memory (POISON), another
 * page's bytes, or a reference that reclaim or the read left behind (,leak:REASON).
 *
 * <p>Outcomes ({@link Outcomes}: the source of each page chunk read, then {@code short:N} if the
 * read stopped early, then the arbiter's {@code ,leak:REASON}), graded by the oracle:
 * {@code RaceExpectationsTest} judges each with {@link mmrace.oracle.ReadJudge} against the history
 * above and fails if a grade here disagrees. JCStress cannot tell when the read ran, so an
 * outcome is as good as the best read interval (any stretch of the history) that explains it.
 * <pre>
 *   A|B      ACCEPTABLE              a|b: whether the pages were in memory, in the swap cache or on
 *                                    swap.
 *   (other)  FORBIDDEN               anything else: stale or freed bytes (POISON), a short read, or
 *                                    a leak (,leak:REASON: a folio reference or swap entry not
 *                                    returned).
 * </pre>
 * Expected safe ({@link Safety}): slow, fast-one-vma-redo. Known bad: fast-v1, fast-one-vma (their
 * forbidden outcomes are the problem shown, reported, not failures).
 * <p>Run: {@code ./mmrace stress --filter ReclaimRace}
 * <p>A real run: {@code ./mmrace stress --time-per-test 1000 --filter 'mmrace\.jcstress\.'} (JCStress
 * 0.16, -time 1000 -iters 1 -f 1, one JVM mode), on a 2-CPU VM shared with other jobs (load
 * average about 14), Temurin 25.0.3, 2026-12-04. Each test's results across all configurations
 * as JCStress printed them (it cuts descriptions; an outcome never seen is listed by its id):
 * <pre>
 * ReclaimRace.Slow  [OK]
 *   RESULT  SAMPLES     FREQ      EXPECT  DESCRIPTION
 *      A|B   25,858  100.00%  Acceptable  a|b: whether the pages were in memory, in the swap cache ...
 *
 * ReclaimRace.FastV1  [OK]
 *   RESULT  SAMPLES     FREQ      EXPECT  DESCRIPTION
 *      A|B   25,858  100.00%  Acceptable  a|b: whether the pages were in memory, in the swap cache ...
 *
 * ReclaimRace.FastOneVma  [OK]
 *   RESULT  SAMPLES     FREQ      EXPECT  DESCRIPTION
 *      A|B   22,104  100.00%  Acceptable  a|b: whether the pages were in memory, in the swap cache ...
 *
 * ReclaimRace.FastOneVmaRedo  [OK]
 *   RESULT  SAMPLES     FREQ      EXPECT  DESCRIPTION
 *      A|B   25,858  100.00%  Acceptable  a|b: whether the pages were in memory, in the swap cache ...
 * </pre>
 */
public final class ReclaimRace {
    private ReclaimRace() {}

    /**
     * slow (expected safe): upstream __access_remote_vm: mmap_read_lock and GUP for the whole
     * read.
     */
    @JCStressTest
    @Description("page reclaim of both pages under a 16-byte read across them, read by slow.")
    @Outcome(id = "A\\|B", expect = ACCEPTABLE, desc = "a|b: whether the pages were in memory, in the swap cache or on swap.")
    @Outcome(expect = FORBIDDEN, desc = "anything else: stale or freed bytes (POISON), a short read, or a leak (,leak:REASON: a folio reference or swap entry not returned).")
    @State
    public static class Slow {
        final Machine m = new Machine(Race.RECLAIM, Variant.SLOW);

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
    @Description("page reclaim of both pages under a 16-byte read across them, read by fast-v1.")
    @Outcome(id = "A\\|B", expect = ACCEPTABLE, desc = "a|b: whether the pages were in memory, in the swap cache or on swap.")
    @Outcome(expect = FORBIDDEN, desc = "anything else: stale or freed bytes (POISON), a short read, or a leak (,leak:REASON: a folio reference or swap entry not returned).")
    @State
    public static class FastV1 {
        final Machine m = new Machine(Race.RECLAIM, Variant.FAST_V1);

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
    @Description("page reclaim of both pages under a 16-byte read across them, read by fast-one-vma.")
    @Outcome(id = "A\\|B", expect = ACCEPTABLE, desc = "a|b: whether the pages were in memory, in the swap cache or on swap.")
    @Outcome(expect = FORBIDDEN, desc = "anything else: stale or freed bytes (POISON), a short read, or a leak (,leak:REASON: a folio reference or swap entry not returned).")
    @State
    public static class FastOneVma {
        final Machine m = new Machine(Race.RECLAIM, Variant.FAST_ONE_VMA);

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
    @Description("page reclaim of both pages under a 16-byte read across them, read by fast-one-vma-redo.")
    @Outcome(id = "A\\|B", expect = ACCEPTABLE, desc = "a|b: whether the pages were in memory, in the swap cache or on swap.")
    @Outcome(expect = FORBIDDEN, desc = "anything else: stale or freed bytes (POISON), a short read, or a leak (,leak:REASON: a folio reference or swap entry not returned).")
    @State
    public static class FastOneVmaRedo {
        final Machine m = new Machine(Race.RECLAIM, Variant.FAST_ONE_VMA_REDO);

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
