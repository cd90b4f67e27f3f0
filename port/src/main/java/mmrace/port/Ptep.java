package mmrace.port;

import mmrace.runtime.Access;
import mmrace.runtime.Page;

/**
 * A pointer to a page-table entry at any level ({@code pte_t *}, {@code pmd_t *}, ...): the table
 * page and the index in it. Dereferences go through the table page's primitives, one point each.
 */
public record Ptep(Page table, int index) {
    /** A plain dereference ({@code *pmd}). */
    public long load() {
        return table.entry(index, Access.LOAD);
    }

    /** READ_ONCE(*ptep): ptep_get(), pmdp_get_lockless(), pudp_get(). */
    public long readOnce() {
        return table.entry(index, Access.READ);
    }

    /** set_pte()/set_pmd()/set_pud(): WRITE_ONCE on x86-64. */
    public void set(long v) {
        table.setEntry(index, v, Access.WRITE);
    }

    /** ptep_get_and_clear(): xchg with 0. */
    public long getAndClear() {
        return table.xchgEntry(index, 0);
    }

    /** The entry {@code n} slots further on ({@code pte + n}). */
    public Ptep plus(int n) {
        return new Ptep(table, index + n);
    }

    public long peek() {
        return table.peekEntry(index);
    }

    @Override
    public String toString() {
        return table.name() + "[" + index + "]";
    }
}
