package mmrace.port;

import mmrace.runtime.Err;
import mmrace.runtime.Errno;
import mmrace.runtime.Mutant;
import mmrace.runtime.Page;
import mmrace.runtime.Probes;
import mmrace.runtime.Report;
import mmrace.runtime.Task;
import mmrace.runtime.Trace;

import static mmrace.port.MmTypes.*;

/**
 * mm/gup.c read at c17ee635fd3a482b2ad2bf5e269755c2eae5f25e: get_user_pages_remote and the slow
 * GUP path it takes, plus get_user_page_vma_remote from include/linux/mm.h (a static inline there;
 * here because everything it calls is in this file).
 *
 * <p>model: no FOLL_PIN users in the read path (the pin branches are reduced to what FOLL_GET
 * callers see), no gate area, no secretmem, no fsdax, no protection keys, no huge leaves (PUD/PMD
 * leaves are "no page table"), no FOLL_MADV_POPULATE. FOLL_HONOR_NUMA_FAULT is not added by
 * is_valid_gup_args, so protnone PTEs are followed. FOLL_UNLOCKABLE is never set (the read path
 * passes locked == NULL), so __get_user_pages_locked's VM_FAULT_RETRY loop is not ported.
 */
public final class Gup {
    private Gup() {}

    static final int P_NO_VMA = Probes.register("__get_user_pages: no vma (-EFAULT)");
    static final int P_VMA_FLAGS = Probes.register("check_vma_flags: refused");
    static final int P_FAULTIN = Probes.register("__get_user_pages: faultin_page");
    static final int P_FOLLOW_OK = Probes.register("follow_page_pte: page grabbed");
    static final int P_FOLLOW_ZERO = Probes.register("follow_page_pte: the zero page");
    static final int P_FOLLOW_PFN = Probes.register("follow_page_pte: pfn mapping without struct page (-EEXIST)");
    static final int P_FOLLOW_NOWRITE = Probes.register("follow_page_pte: FOLL_WRITE on a read-only PTE, fault");
    static final int P_FOLLOW_NONE = Probes.register("follow_page_pte: not present, fault");
    static final int P_FOLLOW_FORCE_COW = Probes.register("can_follow_write_pte: FOLL_FORCE write to an exclusive anon page COW made");

    /**
     * get_user_page_vma_remote(mm, addr, gup_flags, &vma) (include/linux/mm.h): the page, with
     * {@code vmap[0]} set to its VMA, or an ERR_PTR.
     */
    public static Page getUserPageVmaRemote(MmStruct mm, long addr, int gupFlags, VmAreaStruct[] vmap) {
        Task t = Task.current();
        if ((gupFlags & FOLL_NOWAIT) != 0) {
            t.kernel.reports.file(t, Report.Kind.WARN, "WARN_ON_ONCE(FOLL_NOWAIT)", "get_user_page_vma_remote");
            return Err.errPage(-Errno.EINVAL);
        }
        Page[] pages = new Page[1];
        long got = getUserPagesRemote(mm, addr, 1, gupFlags, pages, null);
        if (got < 0)
            return Err.errPage((int) got);
        VmAreaStruct vma = Mmap.vmaLookup(mm, addr);
        if (vma == null) {
            t.kernel.reports.file(t, Report.Kind.WARN, "WARN_ON_ONCE(!vma)", "get_user_page_vma_remote");
            Swap.putPage(pages[0]);
            return Err.errPage(-Errno.EINVAL);
        }
        vmap[0] = vma;
        return pages[0];
    }

    /** get_user_pages_remote(mm, start, nr_pages, gup_flags, pages, locked). */
    public static long getUserPagesRemote(MmStruct mm, long start, long nrPages, int gupFlags, Page[] pages, int[] locked) {
        int[] localLock = { 1 };
        int[] flags = { gupFlags };
        if (!isValidGupArgs(pages, locked, flags, FOLL_TOUCH | FOLL_REMOTE))
            return -Errno.EINVAL;
        return __getUserPagesLocked(mm, start, nrPages, pages, locked != null ? locked : localLock, flags[0]);
    }

