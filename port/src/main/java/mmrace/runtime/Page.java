package mmrace.runtime;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * struct page / struct folio, and the 4 KiB of memory it describes. A page is user memory
 * (anonymous, page cache, the zero page) or a page-table page, whose 512 entries are read and
 * written through {@link #entry}/{@link #setEntry} with a point each.
 *
 * <p>model: every folio is one page except THP folios allocated with an order (see
 * {@link PageAlloc#allocPages}); page contents are copied as whole ranges (one point per copy, so
 * a copy is atomic with respect to other tasks).
 */
public final class Page extends KObject {
    public static final int PAGE_SHIFT = 12;
    public static final int PAGE_SIZE = 1 << PAGE_SHIFT;
    public static final long PAGE_MASK = ~((long) PAGE_SIZE - 1);
    public static final int PTRS_PER_TABLE = 512;
    /** PAGE_POISON (include/linux/poison.h): what a freed page is filled with. */
    public static final byte PAGE_POISON = (byte) 0xaa;
    public static final long ENTRY_POISON = 0xaaaaaaaaaaaaaaaaL;

    // page flags (include/linux/page-flags.h), the ones the port uses
    public static final long PG_LOCKED = 1L << 0;
    public static final long PG_REFERENCED = 1L << 1;
    public static final long PG_UPTODATE = 1L << 2;
    public static final long PG_DIRTY = 1L << 3;
    public static final long PG_LRU = 1L << 4;
    public static final long PG_HEAD = 1L << 6;
    public static final long PG_SWAPBACKED = 1L << 19;
    public static final long PG_SWAPCACHE = 1L << 10;
    /** model: the low bit of folio->mapping that marks an anonymous folio (PAGE_MAPPING_ANON). */
    public static final long PG_ANON = 1L << 40;
    /** page_type PGTY_table: this page is a page table. */
    public static final long PG_TABLE = 1L << 41;
    /** A reserved page (the zero page): never freed. */
    public static final long PG_RESERVED = 1L << 42;

    // struct page itself is never freed (mem_map is permanent): its fields may be read whatever the
    // page's state, as folio_try_get() on a page that was just freed does. KASAN covers the memory
    // the page describes (its contents, or its entries and ptlock when it is a page table).
    private static final Field REFCOUNT = new Field("_refcount", true);
    private static final Field MAPCOUNT = new Field("_mapcount", true);
    private static final Field FLAGS = new Field("flags", true);
    private static final Field MAPPING = new Field("mapping", true);
    private static final Field INDEX = new Field("index", true);
    private static final Field PRIVATE = new Field("private", true);
    /** The fields whose stores change what a process sees in memory (the oracle watches them). */
    public static final Field DATA = new Field("data");
    public static final Field ENTRIES = new Field("entries");
    /**
     * The page-table lock is not a permanent struct page field: with split ptlocks it is a slab
     * object that pagetable_dtor (ptlock_free) frees with the table, otherwise it lives in the
     * struct ptdesc that the page allocator hands out again. Taking it after the table was freed is
     * a use-after-free; a table freed through pte_free_defer or the RCU table free stays allocated,
     * and its lock usable, until the grace period ends.
     */
    private static final Field PTL = new Field("ptl");
    private static final VarHandle E = MethodHandles.arrayElementVarHandle(long[].class);

    public final long pfn;
    /** _refcount: references to the folio; the mapping of it by a PTE holds one. */
    public final Atomic refcount;
    /** _mapcount: number of PTEs mapping it, minus one (-1: unmapped), as in the kernel. */
    public final Atomic mapcount;
    public final Word flags;
    /** folio->mapping: the anon_vma (anonymous) or the address_space (page cache), or null. */
    public final Ref<Object> mapping;
    /** folio->index: offset in the file, or the linear page index for anonymous memory. */
    public final Word index;
    /** folio->private / swap entry while in the swap cache. */
    public final Word privateWord;
    /** The split page-table lock (ptlock) when this page is a page table. */
    public final SpinLock ptl;
    final Shared data;
    final Shared entries;
    /**
     * The contents; null while they are all one value ({@link #fillByte}: zeros, or poison after a
     * free), so allocating, clearing and freeing a page cost no 4 KiB fill.
     */
    private byte[] bytes;
    private byte fillByte;
    long[] table;
    /** folio order; 0 for a small folio. */
    public int order;
    /** The head page of the folio this page belongs to (itself for a head or small page). */
    public Page head = this;
    /** What a page table maps, for names in traces ("pte", "pmd", "pud", "pgd"). */
    public String tableLevel;

    Page(long pfn) {
        this.pfn = pfn;
        this.refcount = new Atomic(this, REFCOUNT, 0);
        this.mapcount = new Atomic(this, MAPCOUNT, -1);
        this.flags = new Word(this, FLAGS, 0);
        this.mapping = new Ref<>(this, MAPPING, null);
        this.index = new Word(this, INDEX, 0);
        this.privateWord = new Word(this, PRIVATE, 0);
        this.ptl = new SpinLock(this, PTL, "ptlock");
        this.data = new Shared(this, DATA) {};
        this.entries = new Shared(this, ENTRIES) {};
    }

    @Override
    public String name() {
        if (tableLevel != null)
            return tableLevel + " table " + pfn;
        return "folio " + head.pfn + (head == this ? "" : "+" + (pfn - head.pfn));
    }

    // --- contents ---

    /** Copies {@code n} bytes at {@code off} of this page out (memcpy from a kmap address). */
    public void copyFrom(int off, byte[] dst, int dstOff, int n) {
        Task t = Task.current();
        t.point(Access.COPY_FROM, data, n);
        data.check(t, false);
        read(off, dst, dstOff, n);
    }

    /** Copies {@code n} bytes into this page at {@code off}. */
    public void copyTo(int off, byte[] src, int srcOff, int n) {
        Task t = Task.current();
        t.point(Access.COPY_TO, data, n);
        data.check(t, true);
        if (off == 0 && n == PAGE_SIZE && uniform(src, srcOff, n))
            fillWith(src[srcOff]); // model: a page of one byte value needs no array
        else
            System.arraycopy(src, srcOff, materialize(), off, n);
    }

    /** Every byte of b[from, from + n) is the same: each equals the next one (a vectorised compare, no byte loop). */
    private static boolean uniform(byte[] b, int from, int n) {
        return b[from] == b[from + n - 1] && java.util.Arrays.mismatch(b, from, from + n - 1, b, from + 1, from + n) < 0;
    }

    /** clear_page(). */
    public void clear() {
        Task t = Task.current();
        t.point(Access.COPY_TO, data, PAGE_SIZE);
        data.check(t, true);
        fillWith((byte) 0);
    }

    /** copy_page(to = this, from). */
    public void copyPage(Page from) {
        Task t = Task.current();
        t.point(Access.COPY_TO, data, PAGE_SIZE);
        from.data.check(t, false);
        data.check(t, true);
        if (from.bytes == null)
            fillWith(from.fillByte);
        else
            System.arraycopy(from.bytes, 0, materialize(), 0, PAGE_SIZE);
    }

    /** The byte at {@code off}, with no point and no check: for the oracle. */
    public byte peekByte(int off) {
        return bytes == null ? fillByte : bytes[off];
    }

    /** Copies out with no point and no check: for the oracle and set-up. */
    public void peekBytes(int off, byte[] dst, int dstOff, int n) {
        read(off, dst, dstOff, n);
    }

    /** Every byte becomes {@code b}, with no point and no array: for building the initial state. */
    public void pokeFill(byte b) {
        fillWith(b);
    }

    /** Fills contents with no point: for building the initial state. */
    public void pokeBytes(int off, byte[] src, int srcOff, int n) {
        System.arraycopy(src, srcOff, materialize(), off, n);
    }

    private void read(int off, byte[] dst, int dstOff, int n) {
        if (bytes == null)
            java.util.Arrays.fill(dst, dstOff, dstOff + n, fillByte);
        else
            System.arraycopy(bytes, off, dst, dstOff, n);
    }

    private byte[] materialize() {
        if (bytes == null) {
            bytes = new byte[PAGE_SIZE];
            if (fillByte != 0)
                java.util.Arrays.fill(bytes, fillByte);
        }
        return bytes;
    }

    /** Every byte of the page becomes {@code b}. */
    void fillWith(byte b) {
        bytes = null;
        fillByte = b;
    }

    // --- page-table entries ---

    /** A plain read of entry {@code i} (op READ for READ_ONCE/ptep_get, LOAD for plain). */
    public long entry(int i, Access op) {
        Task t = Task.current();
        t.point(op, entries, i);
        entries.check(t, false);
        long[] tb = tableFor(t);
        return tb == null ? ENTRY_POISON : (long) E.getVolatile(tb, i);
    }

    /** A store to entry {@code i} (op WRITE for WRITE_ONCE/set_pte, STORE_RELEASE for publishing). */
    public void setEntry(int i, long v, Access op) {
        Task t = Task.current();
        t.point(op, entries, i);
        entries.check(t, true);
        long[] tb = tableFor(t);
        if (tb != null)
            E.setVolatile(tb, i, v);
    }

    /** xchg() on entry {@code i}: ptep_get_and_clear. */
    public long xchgEntry(int i, long v) {
        Task t = Task.current();
        t.point(Access.RMW, entries, i);
        entries.check(t, true);
        long[] tb = tableFor(t);
        return tb == null ? ENTRY_POISON : (long) E.getAndSet(tb, i, v);
    }

    public long peekEntry(int i) {
        long[] tb = table;
        return tb == null ? 0 : (long) E.getVolatile(tb, i);
    }

    public void pokeEntry(int i, long v) {
        E.setVolatile(table, i, v);
    }

    public boolean isTable() {
        return (flags.peek() & PG_TABLE) != 0;
    }

    private long[] tableFor(Task t) {
        long[] tb = table;
        if (tb == null || (!freed && !isTable())) {
            Kasan.badAccess(t, "page-table access to " + name() + ", which is not a page table");
            return null;
        }
        return tb;
    }

    /** Makes this page a page table of the given level (pagetable_*_ctor). */
    void makeTable(String level) {
        if (table == null)
            table = new long[PTRS_PER_TABLE];
        else
            java.util.Arrays.fill(table, 0);
        tableLevel = level;
        flags.poke(flags.peek() | PG_TABLE);
    }

    @Override
    protected void poison() {
        fillWith(PAGE_POISON);
        if (table != null)
            java.util.Arrays.fill(table, ENTRY_POISON);
    }
}
