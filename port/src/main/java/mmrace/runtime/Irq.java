package mmrace.runtime;

import java.util.ArrayList;
import java.util.List;

/**
 * Per-CPU interrupt disabling and IPIs. An IPI sent with smp_call_function(wait=1) is handled by
 * a CPU as soon as it has interrupts enabled; the sender waits until every other CPU has handled
 * it. This is what tlb_remove_table_sync_one() relies on to exclude walkers running with
 * interrupts off (mm/mmu_gather.c), and what deadlocks if such a walker spins on a lock the
 * sender holds.
 */
public final class Irq extends Shared {
    private static final Field IRQ = new Field("irq");
    private final Kernel kernel;

    Irq(Kernel kernel) {
        super(null, IRQ);
        this.kernel = kernel;
    }

    /** local_irq_disable(). */
    public void disable() {
        Task t = Task.current();
        t.point(Access.IRQ_DISABLE, this, 0);
        if (t.irqNesting++ == 0)
            t.irqSeq++;
    }

    /** local_irq_enable(). */
    public void enable() {
        Task t = Task.current();
        t.point(Access.IRQ_ENABLE, this, 0);
        if (t.irqNesting == 0) {
            kernel.reports.file(t, Report.Kind.WARN, "local_irq_enable with interrupts enabled", "");
            return;
        }
        if (--t.irqNesting == 0)
            t.irqSeq++;
    }

    /** irqs_disabled(). */
    public boolean disabled() {
        return Task.current().irqNesting > 0;
    }

    /**
     * smp_call_function(func, info, wait=1) with a no-op func: returns once every other CPU has
     * taken the interrupt.
     */
    public void smpCallFunctionWait(String why) {
        smpCallFunctionManyWait(null, why);
    }

    /**
     * smp_call_function_many(mask, func, info, wait=1) / on_each_cpu_mask with a no-op func:
     * returns once every CPU in {@code targets} (null: every other CPU) has taken the interrupt.
     * The caller's own CPU is never waited for.
     */
    public void smpCallFunctionManyWait(java.util.Collection<Task> targets, String why) {
        Task t = Task.current();
        if (t.irqNesting > 0)
            kernel.reports.file(t, Report.Kind.WARN, "smp_call_function with interrupts disabled", why);
        t.point(Access.IPI, this, 0);
        List<Task> ts = kernel.tasks();
        long[] snap = new long[ts.size()];
        for (int i = 0; i < snap.length; i++)
            snap[i] = ts.get(i) == t || (targets != null && !targets.contains(ts.get(i))) ? 0 : ts.get(i).irqSeq;
        t.waitUntil(new Waiter() {
            @Override public boolean ready() {
                for (int i = 0; i < snap.length; i++)
                    if ((snap[i] & 1) != 0 && ts.get(i).irqSeq == snap[i])
                        return false;
                return true;
            }
            @Override public String what() { return "IPI acknowledgement (" + why + ")"; }
            @Override public List<Task> holders() {
                List<Task> r = new ArrayList<>();
                for (int i = 0; i < snap.length; i++)
                    if ((snap[i] & 1) != 0 && ts.get(i).irqSeq == snap[i])
                        r.add(ts.get(i));
                return r;
            }
        });
    }
}
