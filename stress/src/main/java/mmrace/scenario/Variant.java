package mmrace.scenario;

import java.util.Arrays;
import java.util.List;

/**
 * A read path under test: upstream's slow path, or one form of the patch's fast path, with the
 * page-table walk run under RCU only (v1 2/3) or with interrupts disabled (v2 2/3, "-irqoff").
 */
public enum Variant {
    SLOW("slow", "SLOW", "RCU"),
    FAST_V1("fast-v1", "FAST_V1", "RCU"),
    FAST_V1_IRQOFF("fast-v1-irqoff", "FAST_V1", "IRQ_OFF"),
    FAST_ONE_VMA("fast-one-vma", "FAST_ONE_VMA", "RCU"),
    FAST_ONE_VMA_IRQOFF("fast-one-vma-irqoff", "FAST_ONE_VMA", "IRQ_OFF"),
    FAST_ONE_VMA_REDO("fast-one-vma-redo", "FAST_ONE_VMA_REDO", "RCU"),
    FAST_ONE_VMA_REDO_IRQOFF("fast-one-vma-redo-irqoff", "FAST_ONE_VMA_REDO", "IRQ_OFF");

    /** The name in scenario files and on the command line. */
    public final String id;
    /** Memory.ReadPath and Memory.WalkMode constant names. */
    public final String path, walk;

    Variant(String id, String path, String walk) {
        this.id = id;
        this.path = path;
        this.walk = walk;
    }

    public static Variant byId(String s) {
        for (Variant v : values())
            if (v.id.equals(s))
                return v;
        return null;
    }

    public static String ids() {
        return String.join(", ", Arrays.stream(values()).map(v -> v.id).toList());
    }

    public static List<Variant> all() {
        return List.of(values());
    }

    @Override
    public String toString() {
        return id;
    }
}
