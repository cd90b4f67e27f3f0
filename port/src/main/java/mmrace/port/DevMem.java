package mmrace.port;

import mmrace.runtime.Kernel;
import mmrace.runtime.Page;

/**
 * A small character device in the manner of drivers/char/mem.c (mmap_mem + mmap_mem_ops, not
 * re-read for this port): f_op->mmap maps the device's memory with remap_pfn_range (so the VMA is
 * VM_IO | VM_PFNMAP | VM_DONTEXPAND and its PTEs are special PFN entries), and vm_ops->access is
 * generic_access_phys, which is how ptrace and /proc/PID/mem reach such a mapping.
 *
 * <p>model: the device's memory is a run of reserved pages taken from the page allocator when the
 * device is made, with known contents; ioremap of it is the pages themselves. The mmap offset is
 * relative to the device (a driver mapping its BAR), not a physical address.
 */
public final class DevMem {
    private DevMem() {}

    /** mmap_mem_ops: access = generic_access_phys. */
    public static final VmOperations MMAP_MEM_OPS = new VmOperations() {
        @Override public boolean hasAccess() { return true; }
        @Override public int access(VmAreaStruct vma, long addr, byte[] buf, int bufOff, int len, boolean write) {
            return Memory.genericAccessPhys(vma, addr, buf, bufOff, len, write);
        }
        @Override public String toString() { return "mmap_mem_ops"; }
    };

    /** The device: its file and the first pfn of its memory. */
    public record Device(File file, long basePfn, int nrPages) {}

    /** Makes a device whose memory holds {@code contents}; its file's f_op->mmap maps it. */
    public static Device create(Kernel k, String name, byte[] contents) {
        Device d = create(k, name, contents.length, (byte) 0, new File(name, contents));
        Page head = k.pages.pfnToPage(d.basePfn());
        for (int i = 0; i < d.nrPages(); i++) {
            int off = i * Page.PAGE_SIZE;
            if (off < contents.length)
                k.pages.pfnToPage(head.pfn + i).pokeBytes(0, contents, off, Math.min(Page.PAGE_SIZE, contents.length - off));
        }
        return d;
    }

    /**
     * Makes a device of {@code size} bytes, each {@code fill}. model: its pages are uniform pages
     * (no 4 KiB array each until written), so a device costs what is touched, not its size.
     */
    public static Device create(Kernel k, String name, long size, byte fill) {
        return create(k, name, size, fill, new File(name, size, fill));
    }

    private static Device create(Kernel k, String name, long size, byte fill, File f) {
        int nr = (int) Math.max(1, (size + Page.PAGE_SIZE - 1) / Page.PAGE_SIZE);
        int order = 0;
        while ((1 << order) < nr)
            order++;
        Page head = k.pages.allocPages(order, "devmem");
        for (int i = 0; i < (1 << order); i++) {
            Page p = k.pages.pfnToPage(head.pfn + i);
            p.head = p;
            p.order = 0;
            p.refcount.poke(1);
            p.flags.poke(Page.PG_RESERVED);
            p.pokeFill(i < nr ? fill : 0);
        }
        Device d = new Device(f, head.pfn, nr);
        f.fOpMmap = vma -> mmapMem(d, vma);
        return d;
    }

    /** mmap_mem(file, vma): check the range, set vm_ops, remap_pfn_range. */
    static int mmapMem(Device d, VmAreaStruct vma) {
        long size = vma.vmEnd.get() - vma.vmStart.get();
        long pgoff = vma.vmPgoff.get();
        if (pgoff < 0 || pgoff + (size >>> Page.PAGE_SHIFT) > d.nrPages()) // valid_mmap_phys_addr_range
            return -mmrace.runtime.Errno.EINVAL;
        vma.vmOps.set(MMAP_MEM_OPS);
        if (Memory.remapPfnRange(vma, vma.vmStart.get(), d.basePfn() + pgoff, size, vma.vmPageProt.get()) != 0)
            return -mmrace.runtime.Errno.EAGAIN;
        return 0;
    }
}