    /** is_valid_gup_args(pages, locked, &gup_flags, to_set). */
    static boolean isValidGupArgs(Page[] pages, int[] locked, int[] gupFlagsP, int toSet) {
        int gupFlags = gupFlagsP[0];
        if ((gupFlags & INTERNAL_GUP_FLAGS) != 0)
            return warn("WARN_ON_ONCE(gup_flags & INTERNAL_GUP_FLAGS)");
        gupFlags |= toSet;
        if (locked != null) {
            if (locked[0] != 1)
                return warn("WARN_ON_ONCE(*locked != 1)");
            gupFlags |= FOLL_UNLOCKABLE;
        }
        if ((gupFlags & (FOLL_PIN | FOLL_GET)) == (FOLL_PIN | FOLL_GET))
            return warn("WARN_ON_ONCE(FOLL_PIN and FOLL_GET)");
        if ((gupFlags & FOLL_PIN) == 0 && (gupFlags & FOLL_LONGTERM) != 0)
            return warn("WARN_ON_ONCE(FOLL_LONGTERM without FOLL_PIN)");
        if ((gupFlags & (FOLL_GET | FOLL_PIN)) != 0 && pages == null)
            return warn("WARN_ON_ONCE(GET/PIN without pages)");
        if ((gupFlags & FOLL_LONGTERM) != 0 && (gupFlags & FOLL_PCI_P2PDMA) != 0)
            return warn("WARN_ON_ONCE(LONGTERM with PCI_P2PDMA)");
        gupFlagsP[0] = gupFlags;
        return true;
    }

    private static boolean warn(String what) {
        Task t = Task.current();
        t.kernel.reports.file(t, Report.Kind.WARN, what, "is_valid_gup_args");
        return false;
    }

    /** __get_user_pages_locked(mm, start, nr_pages, pages, locked, flags). */
    static long __getUserPagesLocked(MmStruct mm, long start, long nrPages, Page[] pages, int[] locked, int flags) {
        boolean mustUnlock = false;
        if (nrPages == 0)
            return 0;
        // The internal caller expects GUP to manage the lock internally.
        if (locked[0] == 0) {
            if (MmapLock.mmapReadLockKillable(mm) != 0)
                return -Errno.EAGAIN;
            mustUnlock = true;
            locked[0] = 1;
        } else {
            MmapLock.mmapAssertLocked(mm);
        }
        if (pages != null && (flags & FOLL_PIN) == 0)
            flags |= FOLL_GET;
        long pagesDone;
        // without FOLL_UNLOCKABLE, one call (the retry loop only runs when GUP may drop the lock)
        pagesDone = __getUserPages(mm, start, nrPages, flags, pages, locked);
        if (mustUnlock && locked[0] != 0) {
            MmapLock.mmapReadUnlock(mm);
            locked[0] = 0;
        }
        if (pagesDone == 0 && (flags & FOLL_NOWAIT) == 0) {
            Task t = Task.current();
            t.kernel.reports.file(t, Report.Kind.WARN, "WARN_ON_ONCE(pages_done == 0)", "__get_user_pages_locked");
            return -Errno.EFAULT;
        }
        return pagesDone;
    }

    /** gup_vma_lookup(mm, addr): find_vma, only if it contains addr (never expands stacks). */
    static VmAreaStruct gupVmaLookup(MmStruct mm, long addr) {
        VmAreaStruct vma = Mmap.findVma(mm, addr);
        if (vma == null || addr >= vma.vmStart.get())
            return vma;
        // a near miss below a VM_GROWSDOWN VMA: a rate-limited pr_warn, then NULL
        return null;
    }

