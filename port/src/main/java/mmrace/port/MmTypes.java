package mmrace.port;

/**
 * include/linux/mm_types.h: FOLL_* flags (enum, public part), vm_refcnt constants and the
 * fault flags; and mm/internal.h's internal FOLL_* flags (read at eeccf287a2a517954b57cf9d733b3cf5d47afa34).
 */
public final class MmTypes {
    private MmTypes() {}

    public static final int FOLL_WRITE = 1 << 0;
    public static final int FOLL_GET = 1 << 1;
    public static final int FOLL_DUMP = 1 << 2;
    public static final int FOLL_FORCE = 1 << 3;
    public static final int FOLL_NOWAIT = 1 << 4;
    public static final int FOLL_NOFAULT = 1 << 5;
    public static final int FOLL_HWPOISON = 1 << 6;
    public static final int FOLL_ANON = 1 << 7;
    public static final int FOLL_LONGTERM = 1 << 8;
    public static final int FOLL_SPLIT_PMD = 1 << 9;
    public static final int FOLL_PCI_P2PDMA = 1 << 10;
    public static final int FOLL_INTERRUPTIBLE = 1 << 11;
    public static final int FOLL_HONOR_NUMA_FAULT = 1 << 12;
    // mm/internal.h
    public static final int FOLL_TOUCH = 1 << 16;
    public static final int FOLL_TRIED = 1 << 17;
    public static final int FOLL_REMOTE = 1 << 18;
    public static final int FOLL_PIN = 1 << 19;
    public static final int FOLL_FAST_ONLY = 1 << 20;
    public static final int FOLL_UNLOCKABLE = 1 << 21;
    public static final int FOLL_MADV_POPULATE = 1 << 22;
    public static final int INTERNAL_GUP_FLAGS = FOLL_TOUCH | FOLL_TRIED | FOLL_REMOTE | FOLL_PIN | FOLL_FAST_ONLY
            | FOLL_UNLOCKABLE | FOLL_MADV_POPULATE;

    /** VM_REFCNT_EXCLUDE_READERS_FLAG (bit 30) and VM_REFCNT_LIMIT. */
    public static final int VM_REFCNT_EXCLUDE_READERS_FLAG = 1 << 30;
    public static final int VM_REFCNT_LIMIT = VM_REFCNT_EXCLUDE_READERS_FLAG - 1;

    // enum fault_flag
    public static final int FAULT_FLAG_WRITE = 1 << 0;
    public static final int FAULT_FLAG_MKWRITE = 1 << 1;
    public static final int FAULT_FLAG_ALLOW_RETRY = 1 << 2;
    public static final int FAULT_FLAG_RETRY_NOWAIT = 1 << 3;
    public static final int FAULT_FLAG_KILLABLE = 1 << 4;
    public static final int FAULT_FLAG_TRIED = 1 << 5;
    public static final int FAULT_FLAG_USER = 1 << 6;
    public static final int FAULT_FLAG_REMOTE = 1 << 7;
    public static final int FAULT_FLAG_INSTRUCTION = 1 << 8;
    public static final int FAULT_FLAG_INTERRUPTIBLE = 1 << 9;
    public static final int FAULT_FLAG_UNSHARE = 1 << 10;
    public static final int FAULT_FLAG_ORIG_PTE_VALID = 1 << 11;
    public static final int FAULT_FLAG_VMA_LOCK = 1 << 12;

    // vm_fault_t
    public static final int VM_FAULT_OOM = 0x000001;
    public static final int VM_FAULT_SIGBUS = 0x000002;
    public static final int VM_FAULT_MAJOR = 0x000004;
    public static final int VM_FAULT_HWPOISON = 0x000010;
    public static final int VM_FAULT_HWPOISON_LARGE = 0x000020;
    public static final int VM_FAULT_SIGSEGV = 0x000040;
    public static final int VM_FAULT_NOPAGE = 0x000100;
    public static final int VM_FAULT_LOCKED = 0x000200;
    public static final int VM_FAULT_RETRY = 0x000400;
    public static final int VM_FAULT_FALLBACK = 0x000800;
    public static final int VM_FAULT_DONE_COW = 0x001000;
    public static final int VM_FAULT_NEEDDSYNC = 0x002000;
    public static final int VM_FAULT_COMPLETED = 0x004000;
    public static final int VM_FAULT_ERROR = VM_FAULT_OOM | VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV | VM_FAULT_HWPOISON
            | VM_FAULT_HWPOISON_LARGE | VM_FAULT_FALLBACK;
}
