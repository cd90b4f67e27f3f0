package mmrace.port;

import mmrace.runtime.Atomic;
import mmrace.runtime.Field;
import mmrace.runtime.KObject;
import mmrace.runtime.Kernel;
import mmrace.runtime.Page;
import mmrace.runtime.Rcuwait;
import mmrace.runtime.RwSemaphore;
import mmrace.runtime.SpinLock;
import mmrace.runtime.Word;

/**
 * struct mm_struct (include/linux/mm_types.h at eeccf287a2a517954b57cf9d733b3cf5d47afa34): the
 * fields the remote-read path and the mutations touch.
 *
 * <p>model: one mm lives as long as its Kernel (mm_users/mm_count are kept but nothing frees the
 * mm); no accounting fields (total_vm, locked_vm, ...) beyond map_count.
 */
public final class MmStruct extends KObject {
    private static final Field MMAP_LOCK = new Field("mmap_lock");
    private static final Field MM_LOCK_SEQ = new Field("mm_lock_seq", true);
    private static final Field PAGE_TABLE_LOCK = new Field("page_table_lock");
    private static final Field MAP_COUNT = new Field("map_count");
    private static final Field MM_USERS = new Field("mm_users", true);
    private static final Field MM_COUNT = new Field("mm_count", true);
    private static final Field TLB_FLUSH_BATCHED = new Field("tlb_flush_batched");

    public final Kernel kernel;
    public final String label;
    /** mm_mt: VMAs by range, RCU-readable. */
    public final MapleTree mmMt;
    public final RwSemaphore mmapLock;
    /** mm_lock_seq.sequence: odd while mmap_lock is write-locked. */
    public final Atomic mmLockSeq;
    /** vma_writer_wait: where vma_start_write sleeps until readers leave. */
    public final Rcuwait vmaWriterWait;
    public final SpinLock pageTableLock;
    public final Word mapCount;
    public final Atomic mmUsers;
    public final Atomic mmCount;
    /**
     * tlb_flush_batched: bits 0-14 count TLB flushes reclaim deferred (pending), bits 16-30 the
     * pending count last flushed (CONFIG_ARCH_WANT_BATCHED_UNMAP_TLB_FLUSH).
     */
    public final Atomic tlbFlushBatched;
    /** mm->pgd: the top-level page table. */
    public final Page pgd;
    public final long taskSize = Mm.TASK_SIZE;
    /** mm_cpumask(mm): the CPUs (tasks) that have run this mm's user code (see Tlb). */
    public final java.util.concurrent.CopyOnWriteArrayList<mmrace.runtime.Task> cpumask = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** model: ghost counter for VmAreaStruct.mapId (oracle only). */
    public final java.util.concurrent.atomic.AtomicLong ghostMapIds = new java.util.concurrent.atomic.AtomicLong();

    private MmStruct(Kernel kernel, String label, Page pgd) {
        this.kernel = kernel;
        this.label = label;
        this.mmMt = new MapleTree(this);
        this.mmapLock = new RwSemaphore(this, MMAP_LOCK, "mmap_lock");
        this.mmLockSeq = new Atomic(this, MM_LOCK_SEQ, 0);
        this.vmaWriterWait = new Rcuwait(this);
        this.pageTableLock = new SpinLock(this, PAGE_TABLE_LOCK, "page_table_lock");
        this.mapCount = new Word(this, MAP_COUNT, 0);
        this.mmUsers = new Atomic(this, MM_USERS, 1);
        this.mmCount = new Atomic(this, MM_COUNT, 1);
        this.tlbFlushBatched = new Atomic(this, TLB_FLUSH_BATCHED, 0);
        this.pgd = pgd;
    }

    /** mm_alloc() + mm_init() + pgd_alloc(), on the calling task. */
    public static MmStruct mmAlloc(Kernel kernel, String label) {
        Page pgd = kernel.pages.allocTable("pgd");
        if (pgd == null)
            return null;
        return new MmStruct(kernel, label, pgd);
    }

    @Override
    public String name() {
        return label;
    }
}
