package mmrace.runtime;

import java.lang.invoke.VarHandle;

/**
 * Memory barriers (include/asm-generic/barrier.h) mapped to VarHandle fences. They are not
 * accesses, so they are not points; under a scheduler every execution is sequentially consistent
 * and they change nothing, on real threads they order as the kernel's do.
 */
public final class Barrier {
    private Barrier() {}

    /** smp_wmb(). */
    public static void smpWmb() {
        VarHandle.storeStoreFence();
    }

    /** smp_rmb(). */
    public static void smpRmb() {
        VarHandle.loadLoadFence();
    }

    /** smp_mb(). */
    public static void smpMb() {
        VarHandle.fullFence();
    }
}