    /** check_vma_flags(vma, gup_flags): 0 or -errno. */
    public static int checkVmaFlags(VmAreaStruct vma, int gupFlags) {
        long vmFlags = vma.vmFlags.get();
        boolean write = (gupFlags & FOLL_WRITE) != 0;
        boolean vmaAnon = Mm.vmaIsAnonymous(vma);
        if ((vmFlags & (Mm.VM_IO | Mm.VM_PFNMAP)) != 0)
            return -Errno.EFAULT;
        if ((gupFlags & FOLL_ANON) != 0 && !vmaAnon)
            return -Errno.EFAULT;
        if ((gupFlags & FOLL_SPLIT_PMD) != 0 && Mm.isVmHugetlbPage(vma))
            return -Errno.EOPNOTSUPP;
        // FOLL_LONGTERM on fsdax: no fsdax; vma_is_secretmem: no secretmem
        if (write) {
            // writable_file_mapping_allowed: true without FOLL_PIN | FOLL_LONGTERM
            if ((vmFlags & Mm.VM_WRITE) == 0) { // VM_SHADOW_STACK: none
                if ((gupFlags & FOLL_FORCE) == 0)
                    return -Errno.EFAULT;
                // anon pages in shared mappings are surprising: now just reject it
                if (!Mm.isCowMapping(vmFlags))
                    return -Errno.EFAULT;
            }
        } else if ((vmFlags & Mm.VM_READ) == 0 && !Mutant.on(Mutant.GUP_READ_NO_PERM)) {
            if ((gupFlags & FOLL_FORCE) == 0)
                return -Errno.EFAULT;
            if ((vmFlags & Mm.VM_MAYREAD) == 0)
                return -Errno.EFAULT;
        }
        return 0; // arch_vma_access_permitted: no protection keys
    }

    /** __get_user_pages(mm, start, nr_pages, gup_flags, pages, locked): pages done, or -errno if none. */
    static long __getUserPages(MmStruct mm, long start, long nrPages, int gupFlags, Page[] pages, int[] locked) {
        Task t = Task.current();
        long ret = 0, i = 0;
        VmAreaStruct vma = null;
        if (nrPages == 0)
            return 0;
        start = Memory.untaggedAddrRemote(mm, start);
        out:
        do {
            if (vma == null || start >= vma.vmEnd.get()) { // first iteration or cross vma bound
                vma = gupVmaLookup(mm, start);
                if (vma == null) {
                    Probes.hit(P_NO_VMA);
                    ret = -Errno.EFAULT;
                    break;
                }
                ret = checkVmaFlags(vma, gupFlags);
                if (ret != 0) {
                    Probes.hit(P_VMA_FLAGS);
                    break;
                }
            }
            Page page;
            for (;;) { // retry:
                if (t.fatalSignal) {
                    ret = -Errno.EINTR;
                    break out;
                }
                page = followPageMask(vma, start, gupFlags);
                if (page == null || Err.ptrErr(page) == -Errno.EMLINK) {
                    Probes.hit(P_FAULTIN);
                    ret = faultinPage(vma, start, gupFlags, Err.ptrErr(page) == -Errno.EMLINK, locked);
                    if (ret == 0) {
                        // Mutant DIRTY_COW: the pre-19be0eaffa3a faultin_page's
                        // "if ((ret & VM_FAULT_WRITE) && !(vma->vm_flags & VM_WRITE)) *flags &= ~FOLL_WRITE;".
                        // model: VM_FAULT_WRITE is gone (it said the write fault broke COW); a write
                        // fault that succeeded stands for it. One page per call here, as
                        // __access_remote_vm asks, so clearing gupFlags is clearing that page's flags.
                        if (Mutant.on(Mutant.DIRTY_COW) && (gupFlags & FOLL_WRITE) != 0 && (vma.vmFlags.get() & Mm.VM_WRITE) == 0) {
                            Trace.note("faultin_page (mutant dirty-cow): write fault done on %s, FOLL_WRITE dropped for the retry", vma);
                            gupFlags &= ~FOLL_WRITE;
                        }
                        continue;
                    }
                    if (ret == -Errno.EBUSY || ret == -Errno.EAGAIN)
                        ret = 0;
                    if (ret == 0 || ret == -Errno.EFAULT || ret == -Errno.ENOMEM || ret == -Errno.EHWPOISON)
                        break out;
                    t.kernel.reports.file(t, Report.Kind.BUG, "BUG(): faultin_page returned " + ret, "");
                    break out;
                } else if (Err.ptrErr(page) == -Errno.EEXIST) {
                    // Proper page table entry exists, but no corresponding struct page.
                    if (pages != null) {
                        ret = Err.ptrErr(page);
                        break out;
                    }
                } else if (Err.isErr(page)) {
                    ret = Err.ptrErr(page);
                    break out;
                }
                break;
            }
            if (pages != null)
                pages[(int) i] = page;
            i++;
            start += Page.PAGE_SIZE;
            nrPages--;
        } while (nrPages != 0);
        return i != 0 ? i : ret;
    }

