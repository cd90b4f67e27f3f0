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
 * Suren's single-VMA rule is not enough (corpus/prefix-fallback.scn; docs/FINDINGS.md, section 2):
 * a read that lies inside ONE VMA still tears when the fast path copies a prefix under the VMA lock
 * and falls back for the rest. A is [0x10000, 0x14000) and only its first page was written (a), so
 * a 16-byte read at 0x10ff8 copies 8 bytes of a under A's lock, finds 0x11000 not present
 * (folio_walk_start gives no folio) and falls back: it must drop A's lock (vma_end_read) before it
 * takes mmap_read_lock for the remainder. In between, the writer replaces A with C (MAP_FIXED,
 * __mmap_region) and stores c over it page by page. What existed: a|z (layout 0), then z|z, c|z,
 * c|c (layout 1). fast-v1 and fast-one-vma continue the remainder under mmap_lock and can return
 * a|c; fast-one-vma-redo drops the prefix and rereads the whole range. (a|z from A's untouched page
 * and a|z from C's fresh page read the same: only a|c shows the tear.)
 *
 * <p>Outcomes ({@link Outcomes}: the source of each page chunk read, then {@code short:N} if the
 * read stopped early, then the arbiter's {@code ,leak:REASON}), graded by the oracle:
 * {@code RaceExpectationsTest} judges each with {@link mmrace.oracle.ReadJudge} against the history
 * above and fails if a grade here disagrees. JCStress cannot tell when the read ran, so an
 * outcome is as good as the best read interval (any stretch of the history) that explains it.
 * <pre>
 *   A|Z      ACCEPTABLE              a|z: A, before the MAP_FIXED (its second page was never
 *                                    written).
 *   Z|Z      ACCEPTABLE              z|z: C mapped, not yet written.
 *   C|Z      ACCEPTABLE              c|z: between the stores to page 0x10000 and page 0x11000.
 *   C|C      ACCEPTABLE              c|c: after the writer.
 *   Z|C      ACCEPTABLE_INTERESTING  content mix (A5/A6): C's first page read before the writer's
 *                                    store, its second after; one layout.
 *   A|C      FORBIDDEN               torn read (F1): the prefix a from A under A's VMA lock, the
 *                                    rest c from C after the fallback.
 *   (other)  FORBIDDEN               anything else: bytes no instant explains, a short read, a leak
 *                                    (,leak:REASON) or a failed writer call (,writer:WHAT).
 * </pre>
 * Expected safe ({@link Safety}): slow, fast-one-vma-redo, fast-one-vma-redo-irqoff. Known bad:
 * fast-v1, fast-v1-irqoff, fast-one-vma, fast-one-vma-irqoff (their forbidden outcomes are the
 * problem shown, reported, not failures).
 * <p>Run: {@code ./mmrace stress --filter PrefixFallbackRace}
 * <p>A real run: {@code ./mmrace stress --time-per-test 1000 --filter 'mmrace\.jcstress\.'} (JCStress
 * 0.16, -time 1000 -iters 1 -f 1, one JVM mode), on a 2-CPU VM shared with other jobs (load
 * average about 14), Temurin 25.0.3, 2026-12-04. Each test's results across all configurations
 * as JCStress printed them (it cuts descriptions; an outcome never seen is listed by its id):
 * <pre>
 * PrefixFallbackRace.Slow  [OK]
 *   RESULT  SAMPLES     FREQ       EXPECT  DESCRIPTION
 *     A\|C        0    0.00%    Forbidden  torn read (F1): the prefix a from A under A's VMA lock, t...
 *      A|Z   14,126   92.83%   Acceptable  a|z: A, before the MAP_FIXED (its second page was never w...
 *      C|C    1,068    7.02%   Acceptable  c|c: after the writer.
 *      C|Z        6    0.04%   Acceptable  c|z: between the stores to page 0x10000 and page 0x11000.
 *     Z\|C        0    0.00%  Interesting  content mix (A5/A6): C's first page read before the write...
 *      Z|Z       17    0.11%   Acceptable  z|z: C mapped, not yet written.
 *
 * PrefixFallbackRace.FastV1  [FAILED]
 *   RESULT  SAMPLES     FREQ       EXPECT  DESCRIPTION
 *      A|C       13    0.05%    Forbidden  torn read (F1): the prefix a from A under A's VMA lock, t...
 *      A|Z   21,570   83.42%   Acceptable  a|z: A, before the MAP_FIXED (its second page was never w...
 *      C|C    4,247   16.42%   Acceptable  c|c: after the writer.
 *      C|Z        6    0.02%   Acceptable  c|z: between the stores to page 0x10000 and page 0x11000.
 *      Z|C        1   <0.01%  Interesting  content mix (A5/A6): C's first page read before the write...
 *      Z|Z       21    0.08%   Acceptable  z|z: C mapped, not yet written.
 *
 * PrefixFallbackRace.FastV1Irqoff  [FAILED]
 *   RESULT  SAMPLES     FREQ       EXPECT  DESCRIPTION
 *      A|C       21    0.08%    Forbidden  torn read (F1): the prefix a from A under A's VMA lock, t...
 *      A|Z   23,653   86.34%   Acceptable  a|z: A, before the MAP_FIXED (its second page was never w...
 *      C|C    3,697   13.50%   Acceptable  c|c: after the writer.
 *      C|Z        5    0.02%   Acceptable  c|z: between the stores to page 0x10000 and page 0x11000.
 *      Z|C        2   <0.01%  Interesting  content mix (A5/A6): C's first page read before the write...
 *      Z|Z       16    0.06%   Acceptable  z|z: C mapped, not yet written.
 *
 * PrefixFallbackRace.FastOneVma  [FAILED]
 *   RESULT  SAMPLES     FREQ       EXPECT  DESCRIPTION
 *      A|C       12    0.05%    Forbidden  torn read (F1): the prefix a from A under A's VMA lock, t...
 *      A|Z   22,746   85.43%   Acceptable  a|z: A, before the MAP_FIXED (its second page was never w...
 *      C|C    3,843   14.43%   Acceptable  c|c: after the writer.
 *      C|Z        5    0.02%   Acceptable  c|z: between the stores to page 0x10000 and page 0x11000.
 *     Z\|C        0    0.00%  Interesting  content mix (A5/A6): C's first page read before the write...
 *      Z|Z       20    0.08%   Acceptable  z|z: C mapped, not yet written.
 *
 * PrefixFallbackRace.FastOneVmaIrqoff  [FAILED]
 *   RESULT  SAMPLES     FREQ       EXPECT  DESCRIPTION
 *      A|C       13    0.05%    Forbidden  torn read (F1): the prefix a from A under A's VMA lock, t...
 *      A|Z   23,303   90.12%   Acceptable  a|z: A, before the MAP_FIXED (its second page was never w...
 *      C|C    2,523    9.76%   Acceptable  c|c: after the writer.
 *      C|Z        2   <0.01%   Acceptable  c|z: between the stores to page 0x10000 and page 0x11000.
 *     Z\|C        0    0.00%  Interesting  content mix (A5/A6): C's first page read before the write...
 *      Z|Z       17    0.07%   Acceptable  z|z: C mapped, not yet written.
 *
 * PrefixFallbackRace.FastOneVmaRedo  [OK]
 *   RESULT  SAMPLES     FREQ       EXPECT  DESCRIPTION
 *     A\|C        0    0.00%    Forbidden  torn read (F1): the prefix a from A under A's VMA lock, t...
 *      A|Z   21,571   83.42%   Acceptable  a|z: A, before the MAP_FIXED (its second page was never w...
 *      C|C    4,265   16.49%   Acceptable  c|c: after the writer.
 *      C|Z        4    0.02%   Acceptable  c|z: between the stores to page 0x10000 and page 0x11000.
 *     Z\|C        0    0.00%  Interesting  content mix (A5/A6): C's first page read before the write...
 *      Z|Z       18    0.07%   Acceptable  z|z: C mapped, not yet written.
 *
 * PrefixFallbackRace.FastOneVmaRedoIrqoff  [OK]
 *   RESULT  SAMPLES     FREQ       EXPECT  DESCRIPTION
 *     A\|C        0    0.00%    Forbidden  torn read (F1): the prefix a from A under A's VMA lock, t...
 *      A|Z   14,290   86.36%   Acceptable  a|z: A, before the MAP_FIXED (its second page was never w...
 *      C|C    2,229   13.47%   Acceptable  c|c: after the writer.
 *      C|Z        4    0.02%   Acceptable  c|z: between the stores to page 0x10000 and page 0x11000.
 *     Z\|C        0    0.00%  Interesting  content mix (A5/A6): C's first page read before the write...
 *      Z|Z       24    0.15%   Acceptable  z|z: C mapped, not yet written.
 * </pre>
 */
public final class PrefixFallbackRace {
    private PrefixFallbackRace() {}

    /**
     * slow (expected safe): upstream __access_remote_vm: mmap_read_lock and GUP for the whole
     * read.
     */
    @JCStressTest
    @Description("MAP_FIXED replaces A while a read inside A copies a prefix and falls back, read by slow.")
    @Outcome(id = "A\\|Z", expect = ACCEPTABLE, desc = "a|z: A, before the MAP_FIXED (its second page was never written).")
    @Outcome(id = "Z\\|Z", expect = ACCEPTABLE, desc = "z|z: C mapped, not yet written.")
    @Outcome(id = "C\\|Z", expect = ACCEPTABLE, desc = "c|z: between the stores to page 0x10000 and page 0x11000.")
    @Outcome(id = "C\\|C", expect = ACCEPTABLE, desc = "c|c: after the writer.")
    @Outcome(id = "Z\\|C", expect = ACCEPTABLE_INTERESTING, desc = "content mix (A5/A6): C's first page read before the writer's store, its second after; one layout.")
    @Outcome(id = "A\\|C", expect = FORBIDDEN, desc = "torn read (F1): the prefix a from A under A's VMA lock, the rest c from C after the fallback.")
    @Outcome(expect = FORBIDDEN, desc = "anything else: bytes no instant explains, a short read, a leak (,leak:REASON) or a failed writer call (,writer:WHAT).")
    @State
    public static class Slow {
        final Machine m = new Machine(Race.PREFIX_FALLBACK, Variant.SLOW);

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
    @Description("MAP_FIXED replaces A while a read inside A copies a prefix and falls back, read by fast-v1.")
    @Outcome(id = "A\\|Z", expect = ACCEPTABLE, desc = "a|z: A, before the MAP_FIXED (its second page was never written).")
    @Outcome(id = "Z\\|Z", expect = ACCEPTABLE, desc = "z|z: C mapped, not yet written.")
    @Outcome(id = "C\\|Z", expect = ACCEPTABLE, desc = "c|z: between the stores to page 0x10000 and page 0x11000.")
    @Outcome(id = "C\\|C", expect = ACCEPTABLE, desc = "c|c: after the writer.")
    @Outcome(id = "Z\\|C", expect = ACCEPTABLE_INTERESTING, desc = "content mix (A5/A6): C's first page read before the writer's store, its second after; one layout.")
    @Outcome(id = "A\\|C", expect = FORBIDDEN, desc = "torn read (F1): the prefix a from A under A's VMA lock, the rest c from C after the fallback.")
    @Outcome(expect = FORBIDDEN, desc = "anything else: bytes no instant explains, a short read, a leak (,leak:REASON) or a failed writer call (,writer:WHAT).")
    @State
    public static class FastV1 {
        final Machine m = new Machine(Race.PREFIX_FALLBACK, Variant.FAST_V1);

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
    @Description("MAP_FIXED replaces A while a read inside A copies a prefix and falls back, read by fast-v1-irqoff.")
    @Outcome(id = "A\\|Z", expect = ACCEPTABLE, desc = "a|z: A, before the MAP_FIXED (its second page was never written).")
    @Outcome(id = "Z\\|Z", expect = ACCEPTABLE, desc = "z|z: C mapped, not yet written.")
    @Outcome(id = "C\\|Z", expect = ACCEPTABLE, desc = "c|z: between the stores to page 0x10000 and page 0x11000.")
    @Outcome(id = "C\\|C", expect = ACCEPTABLE, desc = "c|c: after the writer.")
    @Outcome(id = "Z\\|C", expect = ACCEPTABLE_INTERESTING, desc = "content mix (A5/A6): C's first page read before the writer's store, its second after; one layout.")
    @Outcome(id = "A\\|C", expect = FORBIDDEN, desc = "torn read (F1): the prefix a from A under A's VMA lock, the rest c from C after the fallback.")
    @Outcome(expect = FORBIDDEN, desc = "anything else: bytes no instant explains, a short read, a leak (,leak:REASON) or a failed writer call (,writer:WHAT).")
    @State
    public static class FastV1Irqoff {
        final Machine m = new Machine(Race.PREFIX_FALLBACK, Variant.FAST_V1_IRQOFF);

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
    @Description("MAP_FIXED replaces A while a read inside A copies a prefix and falls back, read by fast-one-vma.")
    @Outcome(id = "A\\|Z", expect = ACCEPTABLE, desc = "a|z: A, before the MAP_FIXED (its second page was never written).")
    @Outcome(id = "Z\\|Z", expect = ACCEPTABLE, desc = "z|z: C mapped, not yet written.")
    @Outcome(id = "C\\|Z", expect = ACCEPTABLE, desc = "c|z: between the stores to page 0x10000 and page 0x11000.")
    @Outcome(id = "C\\|C", expect = ACCEPTABLE, desc = "c|c: after the writer.")
    @Outcome(id = "Z\\|C", expect = ACCEPTABLE_INTERESTING, desc = "content mix (A5/A6): C's first page read before the writer's store, its second after; one layout.")
    @Outcome(id = "A\\|C", expect = FORBIDDEN, desc = "torn read (F1): the prefix a from A under A's VMA lock, the rest c from C after the fallback.")
    @Outcome(expect = FORBIDDEN, desc = "anything else: bytes no instant explains, a short read, a leak (,leak:REASON) or a failed writer call (,writer:WHAT).")
    @State
    public static class FastOneVma {
        final Machine m = new Machine(Race.PREFIX_FALLBACK, Variant.FAST_ONE_VMA);

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
    @Description("MAP_FIXED replaces A while a read inside A copies a prefix and falls back, read by fast-one-vma-irqoff.")
    @Outcome(id = "A\\|Z", expect = ACCEPTABLE, desc = "a|z: A, before the MAP_FIXED (its second page was never written).")
    @Outcome(id = "Z\\|Z", expect = ACCEPTABLE, desc = "z|z: C mapped, not yet written.")
    @Outcome(id = "C\\|Z", expect = ACCEPTABLE, desc = "c|z: between the stores to page 0x10000 and page 0x11000.")
    @Outcome(id = "C\\|C", expect = ACCEPTABLE, desc = "c|c: after the writer.")
    @Outcome(id = "Z\\|C", expect = ACCEPTABLE_INTERESTING, desc = "content mix (A5/A6): C's first page read before the writer's store, its second after; one layout.")
    @Outcome(id = "A\\|C", expect = FORBIDDEN, desc = "torn read (F1): the prefix a from A under A's VMA lock, the rest c from C after the fallback.")
    @Outcome(expect = FORBIDDEN, desc = "anything else: bytes no instant explains, a short read, a leak (,leak:REASON) or a failed writer call (,writer:WHAT).")
    @State
    public static class FastOneVmaIrqoff {
        final Machine m = new Machine(Race.PREFIX_FALLBACK, Variant.FAST_ONE_VMA_IRQOFF);

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
    @Description("MAP_FIXED replaces A while a read inside A copies a prefix and falls back, read by fast-one-vma-redo.")
    @Outcome(id = "A\\|Z", expect = ACCEPTABLE, desc = "a|z: A, before the MAP_FIXED (its second page was never written).")
    @Outcome(id = "Z\\|Z", expect = ACCEPTABLE, desc = "z|z: C mapped, not yet written.")
    @Outcome(id = "C\\|Z", expect = ACCEPTABLE, desc = "c|z: between the stores to page 0x10000 and page 0x11000.")
    @Outcome(id = "C\\|C", expect = ACCEPTABLE, desc = "c|c: after the writer.")
    @Outcome(id = "Z\\|C", expect = ACCEPTABLE_INTERESTING, desc = "content mix (A5/A6): C's first page read before the writer's store, its second after; one layout.")
    @Outcome(id = "A\\|C", expect = FORBIDDEN, desc = "torn read (F1): the prefix a from A under A's VMA lock, the rest c from C after the fallback.")
    @Outcome(expect = FORBIDDEN, desc = "anything else: bytes no instant explains, a short read, a leak (,leak:REASON) or a failed writer call (,writer:WHAT).")
    @State
    public static class FastOneVmaRedo {
        final Machine m = new Machine(Race.PREFIX_FALLBACK, Variant.FAST_ONE_VMA_REDO);

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
    @Description("MAP_FIXED replaces A while a read inside A copies a prefix and falls back, read by fast-one-vma-redo-irqoff.")
    @Outcome(id = "A\\|Z", expect = ACCEPTABLE, desc = "a|z: A, before the MAP_FIXED (its second page was never written).")
    @Outcome(id = "Z\\|Z", expect = ACCEPTABLE, desc = "z|z: C mapped, not yet written.")
    @Outcome(id = "C\\|Z", expect = ACCEPTABLE, desc = "c|z: between the stores to page 0x10000 and page 0x11000.")
    @Outcome(id = "C\\|C", expect = ACCEPTABLE, desc = "c|c: after the writer.")
    @Outcome(id = "Z\\|C", expect = ACCEPTABLE_INTERESTING, desc = "content mix (A5/A6): C's first page read before the writer's store, its second after; one layout.")
    @Outcome(id = "A\\|C", expect = FORBIDDEN, desc = "torn read (F1): the prefix a from A under A's VMA lock, the rest c from C after the fallback.")
    @Outcome(expect = FORBIDDEN, desc = "anything else: bytes no instant explains, a short read, a leak (,leak:REASON) or a failed writer call (,writer:WHAT).")
    @State
    public static class FastOneVmaRedoIrqoff {
        final Machine m = new Machine(Race.PREFIX_FALLBACK, Variant.FAST_ONE_VMA_REDO_IRQOFF);

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
