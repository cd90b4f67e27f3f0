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
 * <p>An mm comes from the mm_struct slab cache ({@link Fork#mmCachep}, not SLAB_TYPESAFE_BY_RCU)
 * and goes back to it in __mmdrop() when the last mm_count reference is dropped; exit_mmap() tears
 * its address space down when the last mm_users reference is dropped ({@link Fork#mmput}). Touching
 * a field of a freed mm is a KASAN report.
 *
 * <p>model: no accounting fields (total_vm, locked_vm, ...) beyond map_count; no flags word
 * (MMF_OOM_SKIP, MMF_UNSTABLE are noted in the trace only), no exe_file, no owner.
 */
public final class MmStruct extends KObject {
    private static final Field MMAP_LOCK = new Field("mmap_lock");
    private static final Field MM_LOCK_SEQ = new Field("mm_lock_seq");
    private static final Field PAGE_TABLE_LOCK = new Field("page_table_lock");
    private static final Field MAP_COUNT = new Field("map_count");
    private static final Field MM_USERS = new Field("mm_users");
    private static final Field MM_COUNT = new Field("mm_count");
    /** mm->vma_writer_wait.task: like every field of a freed mm, not to be read after __mmdrop. */
    private static final Field VMA_WRITER_WAIT = new Field("vma_writer_wait");
    private static final Field TLB_FLUSH_BATCHED = new Field("tlb_flush_batched");

    public final Kernel kernel;
    /** The name traces give this mm ("mm", "P2"); set by whoever allocates it. */
    public volatile String label;
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
    /** mm->pgd: the top-level page table (set by mm_init, freed by __mmdrop). */
    public volatile Page pgd;
    public final long taskSize = Mm.TASK_SIZE;
    /** mm_cpumask(mm): the CPUs (tasks) that have run this mm's user code (see Tlb). */
    public final java.util.concurrent.CopyOnWriteArrayList<mmrace.runtime.Task> cpumask = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** model: ghost counter for VmAreaStruct.mapId (oracle only). */
    public final java.util.concurrent.atomic.AtomicLong ghostMapIds = new java.util.concurrent.atomic.AtomicLong();

    /** The slab constructor: the memory of one mm_struct (mm_init() gives it its values). */
    MmStruct(Kernel kernel) {
        this.kernel = kernel;
        this.mmMt = new MapleTree(this);
        this.mmapLock = new RwSemaphore(this, MMAP_LOCK, "mmap_lock");
        this.mmLockSeq = new Atomic(this, MM_LOCK_SEQ, 0);
        this.vmaWriterWait = new Rcuwait(this, VMA_WRITER_WAIT);
        this.pageTableLock = new SpinLock(this, PAGE_TABLE_LOCK, "page_table_lock");
        this.mapCount = new Word(this, MAP_COUNT, 0);
        this.mmUsers = new Atomic(this, MM_USERS, 0);
        this.mmCount = new Atomic(this, MM_COUNT, 0);
        this.tlbFlushBatched = new Atomic(this, TLB_FLUSH_BATCHED, 0);
    }

    /** mm_alloc() on the calling task ({@link Fork#mmAlloc}), named {@code label} in traces; null on -ENOMEM. */
    public static MmStruct mmAlloc(Kernel kernel, String label) {
        return Fork.mmAlloc(kernel, label);
    }

    @Override
    public String name() {
        String l = label;
        return l != null ? l : "mm#" + index();
    }

    /** kmem_cache_free scribbles over the object: the slab free pointer lands in its first words. */
    @Override
    protected void poison() {
        mapCount.poke(0x6b6b6b6b6b6b6b6bL); // POISON_FREE
    }
}