    /** no_page_table(vma, flags, address). */
    static Page noPageTable(VmAreaStruct vma, int flags, long address) {
        VmOperations ops = vma.vmOps.get();
        if ((flags & FOLL_DUMP) != 0 && (Mm.vmaIsAnonymous(vma) || ops == VmOperations.DUMMY))
            return Err.errPage(-Errno.EFAULT);
        return null;
    }

    /** can_follow_write_common(page, vma, flags): the FOLL_FORCE part of can_follow_write_pte. */
    static boolean canFollowWriteCommon(Page page, VmAreaStruct vma, int flags) {
        if ((flags & FOLL_FORCE) == 0) // Maybe FOLL_FORCE is set to override it?
            return false;
        long f = vma.vmFlags.get();
        if ((f & (Mm.VM_MAYSHARE | Mm.VM_SHARED)) != 0) // But FOLL_FORCE has no effect on shared mappings
            return false;
        if ((f & Mm.VM_MAYWRITE) == 0) // ... or read-only private ones
            return false;
        if ((f & Mm.VM_WRITE) != 0) // ... or already writable ones that just need to take a write fault
            return false;
        // we broke COW and could map the page writable if we have an exclusive anonymous page
        return page != null && Rmap.folioTestAnon(page.head) && (page.flags.readOnce() & Rmap.PG_ANON_EXCLUSIVE) != 0;
    }

    /** can_follow_write_pte(pte, page, vma, flags): FOLL_FORCE can write to even unwritable PTEs in COW mappings. */
    static boolean canFollowWritePte(long pte, Page page, VmAreaStruct vma, int flags) {
        if (Pgtable.pteWrite(pte)) // If the pte is writable, we can write to the page.
            return true;
        if ((flags & FOLL_FORCE) != 0 && Mutant.on(Mutant.GUP_FORCE_WRITE_COW))
            return Pgtable.pteDirty(pte); // before 5535be309971: FOLL_FORCE wrote to a dirty read-only PTE (FOLL_COW)
        if (!canFollowWriteCommon(page, vma, flags))
            return false;
        Probes.hit(P_FOLLOW_FORCE_COW);
        return true; // pte_needs_soft_dirty_wp: no soft-dirty; userfaultfd_pte_wp: no uffd-wp
    }

    /** try_grab_folio(folio, refs, flags): 0 or -ENOMEM. */
    static int tryGrabFolio(Page folio, int refs, int flags) {
        Task t = Task.current();
        if (folio.refcount.read() <= 0) {
            t.kernel.reports.file(t, Report.Kind.WARN, "WARN_ON_ONCE(folio_ref_count(folio) <= 0)", folio.name());
            return -Errno.ENOMEM;
        }
        if ((flags & FOLL_GET) != 0)
            Swap.folioRefAdd(folio, refs);
        // FOLL_PIN: not used by the read path
        return 0;
    }

    /** follow_pfn_pte(vma, address, pte, flags): mark a special PTE young (and dirty); -EEXIST. */
    static int followPfnPte(VmAreaStruct vma, long address, Ptep pte, int flags) {
        if ((flags & FOLL_TOUCH) != 0) {
            long origEntry = pte.readOnce(); // ptep_get
            long entry = origEntry;
            if ((flags & FOLL_WRITE) != 0)
                entry = Pgtable.pteMkdirty(entry);
            entry = Pgtable.pteMkyoung(entry);
            if (origEntry != entry)
                pte.set(entry); // set_pte_at; update_mmu_cache: no-op on x86
        }
        // Proper page table entry exists, but no corresponding struct page
        return -Errno.EEXIST;
    }

