package mmrace.port;

import mmrace.runtime.Task;
import mmrace.runtime.Trace;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * arch/x86/mm/tlb.c (not re-read for this port; from the x86 design): mm_cpumask and the TLB
 * shootdown. A native x86 TLB flush sends an IPI to every CPU in mm_cpumask(mm) and waits for it
 * (native_flush_tlb_multi, wait=1); CPUs running other mms are not interrupted, so a remote reader
 * that disabled interrupts is not waited for, while a thread of the target that is in the middle of
 * a user instruction is.
 *
 * <p>model: mm_cpumask is {@link MmStruct#cpumask} (a CPU joins it in {@link #switchMm}, when a thread of the mm
 * first runs user code there, and never leaves it: no lazy-TLB trimming); the flush itself is the
 * IPI (no per-CPU TLB state is modelled, so nothing is invalidated).
 */
public final class Tlb {
    private Tlb() {}

    /** switch_mm_irqs_off(prev, next, tsk): cpumask_set_cpu(cpu, mm_cpumask(next)). */
    public static void switchMm(MmStruct mm) {
        Task t = Task.current();
        if (!mm.cpumask.contains(t))
            mm.cpumask.addIfAbsent(t);
    }

    /** mm_cpumask(mm): a copy. */
    public static List<Task> mmCpumask(MmStruct mm) {
        return new ArrayList<>(mm.cpumask);
    }

    /** flush_tlb_mm_range(mm, start, end, stride_shift, freed_tables): IPI every CPU using mm and wait. */
    public static void flushTlbMmRange(MmStruct mm, long start, long end, boolean freedTables) {
        Trace.note("flush_tlb_mm_range(%s, %#x, %#x, freed_tables=%s)", mm, start, end, freedTables);
        Task.current().kernel.irq.smpCallFunctionManyWait(mmCpumask(mm), "flush_tlb_mm_range");
    }

    /**
     * flush_tlb_range(vma, start, end) (arch/x86/include/asm/tlbflush.h): flush_tlb_mm_range of the
     * VMA's mm, stride PAGE_SHIFT (no hugetlb in the model), no tables freed.
     */
    public static void flushTlbRange(VmAreaStruct vma, long start, long end) {
        flushTlbMmRange(vma.vmMm.get(), start, end, false);
    }

    /** flush_tlb_page(vma, addr). */
    public static void flushTlbPage(VmAreaStruct vma, long addr) {
        flushTlbMmRange(vma.vmMm.get(), addr, addr + mmrace.runtime.Page.PAGE_SIZE, false);
    }
}
