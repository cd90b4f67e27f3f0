package mmrace.port;

import mmrace.runtime.Err;
import mmrace.runtime.Errno;
import mmrace.runtime.Page;
import mmrace.runtime.Probes;
import mmrace.runtime.Task;
import mmrace.runtime.Trace;

import static mmrace.port.Mm.*;

/**
 * mm/mmap.c: do_mmap, the VMA lookups, get_unmapped_area, expand_stack, vma_set_page_prot,
 * do_munmap/vm_munmap; and the include/linux/mm.h inlines vma_lookup, vm_start_gap, vm_end_gap.
 *
 * <p>Read: the stored torvalds/linux copies of mm/mmap.c are old (rbtree era, commits
 * 2d6c928241add2848e4eebfce407e95164229976 and 00170fdd0846df7cdb5ad421d3a340440f930b8f), so the
 * port follows the current file through an annotated third-party copy (stored id 69760666676),
 * whose code is the maple-tree mm/mmap.c of the v7.0 window.
 *
 * <p>model departures:
 * <ul>
 * <li>get_unmapped_area is the generic top-down allocator (x86's own arch_get_unmapped_area_topdown
 *     differs only in randomisation and 32-bit tasks) over {@link Vma#unmappedAreaTopdown}; no ASLR
 *     (mmap_base is the fixed {@link #MMAP_BASE}), no THP alignment of anonymous mappings, no file
 *     or shmem get_unmapped_area hooks.
 * <li>The task has no CAP_SYS_RAWIO: security_mmap_addr refuses addresses below mmap_min_addr with
 *     -EPERM (cap_mmap_addr). It has CAP_IPC_LOCK, so mlock limits never refuse.
 * <li>No personality (READ_IMPLIES_EXEC), pkeys, memfd seals, MAP_DROPPABLE (-EOPNOTSUPP), MAP_SYNC,
 *     hugetlb files. A File is opened read-write, regular, on an exec mount; a File without an
 *     fOpMmap hook may be mapped (the hook is generic_file_mmap's job, done by whoever made the file).
 * <li>mm_populate (MAP_POPULATE / VM_LOCKED) is not run; vm_mmap_pgoff notes it in the trace.
 * <li>find_vma, find_vma_intersection and vma_lookup take rcu_read_lock around the tree walk, as
 *     mt_find and mtree_load do.
 * </ul>
 */
public final class Mmap {
    private Mmap() {}

    /** mmap_min_addr (CONFIG_DEFAULT_MMAP_MIN_ADDR). */
    public static final long MMAP_MIN_ADDR = Mm.MMAP_MIN_ADDR;
    /** stack_guard_gap: 256 pages. */
    public static final long STACK_GUARD_GAP = 256L << Page.PAGE_SHIFT;
    /** rlimit(RLIMIT_STACK): the usual 8 MiB. */
    public static final long RLIMIT_STACK = 8L << 20;
    /** mm->mmap_base. model: no randomisation; TASK_SIZE minus the minimum stack gap (128 MiB). */
    public static final long MMAP_BASE = (Mm.TASK_SIZE - (128L << 20)) & Page.PAGE_MASK;
    /** TASK_UNMAPPED_BASE on x86-64: PAGE_ALIGN(TASK_SIZE / 3). */
    public static final long TASK_UNMAPPED_BASE = Mm.pageAlign(Mm.TASK_SIZE / 3);

    static final int P_EXPAND_STACK_FOUND = Probes.register("expand_stack: vma found after retaking the lock");
    static final int P_EXPAND_STACK_GREW = Probes.register("expand_stack: expand_downwards succeeded");
    static final int P_EXPAND_STACK_FAIL = Probes.register("expand_stack: failed, no lock held");
    static final int P_MMAP_NOREPLACE = Probes.register("do_mmap: MAP_FIXED_NOREPLACE hits a mapping");

    /** struct vm_unmapped_area_info (include/linux/mm.h). */
    public static final class VmUnmappedAreaInfo {
        public static final int VM_UNMAPPED_AREA_TOPDOWN = 1;
        public int flags;
        public long length, lowLimit, highLimit, alignMask, alignOffset, startGap;
    }

    // ------------------------------------------------------------ include/linux/mm.h

    /** stack_guard_start_gap(vma). */
    static long stackGuardStartGap(VmAreaStruct vma) {
        if ((vma.vmFlags.get() & VM_GROWSDOWN) != 0)
            return STACK_GUARD_GAP;
        return 0;
    }

    /** vm_start_gap(vma). */
    public static long vmStartGap(VmAreaStruct vma) {
        long gap = stackGuardStartGap(vma);
        long start = vma.vmStart.get();
        long vmStart = start - gap;
        if (Long.compareUnsigned(vmStart, start) > 0)
            vmStart = 0;
        return vmStart;
    }

