package mmrace.port;

import mmrace.runtime.Errno;
import mmrace.runtime.Page;
import mmrace.runtime.Probes;
import mmrace.runtime.Task;
import mmrace.runtime.Trace;
import mmrace.runtime.Tracepoint;

import static mmrace.port.MmTypes.*;

/**
 * arch/x86/mm/fault.c (not re-read for this port; do_user_addr_fault as of 6.x/7.x): the user
 * page-fault path, with lock_vma_under_rcu first and lock_mm_and_find_vma as the fallback; and the
 * x86 MMU as a thread of the target sees it ({@link #userStore}).
 *
 * <p>model: only user-mode faults; no protection keys, no shadow stacks, no signals delivered
 * (a SIGSEGV/SIGBUS is the -EFAULT returned by userStore); the hardware walk sets no accessed or
 * dirty bits (every PTE installed for a write is already dirty, and writeback is not modelled).
 */
public final class Fault {
    private Fault() {}

    // enum x86_pf_error_code
    public static final int X86_PF_PROT = 1 << 0;
    public static final int X86_PF_WRITE = 1 << 1;
    public static final int X86_PF_USER = 1 << 2;
    public static final int X86_PF_INSTR = 1 << 4;

    /** FAULT_FLAG_DEFAULT. */
    static final int FAULT_FLAG_DEFAULT = FAULT_FLAG_ALLOW_RETRY | FAULT_FLAG_KILLABLE | FAULT_FLAG_INTERRUPTIBLE;

    static final int P_VMA_LOCK_OK = Probes.register("do_user_addr_fault: handled under the VMA lock");
    static final int P_VMA_LOCK_RETRY = Probes.register("do_user_addr_fault: VMA lock path returned RETRY, take mmap_lock");
    static final int P_VMA_LOCK_NONE = Probes.register("do_user_addr_fault: lock_vma_under_rcu failed, take mmap_lock");
    static final int P_BAD_AREA = Probes.register("do_user_addr_fault: bad area (SIGSEGV)");
    static final int P_ACCESS_ERROR = Probes.register("do_user_addr_fault: access error (SIGSEGV)");
    static final int P_MMAP_RETRY = Probes.register("do_user_addr_fault: RETRY under mmap_lock, again with FAULT_FLAG_TRIED");
    static final int P_STORE = Probes.register("user store: stored through a writable PTE");
    static final int P_STORE_FAULT = Probes.register("user store: page fault");

    /** The outcome of a user fault: 0, or the signal the task would get. */
    public static final int SIGSEGV = 11, SIGBUS = 7;

    /** access_error(error_code, vma). */
    static boolean accessError(int errorCode, VmAreaStruct vma) {
        long f = vma.vmFlags.get();
        if ((errorCode & X86_PF_WRITE) != 0)
            return (f & Mm.VM_WRITE) == 0;
        if ((errorCode & X86_PF_PROT) != 0) // read, present
            return true;
        return (f & Mm.VM_ACCESS_FLAGS) == 0; // read, not present: !vma_is_accessible
    }

    /**
     * lock_mm_and_find_vma(mm, addr, regs) (mm/mmap_lock.c, which {@link MmapLock} does not port):
     * mmap read lock and the VMA containing addr, or null with no lock held. model: stack growth
     * (upgrade to the write lock + expand_downwards, in mm/vma.c) is not modelled: a fault below a
     * VM_GROWSDOWN VMA is a bad area.
     */
    static VmAreaStruct lockMmAndFindVma(MmStruct mm, long addr) {
        if (MmapLock.mmapReadLockKillable(mm) != 0) // get_mmap_lock_carefully
            return null;
        VmAreaStruct vma = Mmap.findVma(mm, addr);
        if (vma != null && vma.vmStart.get() <= addr)
            return vma;
        MmapLock.mmapReadUnlock(mm);
        return null;
    }

    /**
     * do_user_addr_fault(regs, error_code, address) for a user-mode fault of the current task in
     * mm: 0 when the fault was handled (the instruction is retried), else SIGSEGV or SIGBUS.
     */
    public static int doUserAddrFault(MmStruct mm, long address, int errorCode) {
        int flags = FAULT_FLAG_DEFAULT | FAULT_FLAG_USER;
        int fault;
        if ((errorCode & X86_PF_WRITE) != 0)
            flags |= FAULT_FLAG_WRITE;
        if ((errorCode & X86_PF_INSTR) != 0)
            flags |= FAULT_FLAG_INSTRUCTION;
        lockMmap:
        {
            VmAreaStruct vma = MmapLock.lockVmaUnderRcu(mm, address);
            if (vma == null) {
                Probes.hit(P_VMA_LOCK_NONE);
                break lockMmap;
            }
            if (accessError(errorCode, vma)) {
                Probes.hit(P_ACCESS_ERROR);
                MmapLock.vmaEndRead(vma); // bad_area_access_error(..., NULL, vma)
                return SIGSEGV;
            }
            fault = Memory.handleMmFault(vma, address, flags | FAULT_FLAG_VMA_LOCK);
            if ((fault & (VM_FAULT_RETRY | VM_FAULT_COMPLETED)) == 0)
                MmapLock.vmaEndRead(vma);
            if ((fault & VM_FAULT_RETRY) == 0) {
                Probes.hit(P_VMA_LOCK_OK);
                return done(fault);
            }
            Probes.hit(P_VMA_LOCK_RETRY);
            if ((fault & VM_FAULT_MAJOR) != 0)
                flags |= FAULT_FLAG_TRIED;
            if (Task.current().fatalSignal)
                return SIGSEGV; // fault_signal_pending: the task is dying
        }
        for (;;) { // lock_mmap: retry:
            VmAreaStruct vma = lockMmAndFindVma(mm, address);
            if (vma == null) {
                Probes.hit(P_BAD_AREA);
                return SIGSEGV; // bad_area_nosemaphore
            }
            if (accessError(errorCode, vma)) {
                Probes.hit(P_ACCESS_ERROR);
                MmapLock.mmapReadUnlock(mm); // bad_area_access_error(..., mm, vma)
                return SIGSEGV;
            }
            fault = Memory.handleMmFault(vma, address, flags);
            if (Task.current().fatalSignal && (fault & VM_FAULT_RETRY) != 0)
                return SIGSEGV;
            if ((fault & VM_FAULT_COMPLETED) != 0)
                return 0;
            if ((fault & VM_FAULT_RETRY) != 0) {
                Probes.hit(P_MMAP_RETRY);
                flags |= FAULT_FLAG_TRIED;
                continue;
            }
            MmapLock.mmapReadUnlock(mm);
            return done(fault);
        }
    }

