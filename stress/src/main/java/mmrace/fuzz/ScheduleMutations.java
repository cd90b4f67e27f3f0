package mmrace.fuzz;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import mmrace.scenario.Scenario;
import mmrace.scenario.Variant;
import mmrace.sched.Schedule;

/**
 * The {@link Mutator}'s mutations of schedules: move, add or drop a switch of a recorded
 * {@code steps} schedule, draw a new random or PCT seed, change the PCT depth, switch between
 * random and PCT; and the checks that keep a mutated input's schedules meaningful (a
 * {@code steps} line that names an actor no longer present is dropped).
 */
final class ScheduleMutations {
    private final Gen gen;
    private final SplittableRandom rng;

    ScheduleMutations(Gen gen) {
        this.gen = gen;
        this.rng = gen.rng;
    }

    /** Has {@code s} a recorded {@code steps} schedule for some variant? */
    static boolean hasSteps(Scenario s) {
        for (Map.Entry<Variant, Scenario.Sched> e : s.schedules.entrySet())
            if (e.getKey() != null && "steps".equals(e.getValue().kind()))
                return true;
        return false;
    }

    /** Drops the recorded steps schedules and draws a new {@code *} seed (same kind and depth). */
    boolean reseed(Scenario c) {
        c.schedules.entrySet().removeIf(e -> e.getKey() != null);
        Scenario.Sched old = c.schedules.get(null);
        long seed = rng.nextLong(1L << 31);
        c.schedules.put(null, old != null && old.kind().equals("pct") ? Scenario.Sched.pct(old.depth(), seed) : old != null
                && old.kind().equals("random") ? Scenario.Sched.random(seed) : gen.schedule());
        return true;
    }

    boolean depth(Scenario c) {
        c.schedules.entrySet().removeIf(e -> e.getKey() != null);
        Scenario.Sched old = c.schedules.get(null);
        long seed = old != null && !old.kind().equals("steps") ? old.seed() : rng.nextLong(1L << 31);
        c.schedules.put(null, Scenario.Sched.pct(1 + rng.nextInt(4), seed));
        return true;
    }

    boolean kind(Scenario c) {
        c.schedules.entrySet().removeIf(e -> e.getKey() != null);
        Scenario.Sched old = c.schedules.get(null);
        long seed = old != null && !old.kind().equals("steps") ? old.seed() : rng.nextLong(1L << 31);
        boolean pct = old == null || !old.kind().equals("pct");
        c.schedules.put(null, pct ? Scenario.Sched.pct(1 + rng.nextInt(3), seed) : Scenario.Sched.random(seed));
        return true;
    }

    /** op 0: move a switch, 1: add one, 2: drop one, in one recorded steps schedule. */
    boolean editSteps(Scenario c, int op) {
        List<Variant> vs = new ArrayList<>();
        for (Map.Entry<Variant, Scenario.Sched> e : c.schedules.entrySet())
            if (e.getKey() != null && "steps".equals(e.getValue().kind()))
                vs.add(e.getKey());
        if (vs.isEmpty())
            return false;
        Variant v = vs.get(rng.nextInt(vs.size()));
        List<Schedule.Switch> sw = new ArrayList<>(Schedule.parse(c.schedules.get(v).steps()).switches());
        long last = sw.isEmpty() ? 0 : sw.get(sw.size() - 1).step();
        switch (op) {
            case 0 -> {
                if (sw.size() < 2)
                    return false;
                int i = 1 + rng.nextInt(sw.size() - 1);
                long lo = sw.get(i - 1).step(), hi = i + 1 < sw.size() ? sw.get(i + 1).step() : last + 64;
                long d = 1 + rng.nextLong(Math.max(1, Math.min(64, (hi - lo) / 2 + 1)));
                long st = Math.max(lo, Math.min(hi, sw.get(i).step() + (rng.nextBoolean() ? d : -d)));
                sw.set(i, new Schedule.Switch(st, sw.get(i).actor()));
            }
            case 1 -> {
                long st = rng.nextLong(last + 64);
                String who = c.actors.get(rng.nextInt(c.actors.size())).name();
                int at = 0;
                while (at < sw.size() && sw.get(at).step() <= st)
                    at++;
                sw.add(at, new Schedule.Switch(st, who));
            }
            default -> {
                if (sw.size() < 2)
                    return false;
                sw.remove(1 + rng.nextInt(sw.size() - 1));
            }
        }
        c.schedules.put(v, Scenario.Sched.steps(Schedule.of(sw).toString()));
        return true;
    }

    /** Steps schedules that name actors no longer present are dropped (the {@code *} line stays). */
    static void dropStaleSteps(Scenario c) {
        c.schedules.entrySet().removeIf(e -> e.getValue().steps() != null && !actorsPresent(c, e.getValue().steps()));
        if (!c.schedules.containsKey(null))
            c.schedules.put(null, Scenario.Sched.random(0));
    }

    /** Does every switch of a {@code steps} line name an actor of {@code c}? (A scan, no parse: lines may be long.) */
    static boolean actorsPresent(Scenario c, String steps) {
        int n = steps.length();
        for (int i = steps.indexOf(':'); i >= 0; i = steps.indexOf(':', i + 1)) {
            int j = i + 1;
            while (j < n && !Character.isWhitespace(steps.charAt(j)))
                j++;
            if (!named(c, steps, i + 1, j))
                return false;
            i = j - 1;
        }
        return true;
    }

    private static boolean named(Scenario c, String steps, int from, int to) {
        for (Scenario.Actor a : c.actors)
            if (a.name().length() == to - from && steps.regionMatches(from, a.name(), 0, to - from))
                return true;
        return false;
    }
}