    /** follow_page_pte(vma, address, pmd, flags). */
    static Page followPagePte(VmAreaStruct vma, long address, Ptep pmd, int flags) {
        MmStruct mm = vma.vmMm.get();
        PgtableGeneric.PteMap m = PgtableGeneric.pteOffsetMapLock(mm, pmd, address);
        if (m == null)
            return noPageTable(vma, flags, address);
        Ptep ptep = m.pte();
        long pte = ptep.readOnce();
        Page result;
        noPage:
        {
            if (!Pgtable.ptePresent(pte))
                break noPage;
            // pte_protnone && !gup_can_follow_protnone: FOLL_HONOR_NUMA_FAULT not set, follow
            if (Pgtable.pteProtnone(pte) && (flags & FOLL_HONOR_NUMA_FAULT) != 0 && (vma.vmFlags.get() & Mm.VM_ACCESS_FLAGS) != 0)
                break noPage;
            Page page = Memory.vmNormalPage(vma, address, pte);
            if ((flags & FOLL_WRITE) != 0 && !canFollowWritePte(pte, page, vma, flags)) {
                Probes.hit(P_FOLLOW_NOWRITE);
                PgtableGeneric.pteUnmapUnlock(ptep, m.ptl());
                return null;
            }
            if (page == null) {
                if ((flags & FOLL_DUMP) != 0) {
                    result = Err.errPage(-Errno.EFAULT);
                } else if (Memory.isZeroPfn(Pgtable.ptePfn(pte))) {
                    page = Task.current().kernel.pages.zeroPage;
                    Probes.hit(P_FOLLOW_ZERO);
                    result = null;
                } else {
                    Probes.hit(P_FOLLOW_PFN);
                    result = Err.errPage(followPfnPte(vma, address, ptep, flags));
                }
                if (result != null) {
                    PgtableGeneric.pteUnmapUnlock(ptep, m.ptl());
                    return result;
                }
            }
            Page folio = page.head;
            // gup_must_unshare: only for FOLL_PIN without FOLL_WRITE
            int ret = tryGrabFolio(folio, 1, flags);
            if (ret != 0) {
                result = Err.errPage(ret);
            } else {
                if ((flags & FOLL_TOUCH) != 0) {
                    if ((flags & FOLL_WRITE) != 0 && !Pgtable.pteDirty(pte) && (folio.flags.readOnce() & Page.PG_DIRTY) == 0)
                        folio.flags.fetchOr(Page.PG_DIRTY); // folio_mark_dirty
                    Swap.folioMarkAccessed(folio);
                }
                Probes.hit(P_FOLLOW_OK);
                result = page;
            }
            PgtableGeneric.pteUnmapUnlock(ptep, m.ptl());
            return result;
        }
        PgtableGeneric.pteUnmapUnlock(ptep, m.ptl());
        Probes.hit(P_FOLLOW_NONE);
        if (!Pgtable.pteNone(pte))
            return null;
        return noPageTable(vma, flags, address);
    }

    /** follow_pmd_mask(vma, address, pudp, flags). */
    static Page followPmdMask(VmAreaStruct vma, long address, long pudval, int flags) {
        Ptep pmd = Pgtable.pmdOffset(pudval, address);
        long pmdval = pmd.readOnce(); // pmdp_get_lockless
        if (Pgtable.pmdNone(pmdval))
            return noPageTable(vma, flags, address);
        if (!Pgtable.pmdPresent(pmdval))
            return noPageTable(vma, flags, address);
        if (!Pgtable.pmdLeaf(pmdval))
            return followPagePte(vma, address, pmd, flags);
        return noPageTable(vma, flags, address); // model: no huge PMDs
    }