    /** vm_end_gap(vma): no VM_GROWSUP on x86. */
    public static long vmEndGap(VmAreaStruct vma) {
        return vma.vmEnd.get();
    }

    /** vma_lookup(mm, addr): the VMA containing addr, or null (mtree_load). Needs mmap_lock. */
    public static VmAreaStruct vmaLookup(MmStruct mm, long addr) {
        return (VmAreaStruct) MapleTree.mtreeLoad(mm.mmMt, addr);
    }

    // ------------------------------------------------------------ lookups

    /** find_vma_intersection(mm, start, end): the first VMA intersecting [start, end), or null. */
    public static VmAreaStruct findVmaIntersection(MmStruct mm, long startAddr, long endAddr) {
        MmapLock.mmapAssertLocked(mm);
        long[] index = {startAddr};
        return (VmAreaStruct) MapleTree.mtFind(mm.mmMt, index, endAddr - 1);
    }

    /** find_vma(mm, addr): the first VMA ending after addr, or null. Needs mmap_lock. */
    public static VmAreaStruct findVma(MmStruct mm, long addr) {
        MmapLock.mmapAssertLocked(mm);
        long[] index = {addr};
        return (VmAreaStruct) MapleTree.mtFind(mm.mmMt, index, VmaIter.ULONG_MAX);
    }

    /** find_vma_prev(mm, addr, &pprev): as find_vma; {@code pprev[0]} gets the VMA before. */
    public static VmAreaStruct findVmaPrev(MmStruct mm, long addr, VmAreaStruct[] pprev) {
        VmaIter vmi = VmaIter.of(mm, addr);
        VmAreaStruct vma = vmi.vmaIterLoad();
        pprev[0] = vmi.vmaPrev();
        if (vma == null)
            vma = vmi.vmaNext();
        return vma;
    }

    // ------------------------------------------------------------ stack

    /**
     * expand_stack(mm, addr): called with mmap read held; drops it, takes mmap write (killable),
     * looks up again and grows a stack down to addr. Returns the VMA with mmap read held again
     * (write downgraded), or null with no lock held.
     */
    public static VmAreaStruct expandStack(MmStruct mm, long addr) {
        VmAreaStruct vma;
        VmAreaStruct[] prev = {null};
        MmapLock.mmapReadUnlock(mm);
        if (MmapLock.mmapWriteLockKillable(mm) != 0)
            return null;
        vma = findVmaPrev(mm, addr, prev);
        if (vma != null && vma.vmStart.get() <= addr) {
            Probes.hit(P_EXPAND_STACK_FOUND);
        } else if (vma != null && Vma.expandDownwards(vma, addr) == 0) {
            // (vma_expand_up(prev, addr) comes first in the kernel: -EFAULT without CONFIG_STACK_GROWSUP)
            Probes.hit(P_EXPAND_STACK_GREW);
        } else {
            Probes.hit(P_EXPAND_STACK_FAIL);
            MmapLock.mmapWriteUnlock(mm);
            Trace.note("expand_stack(%#x) -> NULL", addr);
            return null;
        }
        // success:
        MmapLock.mmapWriteDowngrade(mm);
        Trace.note("expand_stack(%#x) -> %s", addr, vma);
        return vma;
    }

    // ------------------------------------------------------------ get_unmapped_area

    /** vm_unmapped_area(info). */
    public static long vmUnmappedArea(MmStruct mm, VmUnmappedAreaInfo info) {
        if ((info.flags & VmUnmappedAreaInfo.VM_UNMAPPED_AREA_TOPDOWN) != 0)
            return Vma.unmappedAreaTopdown(mm, info);
        return Vma.unmappedArea(mm, info);
    }

