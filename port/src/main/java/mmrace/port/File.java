package mmrace.port;

import mmrace.runtime.Field;
import mmrace.runtime.KObject;
import mmrace.runtime.Page;
import mmrace.runtime.Ref;
import mmrace.runtime.RwSemaphore;
import mmrace.runtime.SpinLock;

/**
 * struct file with its inode and struct address_space (include/linux/fs.h): the page cache
 * (i_pages), i_mmap_rwsem, and the file's contents on disk, which are known.
 *
 * <p>model: a file has a fixed size in pages; its "disk" is a byte array; the page cache is one
 * slot per page index (an xarray with no multi-index entries); readahead is one page.
 */
public final class File extends KObject {
    public static final Field I_PAGES = new Field("i_pages");
    private static final Field XA_LOCK = new Field("i_pages.xa_lock");
    private static final Field I_MMAP_RWSEM = new Field("i_mmap_rwsem");

    public final String label;
    public final long sizePages;
    /** The contents on disk, written back by reclaim of a dirty page. */
    public final byte[] disk;
    /** address_space->i_pages: the page-cache folio of each index, or null. */
    public final java.util.List<Ref<Page>> iPages;
    public final SpinLock xaLock;
    public final RwSemaphore iMmapRwsem;
    /** The VMAs mapping this file (i_mmap). model: a list, not an interval tree. */
    public final java.util.List<VmAreaStruct> iMmap = new java.util.concurrent.CopyOnWriteArrayList<>();
    /**
     * f_op->mmap(file, vma): 0 or -errno; sets vm_ops (generic_file_mmap) or, for a device, VM_IO |
     * VM_PFNMAP and the PFN mapping. Set by whoever creates the file (the page-cache model or a
     * device model).
     */
    public volatile java.util.function.ToIntFunction<VmAreaStruct> fOpMmap;

    public File(String label, byte[] contents) {
        this.label = label;
        this.sizePages = (contents.length + Page.PAGE_SIZE - 1) / Page.PAGE_SIZE;
        this.disk = java.util.Arrays.copyOf(contents, (int) (sizePages * Page.PAGE_SIZE));
        java.util.List<Ref<Page>> l = new java.util.ArrayList<>();
        for (long i = 0; i < sizePages; i++)
            l.add(new Ref<>(this, I_PAGES, null));
        this.iPages = java.util.List.copyOf(l);
        this.xaLock = new SpinLock(this, XA_LOCK, "xa_lock");
        this.iMmapRwsem = new RwSemaphore(this, I_MMAP_RWSEM, "i_mmap_rwsem");
    }

    @Override
    public String name() {
        return label;
    }
}
