package mmrace.fuzz;

import java.util.ArrayList;
import java.util.List;
import mmrace.runtime.Access;
import mmrace.runtime.Shared;
import mmrace.runtime.Tracepoint;
import mmrace.scenario.Op;
import mmrace.scenario.Scenario;
import mmrace.sched.Choice;
import mmrace.sched.Execution;
import mmrace.sched.ExecutionListener;
import mmrace.sched.Result;
import mmrace.sched.Strategy;

/**
 * Schedules anchored to operations, so that a schedule survives the removal of operations
 * while shrinking. A recorded {@code steps} schedule names global step numbers: removing one
 * operation shifts every later step and the race is lost. An anchor names instead "when actor X
 * has run P points into its operation number J, switch to Y"; removing an operation of X only
 * renumbers J (an anchor inside the removed operation moves to the start of the next one), and
 * removing operations of other actors does not move it at all.
 *
 * <p>Operation boundaries come from the scenario runner's events: the {@link Tracepoint#SYS_EXIT}
 * tracepoint it fires when each operation returns (reads included). A target that does not
 * report them gets no anchors ({@link Tracker#consistent} is false) and the shrinker falls back
 * to its other schedules.
 */
final class Anchors {
    private Anchors() {}

    /** "When {@code from} has run {@code point} points into its operation {@code op}, switch to {@code to}" ({@code from} null: the start). */
    record Anchor(String from, int op, long point, String to) {}

    /** Where each actor is: its operation index and the points it ran in it. */
    static final class Tracker implements ExecutionListener {
        int[] op = new int[0];
        long[] pt = new long[0];
        private Execution e;

        @Override
        public void start(Execution e) {
            this.e = e;
            op = new int[e.actorCount() + 1];
            pt = new long[e.actorCount() + 1];
        }

        @Override
        public void point(long step, int actor, Access o, Shared s, long arg) {
            if (actor >= 0 && actor < pt.length)
                pt[actor]++;
        }

        @Override
        public void tracepoint(long step, int actor, Tracepoint tp, Object a, long b) {
            if (tp == Tracepoint.SYS_EXIT)
                done(actor);
        }

        private void done(int actor) {
            if (actor >= 0 && actor < op.length) {
                op[actor]++;
                pt[actor] = 0;
            }
        }

        /** Did every actor of {@code s} report exactly its operations? (Only then are anchors meaningful.) */
        boolean consistent(Scenario s) {
            if (e == null || e.actorCount() != s.actors.size())
                return false;
            for (int i = 0; i < s.actors.size(); i++)
                if (op[i] != s.actors.get(i).ops().size())
                    return false;
            return true;
        }

        String name(int actor) {
            return e.actorName(actor);
        }
    }

    /** Wraps a strategy and records its switches as anchors (as numbers; {@link #anchors} makes the list). */
    static final class Recorder implements Strategy {
        private final Strategy inner;
        private final Tracker t;
        private int[] from = new int[16], op = new int[16], to = new int[16];
        private long[] pt = new long[16];
        private int n;

        Recorder(Strategy inner, Tracker t) {
            this.inner = inner;
            this.t = t;
        }

        @Override
        public void begin(Execution e) {
            n = 0;
            inner.begin(e);
        }

        @Override
        public int choose(Choice c) {
            int a = inner.choose(c);
            int cu = c.current();
            if (a != cu) {
                if (n == from.length) {
                    from = java.util.Arrays.copyOf(from, n * 2);
                    op = java.util.Arrays.copyOf(op, n * 2);
                    to = java.util.Arrays.copyOf(to, n * 2);
                    pt = java.util.Arrays.copyOf(pt, n * 2);
                }
                from[n] = cu;
                op[n] = cu < 0 ? 0 : t.op[cu];
                pt[n] = cu < 0 ? 0 : t.pt[cu];
                to[n++] = a;
            }
            return a;
        }

        /** The switches of the last execution as anchors (call before the tracker sees another execution). */
        List<Anchor> anchors() {
            List<Anchor> l = new ArrayList<>(n);
            for (int i = 0; i < n; i++)
                l.add(from[i] < 0 ? new Anchor(null, 0, 0, t.name(to[i])) : new Anchor(t.name(from[i]), op[i], pt[i], t.name(to[i])));
            return List.copyOf(l);
        }

        @Override
        public void end(Result r) {
            inner.end(r);
        }

        @Override
        public String describe() {
            // a replay describes itself with its whole schedule, and every execution asks: keep it short
            return inner instanceof mmrace.sched.Replay ? "replay" : inner.describe();
        }
    }

