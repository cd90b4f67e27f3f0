package mmrace.sched;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The choices an execution took, as the switches between actors: {@code 0:reader 14:writer 40:reader}
 * means "at step 0 run reader, at step 14 switch to writer, at step 40 back to reader". A step is
 * the number of points executed before the decision, counted over all actors from 0. Between
 * switches the running actor goes on; a decision at which the chosen actor is the one that ran last
 * is not written. Several switches may share a step (an actor resumed from a wait blocked or spun
 * again before its next point). {@link #toString} and {@link #parse} are inverses; the line is what
 * scenario files store. Replay it with {@link Replay}.
 */
public final class Schedule {
    /** One switch: at step {@code step}, run {@code actor}. */
    public record Switch(long step, String actor) {
        @Override
        public String toString() {
            return step + ":" + actor;
        }
    }

    private static final Schedule EMPTY = new Schedule(new long[0], new String[0]);
    /** Compiled once (String.split compiles its pattern on every call; the fuzzer parses schedules often). */
    private static final java.util.regex.Pattern WS = java.util.regex.Pattern.compile("\\s+");

    private final long[] steps;
    private final String[] actors;

    private Schedule(long[] steps, String[] actors) {
        this.steps = steps;
        this.actors = actors;
    }

    public static Schedule of(List<Switch> switches) {
        long[] s = new long[switches.size()];
        String[] a = new String[s.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = switches.get(i).step();
            a[i] = switches.get(i).actor();
            if (i > 0 && s[i] < s[i - 1])
                throw new IllegalArgumentException("switch steps must not decrease: " + switches);
        }
        return new Schedule(s, a);
    }

    /** Parses a line written by {@link #toString}: switches separated by blanks, each {@code STEP:ACTOR}. */
    public static Schedule parse(String line) {
        String t = line.strip();
        if (t.isEmpty())
            return EMPTY;
        String[] parts = WS.split(t);
        List<Switch> l = new ArrayList<>(parts.length);
        for (String p : parts) {
            int c = p.indexOf(':');
            if (c <= 0 || c == p.length() - 1)
                throw new IllegalArgumentException("bad switch '" + p + "' in schedule (expected STEP:ACTOR)");
            long step;
            try {
                step = Long.parseLong(p.substring(0, c));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad step in switch '" + p + "'");
            }
            if (step < 0)
                throw new IllegalArgumentException("negative step in switch '" + p + "'");
            l.add(new Switch(step, p.substring(c + 1)));
        }
        return of(l);
    }

    public int size() {
        return steps.length;
    }

    public long step(int i) {
        return steps[i];
    }

    public String actor(int i) {
        return actors[i];
    }

    public List<Switch> switches() {
        List<Switch> l = new ArrayList<>(steps.length);
        for (int i = 0; i < steps.length; i++)
            l.add(new Switch(steps[i], actors[i]));
        return l;
    }

    /** Number of switches after the first (the context switches of the execution). */
    public int contextSwitches() {
        return Math.max(0, steps.length - 1);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(steps.length * 10);
        for (int i = 0; i < steps.length; i++) {
            if (i > 0)
                b.append(' ');
            b.append(steps[i]).append(':').append(actors[i]);
        }
        return b.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Schedule s && Arrays.equals(steps, s.steps) && Arrays.equals(actors, s.actors);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(steps) + Arrays.hashCode(actors);
    }

    /** Growable recorder used by {@link Execution}: no allocation per switch beyond amortized growth. */
    static final class Builder {
        private long[] steps = new long[16];
        private int[] actors = new int[16];
        private int size;

        void add(long step, int actor) {
            if (size == steps.length) {
                steps = Arrays.copyOf(steps, size * 2);
                actors = Arrays.copyOf(actors, size * 2);
            }
            steps[size] = step;
            actors[size] = actor;
            size++;
        }

        Schedule build(String[] names) {
            long[] s = Arrays.copyOf(steps, size);
            String[] a = new String[size];
            for (int i = 0; i < size; i++)
                a[i] = names[actors[i]];
            return new Schedule(s, a);
        }
    }
}
