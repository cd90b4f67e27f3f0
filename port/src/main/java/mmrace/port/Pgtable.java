package mmrace.port;

import mmrace.runtime.Page;
import mmrace.runtime.Task;

/**
 * Page-table entry formats and walking helpers: arch/x86/include/asm/pgtable*.h and
 * include/linux/pgtable.h, for x86-64 with 4-level paging.
 *
 * <p>model: p4d is folded into pgd (as on 4-level x86-64), so p4d_offset returns the pgd entry.
 * Upper-level entries hold the pfn of the next table page. Swap entries are non-present,
 * non-none PTEs with the swap offset in the pfn field.
 */
public final class Pgtable {
    private Pgtable() {}

    public static final int PGDIR_SHIFT = 39, PUD_SHIFT = 30, PMD_SHIFT = 21, PAGE_SHIFT = Page.PAGE_SHIFT;
    public static final long PMD_SIZE = 1L << PMD_SHIFT, PMD_MASK = ~(PMD_SIZE - 1);
    public static final long PUD_SIZE = 1L << PUD_SHIFT, PUD_MASK = ~(PUD_SIZE - 1);
    public static final long PGDIR_SIZE = 1L << PGDIR_SHIFT, PGDIR_MASK = ~(PGDIR_SIZE - 1);
    public static final int PTRS_PER_PTE = 512, PTRS_PER_PMD = 512, PTRS_PER_PUD = 512, PTRS_PER_PGD = 512;
    /** HPAGE_PMD_ORDER / HPAGE_PMD_NR. */
    public static final int HPAGE_PMD_ORDER = PMD_SHIFT - PAGE_SHIFT, HPAGE_PMD_NR = 1 << HPAGE_PMD_ORDER;

    // arch/x86/include/asm/pgtable_types.h
    public static final long _PAGE_PRESENT = 1L << 0;
    public static final long _PAGE_RW = 1L << 1;
    public static final long _PAGE_USER = 1L << 2;
    public static final long _PAGE_ACCESSED = 1L << 5;
    public static final long _PAGE_DIRTY = 1L << 6;
    public static final long _PAGE_PSE = 1L << 7;
    public static final long _PAGE_GLOBAL = 1L << 8;
    public static final long _PAGE_SPECIAL = 1L << 9;
    /** _PAGE_PROTNONE shares the GLOBAL bit and only means something when PRESENT is clear. */
    public static final long _PAGE_PROTNONE = _PAGE_GLOBAL;
    public static final long _PAGE_NX = 1L << 63;
    public static final long PTE_PFN_MASK = ((1L << 52) - 1) & ~((1L << PAGE_SHIFT) - 1);
    /** _PAGE_TABLE: what an upper-level entry pointing at a table carries. */
    public static final long _PAGE_TABLE = _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY;

    public static final long PAGE_NONE = _PAGE_PROTNONE | _PAGE_ACCESSED;
    public static final long PAGE_READONLY = _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED | _PAGE_NX;
    public static final long PAGE_COPY = PAGE_READONLY;
    public static final long PAGE_SHARED = _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_NX;

    public static int pgdIndex(long addr) { return (int) ((addr >>> PGDIR_SHIFT) & (PTRS_PER_PGD - 1)); }
    public static int pudIndex(long addr) { return (int) ((addr >>> PUD_SHIFT) & (PTRS_PER_PUD - 1)); }
    public static int pmdIndex(long addr) { return (int) ((addr >>> PMD_SHIFT) & (PTRS_PER_PMD - 1)); }
    public static int pteIndex(long addr) { return (int) ((addr >>> PAGE_SHIFT) & (PTRS_PER_PTE - 1)); }

    /** pgd_offset(mm, addr). */
    public static Ptep pgdOffset(MmStruct mm, long addr) {
        return new Ptep(mm.pgd, pgdIndex(addr));
    }

    /** p4d_offset(pgd, addr): folded. */
    public static Ptep p4dOffset(Ptep pgd, long addr) {
        return pgd;
    }

    /** pud_offset(p4d, addr): needs the p4d entry value (the caller read it). */
    public static Ptep pudOffset(long p4dval, long addr) {
        return new Ptep(tablePage(p4dval), pudIndex(addr));
    }

    /** pmd_offset(pud, addr). */
    public static Ptep pmdOffset(long pudval, long addr) {
        return new Ptep(tablePage(pudval), pmdIndex(addr));
    }

    /** pte_offset_kernel(pmd, addr) on a pmd value (as __pte_map does). */
    public static Ptep pteOffsetKernel(long pmdval, long addr) {
        return new Ptep(tablePage(pmdval), pteIndex(addr));
    }

    /** The table page an upper-level entry points to (pmd_page, pud_pgtable, ...); null if none. */
    public static Page tablePage(long entry) {
        return Task.current().kernel.pages.pfnToPage(entryPfn(entry));
    }

    public static long entryPfn(long e) { return (e & PTE_PFN_MASK) >>> PAGE_SHIFT; }

