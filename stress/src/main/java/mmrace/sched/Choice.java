package mmrace.sched;

import mmrace.runtime.Access;
import mmrace.runtime.Shared;

/**
 * What a {@link Strategy} sees when it must pick the actor that runs next. A view of the
 * execution's state, valid only during {@link Strategy#choose}; no allocation per decision.
 *
 * <p>A decision is taken every time the running actor reaches a point, blocks, spins or finishes.
 * The chosen actor then executes its pending point (step number {@link #step()}), or returns from
 * its wait and runs to its next event.
 */
public interface Choice {
    /** Points executed so far: the step number the next point will get. */
    long step();

    /** The actor that ran last ({@code -1} before the first decision). */
    int current();

    /**
     * True when {@link #current()} stopped at a point and could go on: choosing another actor is
     * then a preemption. False at the first decision and when the current actor blocked, spun or
     * finished (switching away is free).
     */
    boolean canContinue();

    /** Number of actors in the execution (not counting the cleanup kthread). */
    int actors();

    /** How many actors may run now (at least 1). */
    int runnableCount();

    /** The {@code i}-th runnable actor, in ascending actor index. */
    int runnable(int i);

    boolean isRunnable(int actor);

    /** The access an actor paused at a point will make when it runs, or null (blocked, spinning, not at a point). */
    Access pendingOp(int actor);

    /** The object of {@link #pendingOp}, or null. */
    Shared pendingShared(int actor);

    /** The argument of {@link #pendingOp} (an index or operand), 0 if none. */
    long pendingArg(int actor);
}
