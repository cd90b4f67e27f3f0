package mmrace.port;

import mmrace.runtime.Err;
import mmrace.runtime.Errno;
import mmrace.runtime.Mutant;
import mmrace.runtime.Page;
import mmrace.runtime.Probes;
import mmrace.runtime.Report;
import mmrace.runtime.Task;
import mmrace.runtime.Trace;

import static mmrace.port.Mm.*;
import static mmrace.port.Pgtable.*;

/**
 * mm/mprotect.c, read as the annotated copy stored as id 69452960032 (the version of the v7.0
 * window, with vma_flags_t, vma_modify_flags and the mmu_gather argument; the stored torvalds/linux
 * copy at 4a6cc7a44e98a0460bd094b68c75f0705fdc450a is a v4.15 file):
 * do_mprotect_pkey, mprotect_fixup and change_protection down to the PTEs.
 *
 * <p>model departures:
 * <ul>
 * <li>No pkeys, personality, MDWE, arch flag checks, LSM, vm_ops->mprotect, PFN-modify checks,
 *     accounting (the charge is computed and granted), mlock populate, NUMA hinting or
 *     userfaultfd-wp (cp_flags is 0 or MM_CP_TRY_CHANGE_WRITABLE).
 * <li>The MM_CP_TRY_CHANGE_WRITABLE shortcut is kept for shared mappings (a dirty PTE becomes
 *     writable at once); for private mappings PageAnonExclusive is not modelled, so the PTE stays
 *     read-only and the next write faults, which is what the kernel does for any page it cannot
 *     prove exclusive.
 * <li>Huge PMDs and PUDs (change_huge_pmd, __split_huge_pmd) are not ported: met in a range, they
 *     are reported as a BUG and skipped.
 * <li>The mmu_gather range calls this file makes (tlb_start_vma, tlb_end_vma,
 *     tlb_change_page_size, tlb_flush_pte_range) are not in MmuGather yet: they are the private
 *     methods at the bottom, recording nothing until the merge (see their comments).
 * <li>The syscall takes the mm explicitly.
 * </ul>
 */
public final class Mprotect {
    private Mprotect() {}

    /** MM_CP_TRY_CHANGE_WRITABLE (include/linux/mm.h). */
    static final int MM_CP_TRY_CHANGE_WRITABLE = 1 << 0;

    static final int P_FIXUP_SAME = Probes.register("mprotect_fixup: flags unchanged");
    static final int P_FIXUP = Probes.register("mprotect_fixup: vma_modify_flags, vma_start_write, new flags");
    static final int P_PTE_CHANGED = Probes.register("change_pte_range: present pte rewritten under the PTL");
    static final int P_PTE_RETRY = Probes.register("change_pmd_range: pte table gone, again");
    static final int P_HOLE = Probes.register("do_mprotect_pkey: hole in the range (-ENOMEM)");

    // ------------------------------------------------------------ page-table walk

    static long pgdAddrEnd(long addr, long end) {
        long b = (addr + PGDIR_SIZE) & PGDIR_MASK;
        return Long.compareUnsigned(b - 1, end - 1) < 0 ? b : end;
    }

    static long pudAddrEnd(long addr, long end) {
        long b = (addr + PUD_SIZE) & PUD_MASK;
        return Long.compareUnsigned(b - 1, end - 1) < 0 ? b : end;
    }

    static long pmdAddrEnd(long addr, long end) {
        long b = (addr + PMD_SIZE) & PMD_MASK;
        return Long.compareUnsigned(b - 1, end - 1) < 0 ? b : end;
    }

    private static void notModelled(String what, Ptep where) {
        Task t = Task.current();
        t.kernel.reports.file(t, Report.Kind.BUG, what + " not modelled", where.toString());
    }

    /** maybe_change_pte_writable(vma, pte). model: no soft-dirty or uffd-wp tracking. */
    static boolean maybeChangePteWritable(VmAreaStruct vma, long pte) {
        if ((vma.vmFlags.get() & VM_WRITE) == 0) {
            Task t = Task.current();
            t.kernel.reports.file(t, Report.Kind.WARN, "maybe_change_pte_writable: !VM_WRITE", vma.describe());
            return false;
        }
        return !pteProtnone(pte); // don't touch entries that are not even readable
    }

    /** can_change_shared_pte_writable(vma, pte): dirty means the FS was already notified. */
    static boolean canChangeSharedPteWritable(VmAreaStruct vma, long pte) {
        if (!maybeChangePteWritable(vma, pte))
            return false;
        return pteDirty(pte);
    }

