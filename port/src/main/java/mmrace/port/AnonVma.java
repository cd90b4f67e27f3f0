package mmrace.port;

import mmrace.runtime.Field;
import mmrace.runtime.KObject;
import mmrace.runtime.RwSemaphore;

/**
 * struct anon_vma (include/linux/rmap.h): the reverse-map anchor of anonymous folios.
 *
 * <p>model: no anon_vma_chain or interval tree: the anon_vma lists the VMAs that share it, which
 * is what an rmap walk of one folio needs (mm/rmap.c rmap_walk_anon).
 */
public final class AnonVma extends KObject {
    /** Type-stable: anon_vma_ctor sets the rwsem up once per slab object (SLAB_TYPESAFE_BY_RCU). */
    private static final Field RWSEM = new Field("anon_vma.rwsem", true);

    public final RwSemaphore rwsem = new RwSemaphore(this, RWSEM, "anon_vma");
    public final java.util.List<VmAreaStruct> vmas = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public String name() {
        return "anon_vma#" + index();
    }
}
