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
    public static final int MREMAP_MAYMOVE = 1, MREMAP_FIXED = 2, MREMAP_DONTUNMAP = 4;
    public static final int MADV_DONTNEED = 4;

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

    /** Human-readable VM_* flags for traces: "rw-p", "r--s", "---p". */
    public static String flagsString(long f) {
        return ((f & VM_READ) != 0 ? "r" : "-") + ((f & VM_WRITE) != 0 ? "w" : "-") + ((f & VM_EXEC) != 0 ? "x" : "-")
                + ((f & VM_MAYSHARE) != 0 ? "s" : "p");
    }
}
