package mmrace.sched;

import static mmrace.sched.Abort.ABORT;
import static mmrace.sched.Execution.BLOCKED;
import static mmrace.sched.Execution.POINT;
import static mmrace.sched.Execution.RUNNING;
import static mmrace.sched.Execution.SPINNING;

import mmrace.runtime.Access;
import mmrace.runtime.Hook;
import mmrace.runtime.Report;
import mmrace.runtime.Shared;
import mmrace.runtime.Task;
import mmrace.runtime.Tracepoint;
import mmrace.runtime.Waiter;

/**
 * The runtime {@link Hook} of an {@link Execution}'s tasks: where the scheduler takes control.
 * At a {@code point} (before every shared access), a {@code block} (a wait whose condition is
 * false) and a {@code spin} (a retry loop only another task can end), the actor records what it
 * waits at and gives up control ({@link Handoff#reschedule}); the cleanup task kthread never
 * gives it up, it only counts steps and spins against the bounds. Every event then goes to the
 * listeners; notes, tracepoints, probes and reports go only to them. Any hook call of an aborted
 * execution throws {@link Abort}.
 */
final class SchedHook implements Hook {
    private final Execution x;

    SchedHook(Execution x) {
        this.x = x;
    }

    @Override
    public void point(Task t, Access op, Shared s, long arg) {
        int me = x.actorOf(t);
        if (x.aborted)
            throw ABORT;
        if (me == x.n) {
            if (x.step >= x.maxSteps) {
                x.livelock("step bound " + x.maxSteps + " reached in the cleanup");
                throw ABORT;
            }
        } else if (x.aloneFree && x.finished == x.n - 1 && !x.handoff.prerun) {
            // every other actor finished: the strategy could only choose this one (Strategy.aloneNeedsNoChoice)
            if (x.step >= x.maxSteps) {
                x.livelock("step bound " + x.maxSteps + " reached");
                throw ABORT;
            }
        } else {
            x.state[me] = POINT;
            x.pendingOp[me] = op;
            x.pendingShared[me] = s;
            x.pendingArg[me] = arg;
            if (x.step >= x.maxSteps && !x.handoff.prerun) {
                x.livelock("step bound " + x.maxSteps + " reached");
                throw ABORT;
            }
            x.handoff.reschedule(me);
            x.state[me] = RUNNING;
            x.pendingOp[me] = null;
            x.pendingShared[me] = null;
            x.pendingArg[me] = 0;
        }
        ExecutionListener[] ls = x.listeners.all;
        if (ls.length != 0) {
            try {
                for (ExecutionListener l : ls)
                    l.point(x.step, me, op, s, arg);
            } catch (RuntimeException | Error e) {
                x.fail(e);
                throw ABORT;
            }
        }
        x.actorSteps[me]++;
        x.step++;
    }

    @Override
    public void block(Task t, Waiter w) {
        int me = x.actorOf(t);
        if (x.aborted)
            throw ABORT;
        x.state[me] = BLOCKED;
        x.waiter[me] = w;
        if (x.listeners.all.length != 0) {
            x.listeners.block(x.step, me, w);
            if (x.aborted)
                throw ABORT;
        }
        if (me == x.n) {
            if (!w.ready()) {
                x.deadlock();
                throw ABORT;
            }
        } else {
            x.handoff.reschedule(me);
        }
        x.state[me] = RUNNING;
        x.waiter[me] = null;
    }

    @Override
    public void spin(Task t, String why) {
        int me = x.actorOf(t);
        if (x.aborted)
            throw ABORT;
        if (x.listeners.all.length != 0) {
            x.listeners.spin(x.step, me, why);
            if (x.aborted)
                throw ABORT;
        }
        if (me == x.n) {
            if (++x.cleanupSpins > x.config().spinBound()) {
                x.state[me] = SPINNING;
                x.spinWhy[me] = why;
                x.livelock(Actor.KTHREAD + " kept spinning (" + why + ") in the cleanup");
                throw ABORT;
            }
            return;
        }
        x.state[me] = SPINNING;
        x.spinWhy[me] = why;
        x.lastSpin[me] = x.decisions;
        x.handoff.reschedule(me);
        x.state[me] = RUNNING;
        x.spinWhy[me] = null;
    }

    @Override
    public void note(Task t, String fmt, Object[] args) {
        if (x.listeners.all.length != 0) {
            int me = x.actorOf(t);
            x.listeners.note(x.step, me, fmt, args);
        }
    }

    @Override
    public void tracepoint(Task t, Tracepoint tp, Object a, long b) {
        if (x.listeners.all.length != 0) {
            int me = x.actorOf(t);
            x.listeners.tracepoint(x.step, me, tp, a, b);
        }
    }

    @Override
    public void probe(Task t, int id) {
        if (x.listeners.all.length != 0) {
            int me = x.actorOf(t);
            x.listeners.probe(x.step, me, id);
        }
    }

    @Override
    public void report(Task t, Report r) {
        if (x.listeners.all.length != 0) {
            int me = x.actorOf(t);
            x.listeners.report(x.step, me, r);
        }
    }
}
