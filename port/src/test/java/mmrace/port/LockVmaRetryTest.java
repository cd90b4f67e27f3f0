package mmrace.port;

import mmrace.runtime.Kernel;
import mmrace.runtime.Mutant;
import mmrace.runtime.Report;
import mmrace.runtime.Task;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The retry of lock_vma_under_rcu (mm/mmap_lock.c) after vma_start_read found the VMA detached,
 * with one deterministic interleaving. The reader's mas_walk finds B in a leaf of mm_mt; before
 * vma_start_read takes its reference, a writer munmaps B: B is detached, the leaf holding it is
 * replaced (copy-on-write) and handed to call_rcu. The reader is still inside rcu_read_lock, so
 * the old leaf survives; vma_start_read sees vm_refcnt 0 (-EAGAIN) and drops the read lock, which
 * ends the grace period: the old leaf is freed. The kernel then does mas_set(&mas, address) and
 * walks again from the root: it finds nothing at B's address and returns NULL, with no report.
 * Without the mas_set (mutant no-mas-reset, the bug commit 270065f514c5 fixed) the state is still
 * active, mas_walk walks on from the freed leaf, and KASAN reports a use-after-free read.
 * Run with trees of two and three levels (the reader's leaf below one or two internal nodes).
 */
class LockVmaRetryTest {
    static final long P = 0x1000;

    final Kernel k = new Kernel();
    final Task t0 = k.enter("t0");
    final MmStruct mm = TestMm.mm(k);

    @AfterEach
    void tearDown() {
        Mutant.set(Set.of());
        Task.unbind();
    }

    /** n VMAs of two pages with a page of gap between them; returns the one the test unmaps. */
    private VmAreaStruct layout(int n) {
        List<VmAreaStruct> vmas = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long start = 0x10000 + i * 3 * P;
            vmas.add(TestMm.anon(mm, start, start + 2 * P, TestMm.RW, String.valueOf((char) ('A' + i))));
        }
        return vmas.get(n / 2);
    }

    /** The reader's lock_vma_under_rcu(B), with munmap(B) run by a writer just before vma_start_read. */
    private Interleave race(VmAreaStruct b, VmAreaStruct[] got) {
        long start = b.vmStart.peek(), len = b.vmEnd.peek() - start;
        Interleave il = new Interleave(s -> s == b.vmLockSeq); // vma_start_read's first look at B
        Task reader = k.newTask("reader", il), writer = k.newTask("writer", il);
        il.then(writer, () -> assertEquals(0, Syscalls.munmap(mm, start, len), "munmap(B)"));
        reader.bind();
        got[0] = MmapLock.lockVmaUnderRcu(mm, start + P);
        t0.bind();
        assertTrue(il.fired(), "the writer ran inside the reader's lock_vma_under_rcu");
        return il;
    }

    @ParameterizedTest(name = "{0} VMAs")
    @ValueSource(ints = {4, 10})
    void retryWalksAgainFromTheRoot(int n) {
        VmAreaStruct b = layout(n);
        assertEquals(n == 4 ? 2 : 3, mm.mmMt.peekHeight(), "tree height");
        VmAreaStruct[] got = new VmAreaStruct[1];
        Interleave il = race(b, got);
        assertNull(got[0], "B is gone and nothing else maps its address: NULL (the caller falls back to mmap_lock)");
        int detached = il.first("reader", "vma_start_read: vm_refcnt 0, detached (-EAGAIN)");
        int freed = il.first("reader", "mt_free_rcu: replaced node freed after its grace period");
        int retry = il.first("reader", "lock_vma_under_rcu: vma detached, retry (VMA_LOCK_MISS)");
        int rewalk = il.first("reader", "mas_walk: state reset (mas_set/mas_reset) after a walk, walks from the root");
        assertTrue(detached >= 0 && detached < freed && freed < retry && retry < rewalk, il.probes.toString());
        assertTrue(k.reports.isEmpty(), k.reports.all().toString());
        assertEquals(0, k.rcu.pendingCallbacks());
    }

    @ParameterizedTest(name = "{0} VMAs")
    @ValueSource(ints = {4, 10})
    void withoutMasSetTheRetryReadsTheFreedNode(int n) {
        Mutant.set(Set.of(Mutant.NO_MAS_RESET));
        VmAreaStruct b = layout(n);
        VmAreaStruct[] got = new VmAreaStruct[1];
        Interleave il = race(b, got);
        assertTrue(il.hit("reader", "mas_walk: active state, walks on from the node it holds"), il.probes.toString());
        List<Report> r = k.reports.all();
        assertEquals(1, r.size(), r.toString());
        assertEquals(Report.Kind.KASAN, r.get(0).kind());
        assertEquals("use-after-free read of maple_node", r.get(0).title());
        assertEquals("reader", r.get(0).task());
        // the freed node still says dead: the walk restarts from the root and finds nothing
        assertTrue(il.hit("reader", "mtree_range_walk: dead node (replaced under the walker), restart from the root"));
        assertNull(got[0]);
    }
}
