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
 * The split and merge of tools/testing/selftests/proc/proc-maps-race.c under a byte read
 * (corpus/mprotect-split-merge.scn): A [0x10000, 0x12000), filled a; the writer makes its second
 * page PROT_NONE (A splits in two) and then read-write again (they merge back) while a FOLL_FORCE
 * read of 16 bytes crosses the split point at 0x11000 (FOLL_FORCE may read PROT_NONE: VM_MAYREAD).
 * Layouts change, bytes never do: a|a is the only outcome.
 *
 * <p>Outcomes ({@link Outcomes}: the source of each page chunk read, then {@code short:N} if the
 * read stopped early, then the arbiter's {@code ,leak:REASON}), graded by the oracle:
 * {@code RaceExpectationsTest} judges each with {@link mmrace.oracle.ReadJudge} against the history
 * above and fails if a grade here disagrees. JCStress cannot tell when the read ran, so an
 * outcome is as good as the best read interval (any stretch of the history) that explains it.
 * <pre>
 *   A|A      ACCEPTABLE              a|a: every layout holds a on both sides of 0x11000.
 *   (other)  FORBIDDEN               anything else: changed bytes, a short read (the range stayed
 *                                    readable to FOLL_FORCE), a leak (,leak:REASON) or a failed
 *                                    writer call (,writer:WHAT).
 * </pre>
 * Expected safe ({@link Safety}): slow, fast-one-vma-redo. Known bad: fast-v1, fast-one-vma (their
 * forbidden outcomes are the problem shown, reported, not failures).
 * <p>Run: {@code ./mmrace stress --filter MprotectRace}
 * <p>A real run: {@code ./mmrace stress --time-per-test 1000 --filter 'mmrace\.jcstress\.'} (JCStress
 * 0.16, -time 1000 -iters 1 -f 1, one JVM mode), on a 2-CPU VM shared with other jobs (load
 * average about 14), Temurin 25.0.3, 2026-12-04. Each test's results across all configurations
 * as JCStress printed them (it cuts descriptions; an outcome never seen is listed by its id):
 * <pre>
 * MprotectRace.Slow  [OK]
 *   RESULT  SAMPLES     FREQ      EXPECT  DESCRIPTION
 *      A|A   44,405  100.00%  Acceptable  a|a: every layout holds a on both sides of 0x11000.
 *
 * MprotectRace.FastV1  [OK]
 *   RESULT  SAMPLES     FREQ      EXPECT  DESCRIPTION
 *      A|A   44,405  100.00%  Acceptable  a|a: every layout holds a on both sides of 0x11000.
 *
 * MprotectRace.FastOneVma  [OK]
 *   RESULT  SAMPLES     FREQ      EXPECT  DESCRIPTION
 *      A|A   42,294  100.00%  Acceptable  a|a: every layout holds a on both sides of 0x11000.
 *
 * MprotectRace.FastOneVmaRedo  [OK]
 *   RESULT  SAMPLES     FREQ      EXPECT  DESCRIPTION
 *      A|A   44,405  100.00%  Acceptable  a|a: every layout holds a on both sides of 0x11000.
 * </pre>
 */
public final class MprotectRace {
    private MprotectRace() {}

    /**
     * slow (expected safe): upstream __access_remote_vm: mmap_read_lock and GUP for the whole
     * read.
     */
    @JCStressTest
    @Description("mprotect splits A and merges it back under a 16-byte FOLL_FORCE read across the split point, read by slow.")
    @Outcome(id = "A\\|A", expect = ACCEPTABLE, desc = "a|a: every layout holds a on both sides of 0x11000.")
    @Outcome(expect = FORBIDDEN, desc = "anything else: changed bytes, a short read (the range stayed readable to FOLL_FORCE), a leak (,leak:REASON) or a failed writer call (,writer:WHAT).")
    @State
    public static class Slow {
        final Machine m = new Machine(Race.MPROTECT, Variant.SLOW);

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
    @Description("mprotect splits A and merges it back under a 16-byte FOLL_FORCE read across the split point, read by fast-v1.")
    @Outcome(id = "A\\|A", expect = ACCEPTABLE, desc = "a|a: every layout holds a on both sides of 0x11000.")
    @Outcome(expect = FORBIDDEN, desc = "anything else: changed bytes, a short read (the range stayed readable to FOLL_FORCE), a leak (,leak:REASON) or a failed writer call (,writer:WHAT).")
    @State
    public static class FastV1 {
        final Machine m = new Machine(Race.MPROTECT, Variant.FAST_V1);

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
    @Description("mprotect splits A and merges it back under a 16-byte FOLL_FORCE read across the split point, read by fast-one-vma.")
    @Outcome(id = "A\\|A", expect = ACCEPTABLE, desc = "a|a: every layout holds a on both sides of 0x11000.")
    @Outcome(expect = FORBIDDEN, desc = "anything else: changed bytes, a short read (the range stayed readable to FOLL_FORCE), a leak (,leak:REASON) or a failed writer call (,writer:WHAT).")
    @State
    public static class FastOneVma {
        final Machine m = new Machine(Race.MPROTECT, Variant.FAST_ONE_VMA);

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
    @Description("mprotect splits A and merges it back under a 16-byte FOLL_FORCE read across the split point, read by fast-one-vma-redo.")
    @Outcome(id = "A\\|A", expect = ACCEPTABLE, desc = "a|a: every layout holds a on both sides of 0x11000.")
    @Outcome(expect = FORBIDDEN, desc = "anything else: changed bytes, a short read (the range stayed readable to FOLL_FORCE), a leak (,leak:REASON) or a failed writer call (,writer:WHAT).")
    @State
    public static class FastOneVmaRedo {
        final Machine m = new Machine(Race.MPROTECT, Variant.FAST_ONE_VMA_REDO);

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
