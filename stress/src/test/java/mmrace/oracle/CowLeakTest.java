package mmrace.oracle;

import mmrace.port.Fault;
import mmrace.port.Fork;
import mmrace.port.Mm;
import mmrace.port.MmStruct;
import mmrace.port.Pgtable;
import mmrace.port.Syscalls;
import mmrace.port.TaskStruct;
import mmrace.runtime.Kernel;
import mmrace.runtime.Page;
import mmrace.runtime.Task;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The copy-on-write isolation rule (F10, cow-leak) on states the port builds: after fork, parent
 * and child share a write-protected anonymous page. A store by either into it is a leak once the
 * fork has returned (the store should have faulted and copied); while the fork is in progress it
 * is allowed as long as the storing process still maps the page (both see it: before the fork);
 * a store into the page after the storing process got its own copy is lost to it and seen by the
 * other, always forbidden. Stores into pages other processes do not map privately are not judged.
 */
class CowLeakTest {
    Kernel k;
    MmStruct parent, child;
    Page shared;

    @BeforeEach
    void setUp() {
        k = new Kernel();
        k.enter("t0");
        parent = MmStruct.mmAlloc(k, "P1");
        TaskStruct p1 = new TaskStruct("t1");
        p1.mm.set(parent);
        assertEquals(0x10000, Syscalls.mmap(parent, 0x10000, 0x1000, Mm.PROT_READ | Mm.PROT_WRITE,
                Mm.MAP_PRIVATE | Mm.MAP_ANONYMOUS | Mm.MAP_FIXED, null, 0, "A"));
        assertEquals(0, Fault.userStore(parent, 0x10000, new byte[] {'a'}));
        TaskStruct c = Fork.kernelClone(p1, 0, "C");
        assertTrue(!mmrace.runtime.Err.isErr(c));
        child = c.mm.peek();
        shared = page(parent);
        assertEquals(shared, page(child), "fork shares the page");
    }

    @AfterEach
    void tearDown() {
        Task.unbind();
    }

    Page page(MmStruct m) {
        return k.pages.pfnToPage(Pgtable.ptePfn(Pgtable.peekPte(m, 0x10000)));
    }

    Verdict check(MmStruct storer, Page p, boolean forking) {
        return CowLeak.check(k, List.of(parent, child), storer, p, 0x10000, forking, 7, "t1");
    }

    @Test
    void aStoreIntoASharedPageAfterForkReturnedLeaks() {
        Verdict v = check(parent, shared, false);
        assertEquals(Reason.COW_LEAK, v.reason());
        assertTrue(v.detail().contains("still shared with C's private mapping after fork returned"), v.detail());
        assertEquals(Reason.COW_LEAK, check(child, shared, false).reason(), "either direction");
    }

    @Test
    void duringTheForkAStoreBothStillMapIsAllowed() {
        assertNull(check(parent, shared, true));
    }

    @Test
    void aStoreIntoThePageTheStorerNoLongerMapsIsLost() {
        assertEquals(0, Fault.userStore(parent, 0x10000, new byte[] {'p'})); // COW: the parent gets its own copy
        Page own = page(parent);
        assertTrue(own != shared);
        Verdict v = check(parent, shared, true);
        assertEquals(Reason.COW_LEAK, v.reason(), "even while a fork is in progress");
        assertTrue(v.detail().contains("lost to P1 and seen by C"), v.detail());
        assertNull(check(parent, own, false), "the parent's own copy is its own");
    }

    @Test
    void pagesNoOtherProcessMapsPrivatelyAreNotJudged() {
        Page zero = k.pages.zeroPage;
        assertNull(check(parent, zero, false), "not anonymous");
        assertNull(CowLeak.check(k, List.of(parent), parent, shared, 0x10000, false, 7, "t1"), "one process");
    }
}
