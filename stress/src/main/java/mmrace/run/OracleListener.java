package mmrace.run;

import mmrace.oracle.Oracle;
import mmrace.runtime.Access;
import mmrace.runtime.Report;
import mmrace.runtime.Shared;
import mmrace.runtime.Tracepoint;
import mmrace.sched.Execution;
import mmrace.sched.ExecutionListener;
import mmrace.sched.Result;

/** Feeds the oracle from the execution's events. */
final class OracleListener implements ExecutionListener {
    private final Oracle oracle;
    private Execution e;

    OracleListener(Oracle oracle) {
        this.oracle = oracle;
    }

    @Override
    public void start(Execution e) {
        this.e = e;
    }

    @Override
    public void point(long step, int actor, Access op, Shared shared, long arg) {
        oracle.onPoint(step, e.task(actor), op, shared);
    }

    @Override
    public void tracepoint(long step, int actor, Tracepoint tp, Object a, long b) {
        oracle.onTracepoint(step, e.task(actor), tp, a, b);
    }

    @Override
    public void probe(long step, int actor, int id) {
        oracle.onProbe(e.task(actor), id);
    }

    @Override
    public void report(long step, int actor, Report r) {
        oracle.onReport(r);
    }

    @Override
    public void end(Result r) {
        switch (r.outcome()) {
            case DEADLOCK -> oracle.deadlock(r.steps(), r.detail());
            case LIVELOCK -> oracle.livelock(r.steps(), r.detail());
            case LIMIT -> oracle.limit(r.steps(), r.detail());
            case FINISHED -> oracle.finish(r.steps());
        }
    }
}
