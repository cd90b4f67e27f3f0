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
    /**
     * The contents on disk, page by page, written back by reclaim of a dirty page. model: a page
     * still holding the file's fill byte has no array ({@link #fillPage} stands for it), so a file
     * costs memory for the pages written, not for its size.
     */
    private final java.util.concurrent.atomic.AtomicReferenceArray<byte[]> disk;
    /** A page of the fill byte: what every page of the disk holds until one is written. */
    private final byte[] fillPage;
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

    /** A file of {@code contents} (the last page padded with zeros). */
    public File(String label, byte[] contents) {
        this(label, contents.length, (byte) 0);
        for (int i = 0; i < sizePages; i++) {
            byte[] page = java.util.Arrays.copyOfRange(contents, i * Page.PAGE_SIZE, (i + 1) * Page.PAGE_SIZE);
            if (!java.util.Arrays.equals(page, fillPage))
                disk.set(i, page);
        }
    }

    /** A file of {@code size} bytes, each {@code fill}: no array per page until one is written. */
    public File(String label, long size, byte fill) {
        this.label = label;
        this.sizePages = (size + Page.PAGE_SIZE - 1) / Page.PAGE_SIZE;
        this.fillPage = new byte[Page.PAGE_SIZE];
        java.util.Arrays.fill(fillPage, fill);
        this.disk = new java.util.concurrent.atomic.AtomicReferenceArray<>((int) sizePages);
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

    /** Page {@code index} of the disk, to copy from: the caller must not change it. */
    public byte[] diskPage(long index) {
        byte[] p = disk.get((int) index);
        return p == null ? fillPage : p;
    }

    /** Writes page {@code index} of the disk (a copy of {@code src}, whose first 4096 bytes are the page). */
    public void writeDiskPage(long index, byte[] src) {
        disk.set((int) index, java.util.Arrays.copyOf(src, Page.PAGE_SIZE));
    }

    /** Copies {@code n} bytes of the disk at byte offset {@code off} out (for the oracle and tests: no point). */
    public void readDisk(long off, byte[] dst, int dstOff, int n) {
        while (n > 0) {
            int in = (int) (off & (Page.PAGE_SIZE - 1)), k = Math.min(n, Page.PAGE_SIZE - in);
            System.arraycopy(diskPage(off >>> Page.PAGE_SHIFT), in, dst, dstOff, k);
            off += k;
            dstOff += k;
            n -= k;
        }
    }
}
