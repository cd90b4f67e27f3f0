package mmrace.port;

import mmrace.port.Memory.ReadPath;
import mmrace.port.Memory.WalkMode;
import mmrace.runtime.Probes;
import mmrace.runtime.Trace;
import mmrace.runtime.Tracepoint;

import static mmrace.port.MmTypes.FOLL_WRITE;

/**
 * The model's forms of the patch's fast path ("mm: read remote memory without the mmap lock where
 * possible", June 2026), and the per-call choice between them and upstream. Not a kernel file.
 *
 * <p>The patch's v1 function, access_remote_vm_fast, is in {@link Memory} (the patch puts it in
 * mm/memory.c): one VMA lock per address, moving on into the next VMA. The v1 review asked for one
 * VMA lock for the whole request, falling back to the mmap_lock path for everything else; the v2
 * text of 3/3 was never published, so its forms here are the model's reading of that request:
 * {@link ReadPath#FAST_ONE_VMA} continues a mid-request fallback under mmap_lock,
 * {@link ReadPath#FAST_ONE_VMA_REDO} discards the copy and reads the whole request again. The
 * page-table walk follows 2/3 as of v1 (RCU-freed tables) or v2 (interrupts off), per
 * {@link WalkMode}.
 */
public final class FastPathVariants {
    private FastPathVariants() {}

    static final int P_FAST_WRITE = Probes.register("access_remote_vm_fast: write, slow path");
    static final int P_FAST_RANGE = Probes.register("access_remote_vm_fast: range not within one VMA, whole request slow");
    static final int P_FAST_MID = Probes.register("access_remote_vm_fast: fallback in the middle of the request");
    static final int P_FAST_REDO = Probes.register("access_remote_vm_fast: fallback discards the copy, redo slow");

    /**
     * model: the single-VMA form of access_remote_vm_fast: -1 if the whole request must go to the
     * slow path (no VMA lock, the range leaves the VMA, refused); else the bytes copied under the
     * one VMA lock (a fallback in the middle returns the count so far).
     */
    static int accessRemoteVmFastOneVma(MmStruct mm, long addr, byte[] buf, int len, int gupFlags, WalkMode walk,
            boolean zeroPage) {
        addr = Memory.untaggedAddrRemoteUnlocked(mm, addr);
        VmAreaStruct vma = MmapLock.lockVmaUnderRcu(mm, addr);
        if (vma == null) {
            Probes.hit(Memory.P_FAST_NO_VMA);
            Trace.note("fast path falls back at %#x: lock_vma_under_rcu failed", addr);
            return -1;
        }
        long end = addr + len;
        if (Memory.ult(end, addr) || end > vma.vmEnd.get()) { // [addr, addr + len) computed without overflow
            Probes.hit(P_FAST_RANGE);
            MmapLock.vmaEndRead(vma);
            Trace.note("fast path falls back at %#x: range leaves %s", addr, vma);
            return -1;
        }
        String why = Memory.fastVmaRefusal(vma, gupFlags);
        if (why != null) {
            MmapLock.vmaEndRead(vma);
            Trace.note("fast path falls back at %#x: %s", addr, why);
            return -1;
        }
        int copied = 0;
        while (len > 0) {
            int bytes = Memory.fastCopyPage(vma, addr, buf, copied, len, walk, zeroPage);
            if (bytes == 0) {
                Probes.hit(P_FAST_MID);
                Trace.note("fast path falls back at %#x: not present", addr);
                break;
            }
            copied += bytes;
            len -= bytes;
            addr += bytes;
        }
        MmapLock.vmaEndRead(vma);
        return copied;
    }

    /**
     * access_remote_vm with the read path chosen per call: upstream, the patch's v1, or a
     * single-VMA form; writes always take the slow path. The fast path walks with FW_VMA_LOCKED
     * (the patch's text); {@code zeroPage} (model-only) adds FW_ZEROPAGE, so that a zero-page PTE
     * reads as zeros under the VMA lock instead of making the fast path fall back. Returns the bytes copied (0..len), never
     * negative, never throws. len <= 0 or a buffer too small for len copy nothing (model: the
     * kernel's callers never pass them; len == 0 still goes through the slow path, which returns 0).
     */
    public static int accessRemoteVm(MmStruct mm, long addr, byte[] buf, int len, int gupFlags, ReadPath path, WalkMode walk,
            boolean zeroPage) {
        Trace.tracepoint(Tracepoint.READ_BEGIN, mm, addr);
        int ret;
        if (len < 0 || buf == null || len > buf.length) {
            ret = 0;
        } else if (path == ReadPath.SLOW || len == 0) {
            ret = Memory.__accessRemoteVm(mm, addr, buf, 0, len, gupFlags);
        } else if ((gupFlags & FOLL_WRITE) != 0) {
            Probes.hit(P_FAST_WRITE);
            ret = Memory.__accessRemoteVm(mm, addr, buf, 0, len, gupFlags);
        } else if (path == ReadPath.FAST_V1) {
            int copied = Memory.accessRemoteVmFast(mm, addr, buf, len, gupFlags, walk, zeroPage);
            Trace.note("access_remote_vm_fast(%s, %#x, %d) -> %d", mm, addr, len, copied);
            ret = copied;
            if (copied < len) // the remainder, under mmap_lock
                ret = copied + Memory.__accessRemoteVm(mm, addr + copied, buf, copied, len - copied, gupFlags);
        } else {
            int copied = accessRemoteVmFastOneVma(mm, addr, buf, len, gupFlags, walk, zeroPage);
            Trace.note("access_remote_vm_fast(%s, %#x, %d) -> %d", mm, addr, len, copied);
            if (copied < 0) {
                ret = Memory.__accessRemoteVm(mm, addr, buf, 0, len, gupFlags);
            } else if (copied == len) {
                ret = copied;
            } else if (path == ReadPath.FAST_ONE_VMA) {
                ret = copied + Memory.__accessRemoteVm(mm, addr + copied, buf, copied, len - copied, gupFlags);
            } else {
                Probes.hit(P_FAST_REDO);
                ret = Memory.__accessRemoteVm(mm, addr, buf, 0, len, gupFlags);
            }
        }
        Trace.tracepoint(Tracepoint.READ_END, mm, ret);
        return ret;
    }
}
