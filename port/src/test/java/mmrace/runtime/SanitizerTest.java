package mmrace.runtime;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sanitizers catch what they exist for. KASAN: touching freed memory is reported (and the
 * access returns poison, as the kernel's freed memory would hold). Lockdep: a lock or RCU section
 * left held at return to user space, a bad unlock, an order inversion and sleeping in atomic context
 * are each reported, never passed over.
 */
class SanitizerTest {
    Kernel k;
    Task t;

    @BeforeEach
    void setUp() {
        k = new Kernel();
        t = k.enter("t0");
    }

    @AfterEach
    void tearDown() {
        Task.unbind();
    }

    private List<Report> reports(Report.Kind kind) {
        return k.reports.all().stream().filter(r -> r.kind() == kind).toList();
    }

    @Test
    void readingAFreedPageIsAUseAfterFree() {
        Page p = k.pages.alloc("page");
        p.copyTo(0, "secret".getBytes(), 0, 6);
        k.pages.free(p);
        byte[] out = new byte[6];
        p.copyFrom(0, out, 0, 6);
        List<Report> r = reports(Report.Kind.KASAN);
        assertEquals(1, r.size(), k.reports.all().toString());
        assertTrue(r.get(0).title().startsWith("use-after-free read"), r.get(0).toString());
        assertEquals((byte) 0xaa, out[0], "freed pages are poisoned");
    }

    @Test
    void freedPagesAreReusedAtOnce() {
        Page p = k.pages.alloc("page");
        k.pages.free(p);
        Page q = k.pages.alloc("page");
        assertEquals(p, q, "the allocator hands out the most recently freed page first");
        assertTrue(k.reports.isEmpty());
    }

    @Test
    void walkingAFreedPageTableIsReported() {
        Page table = k.pages.allocTable("pte");
        table.setEntry(3, 42, Access.WRITE);
        k.pages.free(table);
        assertEquals(Page.ENTRY_POISON, table.entry(3, Access.READ));
        assertEquals(1, reports(Report.Kind.KASAN).size());
    }

    @Test
    void lockHeldAtReturnToUserIsReported() {
        SpinLock l = new SpinLock(null, new Field("ptl"), "ptlock");
        l.lock();
        k.rcu.readLock();
        k.lockdep.checkReturnToUser(t);
        assertEquals(1, reports(Report.Kind.LOCKDEP).stream().filter(r -> r.title().contains("lock held when returning")).count());
        assertEquals(1, reports(Report.Kind.LOCKDEP).stream().filter(r -> r.title().contains("RCU read-side")).count());
        assertEquals(1, reports(Report.Kind.BUG).stream().filter(r -> r.title().contains("preempt count")).count());
    }

    @Test
    void unlockingWhatIsNotHeldIsReported() {
        k.rcu.readUnlock();
        SpinLock l = new SpinLock(null, new Field("ptl"), "ptlock");
        l.unlock();
        assertEquals(2, k.reports.all().size(), k.reports.all().toString());
        assertEquals(1, reports(Report.Kind.LOCKDEP).stream().filter(r -> r.title().equals("rcu_read_unlock without rcu_read_lock")).count(),
                k.reports.all().toString());
        assertEquals(1, reports(Report.Kind.BUG).stream().filter(r -> r.title().equals("spin_unlock of a lock not held")).count(),
                k.reports.all().toString());
    }

    @Test
    void lockOrderInversionIsReported() {
        SpinLock a = new SpinLock(null, new Field("a"), "class_a"), b = new SpinLock(null, new Field("b"), "class_b");
        a.lock();
        b.lock();
        b.unlock();
        a.unlock();
        assertTrue(k.reports.isEmpty());
        b.lock();
        a.lock();
        a.unlock();
        b.unlock();
        assertEquals(1, reports(Report.Kind.LOCKDEP).stream().filter(r -> r.title().contains("circular locking")).count());
    }

    @Test
    void sleepingUnderASpinlockIsABug() {
        SpinLock l = new SpinLock(null, new Field("ptl"), "ptlock");
        RwSemaphore sem = new RwSemaphore(null, new Field("mmap_lock"), "mmap_lock");
        l.lock();
        sem.downRead();
        sem.upRead();
        l.unlock();
        assertEquals(1, reports(Report.Kind.BUG).stream().filter(r -> r.title().contains("sleeping function")).count());
    }

    @Test
    void refcountUnderflowWarns() {
        Atomic a = new Atomic(null, new Field("_refcount"), 1);
        assertTrue(a.refcountDecAndTest());
        a.refcountDecAndTest();
        assertEquals(1, reports(Report.Kind.WARN).size());
    }
}