    /** follow_page_mask(vma, address, flags, &page_mask) with follow_p4d_mask/follow_pud_mask. */
    static Page followPageMask(VmAreaStruct vma, long address, int flags) {
        MmStruct mm = vma.vmMm.get();
        Memory.vmaPgtableWalkBegin(vma);
        Page page;
        Ptep pgd = Pgtable.pgdOffset(mm, address);
        Ptep p4dp = Pgtable.p4dOffset(pgd, address);
        long p4d = p4dp.readOnce(); // p4dp_get
        if (!Pgtable.pudPresent(p4d) || Pgtable.entryBad(p4d)) {
            page = noPageTable(vma, flags, address);
        } else {
            Ptep pudp = Pgtable.pudOffset(p4d, address);
            long pud = pudp.readOnce(); // pudp_get
            if (!Pgtable.pudPresent(pud) || Pgtable.pudLeaf(pud) || Pgtable.entryBad(pud))
                page = noPageTable(vma, flags, address);
            else
                page = followPmdMask(vma, address, pud, flags);
        }
        Memory.vmaPgtableWalkEnd(vma);
        return page;
    }

    /** vm_fault_to_errno(vm_fault, foll_flags). */
    static int vmFaultToErrno(int vmFault, int follFlags) {
        if ((vmFault & VM_FAULT_OOM) != 0)
            return -Errno.ENOMEM;
        if ((vmFault & (VM_FAULT_HWPOISON | VM_FAULT_HWPOISON_LARGE)) != 0)
            return (follFlags & FOLL_HWPOISON) != 0 ? -Errno.EHWPOISON : -Errno.EFAULT;
        if ((vmFault & (VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV)) != 0)
            return -Errno.EFAULT;
        return 0;
    }

    /** faultin_page(vma, address, flags, unshare, locked): 0 (retry the follow), or -errno. */
    static int faultinPage(VmAreaStruct vma, long address, int flags, boolean unshare, int[] locked) {
        Task t = Task.current();
        int faultFlags = 0;
        if ((flags & FOLL_NOFAULT) != 0)
            return -Errno.EFAULT;
        if ((flags & FOLL_WRITE) != 0)
            faultFlags |= FAULT_FLAG_WRITE;
        if ((flags & FOLL_REMOTE) != 0)
            faultFlags |= FAULT_FLAG_REMOTE;
        if ((flags & FOLL_UNLOCKABLE) != 0) {
            faultFlags |= FAULT_FLAG_ALLOW_RETRY | FAULT_FLAG_KILLABLE;
            if ((flags & FOLL_INTERRUPTIBLE) != 0)
                faultFlags |= FAULT_FLAG_INTERRUPTIBLE;
        }
        if ((flags & FOLL_NOWAIT) != 0)
            faultFlags |= FAULT_FLAG_ALLOW_RETRY | FAULT_FLAG_RETRY_NOWAIT;
        if ((flags & FOLL_TRIED) != 0)
            faultFlags |= FAULT_FLAG_TRIED;
        if (unshare)
            faultFlags |= FAULT_FLAG_UNSHARE;
        int ret = Memory.handleMmFault(vma, address, faultFlags);
        if ((ret & VM_FAULT_COMPLETED) != 0) {
            locked[0] = 0;
            return -Errno.EAGAIN;
        }
        if ((ret & VM_FAULT_ERROR) != 0) {
            int err = vmFaultToErrno(ret, flags);
            if (err != 0)
                return err;
            t.kernel.reports.file(t, Report.Kind.BUG, "BUG(): VM_FAULT_ERROR without errno", Integer.toHexString(ret));
            return -Errno.EFAULT;
        }
        if ((ret & VM_FAULT_RETRY) != 0) {
            if ((faultFlags & FAULT_FLAG_RETRY_NOWAIT) == 0)
                locked[0] = 0;
            return -Errno.EBUSY;
        }
        Trace.note("faultin_page(%s, %#x) -> 0", vma, address);
        return 0;
    }
}
