package mmrace.port;

import mmrace.runtime.Hook;
import mmrace.runtime.Access;
import mmrace.runtime.Probes;
import mmrace.runtime.Report;
import mmrace.runtime.Shared;
import mmrace.runtime.Task;
import mmrace.runtime.Tracepoint;
import mmrace.runtime.Waiter;

import java.util.ArrayList;
import java.util.List;

/** A hook for single-task tests: records probes, trace lines and tracepoints; a wait is a test bug. */
final class Recorder implements Hook {
    final List<String> probes = new ArrayList<>();
    final List<String> notes = new ArrayList<>();
    final List<String> tracepoints = new ArrayList<>();

    @Override public void point(Task t, Access op, Shared obj, long arg) {}

    @Override public void block(Task t, Waiter w) {
        throw new AssertionError("single-task test would wait: " + w.what());
    }

    @Override public void spin(Task t, String why) {
        throw new AssertionError("single-task test would spin: " + why);
    }

    @Override public void note(Task t, String fmt, Object[] args) {
        notes.add(String.format(fmt, args));
    }

    @Override public void tracepoint(Task t, Tracepoint tp, Object a, long b) {
        tracepoints.add(tp + " " + b);
    }

    @Override public void probe(Task t, int id) {
        probes.add(Probes.name(id));
    }

    @Override public void report(Task t, Report r) {}

    boolean hit(String probe) {
        return probes.contains(probe);
    }

    void clear() {
        probes.clear();
        notes.clear();
        tracepoints.clear();
    }
}