    // --- upper levels ---
    public static boolean p4dNone(long e) { return e == 0; }
    public static boolean pudNone(long e) { return e == 0; }
    public static boolean pmdNone(long e) { return e == 0; }
    public static boolean pudPresent(long e) { return (e & _PAGE_PRESENT) != 0; }
    public static boolean pmdPresent(long e) { return (e & (_PAGE_PRESENT | _PAGE_PROTNONE | _PAGE_PSE)) != 0; }
    /** pmd_leaf()/pud_leaf(): a huge entry. */
    public static boolean pmdLeaf(long e) { return (e & _PAGE_PSE) != 0; }
    public static boolean pudLeaf(long e) { return (e & _PAGE_PSE) != 0; }
    public static boolean pmdTransHuge(long e) { return pmdLeaf(e) && (e & _PAGE_PRESENT) != 0; }
    /** pgd_bad/p4d_bad/pud_bad/pmd_bad: present and not a table, or a value the model cannot decode. */
    public static boolean entryBad(long e) {
        if (e == Page.ENTRY_POISON)
            return true;
        return e != 0 && !pmdLeaf(e) && (e & _PAGE_TABLE) != _PAGE_TABLE;
    }
    /** pmd_populate(): an entry pointing at a table. */
    public static long mkTableEntry(Page table) { return (table.pfn << PAGE_SHIFT) | _PAGE_TABLE; }
    /**
     * pmd_populate(mm, pmd, pmd_pgtable(pmdval)): the entry pointing at the table {@code pmdval}
     * pointed to, computed from its pfn as the kernel does (pmd_pgtable of a none pmd is pfn 0).
     */
    public static long pmdPopulateEntry(long pmdval) { return (entryPfn(pmdval) << PAGE_SHIFT) | _PAGE_TABLE; }

    // --- PTEs ---
    public static boolean pteNone(long pte) { return pte == 0; }
    /** pte_present(): present, or PROT_NONE (which the hardware sees as not present). */
    public static boolean ptePresent(long pte) { return (pte & (_PAGE_PRESENT | _PAGE_PROTNONE)) != 0 && pte != Page.ENTRY_POISON; }
    public static boolean pteProtnone(long pte) { return (pte & (_PAGE_PRESENT | _PAGE_PROTNONE)) == _PAGE_PROTNONE; }
    public static boolean pteWrite(long pte) { return (pte & _PAGE_RW) != 0; }
    public static boolean pteDirty(long pte) { return (pte & _PAGE_DIRTY) != 0; }
    public static boolean pteYoung(long pte) { return (pte & _PAGE_ACCESSED) != 0; }
    public static boolean pteSpecial(long pte) { return (pte & _PAGE_SPECIAL) != 0; }
    public static long ptePfn(long pte) { return entryPfn(pte); }
    public static long pfnPte(long pfn, long prot) { return (pfn << PAGE_SHIFT) | prot; }
    /** mk_pte(page, prot). */
    public static long mkPte(Page page, long prot) { return pfnPte(page.pfn, prot); }
    public static long pteMkspecial(long pte) { return pte | _PAGE_SPECIAL; }
    public static long pteMkdirty(long pte) { return pte | _PAGE_DIRTY; }
    public static long pteMkyoung(long pte) { return pte | _PAGE_ACCESSED; }
    public static long pteMkwrite(long pte) { return pte | _PAGE_RW; }
    public static long pteWrprotect(long pte) { return pte & ~_PAGE_RW; }
    /** pte_modify(pte, newprot): keep the pfn and the software bits, take the protection. */
    public static long pteModify(long pte, long newprot) {
        return (pte & (PTE_PFN_MASK | _PAGE_DIRTY | _PAGE_ACCESSED | _PAGE_SPECIAL)) | (newprot & ~PTE_PFN_MASK);
    }

    // --- swap entries (include/linux/swapops.h) ---
    /** A swap PTE: neither none nor present. model: type 0, offset in the pfn field. */
    public static long swpEntryToPte(long offset) { return offset << PAGE_SHIFT | (1L << 1); }
    public static boolean isSwapPte(long pte) { return !pteNone(pte) && !ptePresent(pte); }
    public static long swpOffset(long pte) { return entryPfn(pte); }

    /** vm_get_page_prot(vm_flags) (mm/mmap.c protection_map for x86). */
    public static long vmGetPageProt(long vmFlags) {
        boolean r = (vmFlags & Mm.VM_READ) != 0, w = (vmFlags & Mm.VM_WRITE) != 0, x = (vmFlags & Mm.VM_EXEC) != 0;
        boolean shared = (vmFlags & Mm.VM_SHARED) != 0;
        if (!r && !w && !x)
            return PAGE_NONE;
        long prot = w && shared ? PAGE_SHARED : PAGE_READONLY;
        if (x)
            prot &= ~_PAGE_NX;
        return prot;
    }

    /**
     * model: the PTE for addr, walking with peeks (no scheduling point, no lock): for observers
     * (the oracle, root-cause probes), never for kernel steps. 0 if none; a huge PMD gives a
     * synthetic PTE.
     */
    public static long peekPte(MmStruct mm, long addr) {
        Page pud = peekTable(mm, mm.pgd.peekEntry(pgdIndex(addr)));
        Page pmd = pud == null ? null : peekTable(mm, pud.peekEntry(pudIndex(addr)));
        if (pmd == null)
            return 0;
        long e = pmd.peekEntry(pmdIndex(addr));
        if (e != 0 && e != Page.ENTRY_POISON && pmdLeaf(e))
            return pfnPte(entryPfn(e) + pteIndex(addr), e & ~PTE_PFN_MASK & ~_PAGE_PSE);
        Page pt = peekTable(mm, e);
        long pte = pt == null ? 0 : pt.peekEntry(pteIndex(addr));
        return pte == Page.ENTRY_POISON ? 0 : pte;
    }

    /** The table an upper-level entry points to, or null for a none or poisoned entry (peekPte). */
    private static Page peekTable(MmStruct mm, long e) {
        return e == 0 || e == Page.ENTRY_POISON ? null : mm.kernel.pages.pfnToPage(entryPfn(e));
    }
}
