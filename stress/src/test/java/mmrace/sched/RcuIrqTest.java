package mmrace.sched;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import mmrace.runtime.Field;
import mmrace.runtime.Kernel;
import mmrace.runtime.Access;
import mmrace.runtime.Shared;
import mmrace.runtime.SpinLock;
import mmrace.runtime.Word;
import org.junit.jupiter.api.Test;

/**
 * Grace periods and IPIs under the scheduler: waits that end only when another actor leaves a
 * section, and the deadlock when that actor is itself waiting for the waiter.
 */
class RcuIrqTest {
    private static final Field A = new Field("a"), B = new Field("b"), P = new Field("p"), Q = new Field("q"), L = new Field("L");

    /** Steps of the interesting points of one execution, filled by a listener. */
    static final class Marks implements ExecutionListener {
        final Access enter, exit, wait;
        final int reader, waiter;
        final Shared after;
        long in = -1, out = -1, waitAt = -1, afterAt = -1;

        Marks(Access enter, Access exit, Access wait, int reader, int waiter, Shared after) {
            this.enter = enter;
            this.exit = exit;
            this.wait = wait;
            this.reader = reader;
            this.waiter = waiter;
            this.after = after;
        }

        @Override
        public void start(Execution e) {
            in = out = waitAt = afterAt = -1;
        }

        @Override
        public void point(long step, int actor, Access op, Shared s, long arg) {
            if (actor == reader && op == enter)
                in = step;
            if (actor == reader && op == exit)
                out = step;
            if (actor == waiter && op == wait)
                waitAt = step;
            if (actor == waiter && s == after)
                afterAt = step;
        }

        /** The wait began inside the section. */
        boolean overlapped() {
            return in < waitAt && waitAt < out;
        }
    }

    /**
     * synchronize_rcu waits for a reader already in its section.
     * <pre>
     *   reader:  rcu_read_lock(); READ_ONCE(a); READ_ONCE(b); rcu_read_unlock();
     *   writer:  WRITE_ONCE(p, 1); synchronize_rcu(); WRITE_ONCE(q, 1);
     * </pre>
     * Forbidden: synchronize_rcu begins while the reader is inside (lock < sync < unlock) and the
     * writer's next store comes before the reader's rcu_read_unlock. Checked in every schedule with
     * up to 2 preemptions; the overlapping case must occur (otherwise nothing was tested).
     */
    @Test
    void synchronizeRcuWaitsForTheReader() {
        Marks[] m = new Marks[1];
        int[] overlapped = {0};
        Bounded b = new Bounded(2);
        Explorer.explore(() -> {
            Kernel k = new Kernel();
            Word a = new Word(null, A, 0), bb = new Word(null, B, 0), p = new Word(null, P, 0), q = new Word(null, Q, 0);
            m[0] = new Marks(Access.RCU_READ_LOCK, Access.RCU_READ_UNLOCK, Access.SYNCHRONIZE_RCU, 0, 1, q);
            return Program.of(k,
                    new Actor("reader", () -> {
                        k.rcu.readLock();
                        a.readOnce();
                        bb.readOnce();
                        k.rcu.readUnlock();
                    }),
                    new Actor("writer", () -> {
                        p.writeOnce(1);
                        k.rcu.synchronize();
                        q.writeOnce(1);
                    }));
        }, b, Config.DEFAULT, 10_000, r -> {
            assertTrue(r.finished() && r.reports().isEmpty(), r::toString);
            Marks x = m[0];
            if (x.overlapped()) {
                overlapped[0]++;
                assertTrue(x.afterAt > x.out, "writer ran on inside the grace period: " + r.schedule());
            }
            return true;
        }, new ExecutionListener() {
            @Override
            public void point(long step, int actor, Access op, Shared s, long arg) {
                m[0].point(step, actor, op, s, arg);
            }
        });
        assertTrue(b.exhausted());
        assertTrue(overlapped[0] > 0);
        System.out.println("synchronize_rcu: " + b.schedules() + " schedules (<= 2 preemptions), " + overlapped[0] + " with the reader inside");
    }

    /**
     * smp_call_function(wait=1) waits for a CPU with interrupts disabled.
     * <pre>
     *   walker:  local_irq_disable(); READ_ONCE(a); READ_ONCE(b); local_irq_enable();
     *   sender:  WRITE_ONCE(p, 1); smp_call_function(wait=1); WRITE_ONCE(q, 1);
     * </pre>
     * Forbidden: the IPI is sent while the walker has interrupts off and the sender goes on before
     * local_irq_enable. Every schedule with up to 2 preemptions.
     */
    @Test
    void ipiWaitsForInterruptsEnabled() {
        Marks[] m = new Marks[1];
        int[] overlapped = {0};
        Bounded b = new Bounded(2);
        Explorer.explore(() -> {
            Kernel k = new Kernel();
            Word a = new Word(null, A, 0), bb = new Word(null, B, 0), p = new Word(null, P, 0), q = new Word(null, Q, 0);
            m[0] = new Marks(Access.IRQ_DISABLE, Access.IRQ_ENABLE, Access.IPI, 0, 1, q);
            return Program.of(k,
                    new Actor("walker", () -> {
                        k.irq.disable();
                        a.readOnce();
                        bb.readOnce();
                        k.irq.enable();
                    }),
                    new Actor("sender", () -> {
                        p.writeOnce(1);
                        k.irq.smpCallFunctionWait("test");
                        q.writeOnce(1);
                    }));
        }, b, Config.DEFAULT, 10_000, r -> {
            assertTrue(r.finished() && r.reports().isEmpty(), r::toString);
            if (m[0].overlapped()) {
                overlapped[0]++;
                assertTrue(m[0].afterAt > m[0].out, "sender went on before the IPI was taken: " + r.schedule());
            }
            return true;
        }, new ExecutionListener() {
            @Override
            public void point(long step, int actor, Access op, Shared s, long arg) {
                m[0].point(step, actor, op, s, arg);
            }
        });
        assertTrue(b.exhausted());
        assertTrue(overlapped[0] > 0);
    }

