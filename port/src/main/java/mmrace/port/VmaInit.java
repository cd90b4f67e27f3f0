package mmrace.port;

import mmrace.runtime.Kernel;
import mmrace.runtime.KmemCache;
import mmrace.runtime.Report;
import mmrace.runtime.Task;

/**
 * mm/vma_init.c (read at 3e43e260f1e44d21861815faa905a1829027600f) and vma_init()/vma_lock_init()
 * from include/linux/mm.h and include/linux/mmap_lock.h: allocating, duplicating and freeing VMAs.
 */
public final class VmaInit {
    private VmaInit() {}

    /** vm_area_cachep: SLAB_TYPESAFE_BY_RCU. */
    public static KmemCache<VmAreaStruct> vmAreaCachep(Kernel k) {
        return k.cache("vm_area_struct", true, VmAreaStruct::new);
    }

    /** vm_area_alloc(mm). */
    public static VmAreaStruct vmAreaAlloc(MmStruct mm) {
        VmAreaStruct vma = vmAreaCachep(mm.kernel).alloc();
        if (vma == null)
            return null;
        vmaInit(vma, mm);
        return vma;
    }

    /** vma_init(vma, mm) (include/linux/mm.h): zero it, set vm_mm and the dummy ops, vma_lock_init(vma, false). */
    static void vmaInit(VmAreaStruct vma, MmStruct mm) {
        // memset(vma, 0, sizeof(*vma)). model: the fields no RCU reader may look at are cleared in
        // one step; the typesafe ones (vm_refcnt, vm_mm, vm_lock_seq) are stores a stale reader can race.
        vma.vmStart.poke(0);
        vma.vmEnd.poke(0);
        vma.vmPageProt.poke(0);
        vma.vmFlags.poke(0);
        vma.vmPgoff.poke(0);
        vma.vmFile.poke(null);
        vma.anonVma.poke(null);
        vma.anonVmaChain.clear(); // INIT_LIST_HEAD(&vma->anon_vma_chain)
        vma.label = null;
        vma.vmRefcnt.set(0);
        vma.vmMm.set(mm);
        vma.vmOps.poke(VmOperations.DUMMY);
        vma.mapId = mm.ghostMapIds.incrementAndGet();
        MmapLock.vmaLockInit(vma, false);
    }

    /** vm_area_dup(orig): a detached copy (vm_area_init_from, vma_lock_init(new, true)). */
    public static VmAreaStruct vmAreaDup(VmAreaStruct orig) {
        VmAreaStruct nu = vmAreaCachep(orig.vmMm.get().kernel).alloc();
        if (nu == null)
            return null;
        // vm_area_init_from(orig, new)
        nu.vmMm.set(orig.vmMm.get());
        nu.vmOps.set(orig.vmOps.get());
        nu.vmStart.set(orig.vmStart.get());
        nu.vmEnd.set(orig.vmEnd.get());
        nu.anonVma.set(orig.anonVma.get());
        nu.vmPgoff.set(orig.vmPgoff.get());
        nu.vmFile.set(orig.vmFile.get());
        nu.vmFlags.set(orig.vmFlags.get());
        nu.vmPageProt.set(orig.vmPageProt.get());
        nu.anonVmaChain.clear(); // INIT_LIST_HEAD(&new->anon_vma_chain)
        MmapLock.vmaLockInit(nu, true);
        nu.label = orig.name() + "'";
        nu.mapId = orig.mapId;
        return nu;
    }

    /** vm_area_free(vma): must be detached. */
    public static void vmAreaFree(VmAreaStruct vma) {
        Task t = Task.current();
        if (vma.vmRefcnt.read() != 0) // vma_assert_detached
            t.kernel.reports.file(t, Report.Kind.WARN, "vm_area_free of an attached VMA", vma.name());
        vmAreaCachep(t.kernel).free(vma);
    }
}