    /** prot_commit_flush_ptes(vma, addr, ptep, oldpte, ptent, nr_ptes=1, idx=0, set_write, tlb). */
    static void protCommitFlushPtes(VmAreaStruct vma, long addr, Ptep ptep, long oldpte, long ptent, boolean setWrite, MmuGather tlb) {
        if (setWrite)
            ptent = pteMkwrite(ptent);
        ptep.set(ptent); // modify_prot_commit_ptes: set_pte
        if (oldpte != ptent) // pte_needs_flush
            tlb.tlbFlushPteRange(addr, Page.PAGE_SIZE);
    }

    /** change_present_ptes(tlb, vma, addr, ptep, nr_ptes=1, end, newprot, folio, page, cp_flags). */
    static void changePresentPtes(MmuGather tlb, VmAreaStruct vma, long addr, Ptep ptep, long newprot, int cpFlags) {
        long oldpte = ptep.getAndClear(); // modify_prot_start_ptes: ptep_get_and_clear
        long ptent = pteModify(oldpte, newprot);
        if ((cpFlags & MM_CP_TRY_CHANGE_WRITABLE) != 0 && !pteWrite(ptent)) {
            // set_write_prot_commit_flush_ptes
            boolean setWrite;
            if ((vma.vmFlags.get() & VM_SHARED) != 0)
                setWrite = canChangeSharedPteWritable(vma, ptent);
            else
                setWrite = false; // model: PageAnonExclusive not modelled
            protCommitFlushPtes(vma, addr, ptep, oldpte, ptent, setWrite, tlb);
        } else {
            protCommitFlushPtes(vma, addr, ptep, oldpte, ptent, false, tlb);
        }
        Probes.hit(P_PTE_CHANGED);
        Trace.note("change_pte_range: %#x %#x -> %#x", addr, oldpte, ptep.peek());
    }

    /** change_pte_range(tlb, vma, pmd, addr, end, newprot, cp_flags): pages changed, or -EAGAIN. */
    static long changePteRange(MmuGather tlb, VmAreaStruct vma, Ptep pmd, long addr, long end, long newprot, int cpFlags) {
        long pages = 0;
        MmuGather.tlbChangePageSize(tlb, Page.PAGE_SIZE);
        PgtableGeneric.PteMap m = PgtableGeneric.pteOffsetMapLock(vma.vmMm.get(), pmd, addr);
        if (m == null)
            return -Errno.EAGAIN;
        Ptep pte = m.pte();
        Rmap.flushTlbBatchedPending(vma.vmMm.get());
        // lazy_mmu_mode_enable: none
        for (;;) {
            long oldpte = pte.readOnce(); // ptep_get
            if (ptePresent(oldpte)) {
                changePresentPtes(tlb, vma, addr, pte, newprot, cpFlags);
                pages++;
            } else if (pteNone(oldpte)) {
                // nobody plays with none ptes besides userfaultfd: nothing to do
            } else {
                // change_softleaf_pte: swap entries stay as they are (no migration/device/uffd entries)
            }
            pte = pte.plus(1);
            addr += Page.PAGE_SIZE;
            if (addr == end)
                break;
        }
        PgtableGeneric.pteUnmapUnlock(pte, m.ptl());
        return pages;
    }

    /** change_pmd_range(tlb, vma, pud, addr, end, newprot, cp_flags). */
    static long changePmdRange(MmuGather tlb, VmAreaStruct vma, long pudval, long addr, long end, long newprot, int cpFlags) {
        long pages = 0;
        Ptep pmd = pmdOffset(pudval, addr);
        for (;;) {
            long next;
            for (;;) { // again:
                next = pmdAddrEnd(addr, end);
                // change_pmd_prepare: only for uffd-wp markers
                if (pmdNone(pmd.load()))
                    break;
                long pmdv = pmd.readOnce(); // pmdp_get_lockless
                if (pmdLeaf(pmdv) || (!pmdNone(pmdv) && !pmdPresent(pmdv)) || entryBad(pmdv)) {
                    notModelled("change_pmd_range: huge, swap or bad pmd", pmd);
                    break;
                }
                long ret = changePteRange(tlb, vma, pmd, addr, next, newprot, cpFlags);
                if (ret < 0) {
                    Probes.hit(P_PTE_RETRY);
                    Task.current().spin("change_pmd_range: pte table changed, again");
                    continue;
                }
                pages += ret;
                break;
            }
            // next: cond_resched
            pmd = pmd.plus(1);
            addr = next;
            if (addr == end)
                break;
        }
        return pages;
    }

