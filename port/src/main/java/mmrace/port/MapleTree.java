package mmrace.port;

import mmrace.runtime.Field;
import mmrace.runtime.KObject;
import mmrace.runtime.Ref;
import mmrace.runtime.Task;

import java.util.Arrays;

/**
 * mm->mm_mt, the maple tree of VMAs (lib/maple_tree.c), in RCU mode: a map from ranges
 * [index, last] to entries, read lock-free under RCU and written only under mmap_lock for write.
 *
 * <p>model: one immutable node holding every range, replaced as a whole on each store and
 * published with rcu_assign_pointer. A lock-free reader sees the old or the new node, never a
 * mixture, which is the guarantee the maple tree gives RCU readers; the ranges stored are
 * independent of the VMAs' own vm_start/vm_end, as in the kernel. A walk costs one point (the
 * root load), the rest reads immutable memory.
 */
public final class MapleTree {
    private static final Field ROOT = new Field("mm_mt.ma_root", true);

    /** An immutable node: sorted, non-overlapping ranges. */
    public static final class Node {
        final long[] index, last;
        final Object[] entry;

        Node(long[] index, long[] last, Object[] entry) {
            this.index = index;
            this.last = last;
            this.entry = entry;
        }

        static final Node EMPTY = new Node(new long[0], new long[0], new Object[0]);

        public int size() {
            return index.length;
        }

        public long index(int i) {
            return index[i];
        }

        public long last(int i) {
            return last[i];
        }

        public Object entry(int i) {
            return entry[i];
        }

        /** Position of the first range with last >= addr (size() if none). */
        int lowerBound(long addr) {
            int lo = 0, hi = index.length;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (Long.compareUnsigned(last[mid], addr) < 0)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            return lo;
        }

        /** The entry whose range contains addr, or null. */
        Object walk(long addr) {
            int i = lowerBound(addr);
            return i < index.length && Long.compareUnsigned(index[i], addr) <= 0 ? entry[i] : null;
        }
    }

    private final Ref<Node> root;

    public MapleTree(KObject owner) {
        this.root = new Ref<>(owner, ROOT, Node.EMPTY);
    }

    /** The root node, loaded the way an RCU walker loads it (one point). */
    public Node load() {
        return root.rcuDereference();
    }

    /** The root, with no point: for sanitizers, the oracle and set-up. */
    public Node peek() {
        return root.peek();
    }

    /** mas_walk() at {@code addr}: the entry covering it, or null. */
    public Object walk(long addr) {
        return load().walk(addr);
    }

    /** mas_find(mas, max) from {@code from}: the first entry with a range ending at or after from and starting at or before max. */
    public Object find(long from, long max) {
        Node n = load();
        int i = n.lowerBound(from);
        return i < n.size() && Long.compareUnsigned(n.index[i], max) <= 0 ? n.entry[i] : null;
    }

    /**
     * mas_find() as a cursor walk: the first entry with a range ending at or after {@code from} and
     * starting at or before {@code max}; {@code lastOut[0]} gets the end of its range, so the next
     * mas_find continues at lastOut[0] + 1.
     */
    public Object find(long from, long max, long[] lastOut) {
        Node n = load();
        int i = n.lowerBound(from);
        if (i < n.size() && Long.compareUnsigned(n.index[i], max) <= 0) {
            lastOut[0] = n.last[i];
            return n.entry[i];
        }
        return null;
    }

    /**
     * mas_store_gfp(): [index, last] maps to {@code entry} (null erases), overwriting whatever
     * was there; ranges partly covered keep their uncovered parts. Published with one release store.
     * Returns false (-ENOMEM) if a test injected a node allocation failure ("maple").
     */
    public boolean store(long index, long last, Object entry) {
        Task t = Task.current();
        if (t.kernel.faults.shouldFail(t, "maple"))
            return false;
        Node n = root.get();
        root.rcuAssignPointer(stored(n, index, last, entry));
        return true;
    }

    /**
     * mas_store_prealloc(): a store whose nodes were preallocated (vma_iter_prealloc), so it cannot
     * fail; published with one release store like {@link #store}. Added by the mutation port.
     */
    public void storePrealloc(long index, long last, Object entry) {
        Node n = root.get();
        root.rcuAssignPointer(stored(n, index, last, entry));
    }

    /** Stores with no point, for building the initial state. */
    public void poke(long index, long last, Object entry) {
        root.poke(stored(root.peek(), index, last, entry));
    }

    /** mt_init_flags(mt, flags): an empty tree (a new mm's mm_mt). */
    public void mtInit() {
        root.set(Node.EMPTY);
    }

    /**
     * __mt_dup(mt, new, gfp): {@code this} becomes a copy of {@code src}, entries and all (dup_mmap
     * then replaces each entry). false (-ENOMEM) if a test injected a "maple" allocation failure.
     * model: the immutable node is shared, not copied.
     */
    public boolean mtDup(MapleTree src) {
        Task t = Task.current();
        if (t.kernel.faults.shouldFail(t, "maple"))
            return false;
        root.rcuAssignPointer(src.root.get());
        return true;
    }

    /** __mt_destroy(mt): every entry dropped (exit_mmap, a failed dup_mmap). */
    public void mtDestroy() {
        root.rcuAssignPointer(Node.EMPTY);
    }

    static Node stored(Node n, long index, long last, Object entry) {
        int cap = n.size() + 2;
        long[] ni = new long[cap], nl = new long[cap];
        Object[] ne = new Object[cap];
        int k = 0;
        boolean placed = false;
        for (int i = 0; i < n.size(); i++) {
            long a = n.index[i], b = n.last[i];
            if (Long.compareUnsigned(b, index) < 0) {
                ni[k] = a; nl[k] = b; ne[k++] = n.entry[i];
                continue;
            }
            if (!placed) {
                if (Long.compareUnsigned(a, index) < 0) {
                    ni[k] = a; nl[k] = index - 1; ne[k++] = n.entry[i];
                }
                if (entry != null) {
                    ni[k] = index; nl[k] = last; ne[k++] = entry;
                }
                placed = true;
            }
            if (Long.compareUnsigned(b, last) > 0) {
                long from = Long.compareUnsigned(a, last) > 0 ? a : last + 1;
                ni[k] = from; nl[k] = b; ne[k++] = n.entry[i];
            }
        }
        if (!placed && entry != null) {
            ni[k] = index; nl[k] = last; ne[k++] = entry;
        }
        return new Node(Arrays.copyOf(ni, k), Arrays.copyOf(nl, k), Arrays.copyOf(ne, k));
    }
}
