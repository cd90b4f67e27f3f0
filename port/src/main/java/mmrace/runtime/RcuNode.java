package mmrace.runtime;

/**
 * The memory of a node that lock-free readers walk one node at a time (a maple tree node: pivots,
 * metadata, slots, parent). Its words and pointers are ordinary {@link Word}s and {@link Ref}s:
 * writers store them one by one, each store a point of its own (a pivot store, an
 * rcu_assign_pointer of a slot), so a reader can find a node in flux. A reader reads a node with
 * {@link #visit}: one point and one KASAN check for the whole node, then {@link #word} and
 * {@link #ptr} give what the node held at that point.
 *
 * <p>model: a visit reads the node atomically with respect to other tasks, as a page copy does
 * (one point per node visited: the kernel's loads of one node's pivots, slot and parent are
 * adjacent and the interleavings that matter fall between nodes and between a writer's stores).
 */
public final class RcuNode extends Shared {
    private final Word[] words;
    private final Ref<?>[] ptrs;

    public RcuNode(KObject owner, Field field, Word[] words, Ref<?>[] ptrs) {
        super(owner, field);
        this.words = words;
        this.ptrs = ptrs;
    }

    /** A reader's loads of the node (its rcu_dereference of a slot and the loads around it): one point. */
    public void visit() {
        Task t = Task.current();
        t.point(Access.LOAD_ACQUIRE, this, 0);
        check(t, false);
    }

    /** Word {@code i} as the last {@link #visit} read it. Only between a visit and the next point. */
    public long word(int i) {
        return words[i].peek();
    }

    /** Pointer {@code i} as the last {@link #visit} read it. Only between a visit and the next point. */
    public Object ptr(int i) {
        return ptrs[i].peek();
    }

    @Override
    public String name() {
        return owner == null ? field.name : owner.name();
    }
}
