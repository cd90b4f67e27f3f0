package mmrace.runtime;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Coverage probes at the points where kernel code branches ("lock_vma_under_rcu: detached,
 * retry"). Port classes register them once (static final int fields) and {@link #hit} them; the
 * fuzzer and the oracle see which fired. Ids are per process; names are the stable key.
 */
public final class Probes {
    private static final ConcurrentHashMap<String, Integer> IDS = new ConcurrentHashMap<>();
    private static final List<String> NAMES = new CopyOnWriteArrayList<>();

    private Probes() {}

    public static int register(String name) {
        return IDS.computeIfAbsent(name, n -> {
            NAMES.add(n);
            return NAMES.size() - 1;
        });
    }

    public static String name(int id) {
        return NAMES.get(id);
    }

    public static int count() {
        return NAMES.size();
    }

    public static List<String> names() {
        return List.copyOf(NAMES);
    }

    public static void hit(int id) {
        Task t = Task.current();
        if (t.hook != null)
            t.hook.probe(t, id);
    }
}
