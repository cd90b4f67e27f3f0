package mmrace.sched;

/**
 * Decides which actor runs at each decision of an execution. One Strategy object serves a sequence
 * of executions: {@link #begin} starts each, {@link #end} closes it. Implementations are
 * deterministic: the same program, strategy parameters and seed give the same steps, byte for byte
 * (no global randomness, no hash-order iteration).
 */
public interface Strategy {
    /** False when the strategy has nothing more to run (an exhaustive search is done). */
    default boolean hasNext() {
        return true;
    }

    /** A new execution of {@code e.actorCount()} actors is about to start. */
    void begin(Execution e);

    /** Returns one of the runnable actors ({@code c.runnable(i)}). */
    int choose(Choice c);

    /**
     * True when {@link #choose} may be left uncalled while the running actor is the only one left
     * (every other actor finished): it would return that actor, and skipping the call changes
     * nothing the strategy does later or reports ({@link #describe}, {@link #divergences}). The
     * execution then lets that actor run from point to point with no decision at all.
     */
    default boolean aloneNeedsNoChoice() {
        return false;
    }

    /** The execution ended (called before listeners see the result). */
    default void end(Result r) {}

    /** Recorded choices that could not be followed in the execution just run (replay only). */
    default int divergences() {
        return 0;
    }

    /** A short description with the parameters that reproduce it: "random(seed=7, run=3)". */
    String describe();

    /**
     * The seed of run {@code run} of a strategy seeded with {@code seed}: a strong 64-bit mix, so
     * neighbouring seeds and runs give unrelated streams.
     */
    static long runSeed(long seed, long run) {
        return mix64(mix64(seed) ^ (run * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L));
    }

    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