    /** Replays anchors: the current actor goes on until the next anchor fires; then its target runs. */
    static final class Replay implements Strategy {
        private final List<Anchor> anchors;
        private final Tracker t;
        private int pos;
        private Execution e;

        Replay(List<Anchor> anchors, Tracker t) {
            this.anchors = anchors;
            this.t = t;
        }

        @Override
        public void begin(Execution e) {
            this.e = e;
            pos = 0;
        }

        private int actor(String name) {
            if (name == null)
                return -1;
            for (int i = 0; i < e.actorCount(); i++)
                if (e.actorName(i).equals(name))
                    return i;
            return -1;
        }

        @Override
        public int choose(Choice c) {
            int cu = c.current();
            while (pos < anchors.size()) {
                Anchor a = anchors.get(pos);
                int from = actor(a.from()), to = actor(a.to());
                if (a.from() != null && from < 0 || to < 0) {
                    pos++;
                    continue;
                }
                boolean fires = a.from() == null ? cu < 0
                        : from == cu && (t.op[cu] > a.op() || t.op[cu] == a.op() && t.pt[cu] >= a.point()) || from == cu && !c.isRunnable(cu);
                if (!fires)
                    break;
                pos++;
                if (c.isRunnable(to))
                    return to;
            }
            if (cu >= 0 && c.isRunnable(cu))
                return cu;
            return c.runnable(0);
        }

        @Override
        public String describe() {
            return "anchored(" + anchors.size() + " switches)";
        }
    }

    /**
     * The anchors of {@code from}'s schedule moved onto {@code to}: per actor (by name), operations
     * are aligned (same text, or same position when the lists have equal length); an anchor in a
     * removed operation moves to the start of the next kept one. Null if the actors differ in a way
     * it cannot follow (merged or renamed actors keep their anchors only where names match).
     */
    static List<Anchor> remap(Scenario from, Scenario to, List<Anchor> anchors) {
        List<Anchor> out = new ArrayList<>();
        java.util.Map<String, int[]> maps = new java.util.HashMap<>();
        for (Anchor a : anchors) {
            if (a.from() == null) {
                if (to.actor(a.to()) != null)
                    out.add(a);
                continue;
            }
            Scenario.Actor fa = from.actor(a.from()), ta = to.actor(a.from());
            if (fa == null || ta == null || to.actor(a.to()) == null)
                continue;
            int[] map = maps.computeIfAbsent(a.from(), x -> align(fa.ops(), ta.ops()));
            int j = a.op();
            long pt = a.point();
            if (j >= map.length) {
                out.add(new Anchor(a.from(), ta.ops().size(), 0, a.to()));
                continue;
            }
            if (map[j] >= 0) {
                out.add(new Anchor(a.from(), map[j], pt, a.to()));
                continue;
            }
            int k = j + 1;
            while (k < map.length && map[k] < 0)
                k++;
            out.add(new Anchor(a.from(), k < map.length ? map[k] : ta.ops().size(), 0, a.to()));
        }
        return out;
    }

    /**
     * For each old operation, its index among the new ones, or -1 if it is gone: a longest common
     * subsequence of the operation texts (so removals and insertions keep the others in place);
     * an old operation left out of it is paired with a new one at the same gap if there is one
     * (a changed operation keeps its anchors).
     */
    static int[] align(List<Op> old, List<Op> nu) {
        int n = old.size(), m = nu.size();
        String[] a = new String[n], b = new String[m];
        for (int i = 0; i < n; i++)
            a[i] = old.get(i).text();
        for (int j = 0; j < m; j++)
            b[j] = nu.get(j).text();
        int[][] l = new int[n + 1][m + 1];
        for (int i = n - 1; i >= 0; i--)
            for (int j = m - 1; j >= 0; j--)
                l[i][j] = a[i].equals(b[j]) ? 1 + l[i + 1][j + 1] : Math.max(l[i + 1][j], l[i][j + 1]);
        int[] map = new int[n];
        java.util.Arrays.fill(map, -1);
        int i = 0, j = 0;
        while (i < n && j < m) {
            if (a[i].equals(b[j])) {
                map[i++] = j++;
            } else if (l[i + 1][j + 1] == l[i][j]) {
                map[i++] = j++; // both sides differ here: a changed operation
            } else if (l[i + 1][j] >= l[i][j + 1]) {
                i++;
            } else {
                j++;
            }
        }
        return map;
    }
}
