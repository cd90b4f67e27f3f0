package mmrace.oracle;

import mmrace.oracle.ReadRecord.ChunkView;
import mmrace.port.File;
import mmrace.port.Mm;
import mmrace.port.MmStruct;
import mmrace.port.MmTypes;
import mmrace.port.Pgtable;
import mmrace.port.SwapState;
import mmrace.port.VmOperations;
import mmrace.runtime.Page;

/**
 * What a process would read at an address right now, for the oracle: the layout gives the VMA
 * (taken at the last mmap write release), the live page tables, page cache and swap give the
 * bytes. Uses no points and touches nothing: it runs between steps.
 *
 * <p>Readability follows check_vma_flags (mm/gup.c) for a read: VM_IO/VM_PFNMAP only through
 * vm_ops->access; FOLL_ANON refuses file mappings; without VM_READ only FOLL_FORCE with
 * VM_MAYREAD; a file page beyond the end of the file is SIGBUS.
 */
final class Ghost {
    private Ghost() {}

    static ChunkView view(MmStruct mm, Layout layout, long start, long end, int foll) {
        Layout.Region r = layout.at(start);
        if (r == null)
            return ChunkView.UNMAPPED;
        File f = r.file() instanceof File ff ? ff : null;
        long idx = r.pgoff() + ((start - r.start()) >>> Page.PAGE_SHIFT);
        byte[] content = content(mm, r, f, idx, start, (int) (end - start), new byte[(int) (end - start)]);
        return new ChunkView(r.identity(start), readable(mm, r, start, foll), content, folio(mm, start));
    }

    /** Would a read with {@code foll} at {@code start} (in region r) be allowed to copy it now? */
    private static boolean readable(MmStruct mm, Layout.Region r, long start, int foll) {
        boolean readable = readable(r, foll);
        long idx = r.pgoff() + ((start - r.start()) >>> Page.PAGE_SHIFT);
        if (r.file() instanceof File f && (r.flags() & (Mm.VM_IO | Mm.VM_PFNMAP)) == 0 && idx >= f.sizePages)
            readable = false;
        // generic_access_phys: follow_pfnmap_start fails (-EINVAL) where the PTE is not present, as
        // after a move_vma whose unmap of the source failed (mm/mremap.c: "OOM: unable to split vma")
        if ((r.flags() & (Mm.VM_IO | Mm.VM_PFNMAP)) != 0 && !pfnReadable(mm, Pgtable.peekPte(mm, start)))
            readable = false;
        return readable;
    }

    /**
     * The page at {@code page} as {@link #view} sees it for a whole page, without allocating: its
     * readability, and its bytes in {@code scratch} (a page), or a file's disk page itself (not to
     * be changed), or null where none. For checks that sweep every mapped page (the contracts').
     */
    record PagePeek(boolean readable, byte[] content) {}

    static PagePeek peekPage(MmStruct mm, Layout layout, long page, int foll, byte[] scratch) {
        Layout.Region r = layout.at(page);
        if (r == null)
            return new PagePeek(false, null);
        File f = r.file() instanceof File ff ? ff : null;
        long idx = r.pgoff() + ((page - r.start()) >>> Page.PAGE_SHIFT);
        return new PagePeek(readable(mm, r, page, foll), content(mm, r, f, idx, page, Page.PAGE_SIZE, scratch));
    }

    /** The page a present PTE maps at this address ({@link ReadRecord#folioKey}), or 0. */
    static long folio(MmStruct mm, long addr) {
        long pte = Pgtable.peekPte(mm, addr);
        if (pte == 0 || !Pgtable.ptePresent(pte))
            return 0;
        Page p = mm.kernel.pages.pfnToPage(Pgtable.ptePfn(pte));
        return p == null || p.freed ? 0 : ReadRecord.folioKey(p.pfn, p.allocations);
    }

    /**
     * generic_access_phys can read the page behind this PTE: it is present, and its pfn is not RAM
     * in use (x86's ioremap refuses RAM that is not PageReserved: a private device page after COW).
     */
    private static boolean pfnReadable(MmStruct mm, long pte) {
        if (!Pgtable.ptePresent(pte))
            return false;
        Page p = mm.kernel.pages.pfnToPage(Pgtable.ptePfn(pte));
        return p != null && (p.flags.peek() & Page.PG_RESERVED) != 0;
    }

    static boolean readable(Layout.Region r, int foll) {
        long fl = r.flags();
        if ((fl & (Mm.VM_IO | Mm.VM_PFNMAP)) != 0)
            return r.vmOps() instanceof VmOperations ops && ops.hasAccess();
        if ((foll & MmTypes.FOLL_ANON) != 0 && r.vmOps() != null)
            return false;
        if ((fl & Mm.VM_READ) == 0)
            return (foll & MmTypes.FOLL_FORCE) != 0 && (fl & Mm.VM_MAYREAD) != 0;
        return true;
    }

    /**
     * The n bytes at start into {@code out}, or null where none can be read; a whole page of a file
     * never read in is the disk's page itself (the caller must not change it).
     */
    private static byte[] content(MmStruct mm, Layout.Region r, File f, long idx, long start, int n, byte[] out) {
        int off = (int) (start & (Page.PAGE_SIZE - 1));
        long pte = Pgtable.peekPte(mm, start);
        if (pte != 0 && Pgtable.ptePresent(pte)) {
            Page p = mm.kernel.pages.pfnToPage(Pgtable.ptePfn(pte));
            if (p == null)
                return null;
            p.peekBytes(off, out, 0, n);
            return out;
        }
        if (pte != 0)
            return swapped(mm, pte, off, n);
        if (f != null && (r.flags() & (Mm.VM_IO | Mm.VM_PFNMAP)) == 0) {
            if (idx >= f.sizePages)
                return null;
            Page cached = f.iPages.get((int) idx).peek();
            if (cached != null)
                cached.peekBytes(off, out, 0, n);
            else if (off == 0 && n == Page.PAGE_SIZE)
                return f.diskPage(idx); // no copy of a page not read in
            else
                f.readDisk(idx * Page.PAGE_SIZE + off, out, 0, n);
            return out;
        }
        java.util.Arrays.fill(out, 0, n, (byte) 0);
        return out; // never touched anonymous memory reads as zeros (A4)
    }

    /** The bytes behind a swap entry: the swap cache or the slot (mm/swap_state.c). */
    private static byte[] swapped(MmStruct mm, long pte, int off, int n) {
        Page p = SwapState.peekSwapped(mm.kernel, Pgtable.swpOffset(pte));
        if (p == null)
            return null;
        byte[] out = new byte[n];
        p.peekBytes(off, out, 0, n);
        return out;
    }
}
