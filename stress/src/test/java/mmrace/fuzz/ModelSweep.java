package mmrace.fuzz;

import java.util.LinkedHashMap;
import java.util.Map;
import mmrace.scenario.Scenario;
import mmrace.scenario.Variant;

/**
 * A development aid for the model-based test: runs seeds FROM..TO (exclusive) and, unlike
 * {@link ModelBasedTest}, does not stop at the first difference: it prints one line per differing
 * seed and, for the first seed of each class of difference (the difference with its numbers
 * blanked), the shrunk scenario.
 *
 * <pre>java -cp stress/target/test-classes:stress/target/classes:port/target/classes mmrace.fuzz.ModelSweep FROM TO [SHRINK]</pre>
 *
 * With one argument, a .scn file with one actor, it prints the difference under each variant.
 */
final class ModelSweep {
    public static void main(String[] args) throws java.io.IOException {
        if (args.length == 1) {
            Scenario s = Toys.parse(java.nio.file.Files.readString(java.nio.file.Path.of(args[0])));
            for (Variant v : Variant.values())
                System.out.println(v.id + ": " + ModelCheck.mismatch(new PortTarget(), s, v));
            return;
        }
        long from = Long.parseLong(args[0]), to = Long.parseLong(args[1]);
        boolean shrink = args.length < 3 || Boolean.parseBoolean(args[2]);
        Target t = new PortTarget();
        Map<String, Integer> classes = new LinkedHashMap<>();
        int bad = 0;
        for (long seed = from; seed < to; seed++) {
            Scenario s = ModelCheck.generate(seed);
            for (Variant v : Variant.values()) {
                String diff = ModelCheck.mismatch(t, s, v);
                if (diff == null)
                    continue;
                bad++;
                String first = diff.lines().findFirst().orElse("");
                String cls = first.replaceAll("0x[0-9a-f]+|\\d+", "N").replaceAll("'[^']*'", "'OP'");
                boolean isNew = !classes.containsKey(cls);
                classes.merge(cls, 1, Integer::sum);
                System.out.println("seed " + seed + " " + v.id + ": " + diff.replace("\n", " | "));
                if (isNew && shrink) {
                    Shrinker sh = new Shrinker(Shrinker.Test.of(c -> c.actors.size() == 1 && ModelCheck.mismatch(t, c, v) != null), 800, 0);
                    Scenario min = sh.shrink(s);
                    System.out.println("  shrunk: " + ModelCheck.mismatch(t, min, v).replace("\n", " | "));
                    System.out.println(min.text().indent(4));
                }
                break;
            }
        }
        System.out.println(bad + " differing seeds");
        classes.forEach((c, n) -> System.out.println(n + "  " + c));
    }
}
