package mmrace.sched;

import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Runs many executions of a program under one strategy, all from one thread: the caller's (actors
 * as continuations), or one virtual thread (actors as virtual threads: so that every hand-off,
 * including starting and ending executions, is virtual to virtual). A fresh {@link Program} is
 * built for each execution, on that thread.
 */
public final class Explorer {
    private Explorer() {}

    /**
     * @param executions how many executions were run
     * @param exhausted  the strategy has nothing more to run ({@link Bounded}: the whole space was covered)
     * @param stopped    the callback asked to stop
     */
    public record Summary(long executions, boolean exhausted, boolean stopped) {}

    /**
     * Runs executions until {@code maxExecutions} ran, the strategy has no more, or
     * {@code onResult} returns false. Listeners are shared by all executions (each gets
     * start/end per execution). Exceptions from the program supplier or the callback propagate.
     */
    public static Summary explore(Supplier<Program> programs, Strategy strategy, Config config, long maxExecutions,
                                  Predicate<Result> onResult, ExecutionListener... listeners) {
        if (!Handoff.continuations && !Thread.currentThread().isVirtual())
            return ThreadHandoff.inVirtualThread(() -> explore(programs, strategy, config, maxExecutions, onResult, listeners));
        long done = 0;
        while (done < maxExecutions && strategy.hasNext()) {
            Execution e = new Execution(programs.get(), strategy, config);
            for (ExecutionListener l : listeners)
                e.listen(l);
            Result r = e.run();
            done++;
            if (!onResult.test(r))
                return new Summary(done, !strategy.hasNext(), true);
        }
        return new Summary(done, !strategy.hasNext(), false);
    }
}
