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
 * The reviewers' race by a move (corpus/mremap-move-in.scn): mremap(MREMAP_MAYMOVE | MREMAP_FIXED)
 * moves M [0x40000, 0x44000), filled m, over both A (filled a) and B (filled b, read-only) while a
 * 16-byte read crosses A|B at 0x11ff8. move_vma (mm/mremap.c) unmaps what lies at the destination
 * (do_vmi_munmap) and moves M's VMA and page tables there, under mmap_lock for writing with the VMAs
 * write-locked, so the layouts were a|b and m|m. fast-v1 can copy a under A's VMA lock, drop it
 * (vma_end_read), and lock the moved mapping at 0x12000: a|m, torn. The read spans two VMAs:
 * fast-one-vma takes the slow path whole.
 *
 * <p>Outcomes ({@link Outcomes}: the source of each page chunk read, then {@code short:N} if the
 * read stopped early, then the arbiter's {@code ,leak:REASON}), graded by the oracle:
 * {@code RaceExpectationsTest} judges each with {@link mmrace.oracle.ReadJudge} against the history
 * above and fails if a grade here disagrees. JCStress cannot tell when the read ran, so an
 * outcome is as good as the best read interval (any stretch of the history) that explains it.
 * <pre>
 *   A|B      ACCEPTABLE              a|b: before the move.
 *   M|M      ACCEPTABLE              m|m: after the move.
 *   A|M      FORBIDDEN               torn read (F1): a from A, then m from the moved mapping: no
 *                                    instant held a|m.
 *   (other)  FORBIDDEN               anything else: bytes no instant explains, a short read, a leak
 *                                    (,leak:REASON) or a failed writer call (,writer:WHAT).
 * </pre>
 * Expected safe ({@link Safety}): slow, fast-one-vma, fast-one-vma-redo. Known bad: fast-v1 (their
 * forbidden outcomes are the problem shown, reported, not failures).
 * <p>Run: {@code ./mmrace stress --filter MremapRace}
 * <p>A real run: {@code ./mmrace stress --time-per-test 1000 --filter 'mmrace\.jcstress\.'} (JCStress
 * 0.16, -time 1000 -iters 1 -f 1, one JVM mode), on a 2-CPU VM shared with other jobs (load
 * average about 14), Temurin 25.0.3, 2026-12-04. Each test's results across all configurations
 * as JCStress printed them (it cuts descriptions; an outcome never seen is listed by its id):
 * <pre>
 * MremapRace.Slow  [OK]
 *   RESULT  SAMPLES     FREQ      EXPECT  DESCRIPTION
 *     A\|M        0    0.00%   Forbidden  torn read (F1): a from A, then m from the moved mapping: ...
 *      A|B   16,663   78.11%  Acceptable  a|b: before the move.
 *      M|M    4,669   21.89%  Acceptable  m|m: after the move.
 *
 * MremapRace.FastV1  [OK]
 *   RESULT  SAMPLES     FREQ      EXPECT  DESCRIPTION
 *     A\|M        0    0.00%   Forbidden  torn read (F1): a from A, then m from the moved mapping: ...
 *      A|B   14,514   68.04%  Acceptable  a|b: before the move.
 *      M|M    6,818   31.96%  Acceptable  m|m: after the move.
 *
 * MremapRace.FastOneVma  [OK]
 *   RESULT  SAMPLES     FREQ      EXPECT  DESCRIPTION
 *     A\|M        0    0.00%   Forbidden  torn read (F1): a from A, then m from the moved mapping: ...
 *      A|B   10,812   66.37%  Acceptable  a|b: before the move.
 *      M|M    5,479   33.63%  Acceptable  m|m: after the move.
 *
 * MremapRace.FastOneVmaRedo  [OK]
 *   RESULT  SAMPLES     FREQ      EXPECT  DESCRIPTION
 *     A\|M        0    0.00%   Forbidden  torn read (F1): a from A, then m from the moved mapping: ...
 *      A|B   15,473   70.83%  Acceptable  a|b: before the move.
 *      M|M    6,371   29.17%  Acceptable  m|m: after the move.
 * </pre>
 */
public final class MremapRace {
    private MremapRace() {}

    /**
     * slow (expected safe): upstream __access_remote_vm: mmap_read_lock and GUP for the whole
     * read.
     */
    @JCStressTest
    @Description("mremap moves M over A|B under a 16-byte read across A|B, read by slow.")
    @Outcome(id = "A\\|B", expect = ACCEPTABLE, desc = "a|b: before the move.")
    @Outcome(id = "M\\|M", expect = ACCEPTABLE, desc = "m|m: after the move.")
    @Outcome(id = "A\\|M", expect = FORBIDDEN, desc = "torn read (F1): a from A, then m from the moved mapping: no instant held a|m.")
    @Outcome(expect = FORBIDDEN, desc = "anything else: bytes no instant explains, a short read, a leak (,leak:REASON) or a failed writer call (,writer:WHAT).")
    @State
    public static class Slow {
        final Machine m = new Machine(Race.MREMAP, Variant.SLOW);

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
    @Description("mremap moves M over A|B under a 16-byte read across A|B, read by fast-v1.")
    @Outcome(id = "A\\|B", expect = ACCEPTABLE, desc = "a|b: before the move.")
    @Outcome(id = "M\\|M", expect = ACCEPTABLE, desc = "m|m: after the move.")
    @Outcome(id = "A\\|M", expect = FORBIDDEN, desc = "torn read (F1): a from A, then m from the moved mapping: no instant held a|m.")
    @Outcome(expect = FORBIDDEN, desc = "anything else: bytes no instant explains, a short read, a leak (,leak:REASON) or a failed writer call (,writer:WHAT).")
    @State
    public static class FastV1 {
        final Machine m = new Machine(Race.MREMAP, Variant.FAST_V1);

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
     * fast-one-vma (expected safe): Suren's rule: the fast path only if the whole range lies in
     * the first VMA; a fallback in the middle continues the remainder on the slow path.
     */
    @JCStressTest
    @Description("mremap moves M over A|B under a 16-byte read across A|B, read by fast-one-vma.")
    @Outcome(id = "A\\|B", expect = ACCEPTABLE, desc = "a|b: before the move.")
    @Outcome(id = "M\\|M", expect = ACCEPTABLE, desc = "m|m: after the move.")
    @Outcome(id = "A\\|M", expect = FORBIDDEN, desc = "torn read (F1): a from A, then m from the moved mapping: no instant held a|m.")
    @Outcome(expect = FORBIDDEN, desc = "anything else: bytes no instant explains, a short read, a leak (,leak:REASON) or a failed writer call (,writer:WHAT).")
    @State
    public static class FastOneVma {
        final Machine m = new Machine(Race.MREMAP, Variant.FAST_ONE_VMA);

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
    @Description("mremap moves M over A|B under a 16-byte read across A|B, read by fast-one-vma-redo.")
    @Outcome(id = "A\\|B", expect = ACCEPTABLE, desc = "a|b: before the move.")
    @Outcome(id = "M\\|M", expect = ACCEPTABLE, desc = "m|m: after the move.")
    @Outcome(id = "A\\|M", expect = FORBIDDEN, desc = "torn read (F1): a from A, then m from the moved mapping: no instant held a|m.")
    @Outcome(expect = FORBIDDEN, desc = "anything else: bytes no instant explains, a short read, a leak (,leak:REASON) or a failed writer call (,writer:WHAT).")
    @State
    public static class FastOneVmaRedo {
        final Machine m = new Machine(Race.MREMAP, Variant.FAST_ONE_VMA_REDO);

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
