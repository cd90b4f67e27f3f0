package mmrace.port;

import mmrace.runtime.Page;
import mmrace.runtime.SpinLock;

/**
 * struct folio_walk (include/linux/pagewalk.h; stored id 49669971 for mm/pagewalk.c): what
 * folio_walk_start fills in. Owned by the walker (on its stack): plain fields.
 */
public final class FolioWalk {
    /** enum folio_walk_level. */
    public enum Level { PTE, PMD, PUD }

    /** The exact page for the address, or null when it is not exposed (the shared zero page). */
    public Page page;
    public Level level;
    /** fw->ptep / fw->pmdp / fw->pudp: the entry the walk ended at. */
    public Ptep ptep;
    /** fw->pte / fw->pmd / fw->pud: the entry's value as read under the lock. */
    public long entry;
    /** private: the VMA and the page-table lock held until folio_walk_end. */
    VmAreaStruct vma;
    SpinLock ptl;

    @Override
    public String toString() {
        return "folio_walk{" + level + " " + ptep + " page " + page + "}";
    }
}
