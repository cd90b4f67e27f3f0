package mmrace.runtime;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Primitives on real threads (no scheduler), as JCStress drives them: an rwsem whose waiting
 * writer blocks new readers, a grace period that waits for a reader, an IPI that waits for a CPU
 * with interrupts off, refcount_t's conditional increments.
 */
class PrimitivesTest {
    @AfterEach
    void tearDown() {
        Task.unbind();
    }

    /** A thread running body as a task of k. */
    static Thread task(Kernel k, String name, Runnable body) {
        Task t = k.newTask(name, null);
        Thread th = new Thread(() -> {
            t.bind();
            body.run();
        }, name);
        th.setDaemon(true); // a hung thread must not keep the test JVM alive
        th.start();
        return th;
    }

    @Test
    void waitingWriterBlocksNewReaders() throws Exception {
        Kernel k = new Kernel();
        k.enter("reader1");
        RwSemaphore sem = new RwSemaphore(null, new Field("mmap_lock"), "mmap_lock");
        sem.downRead();
        CountDownLatch writerHas = new CountDownLatch(1);
        Thread w = task(k, "writer", () -> {
            sem.downWrite();
            writerHas.countDown();
            sem.upWrite();
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        AtomicBoolean sawQueued = new AtomicBoolean();
        // once the writer queues, a second reader's trylock must fail
        while (System.nanoTime() < deadline && !sawQueued.get()) {
            Thread r2 = task(k, "reader2", () -> {
                if (!sem.downReadTrylock())
                    sawQueued.set(true);
                else
                    sem.upRead();
            });
            r2.join();
        }
        assertTrue(sawQueued.get(), "a reader got in ahead of a waiting writer");
        assertEquals(1, writerHas.getCount(), "the writer cannot have the lock while we read");
        sem.upRead();
        assertTrue(writerHas.await(10, TimeUnit.SECONDS));
        w.join();
        assertTrue(k.reports.isEmpty(), k.reports.all().toString());
    }

    @Test
    void synchronizeRcuWaitsForAReader() throws Exception {
        Kernel k = new Kernel();
        k.enter("reader");
        k.rcu.readLock();
        AtomicBoolean done = new AtomicBoolean();
        Thread s = task(k, "updater", () -> {
            k.rcu.synchronize();
            done.set(true);
        });
        // the updater must be seen waiting (not merely slow to start) while the reader is inside
        assertTrue(TestThreads.awaitWaiting(s, Duration.ofSeconds(10)), "synchronize_rcu returned inside a read-side critical section");
        assertFalse(done.get());
        k.rcu.readUnlock();
        TestThreads.joinOrFail(List.of(s), Duration.ofSeconds(10));
        assertTrue(done.get());
    }

    @Test
    void callRcuRunsAfterTheGracePeriod() {
        Kernel k = new Kernel();
        k.enter("t");
        AtomicBoolean ran = new AtomicBoolean();
        k.rcu.readLock();
        k.rcu.call(() -> ran.set(true), "free");
        assertFalse(ran.get());
        k.rcu.readUnlock();
        assertTrue(ran.get());
    }

    @Test
    void ipiWaitsForACpuWithInterruptsOff() throws Exception {
        Kernel k = new Kernel();
        k.enter("walker");
        k.irq.disable();
        AtomicBoolean done = new AtomicBoolean();
        Thread s = task(k, "freer", () -> {
            k.irq.smpCallFunctionWait("tlb_remove_table_sync_one");
            done.set(true);
        });
        // the sender must be seen waiting (not merely slow to start) while interrupts are off
        assertTrue(TestThreads.awaitWaiting(s, Duration.ofSeconds(10)), "the IPI was acknowledged by a CPU with interrupts disabled");
        assertFalse(done.get());
        k.irq.enable();
        TestThreads.joinOrFail(List.of(s), Duration.ofSeconds(10));
        assertTrue(done.get());
    }

    @Test
    void refcountConditionalIncrements() {
        Kernel k = new Kernel();
        k.enter("t");
        Atomic r = new Atomic(null, new Field("vm_refcnt"), 0);
        int[] old = new int[1];
        assertFalse(r.refcountIncNotZeroLimitedAcquire(10, old), "no increment from 0");
        assertEquals(0, old[0]);
        r.set(1);
        assertTrue(r.refcountIncNotZeroLimitedAcquire(10, old));
        assertEquals(2, r.read());
        r.set(10);
        assertFalse(r.refcountIncNotZeroLimitedAcquire(10, old), "no increment past the limit");
        assertFalse(new Atomic(null, new Field("x"), 0).refcountAddNotZero(5));
    }
}