    /** change_pud_range(tlb, vma, p4d, addr, end, newprot, cp_flags). */
    static long changePudRange(MmuGather tlb, VmAreaStruct vma, long p4dval, long addr, long end, long newprot, int cpFlags) {
        long pages = 0;
        Ptep pudp = pudOffset(p4dval, addr);
        for (;;) {
            long next = pudAddrEnd(addr, end);
            // change_prepare: only for uffd-wp markers
            long pud = pudp.readOnce(); // pudp_get
            if (!pudNone(pud)) {
                // mmu_notifier_invalidate_range_start: none
                if (pudLeaf(pud))
                    notModelled("change_pud_range: huge pud", pudp);
                else
                    pages += changePmdRange(tlb, vma, pud, addr, next, newprot, cpFlags);
            }
            pudp = pudp.plus(1);
            addr = next;
            if (addr == end)
                break;
        }
        return pages;
    }

    /** change_protection_range(tlb, vma, addr, end, newprot, cp_flags); change_p4d_range is folded. */
    static long changeProtectionRange(MmuGather tlb, VmAreaStruct vma, long addr, long end, long newprot, int cpFlags) {
        MmStruct mm = vma.vmMm.get();
        long pages = 0;
        if (addr >= end) {
            Task t = Task.current();
            t.kernel.reports.file(t, Report.Kind.BUG, "change_protection_range: BUG_ON(addr >= end)", vma.describe());
            return 0;
        }
        Ptep pgd = pgdOffset(mm, addr);
        MmuGather.tlbStartVma(tlb, vma);
        for (;;) {
            long next = pgdAddrEnd(addr, end);
            long pgdval = pgd.load();
            if (!Mremap.noneOrClearBad(pgdval, "pgd"))
                pages += changePudRange(tlb, vma, pgdval, addr, next, newprot, cpFlags); // change_p4d_range
            pgd = pgd.plus(1);
            addr = next;
            if (addr == end)
                break;
        }
        MmuGather.tlbEndVma(tlb, vma);
        return pages;
    }

    /** change_protection(tlb, vma, start, end, cp_flags): rewrite the PTEs of [start, end) with vm_page_prot. */
    public static long changeProtection(MmuGather tlb, VmAreaStruct vma, long start, long end, int cpFlags) {
        long newprot = vma.vmPageProt.get();
        // MM_CP_PROT_NUMA, hugetlb_change_protection: model none
        return changeProtectionRange(tlb, vma, start, end, newprot, cpFlags);
    }

    // ------------------------------------------------------------ mprotect_fixup

    /**
     * mprotect_fixup(vmi, tlb, vma, &prev, start, end, newflags): make [start, end) of vma a VMA with
     * newflags (split or merge), write-lock it, publish the flags, rewrite the PTEs.
     */
    public static int mprotectFixup(VmaIter vmi, MmuGather tlb, VmAreaStruct vma, VmAreaStruct[] pprev, long start, long end, long newflags) {
        long oldflags = vma.vmFlags.get(); // READ_ONCE(vma->flags)
        int mmCpFlags = 0;
        if (Vma.vmaIsSealed(vma))
            return -Errno.EPERM;
        if (newflags == oldflags) {
            Probes.hit(P_FIXUP_SAME);
            pprev[0] = vma;
            return 0;
        }
        // PROT_NONE PFN permission checks: model none
        if ((newflags & VM_WRITE) != 0) {
            // may_expand_vm: always; charge a private mapping turning writable
            if ((oldflags & (VM_ACCOUNT | VM_WRITE | VM_HUGETLB | VM_SHARED | VM_NORESERVE)) == 0)
                newflags |= VM_ACCOUNT; // security_vm_enough_memory_mm: granted
        } else if ((oldflags & VM_ACCOUNT) != 0 && vmaIsAnonymous(vma) && vma.anonVma.get() == null) {
            newflags &= ~VM_ACCOUNT;
        }
        long[] nf = {newflags};
        vma = Vma.vmaModifyFlags(vmi, pprev[0], vma, start, end, nf);
        newflags = nf[0];
        if (Err.isErr(vma))
            return Err.ptrErr(vma); // fail: vm_unacct_memory: none
        pprev[0] = vma;
        Probes.hit(P_FIXUP);
        // vm_flags and vm_page_prot are protected by the mmap_lock held in write mode
        if (!Mutant.on(Mutant.MPROTECT_FLAGS_BEFORE_LOCK))
            MmapLock.vmaStartWrite(vma);
        vmFlagsResetOnce(vma, newflags); // vma_flags_reset_once
        if (Mutant.on(Mutant.MPROTECT_FLAGS_BEFORE_LOCK))
            MmapLock.vmaStartWrite(vma);
        if (Vma.vmaWantsManualPteWriteUpgrade(vma))
            mmCpFlags |= MM_CP_TRY_CHANGE_WRITABLE;
        Mmap.vmaSetPageProt(vma);
        Trace.note("mprotect_fixup: %s", vma.describe());
        changeProtection(tlb, vma, start, end, mmCpFlags);
        // vm_unacct_memory, populate_vma_page_range for VM_LOCKED, vm_stat_account, perf: none
        return 0;
    }

