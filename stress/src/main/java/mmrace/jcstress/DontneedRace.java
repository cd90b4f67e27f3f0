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
 * MADV_DONTNEED under a read (corpus/dontneed-mix.scn): A [0x10000, 0x12000), filled a; the
 * writer zaps both pages (under the per-VMA read lock, mm/madvise.c get_lock_mode, so concurrently
 * with VMA-locked and mmap_lock readers) and then stores x over the second page, while a 16-byte
 * read crosses 0x11000. What existed, one layout throughout: a|a, z|a (the zap clears the PTEs in
 * address order), z|z, z|x. A read that copies the first page before the zap and the second after
 * it (or after the store) returns a|z or a|x: a content mix the slow path can return too (A5/A6).
 *
 * <p>Outcomes ({@link Outcomes}: the source of each page chunk read, then {@code short:N} if the
 * read stopped early, then the arbiter's {@code ,leak:REASON}), graded by the oracle:
 * {@code RaceExpectationsTest} judges each with {@link mmrace.oracle.ReadJudge} against the history
 * above and fails if a grade here disagrees. JCStress cannot tell when the read ran, so an
 * outcome is as good as the best read interval (any stretch of the history) that explains it.
 * <pre>
 *   A|A      ACCEPTABLE              a|a: before the zap.
 *   Z|A      ACCEPTABLE              z|a: between the zap of the first page's PTE and the second's.
 *   Z|Z      ACCEPTABLE              z|z: after the zap, before the store.
 *   Z|X      ACCEPTABLE              z|x: after the writer.
 *   A|Z      ACCEPTABLE_INTERESTING  content mix (A5/A6): the first page read before the zap, the
 *                                    second after it.
 *   A|X      ACCEPTABLE_INTERESTING  content mix (A5/A6): the first page read before the zap, the
 *                                    second after the store.
 *   (other)  FORBIDDEN               anything else: bytes never in the range, a short read, a leak
 *                                    (,leak:REASON) or a failed writer call (,writer:WHAT).
 * </pre>
 * Expected safe ({@link Safety}): slow, fast-one-vma-redo, fast-one-vma-redo-irqoff. Known bad:
 * fast-v1, fast-v1-irqoff, fast-one-vma, fast-one-vma-irqoff (their forbidden outcomes are the
 * problem shown, reported, not failures).
 * <p>Run: {@code ./mmrace stress --filter DontneedRace}
 * <p>A real run: {@code ./mmrace stress --time-per-test 1000 --filter 'mmrace\.jcstress\.'} (JCStress
 * 0.16, -time 1000 -iters 1 -f 1, one JVM mode), on a 2-CPU VM shared with other jobs (load
 * average about 14), Temurin 25.0.3, 2026-12-04. Each test's results across all configurations
 * as JCStress printed them (it cuts descriptions; an outcome never seen is listed by its id):
 * <pre>
 * DontneedRace.Slow  [OK]
 *   RESULT  SAMPLES     FREQ       EXPECT  DESCRIPTION
 *     A\|Z        0    0.00%  Interesting  content mix (A5/A6): the first page read before the zap, ...
 *      A|A   35,081   76.79%   Acceptable  a|a: before the zap.
 *      A|X        7    0.02%  Interesting  content mix (A5/A6): the first page read before the zap, ...
 *     Z\|A        0    0.00%   Acceptable  z|a: between the zap of the first page's PTE and the seco...
 *      Z|X   10,559   23.11%   Acceptable  z|x: after the writer.
 *      Z|Z       38    0.08%   Acceptable  z|z: after the zap, before the store.
 *
 * DontneedRace.FastV1  [OK]
 *   RESULT  SAMPLES     FREQ       EXPECT  DESCRIPTION
 *     A\|Z        0    0.00%  Interesting  content mix (A5/A6): the first page read before the zap, ...
 *      A|A   29,966   81.07%   Acceptable  a|a: before the zap.
 *      A|X        4    0.01%  Interesting  content mix (A5/A6): the first page read before the zap, ...
 *     Z\|A        0    0.00%   Acceptable  z|a: between the zap of the first page's PTE and the seco...
 *      Z|X    6,961   18.83%   Acceptable  z|x: after the writer.
 *      Z|Z       31    0.08%   Acceptable  z|z: after the zap, before the store.
 *
 * DontneedRace.FastV1Irqoff  [OK]
 *   RESULT  SAMPLES     FREQ       EXPECT  DESCRIPTION
 *      A|A   38,004   83.19%   Acceptable  a|a: before the zap.
 *      A|X        6    0.01%  Interesting  content mix (A5/A6): the first page read before the zap, ...
 *      A|Z        1   <0.01%  Interesting  content mix (A5/A6): the first page read before the zap, ...
 *     Z\|A        0    0.00%   Acceptable  z|a: between the zap of the first page's PTE and the seco...
 *      Z|X    7,648   16.74%   Acceptable  z|x: after the writer.
 *      Z|Z       26    0.06%   Acceptable  z|z: after the zap, before the store.
 *
 * DontneedRace.FastOneVma  [OK]
 *   RESULT  SAMPLES     FREQ       EXPECT  DESCRIPTION
 *      A|A   36,487   75.63%   Acceptable  a|a: before the zap.
 *      A|X        3   <0.01%  Interesting  content mix (A5/A6): the first page read before the zap, ...
 *      A|Z        1   <0.01%  Interesting  content mix (A5/A6): the first page read before the zap, ...
 *     Z\|A        0    0.00%   Acceptable  z|a: between the zap of the first page's PTE and the seco...
 *      Z|X   11,732   24.32%   Acceptable  z|x: after the writer.
 *      Z|Z       22    0.05%   Acceptable  z|z: after the zap, before the store.
 *
 * DontneedRace.FastOneVmaIrqoff  [OK]
 *   RESULT  SAMPLES     FREQ       EXPECT  DESCRIPTION
 *     A\|Z        0    0.00%  Interesting  content mix (A5/A6): the first page read before the zap, ...
 *      A|A   42,106   80.84%   Acceptable  a|a: before the zap.
 *      A|X        3   <0.01%  Interesting  content mix (A5/A6): the first page read before the zap, ...
 *     Z\|A        0    0.00%   Acceptable  z|a: between the zap of the first page's PTE and the seco...
 *      Z|X    9,953   19.11%   Acceptable  z|x: after the writer.
 *      Z|Z       23    0.04%   Acceptable  z|z: after the zap, before the store.
 *
 * DontneedRace.FastOneVmaRedo  [OK]
 *   RESULT  SAMPLES     FREQ       EXPECT  DESCRIPTION
 *     A\|Z        0    0.00%  Interesting  content mix (A5/A6): the first page read before the zap, ...
 *      A|A   36,581   82.38%   Acceptable  a|a: before the zap.
 *      A|X        4   <0.01%  Interesting  content mix (A5/A6): the first page read before the zap, ...
 *     Z\|A        0    0.00%   Acceptable  z|a: between the zap of the first page's PTE and the seco...
 *      Z|X    7,787   17.54%   Acceptable  z|x: after the writer.
 *      Z|Z       33    0.07%   Acceptable  z|z: after the zap, before the store.
 *
 * DontneedRace.FastOneVmaRedoIrqoff  [OK]
 *   RESULT  SAMPLES     FREQ       EXPECT  DESCRIPTION
 *     A\|Z        0    0.00%  Interesting  content mix (A5/A6): the first page read before the zap, ...
 *      A|A   31,105   68.09%   Acceptable  a|a: before the zap.
 *      A|X        8    0.02%  Interesting  content mix (A5/A6): the first page read before the zap, ...
 *     Z\|A        0    0.00%   Acceptable  z|a: between the zap of the first page's PTE and the seco...
 *      Z|X   14,553   31.86%   Acceptable  z|x: after the writer.
 *      Z|Z       19    0.04%   Acceptable  z|z: after the zap, before the store.
 * </pre>
 */
public final class DontneedRace {
    private DontneedRace() {}

    /**
     * slow (expected safe): upstream __access_remote_vm: mmap_read_lock and GUP for the whole
     * read.
     */
    @JCStressTest
    @Description("MADV_DONTNEED and a store under a 16-byte read across A's two pages, read by slow.")
    @Outcome(id = "A\\|A", expect = ACCEPTABLE, desc = "a|a: before the zap.")
    @Outcome(id = "Z\\|A", expect = ACCEPTABLE, desc = "z|a: between the zap of the first page's PTE and the second's.")
    @Outcome(id = "Z\\|Z", expect = ACCEPTABLE, desc = "z|z: after the zap, before the store.")
    @Outcome(id = "Z\\|X", expect = ACCEPTABLE, desc = "z|x: after the writer.")
    @Outcome(id = "A\\|Z", expect = ACCEPTABLE_INTERESTING, desc = "content mix (A5/A6): the first page read before the zap, the second after it.")
    @Outcome(id = "A\\|X", expect = ACCEPTABLE_INTERESTING, desc = "content mix (A5/A6): the first page read before the zap, the second after the store.")
    @Outcome(expect = FORBIDDEN, desc = "anything else: bytes never in the range, a short read, a leak (,leak:REASON) or a failed writer call (,writer:WHAT).")
    @State
    public static class Slow {
        final Machine m = new Machine(Race.DONTNEED, Variant.SLOW);

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
    @Description("MADV_DONTNEED and a store under a 16-byte read across A's two pages, read by fast-v1.")
    @Outcome(id = "A\\|A", expect = ACCEPTABLE, desc = "a|a: before the zap.")
    @Outcome(id = "Z\\|A", expect = ACCEPTABLE, desc = "z|a: between the zap of the first page's PTE and the second's.")
    @Outcome(id = "Z\\|Z", expect = ACCEPTABLE, desc = "z|z: after the zap, before the store.")
    @Outcome(id = "Z\\|X", expect = ACCEPTABLE, desc = "z|x: after the writer.")
    @Outcome(id = "A\\|Z", expect = ACCEPTABLE_INTERESTING, desc = "content mix (A5/A6): the first page read before the zap, the second after it.")
    @Outcome(id = "A\\|X", expect = ACCEPTABLE_INTERESTING, desc = "content mix (A5/A6): the first page read before the zap, the second after the store.")
    @Outcome(expect = FORBIDDEN, desc = "anything else: bytes never in the range, a short read, a leak (,leak:REASON) or a failed writer call (,writer:WHAT).")
    @State
    public static class FastV1 {
        final Machine m = new Machine(Race.DONTNEED, Variant.FAST_V1);

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
    @Description("MADV_DONTNEED and a store under a 16-byte read across A's two pages, read by fast-v1-irqoff.")
    @Outcome(id = "A\\|A", expect = ACCEPTABLE, desc = "a|a: before the zap.")
    @Outcome(id = "Z\\|A", expect = ACCEPTABLE, desc = "z|a: between the zap of the first page's PTE and the second's.")
    @Outcome(id = "Z\\|Z", expect = ACCEPTABLE, desc = "z|z: after the zap, before the store.")
    @Outcome(id = "Z\\|X", expect = ACCEPTABLE, desc = "z|x: after the writer.")
    @Outcome(id = "A\\|Z", expect = ACCEPTABLE_INTERESTING, desc = "content mix (A5/A6): the first page read before the zap, the second after it.")
    @Outcome(id = "A\\|X", expect = ACCEPTABLE_INTERESTING, desc = "content mix (A5/A6): the first page read before the zap, the second after the store.")
    @Outcome(expect = FORBIDDEN, desc = "anything else: bytes never in the range, a short read, a leak (,leak:REASON) or a failed writer call (,writer:WHAT).")
    @State
    public static class FastV1Irqoff {
        final Machine m = new Machine(Race.DONTNEED, Variant.FAST_V1_IRQOFF);

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
    @Description("MADV_DONTNEED and a store under a 16-byte read across A's two pages, read by fast-one-vma.")
    @Outcome(id = "A\\|A", expect = ACCEPTABLE, desc = "a|a: before the zap.")
    @Outcome(id = "Z\\|A", expect = ACCEPTABLE, desc = "z|a: between the zap of the first page's PTE and the second's.")
    @Outcome(id = "Z\\|Z", expect = ACCEPTABLE, desc = "z|z: after the zap, before the store.")
    @Outcome(id = "Z\\|X", expect = ACCEPTABLE, desc = "z|x: after the writer.")
    @Outcome(id = "A\\|Z", expect = ACCEPTABLE_INTERESTING, desc = "content mix (A5/A6): the first page read before the zap, the second after it.")
    @Outcome(id = "A\\|X", expect = ACCEPTABLE_INTERESTING, desc = "content mix (A5/A6): the first page read before the zap, the second after the store.")
    @Outcome(expect = FORBIDDEN, desc = "anything else: bytes never in the range, a short read, a leak (,leak:REASON) or a failed writer call (,writer:WHAT).")
    @State
    public static class FastOneVma {
        final Machine m = new Machine(Race.DONTNEED, Variant.FAST_ONE_VMA);

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
    @Description("MADV_DONTNEED and a store under a 16-byte read across A's two pages, read by fast-one-vma-irqoff.")
    @Outcome(id = "A\\|A", expect = ACCEPTABLE, desc = "a|a: before the zap.")
    @Outcome(id = "Z\\|A", expect = ACCEPTABLE, desc = "z|a: between the zap of the first page's PTE and the second's.")
    @Outcome(id = "Z\\|Z", expect = ACCEPTABLE, desc = "z|z: after the zap, before the store.")
    @Outcome(id = "Z\\|X", expect = ACCEPTABLE, desc = "z|x: after the writer.")
    @Outcome(id = "A\\|Z", expect = ACCEPTABLE_INTERESTING, desc = "content mix (A5/A6): the first page read before the zap, the second after it.")
    @Outcome(id = "A\\|X", expect = ACCEPTABLE_INTERESTING, desc = "content mix (A5/A6): the first page read before the zap, the second after the store.")
    @Outcome(expect = FORBIDDEN, desc = "anything else: bytes never in the range, a short read, a leak (,leak:REASON) or a failed writer call (,writer:WHAT).")
    @State
    public static class FastOneVmaIrqoff {
        final Machine m = new Machine(Race.DONTNEED, Variant.FAST_ONE_VMA_IRQOFF);

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
    @Description("MADV_DONTNEED and a store under a 16-byte read across A's two pages, read by fast-one-vma-redo.")
    @Outcome(id = "A\\|A", expect = ACCEPTABLE, desc = "a|a: before the zap.")
    @Outcome(id = "Z\\|A", expect = ACCEPTABLE, desc = "z|a: between the zap of the first page's PTE and the second's.")
    @Outcome(id = "Z\\|Z", expect = ACCEPTABLE, desc = "z|z: after the zap, before the store.")
    @Outcome(id = "Z\\|X", expect = ACCEPTABLE, desc = "z|x: after the writer.")
    @Outcome(id = "A\\|Z", expect = ACCEPTABLE_INTERESTING, desc = "content mix (A5/A6): the first page read before the zap, the second after it.")
    @Outcome(id = "A\\|X", expect = ACCEPTABLE_INTERESTING, desc = "content mix (A5/A6): the first page read before the zap, the second after the store.")
    @Outcome(expect = FORBIDDEN, desc = "anything else: bytes never in the range, a short read, a leak (,leak:REASON) or a failed writer call (,writer:WHAT).")
    @State
    public static class FastOneVmaRedo {
        final Machine m = new Machine(Race.DONTNEED, Variant.FAST_ONE_VMA_REDO);

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
    @Description("MADV_DONTNEED and a store under a 16-byte read across A's two pages, read by fast-one-vma-redo-irqoff.")
    @Outcome(id = "A\\|A", expect = ACCEPTABLE, desc = "a|a: before the zap.")
    @Outcome(id = "Z\\|A", expect = ACCEPTABLE, desc = "z|a: between the zap of the first page's PTE and the second's.")
    @Outcome(id = "Z\\|Z", expect = ACCEPTABLE, desc = "z|z: after the zap, before the store.")
    @Outcome(id = "Z\\|X", expect = ACCEPTABLE, desc = "z|x: after the writer.")
    @Outcome(id = "A\\|Z", expect = ACCEPTABLE_INTERESTING, desc = "content mix (A5/A6): the first page read before the zap, the second after it.")
    @Outcome(id = "A\\|X", expect = ACCEPTABLE_INTERESTING, desc = "content mix (A5/A6): the first page read before the zap, the second after the store.")
    @Outcome(expect = FORBIDDEN, desc = "anything else: bytes never in the range, a short read, a leak (,leak:REASON) or a failed writer call (,writer:WHAT).")
    @State
    public static class FastOneVmaRedoIrqoff {
        final Machine m = new Machine(Race.DONTNEED, Variant.FAST_ONE_VMA_REDO_IRQOFF);

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
