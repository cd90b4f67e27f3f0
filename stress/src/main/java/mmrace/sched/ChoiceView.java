package mmrace.sched;

import mmrace.runtime.Access;
import mmrace.runtime.Shared;

/**
 * What a {@link Strategy} sees of an {@link Execution} at a decision ({@link Choice}): the step,
 * the running actor and whether it could go on, the runnable actors, and the access each paused
 * actor will make next. A read-only window on the execution's scheduling state, valid during
 * {@link Strategy#choose}.
 */
final class ChoiceView implements Choice {
    private final Execution x;

    ChoiceView(Execution x) {
        this.x = x;
    }

    @Override
    public long step() {
        return x.step;
    }

    @Override
    public int current() {
        return x.current;
    }

    @Override
    public boolean canContinue() {
        return x.currentCanContinue;
    }

    @Override
    public int actors() {
        return x.n;
    }

    @Override
    public int runnableCount() {
        return x.runnableCount;
    }

    @Override
    public int runnable(int i) {
        if (i < 0 || i >= x.runnableCount)
            throw new IndexOutOfBoundsException(i);
        return x.runnable[i];
    }

    @Override
    public boolean isRunnable(int actor) {
        return actor >= 0 && actor < x.n && x.isRunnable[actor];
    }

    @Override
    public Access pendingOp(int actor) {
        return x.pendingOp[actor];
    }

    @Override
    public Shared pendingShared(int actor) {
        return x.pendingShared[actor];
    }

    @Override
    public long pendingArg(int actor) {
        return x.pendingArg[actor];
    }
}
