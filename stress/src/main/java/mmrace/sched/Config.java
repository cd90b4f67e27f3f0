package mmrace.sched;

/**
 * Limits and options of an execution.
 *
 * @param maxSteps  the most points one execution may take; reaching it while the actors still make
 *                  progress ends the execution as {@link Result.Outcome#LIMIT} (no verdict), with no
 *                  progress as {@link Result.Outcome#LIVELOCK}
 * @param spinBound how many times in a row an actor may be run again from a spin
 *                  ({@code Task.spin}) while no other actor can run, before the execution ends as
 *                  {@link Result.Outcome#LIVELOCK}
 * @param trace     record a {@link TraceRecorder} trace into {@link Result#trace()}
 * @param window    every {@code window} points the scheduler checks that the actors made progress
 *                  in the last ones ({@link Progress}); if none did, the execution ends as
 *                  {@link Result.Outcome#LIVELOCK} there, whatever {@code maxSteps} allows
 */
public record Config(long maxSteps, int spinBound, boolean trace, long window) {
    /** The step bound of an execution unless the scenario needs more (run.Runner scales it). */
    public static final long MAX_STEPS = 1_000_000;
    /** Points with no progress that make a livelock. */
    public static final long WINDOW = 50_000;
    public static final Config DEFAULT = new Config(MAX_STEPS, 1_000, false, WINDOW);

    public Config {
        if (maxSteps <= 0 || spinBound <= 0 || window <= 0)
            throw new IllegalArgumentException("maxSteps, spinBound and window must be positive");
    }

    public Config(long maxSteps, int spinBound, boolean trace) {
        this(maxSteps, spinBound, trace, WINDOW);
    }

    public Config withMaxSteps(long m) {
        return new Config(m, spinBound, trace, window);
    }

    public Config withSpinBound(int b) {
        return new Config(maxSteps, b, trace, window);
    }

    public Config withTrace(boolean t) {
        return new Config(maxSteps, spinBound, t, window);
    }

    public Config withWindow(long w) {
        return new Config(maxSteps, spinBound, trace, w);
    }
}
