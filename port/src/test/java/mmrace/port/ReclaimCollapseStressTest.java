package mmrace.port;

import mmrace.port.Memory.ReadPath;
import mmrace.port.Memory.WalkMode;
import mmrace.runtime.Kernel;
import mmrace.runtime.Page;
import mmrace.runtime.Task;
import mmrace.runtime.TestThreads;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static mmrace.port.Mm.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A bounded smoke test on real threads (no scheduler): a thread of the target stores into an
 * anonymous 2 MiB range, a reclaimer swaps pages of it and of a file mapping out, khugepaged
 * collapses both ranges, and a reader reads both through every path and walk mode. Every
 * anonymous byte read must be 0 (not yet stored) or the byte the storer writes there; every file
 * byte must be the file's; no report may be filed and nothing may throw or hang.
 */
class ReclaimCollapseStressTest {
    static final long ANON_AT = 0x200000, FILE_AT = 0x600000, SIZE = Pgtable.PMD_SIZE;

    @Test
    void concurrentStoreReclaimCollapseAndRead() throws Exception {
        Kernel k = new Kernel();
        Task main = k.enter("main");
        MmStruct mm = TestMm.mm(k);
        byte[] contents = TestMm.pattern((int) SIZE, 3);
        File f = Filemap.init(new File("f", contents));
        assertEquals(ANON_AT, Syscalls.mmap(mm, ANON_AT, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, null, 0, "A"));
        assertEquals(FILE_AT, Syscalls.mmap(mm, FILE_AT, SIZE, PROT_READ, MAP_SHARED | MAP_FIXED, f, 0, "F"));
        byte[] pattern = TestMm.pattern(0x6000, 1);
        for (int i = 0; i < pattern.length; i++)
            if (pattern[i] == 0)
                pattern[i] = 1;
        AtomicReference<Throwable> failure = new AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean readerDone = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger collapsed = new java.util.concurrent.atomic.AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        threads.add(new Thread(() -> run(failure, () -> {
            k.enter("storer");
            for (int i = 0; !readerDone.get() && i < 100_000; i++) {
                assertEquals(0, Fault.userStore(mm, ANON_AT + 0x1000, pattern));
                Thread.yield();
            }
        })));
        threads.add(new Thread(() -> run(failure, () -> {
            k.enter("reclaimer");
            for (int i = 0; !readerDone.get() && i < 100_000; i++) {
                Thread.yield();
                long r = Daemons.reclaimPage(mm, ANON_AT + 0x1000 + (i % 6) * Page.PAGE_SIZE);
                assertTrue(r >= -mmrace.runtime.Errno.ENOENT || r == -mmrace.runtime.Errno.EBUSY || r == -mmrace.runtime.Errno.EFAULT, "reclaim " + r);
                Daemons.reclaimPage(mm, FILE_AT + (i % 8) * Page.PAGE_SIZE);
            }
        })));
        threads.add(new Thread(() -> run(failure, () -> {
            k.enter("khugepaged");
            for (int i = 0; !readerDone.get() && i < 100_000; i++) {
                if (Daemons.collapse(mm, ANON_AT) == 0)
                    collapsed.incrementAndGet();
                if (Daemons.collapse(mm, FILE_AT) == 0)
                    collapsed.incrementAndGet();
                Thread.yield();
            }
        })));
        threads.add(new Thread(() -> run(failure, () -> {
            k.enter("reader");
            try {
                read(mm, contents, pattern);
            } finally {
                readerDone.set(true); // the others stop with the reader, also when it failed
            }
        })));
        for (Thread th : threads) {
            th.setDaemon(true); // a hung thread must not keep the test JVM alive
            th.start();
        }
        TestThreads.joinOrFail(threads, Duration.ofMinutes(2));
        assertNull(failure.get(), () -> ReadPathStressTest.stackTrace(failure.get()));
        // khugepaged loops until the reader is done: it collapses hundreds of times, never none (else nothing raced with it)
        assertTrue(collapsed.get() > 0, "khugepaged never collapsed while the reader read");
        main.bind();
        assertTrue(k.reports.all().isEmpty(), () -> k.reports.all().toString());
        byte[] buf = new byte[pattern.length];
        assertEquals(buf.length, Memory.accessRemoteVm(mm, ANON_AT + 0x1000, buf, buf.length, 0));
        assertArrayEquals(pattern, buf, "the last store is what memory holds");
        assertTrue(k.reports.all().isEmpty(), () -> k.reports.all().toString());
    }

    /** The reader: 200 reads of the anonymous range and of the file, through every path and walk mode. */
    private static void read(MmStruct mm, byte[] contents, byte[] pattern) {
        byte[] buf = new byte[0x3000];
        for (int i = 0; i < 200; i++) {
            ReadPath p = ReadPath.values()[i % 4];
            WalkMode w = WalkMode.values()[(i / 4) % 2];
            int n = Memory.accessRemoteVm(mm, ANON_AT + 0x1800, buf, buf.length, 0, p, w);
            assertEquals(buf.length, n);
            for (int j = 0; j < n; j++)
                assertTrue(buf[j] == 0 || buf[j] == pattern[0x800 + j], "anon byte " + j);
            long off = (i * 0x3100L) % (SIZE - buf.length);
            n = Memory.accessRemoteVm(mm, FILE_AT + off, buf, buf.length, 0, p, w);
            assertEquals(buf.length, n);
            assertArrayEquals(Arrays.copyOfRange(contents, (int) off, (int) off + buf.length), buf, "file at " + off);
        }
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
