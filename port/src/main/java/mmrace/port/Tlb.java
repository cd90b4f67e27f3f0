package mmrace.port;

import mmrace.runtime.Task;
import mmrace.runtime.Trace;

import java.util.ArrayList;
import java.util.List;

/**
 * arch/x86/mm/tlb.c and arch/x86/include/asm/tlbflush.h (neither stored at c17ee635; from the x86
 * code as it has stood since the batched unmap flush of 4.3, 72b252aed506): mm_cpumask, the TLB
 * shootdown, and the batched flush reclaim uses (arch_tlbbatch_should_defer / add_pending /
 * flush). A native x86 TLB flush sends an IPI to every CPU in mm_cpumask(mm) and waits for it
 * (native_flush_tlb_multi, wait=1); CPUs running other mms are not interrupted, so a remote reader
 * that disabled interrupts is not waited for, while a thread of the target that is in the middle of
 * a user instruction is.
 *
 * <p>model: mm_cpumask is {@link MmStruct#cpumask} (a CPU joins it in {@link #switchMm}, when a
 * thread of the mm first runs user code there, and never leaves it: no lazy-TLB trimming); the
 * flush itself is the IPI (no per-CPU TLB state is modelled, so nothing is invalidated); no
 * INVLPGB broadcast flush, no TLB generations.
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

    /** flush_tlb_mm(mm): flush_tlb_mm_range(mm, 0, TLB_FLUSH_ALL, 0, false). */
    public static void flushTlbMm(MmStruct mm) {
        flushTlbMmRange(mm, 0, Mm.TASK_SIZE, false);
    }

    /**
     * arch_tlbbatch_should_defer(mm) (arch/x86/include/asm/tlbflush.h): defer the flush to the
     * end of the batch if CPUs other than this one must be flushed (cpumask_any_but(mm_cpumask(mm),
     * get_cpu()) < nr_cpu_ids).
     */
    static boolean archTlbbatchShouldDefer(MmStruct mm) {
        Task t = Task.current();
        for (Task cpu : mm.cpumask)
            if (cpu != t)
                return true;
        return false;
    }

    /**
     * arch_tlbbatch_add_pending(batch, mm, start, end): cpumask_or(&batch->cpumask,
     * mm_cpumask(mm)). model: no TLB generation (inc_mm_tlb_gen), no secondary TLBs.
     */
    static void archTlbbatchAddPending(java.util.Set<Task> batchCpumask, MmStruct mm, long start, long end) {
        batchCpumask.addAll(mm.cpumask);
    }

    /**
     * arch_tlbbatch_flush(batch) (arch/x86/mm/tlb.c): flush_tlb_multi to the batch's CPUs if any
     * other than this one is in it (the IPI, waited for), then cpumask_clear. model: no INVLPGB.
     */
    static void archTlbbatchFlush(java.util.Set<Task> batchCpumask) {
        Task t = Task.current();
        boolean remote = false;
        for (Task cpu : batchCpumask)
            remote |= cpu != t;
        if (remote) {
            Trace.note("arch_tlbbatch_flush: flush_tlb_multi(%s)", batchCpumask);
            t.kernel.irq.smpCallFunctionManyWait(new ArrayList<>(batchCpumask), "flush_tlb_multi");
        }
        batchCpumask.clear();
    }

    /** flush_tlb_page(vma, addr). */
    public static void flushTlbPage(VmAreaStruct vma, long addr) {
        flushTlbMmRange(vma.vmMm.get(), addr, addr + mmrace.runtime.Page.PAGE_SIZE, false);
    }
}
