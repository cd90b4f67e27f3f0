package mmrace.port;

import mmrace.runtime.Atomic;
import mmrace.runtime.Field;
import mmrace.runtime.KObject;
import mmrace.runtime.Lockdep;
import mmrace.runtime.Ref;
import mmrace.runtime.Report;
import mmrace.runtime.Shared;
import mmrace.runtime.Task;
import mmrace.runtime.Word;

/**
 * struct vm_area_struct (include/linux/mm_types.h at eeccf287a2a517954b57cf9d733b3cf5d47afa34).
 * VMAs come from a SLAB_TYPESAFE_BY_RCU cache ({@link VmaInit}): only vm_mm, vm_lock_seq and
 * vm_refcnt may be read without a reference; vm_start and vm_end share memory with the slab's free
 * pointer (vm_freeptr), so reading them from a free VMA is a KASAN report and yields garbage.
 *
 * <p>model: every store to a field of an attached VMA is checked like vma_assert_write_locked()
 * (stricter than the kernel, which asserts in vm_flags_*() and friends): changing a VMA without
 * vma_start_write() is reported, whoever does it.
 */
public final class VmAreaStruct extends KObject {
    static final Field VM_START = new Field("vm_start");
    static final Field VM_END = new Field("vm_end");
    static final Field VM_MM = new Field("vm_mm", true);
    static final Field VM_PAGE_PROT = new Field("vm_page_prot");
    static final Field VM_FLAGS = new Field("vm_flags");
    static final Field VM_PGOFF = new Field("vm_pgoff");
    static final Field VM_FILE = new Field("vm_file");
    static final Field VM_OPS = new Field("vm_ops");
    static final Field ANON_VMA = new Field("anon_vma");
    static final Field VM_REFCNT = new Field("vm_refcnt", true);
    static final Field VM_LOCK_SEQ = new Field("vm_lock_seq", true);
    /** What vm_freeptr holds while the object is free: a kernel pointer, not an address. */
    static final long FREEPTR = 0xffff888000000000L;


    public final Word vmStart;
    public final Word vmEnd;
    public final Ref<MmStruct> vmMm;
    public final Word vmPageProt;
    public final Word vmFlags;
    public final Word vmPgoff;
    public final Ref<File> vmFile;
    public final Ref<VmOperations> vmOps;
    public final Ref<AnonVma> anonVma;
    /** vm_refcnt: 0 detached, 1 attached, +1 per reader, +VM_REFCNT_EXCLUDE_READERS_FLAG while a writer excludes readers. */
    public final Atomic vmRefcnt;
    /** vm_lock_seq: the mm_lock_seq at which this VMA was last write-locked (UINT_MAX initially). */
    public final Atomic vmLockSeq;
    /**
     * anon_vma_chain: the anon_vmas this VMA is linked to (its own, and after fork its parent's).
     * model: a plain list kept under the anon_vma lock by rmap code only, like {@link AnonVma#vmas}.
     */
    public final java.util.List<AnonVma> anonVmaChain = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** vmlock_dep_map. */
    public final Lockdep.Map vmlockDepMap;
    /** The name traces give this VMA ("A", "B'"); set by whoever creates it. */
    public volatile String label;
    /**
     * model: a ghost field, not in the kernel's struct, for the oracle only: which mapping (which
     * mmap) the memory this VMA maps belongs to. vm_area_alloc gives a new id, vm_area_dup (split,
     * copy_vma for mremap) keeps it. Port code never reads it.
     */
    public volatile long mapId;

    public VmAreaStruct() {
        vmStart = new Word(this, VM_START, 0);
        vmEnd = new Word(this, VM_END, 0);
        vmMm = new Ref<>(this, VM_MM, null);
        vmPageProt = new Word(this, VM_PAGE_PROT, 0);
        vmFlags = new Word(this, VM_FLAGS, 0);
        vmPgoff = new Word(this, VM_PGOFF, 0);
        vmFile = new Ref<>(this, VM_FILE, null);
        vmOps = new Ref<>(this, VM_OPS, null);
        anonVma = new Ref<>(this, ANON_VMA, null);
        vmRefcnt = new Atomic(this, VM_REFCNT, 0);
        vmLockSeq = new Atomic(this, VM_LOCK_SEQ, -1);
        vmlockDepMap = new Lockdep.Map("vm_lock", this);
    }

    @Override
    public String name() {
        String l = label;
        return l != null ? l : "vma#" + index();
    }

    /** "B [0x12000-0x14000 rw-p]" with no points: for traces and reports. */
    public String describe() {
        return name() + " [" + Long.toHexString(vmStart.peek()) + "-" + Long.toHexString(vmEnd.peek()) + " "
                + Mm.flagsString(vmFlags.peek()) + "]";
    }

    @Override
    protected void checkWrite(Task t, Shared f) {
        if (f.field == VM_REFCNT || f.field == VM_LOCK_SEQ || f.field == ANON_VMA)
            return;
        if (vmRefcnt.peek() == 0)
            return; // detached: being built or torn down by its only user
        MmStruct mm = vmMm.peek();
        if (mm == null)
            return;
        if (!(mm.mmapLock.isWriteLockedBy(t) && vmLockSeq.peek() == mm.mmLockSeq.peek()))
            t.kernel.reports.file(t, Report.Kind.LOCKDEP, "vma_assert_write_locked failed",
                    "store to " + f.name() + " of an attached VMA without vma_start_write");
    }

    @Override
    protected void poison() {
        vmStart.poke(FREEPTR + ((long) index() << 8));
        vmEnd.poke(FREEPTR + ((long) index() << 8) + 0x40);
    }
}
