package mmrace.port;

import mmrace.runtime.Access;
import mmrace.runtime.Hook;
import mmrace.runtime.Probes;
import mmrace.runtime.Report;
import mmrace.runtime.Shared;
import mmrace.runtime.Task;
import mmrace.runtime.Tracepoint;
import mmrace.runtime.Waiter;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A hook for two-task tests on one thread: the task it is installed on runs until its first point
 * on a shared object {@code at} accepts; there, before that access, {@code other} runs
 * {@code action} to completion (bound to the same thread), then the first task goes on. One
 * deterministic interleaving, with the probes and reports of both tasks in order. A wait is a test
 * bug (nothing else would run); a retry loop just goes round again.
 */
final class Interleave implements Hook {
    private final Predicate<Shared> at;
    private Task other;
    private Runnable action;
    private boolean fired;
    /** Probe names in the order they were hit, prefixed with the task ("reader: mas_walk: ..."). */
    final List<String> probes = new ArrayList<>();

    /**
     * Fires at the first point whose shared object {@code at} accepts. Install it on both tasks
     * (it records both tasks' probes); {@link #then} says who runs what there.
     */
    Interleave(Predicate<Shared> at) {
        this.at = at;
    }

    /** At the chosen point, {@code other} runs {@code action}. */
    Interleave then(Task other, Runnable action) {
        this.other = other;
        this.action = action;
        return this;
    }

    boolean fired() {
        return fired;
    }

    @Override public void point(Task t, Access op, Shared obj, long arg) {
        if (fired || t == other || !at.test(obj))
            return;
        fired = true;
        other.bind();
        try {
            action.run();
        } finally {
            t.bind();
        }
    }

    @Override public void block(Task t, Waiter w) {
        throw new AssertionError(t + " would wait, and nothing else runs: " + w.what());
    }

    @Override public void spin(Task t, String why) {}

    @Override public void note(Task t, String fmt, Object[] args) {}

    @Override public void tracepoint(Task t, Tracepoint tp, Object a, long b) {}

    @Override public void probe(Task t, int id) {
        probes.add(t.name + ": " + Probes.name(id));
    }

    @Override public void report(Task t, Report r) {}

    /** Whether the probe named {@code name} was hit by task {@code task}. */
    boolean hit(String task, String name) {
        return probes.contains(task + ": " + name);
    }

    /** The position of the first hit of a probe by a task, or -1. */
    int first(String task, String name) {
        return probes.indexOf(task + ": " + name);
    }
}