    /** generic_get_unmapped_area_topdown(filp, addr, len, pgoff, flags, vm_flags) (arch_get_unmapped_area_topdown). */
    static long genericGetUnmappedAreaTopdown(MmStruct mm, File filp, long addr, long len, long pgoff, int flags, long vmFlags) {
        long mmapEnd = mm.taskSize; // arch_get_mmap_end
        VmUnmappedAreaInfo info = new VmUnmappedAreaInfo();
        // requested length too big for entire address space
        if (Long.compareUnsigned(len, mmapEnd - MMAP_MIN_ADDR) > 0)
            return -Errno.ENOMEM;
        if ((flags & MAP_FIXED) != 0)
            return addr;
        // requesting a specific address
        if (addr != 0) {
            addr = pageAlign(addr);
            VmAreaStruct[] prev = {null};
            VmAreaStruct vma = findVmaPrev(mm, addr, prev);
            if (Long.compareUnsigned(mmapEnd - len, addr) >= 0 && Long.compareUnsigned(addr, MMAP_MIN_ADDR) >= 0
                    && (vma == null || Long.compareUnsigned(addr + len, vmStartGap(vma)) <= 0)
                    && (prev[0] == null || Long.compareUnsigned(addr, vmEndGap(prev[0])) >= 0))
                return addr;
        }
        info.flags = VmUnmappedAreaInfo.VM_UNMAPPED_AREA_TOPDOWN;
        info.length = len;
        info.lowLimit = Page.PAGE_SIZE;
        info.highLimit = MMAP_BASE; // arch_get_mmap_base
        info.startGap = 0; // stack_guard_placement: no shadow stacks
        addr = vmUnmappedArea(mm, info);
        // a failed mmap() very likely causes application failure: fall back to bottom-up
        if (offsetInPage(addr)) {
            info.flags = 0;
            info.lowLimit = TASK_UNMAPPED_BASE;
            info.highLimit = mmapEnd;
            addr = vmUnmappedArea(mm, info);
        }
        return addr;
    }

    /** mm_get_unmapped_area_vmflags(...): MMF_TOPDOWN is set (x86's default layout). */
    static long mmGetUnmappedAreaVmflags(MmStruct mm, File file, long addr, long len, long pgoff, int flags, long vmFlags) {
        return genericGetUnmappedAreaTopdown(mm, file, addr, len, pgoff, flags, vmFlags);
    }

    /** __get_unmapped_area(file, addr, len, pgoff, flags, vm_flags): an address or -errno. */
    public static long __getUnmappedArea(MmStruct mm, File file, long addr, long len, long pgoff, int flags, long vmFlags) {
        // arch_mmap_check: none on x86
        if (Long.compareUnsigned(len, mm.taskSize) > 0) // careful about overflows
            return -Errno.ENOMEM;
        // file->f_op->get_unmapped_area, shmem_get_unmapped_area, thp_get_unmapped_area: model none
        if (file == null)
            pgoff = 0;
        addr = mmGetUnmappedAreaVmflags(mm, file, addr, len, pgoff, flags, vmFlags);
        if (Err.isErrValue(addr))
            return addr;
        if (Long.compareUnsigned(addr, mm.taskSize - len) > 0)
            return -Errno.ENOMEM;
        if (offsetInPage(addr))
            return -Errno.EINVAL;
        // security_mmap_addr -> cap_mmap_addr: below mmap_min_addr needs CAP_SYS_RAWIO (model: not held)
        if (Long.compareUnsigned(addr, MMAP_MIN_ADDR) < 0)
            return -Errno.EPERM;
        return addr;
    }

    /** get_unmapped_area(file, addr, len, pgoff, flags). */
    public static long getUnmappedArea(MmStruct mm, File file, long addr, long len, long pgoff, int flags) {
        return __getUnmappedArea(mm, file, addr, len, pgoff, flags, 0);
    }

    // ------------------------------------------------------------ do_mmap

    /** round_hint_to_min(hint). */
    static long roundHintToMin(long hint) {
        hint &= Page.PAGE_MASK;
        if (hint != 0 && Long.compareUnsigned(hint, MMAP_MIN_ADDR) < 0)
            return pageAlign(MMAP_MIN_ADDR);
        return hint;
    }

    /** calc_vm_flag_bits(file, flags) for the flags the model knows (include/linux/mman.h). */
    static long calcVmFlagBits(File file, int flags) {
        long f = 0;
        if ((flags & MAP_GROWSDOWN) != 0)
            f |= VM_GROWSDOWN;
        if ((flags & MAP_LOCKED) != 0)
            f |= VM_LOCKED;
        if ((flags & MAP_STACK) != 0)
            f |= VM_NOHUGEPAGE;
        return f;
    }

