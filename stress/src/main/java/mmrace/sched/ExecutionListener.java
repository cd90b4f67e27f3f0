package mmrace.sched;

import mmrace.runtime.Access;
import mmrace.runtime.Report;
import mmrace.runtime.Shared;
import mmrace.runtime.Tracepoint;
import mmrace.runtime.Waiter;

/**
 * Observes an execution. Every method is called in the thread of the actor concerned, while it is
 * the only one running (between steps), so a listener needs no locking as long as it is used by one
 * execution at a time. A listener may serve many executions in sequence: {@link #start} and
 * {@link #end} bracket each.
 *
 * <p>{@code actor} is an index into the execution's actors ({@link Execution#actorName}); index
 * {@link Execution#actorCount()} is the cleanup task "kthread" that runs rcu_barrier() after all
 * actors finished. {@code step} for a {@link #point} is the number of that point (0-based, over all
 * actors); for every other event it is the number of points executed before it (the number the
 * next point will get).
 *
 * <p>Alias coverage (Krace): two {@link #point}s by different actors on the same {@link Shared}
 * (identity) where {@code op.writes} for at least one of them, in their step order. For page-table
 * entries the {@code Shared} is the table's entry array and {@code arg} is the entry index.
 *
 * <p>Must not throw: an exception from a listener aborts the execution and is rethrown by
 * {@link Execution#run}.
 */
public interface ExecutionListener {
    /** Before the actors start. */
    default void start(Execution e) {}

    /** An actor's body begins (all actors begin before the first step). */
    default void actorStart(long step, int actor) {}

    /** A point is executed: the access it announces happens right after this call. */
    default void point(long step, int actor, Access op, Shared shared, long arg) {}

    /** The actor must wait: it will not run until {@code w.ready()}. */
    default void block(long step, int actor, Waiter w) {}

    /** The actor is in a retry loop that only another actor can end. */
    default void spin(long step, int actor, String why) {}

    /** A printk-style line from port code: {@code String.format(Locale.ROOT, fmt, args)}. */
    default void note(long step, int actor, String fmt, Object[] args) {}

    default void tracepoint(long step, int actor, Tracepoint tp, Object a, long b) {}

    /** A coverage probe (see {@code Probes.name(id)}). */
    default void probe(long step, int actor, int id) {}

    default void report(long step, int actor, Report r) {}

    /** The actor's body returned ({@code thrown} null) or threw; not called for actors unwound by an abort. */
    default void actorFinish(long step, int actor, Throwable thrown) {}

    /** The execution is over. */
    default void end(Result r) {}
}
