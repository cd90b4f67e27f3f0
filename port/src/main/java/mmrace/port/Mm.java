package mmrace.port;

/**
 * include/linux/mm.h: VM_* flags (bit numbers as at c17ee635fd3a482b2ad2bf5e269755c2eae5f25e)
 * and the small inline helpers the port uses.
 */
public final class Mm {
    private Mm() {}

    public static final long VM_NONE = 0;
    public static final long VM_READ = 1L << 0;
    public static final long VM_WRITE = 1L << 1;
    public static final long VM_EXEC = 1L << 2;
    public static final long VM_SHARED = 1L << 3;
    public static final long VM_MAYREAD = 1L << 4;
    public static final long VM_MAYWRITE = 1L << 5;
    public static final long VM_MAYEXEC = 1L << 6;
    public static final long VM_MAYSHARE = 1L << 7;
    public static final long VM_GROWSDOWN = 1L << 8;
    public static final long VM_UFFD_MISSING = 1L << 9;
    public static final long VM_PFNMAP = 1L << 10;
    public static final long VM_LOCKED = 1L << 13;
    public static final long VM_IO = 1L << 14;
    public static final long VM_DONTEXPAND = 1L << 18;
    public static final long VM_ACCOUNT = 1L << 20;
    public static final long VM_HUGETLB = 1L << 22;
    public static final long VM_SOFTDIRTY = 1L << 27;
    public static final long VM_MIXEDMAP = 1L << 28;
    public static final long VM_HUGEPAGE = 1L << 29;
    public static final long VM_NOHUGEPAGE = 1L << 30;
    // added by the mutation port (same bit numbers as include/linux/mm.h at c17ee635)
    public static final long VM_UFFD_WP = 1L << 12;
    public static final long VM_LOCKONFAULT = 1L << 19;
    public static final long VM_NORESERVE = 1L << 21;
    /** VM_LOCKED_MASK. */
    public static final long VM_LOCKED_MASK = VM_LOCKED | VM_LOCKONFAULT;
    /** VM_STICKY: flags a merge keeps from any side. model: VM_MAYBE_GUARD is not modelled, so VM_SOFTDIRTY only. */
    public static final long VM_STICKY = VM_SOFTDIRTY;
    /** VM_IGNORE_MERGE: flag differences that do not prevent a merge. */
    public static final long VM_IGNORE_MERGE = VM_STICKY;
    /** VM_STARTGAP_FLAGS on a grows-down architecture (no shadow stacks in the model). */
    public static final long VM_STARTGAP_FLAGS = VM_GROWSDOWN;

    /** VM_STACK on a grows-down architecture. */
    public static final long VM_STACK = VM_GROWSDOWN;
    /** VM_SPECIAL: mappings that are never merged or expanded. */
    public static final long VM_SPECIAL = VM_IO | VM_DONTEXPAND | VM_PFNMAP | VM_MIXEDMAP;
    /** VM_ACCESS_FLAGS. */
    public static final long VM_ACCESS_FLAGS = VM_READ | VM_WRITE | VM_EXEC;

    // mmap(2) protections and flags (include/uapi/asm-generic/mman-common.h, mman.h)
    public static final int PROT_NONE = 0, PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
    public static final int MAP_SHARED = 0x01, MAP_PRIVATE = 0x02, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20,
            MAP_GROWSDOWN = 0x0100, MAP_FIXED_NOREPLACE = 0x100000;
    // added by the mutation port
    public static final int PROT_SEM = 0x8, PROT_GROWSDOWN = 0x01000000, PROT_GROWSUP = 0x02000000;
    public static final int MAP_SHARED_VALIDATE = 0x03, MAP_DROPPABLE = 0x08, MAP_TYPE = 0x0f, MAP_DENYWRITE = 0x0800,
            MAP_EXECUTABLE = 0x1000, MAP_LOCKED = 0x2000, MAP_NORESERVE = 0x4000, MAP_POPULATE = 0x8000,
            MAP_NONBLOCK = 0x10000, MAP_STACK = 0x20000, MAP_HUGETLB = 0x40000, MAP_SYNC = 0x80000,
            MAP_UNINITIALIZED = 0x4000000;
    /** LEGACY_MAP_MASK (include/linux/mman.h): the flags plain MAP_SHARED silently accepts. */
    public static final int LEGACY_MAP_MASK = MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | MAP_DENYWRITE
            | MAP_EXECUTABLE | MAP_UNINITIALIZED | MAP_GROWSDOWN | MAP_LOCKED | MAP_NORESERVE | MAP_POPULATE
            | MAP_NONBLOCK | MAP_STACK | MAP_HUGETLB;
    public static final int MREMAP_MAYMOVE = 1, MREMAP_FIXED = 2, MREMAP_DONTUNMAP = 4;
    public static final int MADV_DONTNEED = 4;
    // the other valid advice values (include/uapi/asm-generic/mman-common.h), for madvise_behavior_valid
    public static final int MADV_NORMAL = 0, MADV_RANDOM = 1, MADV_SEQUENTIAL = 2, MADV_WILLNEED = 3, MADV_FREE = 8,
            MADV_REMOVE = 9, MADV_DONTFORK = 10, MADV_DOFORK = 11, MADV_MERGEABLE = 12, MADV_UNMERGEABLE = 13,
            MADV_HUGEPAGE = 14, MADV_NOHUGEPAGE = 15, MADV_DONTDUMP = 16, MADV_DODUMP = 17, MADV_WIPEONFORK = 18,
            MADV_KEEPONFORK = 19, MADV_COLD = 20, MADV_PAGEOUT = 21, MADV_POPULATE_READ = 22, MADV_POPULATE_WRITE = 23,
            MADV_DONTNEED_LOCKED = 24, MADV_COLLAPSE = 25, MADV_GUARD_INSTALL = 102, MADV_GUARD_REMOVE = 103,
            MADV_HWPOISON = 100, MADV_SOFT_OFFLINE = 101;

