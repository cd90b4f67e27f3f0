package mmrace.peers;

/**
 * One run of one tool on one race: whether it reached a forbidden outcome, after how many
 * executions (the tool's own count: executions, libFuzzer units, JCStress samples, Lincheck
 * invocations; -1 if the tool does not say), in how many seconds of the tool's own search (-1 if
 * it does not say) and of process wall time (JVM start, instrumentation, set-up included).
 */
public record Trial(boolean found, long executions, double searchSeconds, double wallSeconds, String note) {
    static Trial notFound(double wall, String note) {
        return new Trial(false, -1, -1, wall, note);
    }
}
