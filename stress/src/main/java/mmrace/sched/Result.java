package mmrace.sched;

import java.util.Arrays;
import java.util.List;
import mmrace.runtime.Report;

/**
 * How one execution ended.
 *
 * <ul>
 * <li>{@link Outcome#FINISHED}: every actor's body returned (or threw: then a BUG report "Java
 *     exception in port code" is among {@link #reports()}), and the cleanup (rcu_barrier) ran.</li>
 * <li>{@link Outcome#DEADLOCK}: no actor could run while some had not finished; {@link #waits()}
 *     says who waits for what, held by whom, and {@link #detail()} gives the wait-for cycle in kernel
 *     words ("a waits for spin_lock(L2) held by b -> b waits for spin_lock(L1) held by a").</li>
 * <li>{@link Outcome#LIVELOCK}: the actors made no progress for a window of steps (or up to the
 *     step bound), or an actor kept spinning while nobody else could run; {@link #detail()} says
 *     which, and what repeats.</li>
 * <li>{@link Outcome#LIMIT}: a limit of the model was reached while the actors still made progress
 *     (the step bound, the model's memory): no verdict; {@link #detail()} names the limit.</li>
 * </ul>
 */
public final class Result {
    public enum Outcome { FINISHED, DEADLOCK, LIVELOCK, LIMIT }

    /**
     * What a waiting actor waits for: {@code what} is the waiter's description
     * ("spin_lock(L1)", "synchronize_rcu()", "IPI acknowledgement (...)", or "spin: why" for a
     * spinning actor), {@code holders} the names of the tasks that must act first, each with
     * " (finished)" appended if its body already returned.
     */
    public record Wait(String actor, String what, List<String> holders) {
        @Override
        public String toString() {
            return actor + " waits for " + what + (holders.isEmpty() ? " (held by nobody)" : " held by " + String.join(", ", holders));
        }
    }

    private final Outcome outcome;
    private final long steps;
    private final Schedule schedule;
    private final List<String> actors;
    private final long[] actorSteps;
    private final List<Report> reports;
    private final List<TraceRecorder.Row> trace;
    private final List<Wait> waits;
    private final String detail;
    private final int divergences;
    private final String strategy;

    Result(Outcome outcome, long steps, Schedule schedule, List<String> actors, long[] actorSteps, List<Report> reports,
           List<TraceRecorder.Row> trace, List<Wait> waits, String detail, int divergences, String strategy) {
        this.outcome = outcome;
        this.steps = steps;
        this.schedule = schedule;
        this.actors = actors;
        this.actorSteps = actorSteps;
        this.reports = reports;
        this.trace = trace;
        this.waits = waits;
        this.detail = detail;
        this.divergences = divergences;
        this.strategy = strategy;
    }

    public Outcome outcome() {
        return outcome;
    }

    public boolean finished() {
        return outcome == Outcome.FINISHED;
    }

    /** Points executed in total (including the cleanup's). */
    public long steps() {
        return steps;
    }

    /** The switches taken; replaying it with {@link Replay} gives this execution again. */
    public Schedule schedule() {
        return schedule;
    }

    /** Actor names by index; the last entry is the cleanup task "kthread". */
    public List<String> actors() {
        return actors;
    }

    /** Points executed by actor {@code i} ({@code i == actors().size() - 1}: the cleanup task). */
    public long actorSteps(int i) {
        return actorSteps[i];
    }

    public long[] actorSteps() {
        return actorSteps.clone();
    }

    /** Every report in the kernel's dmesg at the end (including any filed while building the program). */
    public List<Report> reports() {
        return reports;
    }

    /** The trace if {@link Config#trace()} was on, else null. */
    public List<TraceRecorder.Row> trace() {
        return trace;
    }

    /** For DEADLOCK, LIVELOCK and LIMIT: what each unfinished actor waited for (empty otherwise). */
    public List<Wait> waits() {
        return waits;
    }

    /** The cycle (DEADLOCK), the reason (LIVELOCK), the limit (LIMIT), or "". */
    public String detail() {
        return detail;
    }

    /** Recorded choices that could not be followed ({@link Replay} only). */
    public int divergences() {
        return divergences;
    }

    /** The strategy and its parameters for this execution. */
    public String strategy() {
        return strategy;
    }

    @Override
    public String toString() {
        return outcome + (detail.isEmpty() ? "" : " (" + detail + ")") + ", " + steps + " steps " + Arrays.toString(actorSteps)
                + ", schedule [" + schedule + "], " + reports.size() + " reports, " + strategy
                + (divergences > 0 ? ", " + divergences + " divergences" : "");
    }
}