    /** arch_validate_prot(prot, addr): the generic one. */
    static boolean archValidateProt(int prot) {
        return (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM)) == 0;
    }

    /** do_mprotect_pkey(start, len, prot, pkey=-1): 0 or -errno. */
    public static int doMprotectPkey(MmStruct mm, long start, long len, int prot, int pkey) {
        long nstart, end, tmp;
        int reqprot;
        VmAreaStruct vma;
        VmAreaStruct[] prev = {null};
        int error;
        final int grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);

        prot &= ~(PROT_GROWSDOWN | PROT_GROWSUP);
        if (grows == (PROT_GROWSDOWN | PROT_GROWSUP)) // can't be both
            return -Errno.EINVAL;
        if (offsetInPage(start))
            return -Errno.EINVAL;
        if (len == 0)
            return 0;
        len = pageAlign(len);
        end = start + len;
        if (Long.compareUnsigned(end, start) <= 0)
            return -Errno.ENOMEM;
        if (!archValidateProt(prot))
            return -Errno.EINVAL;
        reqprot = prot;

        if (MmapLock.mmapWriteLockKillable(mm) != 0)
            return -Errno.EINTR;
        error = -Errno.EINVAL;
        if (pkey != -1) { // mm_pkey_is_allocated: model no pkeys
            MmapLock.mmapWriteUnlock(mm);
            return error;
        }
        VmaIter vmi = VmaIter.of(mm, start);
        vma = vmi.vmaFind(end);
        error = -Errno.ENOMEM;
        if (vma == null) {
            MmapLock.mmapWriteUnlock(mm);
            return error;
        }
        if ((grows & PROT_GROWSDOWN) != 0) {
            if (vma.vmStart.get() >= end) {
                MmapLock.mmapWriteUnlock(mm);
                return error;
            }
            start = vma.vmStart.get();
            error = -Errno.EINVAL;
            if ((vma.vmFlags.get() & VM_GROWSDOWN) == 0) {
                MmapLock.mmapWriteUnlock(mm);
                return error;
            }
        } else {
            if (vma.vmStart.get() > start) {
                MmapLock.mmapWriteUnlock(mm);
                return error;
            }
            if ((grows & PROT_GROWSUP) != 0) { // no VM_GROWSUP on x86
                MmapLock.mmapWriteUnlock(mm);
                return -Errno.EINVAL;
            }
        }
        prev[0] = vmi.vmaPrev();
        if (start > vma.vmStart.get())
            prev[0] = vma;

        MmuGather tlb = MmuGather.tlbGatherMmu(mm);
        nstart = start;
        tmp = vma.vmStart.get();
        error = 0;
        while ((vma = vmi.vmaFind(end)) != null) { // for_each_vma_range
            if (vma.vmStart.get() != tmp) {
                Probes.hit(P_HOLE);
                error = -Errno.ENOMEM;
                break;
            }
            // READ_IMPLIES_EXEC: none
            long maskOffOldFlags = VM_ACCESS_FLAGS; // | VM_FLAGS_CLEAR (pkey bits: none)
            long newflags = calcVmProtBits(prot);
            newflags |= vma.vmFlags.get() & ~maskOffOldFlags;
            // newflags >> 4 shifts VM_MAY% in place of VM_%
            if ((newflags & ~(newflags >>> 4) & VM_ACCESS_FLAGS) != 0) {
                error = -Errno.EACCES;
                break;
            }
            // map_deny_write_exec, arch_validate_flags, security_file_mprotect: allow
            tmp = vma.vmEnd.get();
            if (tmp > end)
                tmp = end;
            // vm_ops->mprotect: none
            error = mprotectFixup(vmi, tlb, vma, prev, nstart, tmp, newflags);
            if (error != 0)
                break;
            tmp = vmi.vmaIterEnd();
            nstart = tmp;
            prot = reqprot;
        }
        MmuGather.tlbFinishMmu(tlb);
        if (error == 0 && tmp < end) {
            Probes.hit(P_HOLE);
            error = -Errno.ENOMEM;
        }
        // out:
        MmapLock.mmapWriteUnlock(mm);
        return error;
    }

    /** SYSCALL_DEFINE3(mprotect, start, len, prot). model: mm explicit. */
    public static int sysMprotect(MmStruct mm, long start, long len, int prot) {
        return doMprotectPkey(mm, start, len, prot, -1);
    }
}
