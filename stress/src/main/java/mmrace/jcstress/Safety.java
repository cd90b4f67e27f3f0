package mmrace.jcstress;

import mmrace.scenario.Variant;

import java.util.ArrayList;
import java.util.List;

/**
 * Which JCStress tests must never show a forbidden outcome: the one place that decides it, for
 * {@code ./mmrace stress} and for the gate.
 *
 * <p>A test is a race ({@link Race}) read by one variant ({@link Variant}). Expected safe:
 * <ul>
 * <li>{@code slow} (upstream, mmap_read_lock for the whole read), for every race;
 * <li>{@code fast-one-vma-redo} and {@code fast-one-vma-redo-irqoff} (a fallback discards the
 *     prefix and rereads everything under mmap_lock), for every race;
 * <li>{@code fast-one-vma} and {@code fast-one-vma-irqoff} for the races whose read spans two VMAs
 *     ({@link Race#spansTwoVmas}): Suren's single-VMA rule sends the read to the slow path whole.
 *     Where the read lies in one VMA, a prefix copied under the VMA lock plus a remainder read
 *     under mmap_lock can tear (the VMA lock is dropped with vma_end_read before mmap_read_lock,
 *     and the layout can change in between: {@link PrefixFallbackRace}): known bad.
 * </ul>
 * {@code fast-v1} and {@code fast-v1-irqoff} are the patch under review: known bad everywhere.
 * A forbidden outcome of a known-bad test is the problem being demonstrated, printed, not a failure.
 */
public final class Safety {
    private Safety() {}

    /**
     * Whether the JCStress test of this name is expected never to show a forbidden outcome. Takes
     * the name as JCStress prints it ({@code mmrace.jcstress.MapFixedRace.FastV1}), the binary
     * class name ({@code ...MapFixedRace$FastV1}) or without the package ({@code MapFixedRace.FastV1}).
     *
     * @throws IllegalArgumentException if the name is not a test of the matrix
     */
    public static boolean expectedSafe(String testClassName) {
        Test t = test(testClassName);
        return expectedSafe(t.race(), t.variant());
    }

    /** Whether {@code race} read by {@code v} must never show a forbidden outcome. */
    public static boolean expectedSafe(Race race, Variant v) {
        return switch (v) {
            case SLOW, FAST_ONE_VMA_REDO, FAST_ONE_VMA_REDO_IRQOFF -> true;
            case FAST_ONE_VMA, FAST_ONE_VMA_IRQOFF -> race.spansTwoVmas;
            case FAST_V1, FAST_V1_IRQOFF -> false;
        };
    }

    /** One test of the matrix. */
    public record Test(Race race, Variant variant) {
        /** The name JCStress gives it. */
        public String name() {
            return race.testName(variant);
        }

        public boolean expectedSafe() {
            return Safety.expectedSafe(race, variant);
        }
    }

    /** The test a name stands for (any of the forms {@link #expectedSafe(String)} takes). */
    public static Test test(String testClassName) {
        String n = testClassName.trim().replace('$', '.');
        String pkg = Race.class.getPackageName() + ".";
        if (n.startsWith(pkg))
            n = n.substring(pkg.length());
        int dot = n.indexOf('.');
        if (dot > 0 && n.indexOf('.', dot + 1) < 0) {
            String holder = n.substring(0, dot), nested = n.substring(dot + 1);
            for (Race r : Race.values())
                if ((camel(r.id) + "Race").equals(holder))
                    for (Variant v : r.variants)
                        if (camel(v.id).equals(nested))
                            return new Test(r, v);
        }
        throw new IllegalArgumentException("not a JCStress test of mmrace: " + testClassName);
    }

    /** Every test of the matrix, race by race. */
    public static List<Test> tests() {
        List<Test> l = new ArrayList<>();
        for (Race r : Race.values())
            for (Variant v : r.variants)
                l.add(new Test(r, v));
        return l;
    }

    /** "fast-one-vma-redo" -> "FastOneVmaRedo". */
    static String camel(String id) {
        StringBuilder b = new StringBuilder();
        for (String p : id.split("-"))
            if (!p.isEmpty())
                b.append(Character.toUpperCase(p.charAt(0))).append(p.substring(1));
        return b.toString();
    }
}
