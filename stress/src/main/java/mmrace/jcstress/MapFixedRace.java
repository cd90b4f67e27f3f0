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
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The reviewers' race (corpus/reviewers-race.scn; docs/FINDINGS.md, section 1): a 16-byte read at
 * 0x11ff8 takes 8 bytes from the last page of VMA A [0x10000, 0x12000), filled a, and 8 from the
 * first page of VMA B [0x12000, 0x14000), filled b and read-only (so A and B stay two VMAs).
 * Meanwhile a thread of the target replaces both with one MAP_FIXED mapping C [0x10000, 0x14000)
 * (mmap_region, __mmap_region in mm/vma.c: A and B write-locked and unmapped, C attached, all under
 * mmap_lock for writing) and stores c over it, page by page in address order.
 *
 * <p>What existed, in order: a|b (layout 0); then layout 1: C's fresh pages (z|z), page 0x11000
 * written (c|z), page 0x12000 written (c|c). fast-v1 holds one per-VMA lock at a time:
 * lock_vma_under_rcu(mm, 0x11ff8) (mm/mmap_lock.c) gives A, a is copied, vma_end_read(A), and only
 * then lock_vma_under_rcu(mm, 0x12000), which can find C: a|z or a|c, which no instant held (torn).
 * The read spans two VMAs, so Suren's single-VMA rule sends it to the slow path whole
 * (__access_remote_vm, mm/memory.c: mmap_read_lock across the whole read).
 *
 * <p>Outcomes ({@link Outcomes}: the source of each page chunk read, then {@code short:N} if the
 * read stopped early, then the arbiter's {@code ,leak:REASON}), graded by the oracle:
 * {@code RaceExpectationsTest} judges each with {@link mmrace.oracle.ReadJudge} against the history
 * above and fails if a grade here disagrees. JCStress cannot tell when the read ran, so an
 * outcome is as good as the best read interval (any stretch of the history) that explains it.
 * <pre>
 *   A|B      ACCEPTABLE              a|b: the read saw A and B, before the MAP_FIXED.
 *   Z|Z      ACCEPTABLE              z|z: C mapped, not yet written (fresh pages read as zeros).
 *   C|Z      ACCEPTABLE              c|z: between the stores to page 0x11000 and page 0x12000.
 *   C|C      ACCEPTABLE              c|c: after the writer.
 *   Z|C      ACCEPTABLE_INTERESTING  content mix (A5/A6): C's first page read before the writer's
 *                                    store, its second after; one layout, so the slow path can
 *                                    return it too.
 *   A|Z      FORBIDDEN               torn read (F1): a from A, then C's zero page: no instant held
 *                                    a|z (the reviewers' race).
 *   A|C      FORBIDDEN               torn read (F1): a from A, then c from C: no instant held a|c.
 *   (other)  FORBIDDEN               anything else: bytes no instant explains, a short read, a leak
 *                                    (,leak:REASON) or a failed writer call (,writer:WHAT).
 * </pre>
 * Expected safe ({@link Safety}): slow, fast-one-vma, fast-one-vma-irqoff, fast-one-vma-redo,
 * fast-one-vma-redo-irqoff. Known bad: fast-v1, fast-v1-irqoff (their forbidden outcomes are the
 * problem shown, reported, not failures).
 * <p>Run: {@code ./mmrace stress --filter MapFixedRace}
 * <p>A real run: {@code ./mmrace stress --time-per-test 1000 --filter 'mmrace\.jcstress\.'} (JCStress
 * 0.16, -time 1000 -iters 1 -f 1, one JVM mode), on a 2-CPU VM shared with other jobs (load
 * average about 14), Temurin 25.0.3, 2026-12-04. Each test's results across all configurations
 * as JCStress printed them (it cuts descriptions; an outcome never seen is listed by its id):
 * <pre>
 * MapFixedRace.Slow  [OK]
 *   RESULT  SAMPLES     FREQ       EXPECT  DESCRIPTION
 *     A\|C        0    0.00%    Forbidden  torn read (F1): a from A, then c from C: no instant held ...
 *     A\|Z        0    0.00%    Forbidden  torn read (F1): a from A, then C's zero page: no instant ...
 *      A|B   19,191   89.96%   Acceptable  a|b: the read saw A and B, before the MAP_FIXED.
 *      C|C    2,120    9.94%   Acceptable  c|c: after the writer.
 *      C|Z        5    0.02%   Acceptable  c|z: between the stores to page 0x11000 and page 0x12000.
 *      Z|C        1   <0.01%  Interesting  content mix (A5/A6): C's first page read before the write...
 *      Z|Z       15    0.07%   Acceptable  z|z: C mapped, not yet written (fresh pages read as zeros).
 *
 * MapFixedRace.FastV1  [FAILED]
 *   RESULT  SAMPLES     FREQ       EXPECT  DESCRIPTION
 *     A\|Z        0    0.00%    Forbidden  torn read (F1): a from A, then C's zero page: no instant ...
 *      A|B   19,176   89.89%   Acceptable  a|b: the read saw A and B, before the MAP_FIXED.
 *      A|C        1   <0.01%    Forbidden  torn read (F1): a from A, then c from C: no instant held ...
 *      C|C    2,133   10.00%   Acceptable  c|c: after the writer.
 *      C|Z        1   <0.01%   Acceptable  c|z: between the stores to page 0x11000 and page 0x12000.
 *     Z\|C        0    0.00%  Interesting  content mix (A5/A6): C's first page read before the write...
 *      Z|Z       21    0.10%   Acceptable  z|z: C mapped, not yet written (fresh pages read as zeros).
 *
 * MapFixedRace.FastV1Irqoff  [FAILED]
 *   RESULT  SAMPLES     FREQ       EXPECT  DESCRIPTION
 *     A\|Z        0    0.00%    Forbidden  torn read (F1): a from A, then C's zero page: no instant ...
 *      A|B   17,048   79.92%   Acceptable  a|b: the read saw A and B, before the MAP_FIXED.
 *      A|C        2   <0.01%    Forbidden  torn read (F1): a from A, then c from C: no instant held ...
 *      C|C    4,257   19.96%   Acceptable  c|c: after the writer.
 *      C|Z        2   <0.01%   Acceptable  c|z: between the stores to page 0x11000 and page 0x12000.
 *     Z\|C        0    0.00%  Interesting  content mix (A5/A6): C's first page read before the write...
 *      Z|Z       23    0.11%   Acceptable  z|z: C mapped, not yet written (fresh pages read as zeros).
 *
 * MapFixedRace.FastOneVma  [OK]
 *   RESULT  SAMPLES     FREQ       EXPECT  DESCRIPTION
 *     A\|C        0    0.00%    Forbidden  torn read (F1): a from A, then c from C: no instant held ...
 *     A\|Z        0    0.00%    Forbidden  torn read (F1): a from A, then C's zero page: no instant ...
 *      A|B   12,004   84.88%   Acceptable  a|b: the read saw A and B, before the MAP_FIXED.
 *      C|C    2,112   14.93%   Acceptable  c|c: after the writer.
 *      C|Z        3    0.02%   Acceptable  c|z: between the stores to page 0x11000 and page 0x12000.
 *     Z\|C        0    0.00%  Interesting  content mix (A5/A6): C's first page read before the write...
 *      Z|Z       24    0.17%   Acceptable  z|z: C mapped, not yet written (fresh pages read as zeros).
 *
 * MapFixedRace.FastOneVmaIrqoff  [OK]
 *   RESULT  SAMPLES     FREQ       EXPECT  DESCRIPTION
 *     A\|C        0    0.00%    Forbidden  torn read (F1): a from A, then c from C: no instant held ...
 *     A\|Z        0    0.00%    Forbidden  torn read (F1): a from A, then C's zero page: no instant ...
 *      A|B   16,011   85.95%   Acceptable  a|b: the read saw A and B, before the MAP_FIXED.
 *      C|C    2,593   13.92%   Acceptable  c|c: after the writer.
 *      C|Z        1   <0.01%   Acceptable  c|z: between the stores to page 0x11000 and page 0x12000.
 *      Z|C        1   <0.01%  Interesting  content mix (A5/A6): C's first page read before the write...
 *      Z|Z       22    0.12%   Acceptable  z|z: C mapped, not yet written (fresh pages read as zeros).
 *
 * MapFixedRace.FastOneVmaRedo  [OK]
 *   RESULT  SAMPLES     FREQ       EXPECT  DESCRIPTION
 *     A\|C        0    0.00%    Forbidden  torn read (F1): a from A, then c from C: no instant held ...
 *     A\|Z        0    0.00%    Forbidden  torn read (F1): a from A, then C's zero page: no instant ...
 *      A|B   18,744   85.81%   Acceptable  a|b: the read saw A and B, before the MAP_FIXED.
 *      C|C    3,076   14.08%   Acceptable  c|c: after the writer.
 *      C|Z        1   <0.01%   Acceptable  c|z: between the stores to page 0x11000 and page 0x12000.
 *     Z\|C        0    0.00%  Interesting  content mix (A5/A6): C's first page read before the write...
 *      Z|Z       23    0.11%   Acceptable  z|z: C mapped, not yet written (fresh pages read as zeros).
 *
 * MapFixedRace.FastOneVmaRedoIrqoff  [OK]
 *   RESULT  SAMPLES     FREQ       EXPECT  DESCRIPTION
 *     A\|C        0    0.00%    Forbidden  torn read (F1): a from A, then c from C: no instant held ...
 *     A\|Z        0    0.00%    Forbidden  torn read (F1): a from A, then C's zero page: no instant ...
 *      A|B   18,027   87.68%   Acceptable  a|b: the read saw A and B, before the MAP_FIXED.
 *      C|C    2,515   12.23%   Acceptable  c|c: after the writer.
 *      C|Z        1   <0.01%   Acceptable  c|z: between the stores to page 0x11000 and page 0x12000.
 *     Z\|C        0    0.00%  Interesting  content mix (A5/A6): C's first page read before the write...
 *      Z|Z       17    0.08%   Acceptable  z|z: C mapped, not yet written (fresh pages read as zeros).
 * </pre>
 */
public final class MapFixedRace {
    private MapFixedRace() {}

    /**
     * slow (expected safe): upstream __access_remote_vm: mmap_read_lock and GUP for the whole
     * read.
     */
    @JCStressTest
    @Description("MAP_FIXED replaces A|B with C under a 16-byte read across A|B, read by slow.")
    @Outcome(id = "A\\|B", expect = ACCEPTABLE, desc = "a|b: the read saw A and B, before the MAP_FIXED.")
    @Outcome(id = "Z\\|Z", expect = ACCEPTABLE, desc = "z|z: C mapped, not yet written (fresh pages read as zeros).")
    @Outcome(id = "C\\|Z", expect = ACCEPTABLE, desc = "c|z: between the stores to page 0x11000 and page 0x12000.")
    @Outcome(id = "C\\|C", expect = ACCEPTABLE, desc = "c|c: after the writer.")
    @Outcome(id = "Z\\|C", expect = ACCEPTABLE_INTERESTING, desc = "content mix (A5/A6): C's first page read before the writer's store, its second after; one layout, so the slow path can return it too.")
    @Outcome(id = "A\\|Z", expect = FORBIDDEN, desc = "torn read (F1): a from A, then C's zero page: no instant held a|z (the reviewers' race).")
    @Outcome(id = "A\\|C", expect = FORBIDDEN, desc = "torn read (F1): a from A, then c from C: no instant held a|c.")
    @Outcome(expect = FORBIDDEN, desc = "anything else: bytes no instant explains, a short read, a leak (,leak:REASON) or a failed writer call (,writer:WHAT).")
    @State
    public static class Slow {
        final Machine m = new Machine(Race.MAP_FIXED, Variant.SLOW);

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
    @Description("MAP_FIXED replaces A|B with C under a 16-byte read across A|B, read by fast-v1.")
    @Outcome(id = "A\\|B", expect = ACCEPTABLE, desc = "a|b: the read saw A and B, before the MAP_FIXED.")
    @Outcome(id = "Z\\|Z", expect = ACCEPTABLE, desc = "z|z: C mapped, not yet written (fresh pages read as zeros).")
    @Outcome(id = "C\\|Z", expect = ACCEPTABLE, desc = "c|z: between the stores to page 0x11000 and page 0x12000.")
    @Outcome(id = "C\\|C", expect = ACCEPTABLE, desc = "c|c: after the writer.")
    @Outcome(id = "Z\\|C", expect = ACCEPTABLE_INTERESTING, desc = "content mix (A5/A6): C's first page read before the writer's store, its second after; one layout, so the slow path can return it too.")
    @Outcome(id = "A\\|Z", expect = FORBIDDEN, desc = "torn read (F1): a from A, then C's zero page: no instant held a|z (the reviewers' race).")
    @Outcome(id = "A\\|C", expect = FORBIDDEN, desc = "torn read (F1): a from A, then c from C: no instant held a|c.")
    @Outcome(expect = FORBIDDEN, desc = "anything else: bytes no instant explains, a short read, a leak (,leak:REASON) or a failed writer call (,writer:WHAT).")
    @State
    public static class FastV1 {
        final Machine m = new Machine(Race.MAP_FIXED, Variant.FAST_V1);

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
    @Description("MAP_FIXED replaces A|B with C under a 16-byte read across A|B, read by fast-v1-irqoff.")
    @Outcome(id = "A\\|B", expect = ACCEPTABLE, desc = "a|b: the read saw A and B, before the MAP_FIXED.")
    @Outcome(id = "Z\\|Z", expect = ACCEPTABLE, desc = "z|z: C mapped, not yet written (fresh pages read as zeros).")
    @Outcome(id = "C\\|Z", expect = ACCEPTABLE, desc = "c|z: between the stores to page 0x11000 and page 0x12000.")
    @Outcome(id = "C\\|C", expect = ACCEPTABLE, desc = "c|c: after the writer.")
    @Outcome(id = "Z\\|C", expect = ACCEPTABLE_INTERESTING, desc = "content mix (A5/A6): C's first page read before the writer's store, its second after; one layout, so the slow path can return it too.")
    @Outcome(id = "A\\|Z", expect = FORBIDDEN, desc = "torn read (F1): a from A, then C's zero page: no instant held a|z (the reviewers' race).")
    @Outcome(id = "A\\|C", expect = FORBIDDEN, desc = "torn read (F1): a from A, then c from C: no instant held a|c.")
    @Outcome(expect = FORBIDDEN, desc = "anything else: bytes no instant explains, a short read, a leak (,leak:REASON) or a failed writer call (,writer:WHAT).")
    @State
    public static class FastV1Irqoff {
        final Machine m = new Machine(Race.MAP_FIXED, Variant.FAST_V1_IRQOFF);

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
    @Description("MAP_FIXED replaces A|B with C under a 16-byte read across A|B, read by fast-one-vma.")
    @Outcome(id = "A\\|B", expect = ACCEPTABLE, desc = "a|b: the read saw A and B, before the MAP_FIXED.")
    @Outcome(id = "Z\\|Z", expect = ACCEPTABLE, desc = "z|z: C mapped, not yet written (fresh pages read as zeros).")
    @Outcome(id = "C\\|Z", expect = ACCEPTABLE, desc = "c|z: between the stores to page 0x11000 and page 0x12000.")
    @Outcome(id = "C\\|C", expect = ACCEPTABLE, desc = "c|c: after the writer.")
    @Outcome(id = "Z\\|C", expect = ACCEPTABLE_INTERESTING, desc = "content mix (A5/A6): C's first page read before the writer's store, its second after; one layout, so the slow path can return it too.")
    @Outcome(id = "A\\|Z", expect = FORBIDDEN, desc = "torn read (F1): a from A, then C's zero page: no instant held a|z (the reviewers' race).")
    @Outcome(id = "A\\|C", expect = FORBIDDEN, desc = "torn read (F1): a from A, then c from C: no instant held a|c.")
    @Outcome(expect = FORBIDDEN, desc = "anything else: bytes no instant explains, a short read, a leak (,leak:REASON) or a failed writer call (,writer:WHAT).")
    @State
    public static class FastOneVma {
        final Machine m = new Machine(Race.MAP_FIXED, Variant.FAST_ONE_VMA);

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

    /** fast-one-vma-irqoff (expected safe): fast-one-vma with interrupts off around the walk. */
    @JCStressTest
    @Description("MAP_FIXED replaces A|B with C under a 16-byte read across A|B, read by fast-one-vma-irqoff.")
    @Outcome(id = "A\\|B", expect = ACCEPTABLE, desc = "a|b: the read saw A and B, before the MAP_FIXED.")
    @Outcome(id = "Z\\|Z", expect = ACCEPTABLE, desc = "z|z: C mapped, not yet written (fresh pages read as zeros).")
    @Outcome(id = "C\\|Z", expect = ACCEPTABLE, desc = "c|z: between the stores to page 0x11000 and page 0x12000.")
    @Outcome(id = "C\\|C", expect = ACCEPTABLE, desc = "c|c: after the writer.")
    @Outcome(id = "Z\\|C", expect = ACCEPTABLE_INTERESTING, desc = "content mix (A5/A6): C's first page read before the writer's store, its second after; one layout, so the slow path can return it too.")
    @Outcome(id = "A\\|Z", expect = FORBIDDEN, desc = "torn read (F1): a from A, then C's zero page: no instant held a|z (the reviewers' race).")
    @Outcome(id = "A\\|C", expect = FORBIDDEN, desc = "torn read (F1): a from A, then c from C: no instant held a|c.")
    @Outcome(expect = FORBIDDEN, desc = "anything else: bytes no instant explains, a short read, a leak (,leak:REASON) or a failed writer call (,writer:WHAT).")
    @State
    public static class FastOneVmaIrqoff {
        final Machine m = new Machine(Race.MAP_FIXED, Variant.FAST_ONE_VMA_IRQOFF);

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
    @Description("MAP_FIXED replaces A|B with C under a 16-byte read across A|B, read by fast-one-vma-redo.")
    @Outcome(id = "A\\|B", expect = ACCEPTABLE, desc = "a|b: the read saw A and B, before the MAP_FIXED.")
    @Outcome(id = "Z\\|Z", expect = ACCEPTABLE, desc = "z|z: C mapped, not yet written (fresh pages read as zeros).")
    @Outcome(id = "C\\|Z", expect = ACCEPTABLE, desc = "c|z: between the stores to page 0x11000 and page 0x12000.")
    @Outcome(id = "C\\|C", expect = ACCEPTABLE, desc = "c|c: after the writer.")
    @Outcome(id = "Z\\|C", expect = ACCEPTABLE_INTERESTING, desc = "content mix (A5/A6): C's first page read before the writer's store, its second after; one layout, so the slow path can return it too.")
    @Outcome(id = "A\\|Z", expect = FORBIDDEN, desc = "torn read (F1): a from A, then C's zero page: no instant held a|z (the reviewers' race).")
    @Outcome(id = "A\\|C", expect = FORBIDDEN, desc = "torn read (F1): a from A, then c from C: no instant held a|c.")
    @Outcome(expect = FORBIDDEN, desc = "anything else: bytes no instant explains, a short read, a leak (,leak:REASON) or a failed writer call (,writer:WHAT).")
    @State
    public static class FastOneVmaRedo {
        final Machine m = new Machine(Race.MAP_FIXED, Variant.FAST_ONE_VMA_REDO);

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
    @Description("MAP_FIXED replaces A|B with C under a 16-byte read across A|B, read by fast-one-vma-redo-irqoff.")
    @Outcome(id = "A\\|B", expect = ACCEPTABLE, desc = "a|b: the read saw A and B, before the MAP_FIXED.")
    @Outcome(id = "Z\\|Z", expect = ACCEPTABLE, desc = "z|z: C mapped, not yet written (fresh pages read as zeros).")
    @Outcome(id = "C\\|Z", expect = ACCEPTABLE, desc = "c|z: between the stores to page 0x11000 and page 0x12000.")
    @Outcome(id = "C\\|C", expect = ACCEPTABLE, desc = "c|c: after the writer.")
    @Outcome(id = "Z\\|C", expect = ACCEPTABLE_INTERESTING, desc = "content mix (A5/A6): C's first page read before the writer's store, its second after; one layout, so the slow path can return it too.")
    @Outcome(id = "A\\|Z", expect = FORBIDDEN, desc = "torn read (F1): a from A, then C's zero page: no instant held a|z (the reviewers' race).")
    @Outcome(id = "A\\|C", expect = FORBIDDEN, desc = "torn read (F1): a from A, then c from C: no instant held a|c.")
    @Outcome(expect = FORBIDDEN, desc = "anything else: bytes no instant explains, a short read, a leak (,leak:REASON) or a failed writer call (,writer:WHAT).")
    @State
    public static class FastOneVmaRedoIrqoff {
        final Machine m = new Machine(Race.MAP_FIXED, Variant.FAST_ONE_VMA_REDO_IRQOFF);

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
