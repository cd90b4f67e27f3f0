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
 * The reviewers' race as it was first posted (corpus/neighbour-replaced.scn): only the neighbour is
 * replaced. The read takes 8 bytes from A [0x10000, 0x12000), filled a, and 8 from B
 * [0x12000, 0x14000), filled b and read-only; the writer munmaps B (__vm_munmap, do_vmi_munmap in
 * mm/vma.c), maps B2 in its place (__mmap_region) and stores d over it. fast-v1 may copy a under A's
 * lock and then lock_vma_under_rcu(mm, 0x12000) may find B2; but A never changes, so every outcome
 * below is the memory of one instant: a|b, a|(unmapped) (a short read of 8), a|z (B2 fresh) and
 * a|d. Nothing can tear: a tear needs both sides of the read changed ({@link MapFixedRace}).
 *
 * <p>Outcomes ({@link Outcomes}: the source of each page chunk read, then {@code short:N} if the
 * read stopped early, then the arbiter's {@code ,leak:REASON}), graded by the oracle:
 * {@code RaceExpectationsTest} judges each with {@link mmrace.oracle.ReadJudge} against the history
 * above and fails if a grade here disagrees. JCStress cannot tell when the read ran, so an
 * outcome is as good as the best read interval (any stretch of the history) that explains it.
 * <pre>
 *   A|B        ACCEPTABLE              a|b: before the munmap.
 *   A|short:8  ACCEPTABLE              a, then nothing mapped at 0x12000: the read stopped after 8
 *                                      bytes, between munmap and mmap (A3).
 *   A|Z        ACCEPTABLE              a|z: B2 mapped, not yet written.
 *   A|D        ACCEPTABLE              a|d: after the writer.
 *   (other)    FORBIDDEN               anything else: bytes no instant explains, a short read while
 *                                      the rest stayed readable, a leak (,leak:REASON) or a failed
 *                                      writer call (,writer:WHAT).
 * </pre>
 * Expected safe ({@link Safety}): slow, fast-one-vma, fast-one-vma-redo. Known bad: fast-v1 (their
 * forbidden outcomes are the problem shown, reported, not failures).
 * <p>Run: {@code ./mmrace stress --filter NeighbourRace}
 * <p>A real run: {@code ./mmrace stress --time-per-test 1000 --filter 'mmrace\.jcstress\.'} (JCStress
 * 0.16, -time 1000 -iters 1 -f 1, one JVM mode), on a 2-CPU VM shared with other jobs (load
 * average about 14), Temurin 25.0.3, 2026-12-04. Each test's results across all configurations
 * as JCStress printed them (it cuts descriptions; an outcome never seen is listed by its id):
 * <pre>
 * NeighbourRace.Slow  [OK]
 *       RESULT  SAMPLES     FREQ      EXPECT  DESCRIPTION
 *          A|B   15,792   84.78%  Acceptable  a|b: before the munmap.
 *          A|D    2,817   15.12%  Acceptable  a|d: after the writer.
 *          A|Z        9    0.05%  Acceptable  a|z: B2 mapped, not yet written.
 *    A|short:8       10    0.05%  Acceptable  a, then nothing mapped at 0x12000: the read stopped after...
 *
 * NeighbourRace.FastV1  [OK]
 *       RESULT  SAMPLES     FREQ      EXPECT  DESCRIPTION
 *          A|B   22,554   84.71%  Acceptable  a|b: before the munmap.
 *          A|D    4,037   15.16%  Acceptable  a|d: after the writer.
 *          A|Z        9    0.03%  Acceptable  a|z: B2 mapped, not yet written.
 *    A|short:8       26    0.10%  Acceptable  a, then nothing mapped at 0x12000: the read stopped after...
 *
 * NeighbourRace.FastOneVma  [OK]
 *       RESULT  SAMPLES     FREQ      EXPECT  DESCRIPTION
 *          A|B   21,519   83.22%  Acceptable  a|b: before the munmap.
 *          A|D    4,306   16.65%  Acceptable  a|d: after the writer.
 *          A|Z       13    0.05%  Acceptable  a|z: B2 mapped, not yet written.
 *    A|short:8       20    0.08%  Acceptable  a, then nothing mapped at 0x12000: the read stopped after...
 *
 * NeighbourRace.FastOneVmaRedo  [OK]
 *       RESULT  SAMPLES     FREQ      EXPECT  DESCRIPTION
 *          A|B   16,865   87.51%  Acceptable  a|b: before the munmap.
 *          A|D    2,384   12.37%  Acceptable  a|d: after the writer.
 *          A|Z       10    0.05%  Acceptable  a|z: B2 mapped, not yet written.
 *    A|short:8       13    0.07%  Acceptable  a, then nothing mapped at 0x12000: the read stopped after...
 * </pre>
 */
public final class NeighbourRace {
    private NeighbourRace() {}

    /**
     * slow (expected safe): upstream __access_remote_vm: mmap_read_lock and GUP for the whole
     * read.
     */
    @JCStressTest
    @Description("munmap and mmap of the neighbour B under a 16-byte read across A|B, read by slow.")
    @Outcome(id = "A\\|B", expect = ACCEPTABLE, desc = "a|b: before the munmap.")
    @Outcome(id = "A\\|short:8", expect = ACCEPTABLE, desc = "a, then nothing mapped at 0x12000: the read stopped after 8 bytes, between munmap and mmap (A3).")
    @Outcome(id = "A\\|Z", expect = ACCEPTABLE, desc = "a|z: B2 mapped, not yet written.")
    @Outcome(id = "A\\|D", expect = ACCEPTABLE, desc = "a|d: after the writer.")
    @Outcome(expect = FORBIDDEN, desc = "anything else: bytes no instant explains, a short read while the rest stayed readable, a leak (,leak:REASON) or a failed writer call (,writer:WHAT).")
    @State
    public static class Slow {
        final Machine m = new Machine(Race.NEIGHBOUR, Variant.SLOW);

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
    @Description("munmap and mmap of the neighbour B under a 16-byte read across A|B, read by fast-v1.")
    @Outcome(id = "A\\|B", expect = ACCEPTABLE, desc = "a|b: before the munmap.")
    @Outcome(id = "A\\|short:8", expect = ACCEPTABLE, desc = "a, then nothing mapped at 0x12000: the read stopped after 8 bytes, between munmap and mmap (A3).")
    @Outcome(id = "A\\|Z", expect = ACCEPTABLE, desc = "a|z: B2 mapped, not yet written.")
    @Outcome(id = "A\\|D", expect = ACCEPTABLE, desc = "a|d: after the writer.")
    @Outcome(expect = FORBIDDEN, desc = "anything else: bytes no instant explains, a short read while the rest stayed readable, a leak (,leak:REASON) or a failed writer call (,writer:WHAT).")
    @State
    public static class FastV1 {
        final Machine m = new Machine(Race.NEIGHBOUR, Variant.FAST_V1);

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
    @Description("munmap and mmap of the neighbour B under a 16-byte read across A|B, read by fast-one-vma.")
    @Outcome(id = "A\\|B", expect = ACCEPTABLE, desc = "a|b: before the munmap.")
    @Outcome(id = "A\\|short:8", expect = ACCEPTABLE, desc = "a, then nothing mapped at 0x12000: the read stopped after 8 bytes, between munmap and mmap (A3).")
    @Outcome(id = "A\\|Z", expect = ACCEPTABLE, desc = "a|z: B2 mapped, not yet written.")
    @Outcome(id = "A\\|D", expect = ACCEPTABLE, desc = "a|d: after the writer.")
    @Outcome(expect = FORBIDDEN, desc = "anything else: bytes no instant explains, a short read while the rest stayed readable, a leak (,leak:REASON) or a failed writer call (,writer:WHAT).")
    @State
    public static class FastOneVma {
        final Machine m = new Machine(Race.NEIGHBOUR, Variant.FAST_ONE_VMA);

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
    @Description("munmap and mmap of the neighbour B under a 16-byte read across A|B, read by fast-one-vma-redo.")
    @Outcome(id = "A\\|B", expect = ACCEPTABLE, desc = "a|b: before the munmap.")
    @Outcome(id = "A\\|short:8", expect = ACCEPTABLE, desc = "a, then nothing mapped at 0x12000: the read stopped after 8 bytes, between munmap and mmap (A3).")
    @Outcome(id = "A\\|Z", expect = ACCEPTABLE, desc = "a|z: B2 mapped, not yet written.")
    @Outcome(id = "A\\|D", expect = ACCEPTABLE, desc = "a|d: after the writer.")
    @Outcome(expect = FORBIDDEN, desc = "anything else: bytes no instant explains, a short read while the rest stayed readable, a leak (,leak:REASON) or a failed writer call (,writer:WHAT).")
    @State
    public static class FastOneVmaRedo {
        final Machine m = new Machine(Race.NEIGHBOUR, Variant.FAST_ONE_VMA_REDO);

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
