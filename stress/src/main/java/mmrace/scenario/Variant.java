package mmrace.scenario;

import java.util.Arrays;
import java.util.List;
import mmrace.port.Memory.ReadPath;
import mmrace.port.Memory.WalkMode;

/**
 * A read path under test: upstream's slow path, or one form of the patch's fast path, with the
 * page-table walk run under RCU only (v1 2/3) or with interrupts disabled (v2 2/3, "-irqoff").
 */
public enum Variant {
    SLOW("slow", ReadPath.SLOW, WalkMode.RCU),
    FAST_V1("fast-v1", ReadPath.FAST_V1, WalkMode.RCU),
    FAST_V1_IRQOFF("fast-v1-irqoff", ReadPath.FAST_V1, WalkMode.IRQ_OFF),
    FAST_ONE_VMA("fast-one-vma", ReadPath.FAST_ONE_VMA, WalkMode.RCU),
    FAST_ONE_VMA_IRQOFF("fast-one-vma-irqoff", ReadPath.FAST_ONE_VMA, WalkMode.IRQ_OFF),
    FAST_ONE_VMA_REDO("fast-one-vma-redo", ReadPath.FAST_ONE_VMA_REDO, WalkMode.RCU),
    FAST_ONE_VMA_REDO_IRQOFF("fast-one-vma-redo-irqoff", ReadPath.FAST_ONE_VMA_REDO, WalkMode.IRQ_OFF);

    /** The name in scenario files and on the command line. */
    public final String id;
    /** The read path access_remote_vm takes. */
    public final ReadPath path;
    /** How the fast path's page-table walk is protected. */
    public final WalkMode walk;

    Variant(String id, ReadPath path, WalkMode walk) {
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