    /**
     * do_mmap(file, addr, len, prot, flags, vm_flags, pgoff, &populate, uf): caller holds mmap
     * write. Returns the address or -errno; {@code populate[0]} gets the bytes to populate.
     * model: {@code label} names a newly allocated VMA in traces.
     */
    public static long doMmap(MmStruct mm, File file, long addr, long len, int prot, int flags, long vmFlags, long pgoff,
            long[] populate, String label) {
        populate[0] = 0;
        MmapLock.mmapAssertWriteLocked(mm);
        if (len == 0)
            return -Errno.EINVAL;
        // READ_IMPLIES_EXEC personality: model none
        // force arch specific MAP_FIXED handling in get_unmapped_area
        if ((flags & MAP_FIXED_NOREPLACE) != 0)
            flags |= MAP_FIXED;
        if ((flags & MAP_FIXED) == 0)
            addr = roundHintToMin(addr);
        // careful about overflows
        len = pageAlign(len);
        if (len == 0)
            return -Errno.ENOMEM;
        // offset overflow?
        if (Long.compareUnsigned(pgoff + (len >>> Page.PAGE_SHIFT), pgoff) < 0)
            return -75; // -EOVERFLOW
        // too many mappings?
        if (mm.mapCount.get() > Vma.SYSCTL_MAX_MAP_COUNT)
            return -Errno.ENOMEM;
        // execute_only_pkey: model no pkeys
        vmFlags |= calcVmProtBits(prot) | calcVmFlagBits(file, flags) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC; // | mm->def_flags (0)
        addr = __getUnmappedArea(mm, file, addr, len, pgoff, flags, vmFlags);
        if (Err.isErrValue(addr))
            return addr;
        if ((flags & MAP_FIXED_NOREPLACE) != 0) {
            if (findVmaIntersection(mm, addr, addr + len) != null) {
                Probes.hit(P_MMAP_NOREPLACE);
                return -Errno.EEXIST;
            }
        }
        // MAP_LOCKED: can_do_mlock, mlock_future_ok: model CAP_IPC_LOCK
        if (file != null) {
            // file_mmap_ok: regular file, MAX_LFS_FILESIZE: no limit the model can reach
            int flagsMask = LEGACY_MAP_MASK;
            switch (flags & MAP_TYPE) {
                case MAP_SHARED:
                case MAP_SHARED_VALIDATE:
                    if ((flags & MAP_TYPE) == MAP_SHARED)
                        flags &= LEGACY_MAP_MASK; // silently ignore unsupported flags
                    if ((flags & ~flagsMask) != 0)
                        return -Errno.EOPNOTSUPP;
                    // PROT_WRITE needs FMODE_WRITE; not a swapfile; not append-only: model file is rw
                    vmFlags |= VM_SHARED | VM_MAYSHARE;
                    // fallthrough
                case MAP_PRIVATE:
                    // FMODE_READ, path_noexec, can_mmap_file: model always
                    if ((vmFlags & VM_GROWSDOWN) != 0)
                        return -Errno.EINVAL;
                    break;
                default:
                    return -Errno.EINVAL;
            }
            // memfd_check_seals_mmap: model none
        } else {
            switch (flags & MAP_TYPE) {
                case MAP_SHARED:
                    if ((vmFlags & VM_GROWSDOWN) != 0)
                        return -Errno.EINVAL;
                    pgoff = 0; // ignore pgoff
                    vmFlags |= VM_SHARED | VM_MAYSHARE;
                    break;
                case MAP_DROPPABLE:
                    return -Errno.EOPNOTSUPP; // model: VM_DROPPABLE not modelled
                case MAP_PRIVATE:
                    pgoff = addr >>> Page.PAGE_SHIFT; // set pgoff according to addr for anon_vma
                    break;
                default:
                    return -Errno.EINVAL;
            }
        }
        // MAP_NORESERVE: honoured (overcommit is not OVERCOMMIT_NEVER)
        if ((flags & MAP_NORESERVE) != 0)
            vmFlags |= VM_NORESERVE;
        addr = Vma.mmapRegion(mm, file, addr, len, vmFlags, pgoff, label);
        if (!Err.isErrValue(addr) && ((vmFlags & VM_LOCKED) != 0 || (flags & (MAP_POPULATE | MAP_NONBLOCK)) == MAP_POPULATE))
            populate[0] = len;
        return addr;
    }

    // ------------------------------------------------------------ vm_page_prot

    /** vm_pgprot_modify(oldprot, vm_flags) (mm/vma.h): pgprot_modify keeps nothing the model has. */
    static long vmPgprotModify(long oldprot, long vmFlags) {
        return Pgtable.vmGetPageProt(vmFlags);
    }

    /** vma_set_page_prot(vma): vm_page_prot from vm_flags, read-only for write-notify; WRITE_ONCE. */
    public static void vmaSetPageProt(VmAreaStruct vma) {
        long vmFlags = vma.vmFlags.get();
        long vmPageProt = vmPgprotModify(vma.vmPageProt.get(), vmFlags);
        if (Vma.vmaWantsWritenotify(vma, vmPageProt)) {
            vmFlags &= ~VM_SHARED;
            vmPageProt = vmPgprotModify(vmPageProt, vmFlags);
        }
        // remove_protection_ptes reads vma->vm_page_prot without mmap_lock
        vma.vmPageProt.writeOnce(vmPageProt);
    }

    // ------------------------------------------------------------ munmap wrappers

    /** do_munmap(mm, start, len, uf): mmap write held, not dropped. */
    public static int doMunmap(MmStruct mm, long start, long len) {
        VmaIter vmi = VmaIter.of(mm, start);
        return Vma.doVmiMunmap(vmi, mm, start, len, false);
    }

}
