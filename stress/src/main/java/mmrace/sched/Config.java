package mmrace.sched;

/**
 * Limits and options of an execution.
 *
 * @param maxSteps  the most points one execution may take; reaching it ends the execution as
 *                  {@link Result.Outcome#LIVELOCK}
 * @param spinBound how many times in a row an actor may be run again from a spin
 *                  ({@code Task.spin}) while no other actor can run, before the execution ends as
 *                  {@link Result.Outcome#LIVELOCK}
 * @param trace     record a {@link TraceRecorder} trace into {@link Result#trace()}
 */
public record Config(long maxSteps, int spinBound, boolean trace) {
    public static final Config DEFAULT = new Config(50_000, 1_000, false);

    public Config {
        if (maxSteps <= 0 || spinBound <= 0)
            throw new IllegalArgumentException("maxSteps and spinBound must be positive");
    }

    public Config withMaxSteps(long m) {
        return new Config(m, spinBound, trace);
    }

    public Config withSpinBound(int b) {
        return new Config(maxSteps, b, trace);
    }

    public Config withTrace(boolean t) {
        return new Config(maxSteps, spinBound, t);
    }
}
