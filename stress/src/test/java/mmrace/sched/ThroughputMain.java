package mmrace.sched;

import java.util.function.Supplier;
import mmrace.runtime.Atomic;
import mmrace.runtime.Field;
import mmrace.runtime.Kernel;

/**
 * Eyeball figure for executions per second: two actors, 100 points each (50 x atomic_read +
 * atomic_set on a shared counter), so ~200 points per execution. Not a benchmark (the JMH one is
 * elsewhere); run with
 * {@code java -Djdk.virtualThreadScheduler.parallelism=1 -cp ... mmrace.sched.ThroughputMain [seconds] [strategy]}.
 */
public final class ThroughputMain {
    private static final Field X = new Field("x");

    static Program program() {
        Kernel k = new Kernel();
        Atomic x = new Atomic(null, X, 0);
        Runnable body = () -> {
            for (int i = 0; i < 50; i++)
                x.set(x.read() + 1);
        };
        return Program.of(k, new Actor("a", body), new Actor("b", body));
    }

    public static void main(String[] args) {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 5;
        String which = args.length > 1 ? args[1] : "random";
        Supplier<Strategy> strategy = () -> switch (which) {
            case "pct" -> new Pct(3, 200, 1);
            case "replay" -> Replay.of("0:a 7:b 20:a 101:b");
            default -> new RandomWalk(1);
        };
        measure("warm-up", 2, strategy.get());
        measure(which, seconds, strategy.get());
    }

    private static void measure(String label, double seconds, Strategy s) {
        long[] count = new long[1];
        long[] steps = new long[1];
        long[] switches = new long[1];
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        long t0 = System.nanoTime();
        Explorer.explore(ThroughputMain::program, s, Config.DEFAULT, Long.MAX_VALUE, r -> {
            count[0]++;
            steps[0] += r.steps();
            switches[0] += r.schedule().size();
            return (count[0] & 255) != 0 || System.nanoTime() < deadline;
        });
        double el = (System.nanoTime() - t0) / 1e9;
        System.out.printf("%s: %d executions in %.2f s = %.0f executions/s (%.0f points, %.1f switches per execution)%n",
                label, count[0], el, count[0] / el, (double) steps[0] / count[0], (double) switches[0] / count[0]);
    }
}