    /**
     * The tlb_remove_table_sync_one deadlock shape: a walker with interrupts off spins on a lock
     * held by a task that sends an IPI and waits for it.
     * <pre>
     *   walker:  local_irq_disable(); spin_lock(L); spin_unlock(L); local_irq_enable();
     *   sender:  spin_lock(L); smp_call_function(wait=1); spin_unlock(L);
     * </pre>
     * "0:walker 1:sender": the walker disables interrupts, the sender takes L and sends the IPI
     * (which the walker cannot take), the walker spins on L. DEADLOCK with the cycle; the same
     * deadlock shows up in a bounded search.
     */
    @Test
    void spinOnALockHeldByAnIpiSenderDeadlocks() {
        java.util.function.Supplier<Program> prog = () -> {
            Kernel k = new Kernel();
            SpinLock l = new SpinLock(null, L, "L");
            return Program.of(k,
                    new Actor("walker", () -> {
                        k.irq.disable();
                        l.lock();
                        l.unlock();
                        k.irq.enable();
                    }),
                    new Actor("sender", () -> {
                        l.lock();
                        k.irq.smpCallFunctionWait("tlb_remove_table_sync_one");
                        l.unlock();
                    }));
        };
        Result r = Runs.onceNoLeak(prog.get(), Replay.of("0:walker 1:sender"), Config.DEFAULT);
        assertEquals(Result.Outcome.DEADLOCK, r.outcome(), r::toString);
        assertEquals("walker waits for spin_lock(L) held by sender -> sender waits for IPI acknowledgement (tlb_remove_table_sync_one) held by walker",
                r.detail());
        assertEquals(0, r.divergences());

        Bounded b = new Bounded(1);
        int[] deadlocks = {0};
        Explorer.explore(prog, b, Config.DEFAULT, 1_000, x -> {
            if (x.outcome() == Result.Outcome.DEADLOCK) {
                deadlocks[0]++;
                assertTrue(x.detail().contains("spin_lock(L)") && x.detail().contains("IPI acknowledgement"), x.detail());
            } else {
                assertTrue(x.finished(), x::toString); // the other schedules run to the end: no livelock
            }
            return true;
        });
        assertTrue(b.exhausted() && deadlocks[0] > 0);
    }

    /**
     * call_rcu callbacks still pending when the actors are done run in the cleanup (rcu_barrier on
     * the "kthread" task). If an actor returned to user space inside a read section, the grace
     * period can never end: lockdep reports the open section and the execution is a DEADLOCK of
     * kthread on the finished reader.
     */
    @Test
    void cleanupRunsPendingCallbacksOrReportsTheStall() {
        int[] ran = {0};
        Kernel k = new Kernel();
        Word a = new Word(null, A, 0);
        Program ok = Program.of(k,
                new Actor("reader", () -> {
                    k.rcu.readLock();
                    a.readOnce();
                    k.rcu.readUnlock();
                }),
                new Actor("freer", () -> k.rcu.call(() -> ran[0]++, "free B")));
        Result r = Runs.onceNoLeak(ok, Replay.of("0:reader 1:freer"), Config.DEFAULT.withTrace(true));
        assertTrue(r.finished(), r::toString);
        assertEquals(1, ran[0]);
        assertEquals(0, k.rcu.pendingCallbacks());

        Kernel k2 = new Kernel();
        Program leak = Program.of(k2,
                new Actor("reader", () -> k2.rcu.readLock()),
                new Actor("freer", () -> k2.rcu.call(() -> ran[0]++, "free B")));
        Result r2 = Runs.onceNoLeak(leak, Replay.of("0:reader"), Config.DEFAULT);
        assertEquals(Result.Outcome.DEADLOCK, r2.outcome(), r2::toString);
        assertEquals("kthread waits for rcu_barrier() for free B held by reader (finished)", r2.detail());
        assertEquals(List.of(new Result.Wait("kthread", "rcu_barrier() for free B", List.of("reader (finished)"))), r2.waits());
        assertEquals(1, Runs.reportsTitled(r2, "RCU read-side critical section still open at return to user space").size());
        assertEquals(1, ran[0]);
    }
}