    /** TASK_SIZE on x86-64 with 4-level paging. */
    public static final long TASK_SIZE = (1L << 47) - mmrace.runtime.Page.PAGE_SIZE;
    /** CONFIG_DEFAULT_MMAP_MIN_ADDR on x86. */
    public static final long MMAP_MIN_ADDR = 65536;

    public static long pageAlign(long x) {
        return (x + mmrace.runtime.Page.PAGE_SIZE - 1) & mmrace.runtime.Page.PAGE_MASK;
    }

    public static boolean offsetInPage(long x) {
        return (x & (mmrace.runtime.Page.PAGE_SIZE - 1)) != 0;
    }

    /** vma_is_anonymous(): no vm_ops. */
    public static boolean vmaIsAnonymous(VmAreaStruct vma) {
        return vma.vmOps.get() == null;
    }

    /** is_cow_mapping(flags). */
    public static boolean isCowMapping(long flags) {
        return (flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE;
    }

    /** is_vm_hugetlb_page(vma). */
    public static boolean isVmHugetlbPage(VmAreaStruct vma) {
        return (vma.vmFlags.get() & VM_HUGETLB) != 0;
    }

    /** vma_pages(vma). */
    public static long vmaPages(VmAreaStruct vma) {
        return (vma.vmEnd.get() - vma.vmStart.get()) >>> mmrace.runtime.Page.PAGE_SHIFT;
    }

    /** calc_vm_prot_bits(prot) | calc_vm_flag_bits(flags) for the flags the model knows. */
    public static long calcVmProtBits(int prot) {
        long f = 0;
        if ((prot & PROT_READ) != 0) f |= VM_READ;
        if ((prot & PROT_WRITE) != 0) f |= VM_WRITE;
        if ((prot & PROT_EXEC) != 0) f |= VM_EXEC;
        return f;
    }

    // ---- include/linux/mm.h inlines used by the mutation port ----

    /** vm_flags_init(vma, flags): for a VMA nobody else can see yet. */
    public static void vmFlagsInit(VmAreaStruct vma, long flags) {
        vma.vmFlags.set(flags);
    }

    /** vm_flags_reset(vma, flags): vma_assert_write_locked, then vm_flags_init. */
    public static void vmFlagsReset(VmAreaStruct vma, long flags) {
        MmapLock.vmaAssertWriteLocked(vma);
        vmFlagsInit(vma, flags);
    }

    /** vm_flags_reset_once(vma, flags) / vma_flags_reset_once: as vm_flags_reset, with WRITE_ONCE (GUP-fast reads vm_flags locklessly). */
    public static void vmFlagsResetOnce(VmAreaStruct vma, long flags) {
        MmapLock.vmaAssertWriteLocked(vma);
        vma.vmFlags.writeOnce(flags);
    }

    /** vm_flags_set(vma, flags): vma_start_write, then set the bits. */
    public static void vmFlagsSet(VmAreaStruct vma, long flags) {
        MmapLock.vmaStartWrite(vma);
        vma.vmFlags.set(vma.vmFlags.get() | flags);
    }

    /** vm_flags_clear(vma, flags): vma_start_write, then clear the bits. */
    public static void vmFlagsClear(VmAreaStruct vma, long flags) {
        MmapLock.vmaStartWrite(vma);
        vma.vmFlags.set(vma.vmFlags.get() & ~flags);
    }

    /** vma_set_anonymous(vma): vm_ops = NULL. */
    public static void vmaSetAnonymous(VmAreaStruct vma) {
        vma.vmOps.set(null);
    }

    /** vma_is_accessible(vma). */
    public static boolean vmaIsAccessible(VmAreaStruct vma) {
        return (vma.vmFlags.get() & VM_ACCESS_FLAGS) != 0;
    }

    /** vma_is_shared_maywrite(vma). */
    public static boolean vmaIsSharedMaywrite(VmAreaStruct vma) {
        return (vma.vmFlags.get() & (VM_SHARED | VM_MAYWRITE)) == (VM_SHARED | VM_MAYWRITE);
    }

    /** PAGE_ALIGNED(x). */
    public static boolean pageAligned(long x) {
        return !offsetInPage(x);
    }

    /** Human-readable VM_* flags for traces: "rw-p", "r--s", "---p". */
    public static String flagsString(long f) {
        return ((f & VM_READ) != 0 ? "r" : "-") + ((f & VM_WRITE) != 0 ? "w" : "-") + ((f & VM_EXEC) != 0 ? "x" : "-")
                + ((f & VM_MAYSHARE) != 0 ? "s" : "p");
    }
}
