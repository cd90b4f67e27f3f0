package mmrace.sched;

/**
 * How an aborted {@link Execution} (a deadlock, a livelock, a scheduler failure) unwinds its
 * actors: every hook call of an actor of an aborted execution throws {@link #ABORT}, which goes up
 * through the port code and is caught by the actor's wrapper (and by the cleanup task's), so each
 * actor thread ends. One shared instance without a stack trace: it is a control transfer, not an
 * error to report.
 */
final class Abort extends Error {
    private static final long serialVersionUID = 1L;

    static final Abort ABORT = new Abort();

    private Abort() {
        super("mmrace: execution aborted", null, false, false);
    }
}