    private static int done(int fault) {
        if ((fault & VM_FAULT_ERROR) == 0)
            return 0;
        if ((fault & VM_FAULT_OOM) != 0)
            return SIGBUS; // model: pagefault_out_of_memory; the task would be OOM-killed
        if ((fault & (VM_FAULT_SIGBUS | VM_FAULT_HWPOISON | VM_FAULT_HWPOISON_LARGE)) != 0)
            return SIGBUS;
        return SIGSEGV;
    }

    /**
     * The MMU translating a user store to addr (one point per level): 0 when the bytes were stored,
     * else the page-fault error code.
     */
    static int mmuStore(MmStruct mm, long addr, byte[] data, int off, int n) {
        int err = X86_PF_USER | X86_PF_WRITE;
        long p4d = Pgtable.p4dOffset(Pgtable.pgdOffset(mm, addr), addr).readOnce();
        if ((p4d & Pgtable._PAGE_PRESENT) == 0 || Pgtable.entryBad(p4d))
            return err;
        long pud = Pgtable.pudOffset(p4d, addr).readOnce();
        if ((pud & Pgtable._PAGE_PRESENT) == 0 || Pgtable.entryBad(pud) || Pgtable.pudLeaf(pud))
            return err;
        long pmd = Pgtable.pmdOffset(pud, addr).readOnce();
        if ((pmd & Pgtable._PAGE_PRESENT) == 0 || Pgtable.entryBad(pmd) || Pgtable.pmdLeaf(pmd))
            return err;
        long pte = Pgtable.pteOffsetKernel(pmd, addr).readOnce();
        if ((pte & Pgtable._PAGE_PRESENT) == 0 || pte == Page.ENTRY_POISON)
            return err;
        if ((pte & Pgtable._PAGE_USER) == 0 || (pte & Pgtable._PAGE_RW) == 0)
            return err | X86_PF_PROT;
        Page page = Task.current().kernel.pages.pfnToPage(Pgtable.ptePfn(pte));
        if (page == null)
            return err | X86_PF_PROT; // model: no memory behind the pfn: treat as a protection fault
        page.copyTo((int) (addr & (Page.PAGE_SIZE - 1)), data, off, n);
        Probes.hit(P_STORE);
        Trace.tracepoint(Tracepoint.USER_STORE, page, addr);
        Trace.note("user store of %d bytes at %#x into %s", n, addr, page);
        return 0;
    }

    /**
     * A store instruction by a thread of the target: the MMU walks the page tables and stores if the
     * PTE is present and writable, else the CPU takes a page fault and retries. Stores that cross a
     * page boundary are split per page. Returns 0, or -EFAULT for SIGSEGV/SIGBUS.
     *
     * <p>model: the walk and the store of one page run with interrupts disabled: an instruction is
     * not interrupted, so a TLB-flush IPI (sent to the CPUs in mm_cpumask, which this CPU joins here)
     * waits until the store is done, and an RCU grace period waits for the walk, as the kernel's
     * freeing of page tables and pages (after the flush) relies on.
     */
    public static int userStore(MmStruct mm, long addr, byte[] data) {
        Task t = Task.current();
        Tlb.switchMm(mm);
        int off = 0;
        while (off < data.length) {
            long a = addr + off;
            if (a < 0 || a >= Mm.TASK_SIZE)
                return -Errno.EFAULT;
            int in = (int) (a & (Page.PAGE_SIZE - 1));
            int n = Math.min(data.length - off, Page.PAGE_SIZE - in);
            for (;;) {
                t.kernel.irq.disable();
                int err = mmuStore(mm, a, data, off, n);
                t.kernel.irq.enable();
                if (err == 0)
                    break;
                Probes.hit(P_STORE_FAULT);
                if (doUserAddrFault(mm, a, err) != 0)
                    return -Errno.EFAULT;
            }
            off += n;
        }
        return 0;
    }
}
