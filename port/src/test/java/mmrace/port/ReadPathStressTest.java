package mmrace.port;

import mmrace.port.Memory.ReadPath;
import mmrace.port.Memory.WalkMode;
import mmrace.runtime.Kernel;
import mmrace.runtime.Task;
import mmrace.runtime.TestThreads;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A bounded smoke test on real threads (no scheduler): a thread of the target stores, another
 * zaps with reclaim_pt (DONTNEED), a reader reads through every path. Every byte read must be
 * either 0 (zapped or never written) or the value the storer writes at that offset (the storer
 * writes one fixed pattern), no report may be filed, nothing may throw and nothing may hang (a
 * thread still running after two minutes fails the test with its stack).
 */
class ReadPathStressTest {
    @Test
    void concurrentStoreZapAndRead() throws Exception {
        Kernel k = new Kernel();
        Task main = k.enter("main");
        MmStruct mm = TestMm.mm(k);
        long start = 0x200000, end = 0x400000;
        VmAreaStruct v = TestMm.anon(mm, start, end, TestMm.RW, "A");
        byte[] pattern = TestMm.pattern(0x4000, 1);
        for (int i = 0; i < pattern.length; i++)
            if (pattern[i] == 0)
                pattern[i] = 1;
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        threads.add(new Thread(() -> run(failure, () -> {
            k.enter("storer");
            for (int i = 0; i < 300; i++)
                assertEquals(0, Fault.userStore(mm, start, pattern));
        })));
        threads.add(new Thread(() -> run(failure, () -> {
            k.enter("zapper");
            for (int i = 0; i < 100; i++) {
                MmapLock.mmapReadLock(mm);
                MmuGather tlb = MmuGather.tlbGatherMmu(mm);
                ZapDetails d = new ZapDetails();
                d.reclaimPt = true;
                d.evenCows = true;
                Memory.zapPageRangeSingleBatched(tlb, v, start, end - start, d);
                MmuGather.tlbFinishMmu(tlb);
                MmapLock.mmapReadUnlock(mm);
            }
        })));
        threads.add(new Thread(() -> run(failure, () -> {
            k.enter("reader");
            byte[] buf = new byte[0x3000];
            for (int i = 0; i < 200; i++) {
                ReadPath p = ReadPath.values()[i % 4];
                WalkMode w = WalkMode.values()[(i / 4) % 2];
                int n = Memory.accessRemoteVm(mm, start + 0x800, buf, buf.length, 0, p, w);
                assertEquals(buf.length, n);
                for (int j = 0; j < n; j++)
                    assertTrue(buf[j] == 0 || buf[j] == pattern[0x800 + j], "byte " + j);
            }
        })));
        for (Thread th : threads) {
            th.setDaemon(true); // a hung thread must not keep the test JVM alive
            th.start();
        }
        TestThreads.joinOrFail(threads, Duration.ofMinutes(2));
        assertNull(failure.get(), () -> stackTrace(failure.get()));
        main.bind();
        assertTrue(k.reports.all().isEmpty(), () -> k.reports.all().toString());
    }

    static String stackTrace(Throwable e) {
        java.io.StringWriter w = new java.io.StringWriter();
        e.printStackTrace(new java.io.PrintWriter(w));
        return w.toString();
    }

    private static void run(AtomicReference<Throwable> failure, Runnable r) {
        try {
            r.run();
        } catch (Throwable e) {
            failure.compareAndSet(null, e);
        } finally {
            Task.unbind();
        }
    }
}
