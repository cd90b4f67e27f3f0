package mmrace.port;

import mmrace.runtime.Page;
import mmrace.runtime.SpinLock;

/** struct vm_fault (include/linux/mm.h): what a fault handler is told and hands back. */
public final class VmFault {
    public VmAreaStruct vma;
    public long address;
    public long realAddress;
    public int flags;
    public long pgoff;
    /** The pmd entry slot: the PMD table page and the index in it. */
    public Page pmdTable;
    public int pmdIndex;
    /** vmf->orig_pte. */
    public long origPte;
    /** vmf->pte: the PTE table page and index, when mapped. */
    public Page pteTable;
    public int pteIndex;
    public SpinLock ptl;
    /** vmf->page / the folio a ->fault handler returns. */
    public Page page;
    public Page cowPage;

    @Override
    public String toString() {
        return "vm_fault{" + vma + " @" + Long.toHexString(address) + "}";
    }
}
