package mmrace.sched;

import mmrace.runtime.Access;
import mmrace.runtime.Atomic;
import mmrace.runtime.Page;
import mmrace.runtime.Ref;
import mmrace.runtime.Shared;
import mmrace.runtime.Word;

/**
 * Tells a livelock from a long execution. Every {@link Config#window} points (and at the step
 * bound) the scheduler asks whether the actors made progress since the last check:
 * <ul>
 * <li>an operation returned ({@code SYS_EXIT}) or an actor's body ended: progress;</li>
 * <li>else, over the last {@link #SAMPLE} points before the check, each actor's own sequence of
 *     accesses, each with the value its location held (a word, an atomic, a pointer, a page-table
 *     entry): if every actor that ran repeats a cycle (the same accesses to the same locations
 *     seeing the same values, so no write changed the state it depends on), nobody made progress:
 *     a livelock; if one actor's sequence is not a cycle (new addresses, values that keep
 *     changing: a 16 MiB store faulting in page after page), it is still making progress.</li>
 * </ul>
 * A cycle longer than half the sample counts as progress: the check errs towards "limit", which is
 * never a verdict, rather than towards a forbidden livelock. The sample is taken only in the last
 * {@link #SAMPLE} points before each check, so executions shorter than that cost nothing here.
 */
final class Progress {
    /** Points sampled before each check. */
    static final int SAMPLE = 4096;
    /** An actor with fewer sampled points than this says nothing either way. */
    private static final int MIN_POINTS = 8;

    private final long window, maxSteps;
    private final int sample;
    private long nextCheck, lastCheck;
    /** The step of the last operation return or body end. */
    private long lastEvent = -1;
    private int[] actor;
    private long[] print;
    private Access[] op;
    private Shared[] shared;
    private int filled;

    Progress(long window, long maxSteps) {
        this.window = window;
        this.maxSteps = maxSteps;
        this.sample = (int) Math.max(1, Math.min(SAMPLE, Math.min(window, maxSteps) / 2));
        this.nextCheck = Math.min(window, maxSteps);
    }

    /** The step at which the next check is due. */
    long nextCheck() {
        return nextCheck;
    }

    /** An operation returned or an actor finished at {@code step}. */
    void event(long step) {
        lastEvent = step;
    }

    /** Records the access an actor is about to make, if {@code step} lies in the sample before the next check. */
    void point(long step, int a, Access o, Shared s, long arg) {
        long i = step - (nextCheck - sample);
        if (i < 0 || i >= sample)
            return;
        if (actor == null) {
            actor = new int[sample];
            print = new long[sample];
            op = new Access[sample];
            shared = new Shared[sample];
        }
        int k = (int) i;
        actor[k] = a;
        print[k] = ((o.ordinal() * 31L + System.identityHashCode(s)) * 31 + arg) * 31 + value(s, arg);
        op[k] = o;
        shared[k] = s;
        filled = Math.max(filled, k + 1);
    }

    /** What the location holds now, as far as a point can tell without touching it. */
    private static long value(Shared s, long arg) {
        if (s instanceof Word w)
            return w.peek();
        if (s instanceof Atomic at)
            return at.peek();
        if (s instanceof Ref<?> r)
            return System.identityHashCode(r.peek());
        if (s.field == Page.ENTRIES && s.owner instanceof Page p && arg >= 0 && arg < Page.PTRS_PER_TABLE)
            return p.peekEntry((int) arg);
        return 0;
    }

    /**
     * The check due at {@code step}: null if the actors made progress since the last one, else
     * what repeats ("a repeats a cycle of 2 accesses with nothing changing: READ_ONCE(W), ...").
     * Moves on to the next window.
     */
    String check(long step, String[] names) {
        long from = lastCheck;
        lastCheck = step;
        nextCheck = Math.min(step + window, maxSteps);
        int n = filled;
        filled = 0;
        if (lastEvent >= from || n == 0)
            return null;
        StringBuilder cycles = new StringBuilder();
        for (int a = 0; a < names.length; a++) {
            int m = 0;
            for (int k = 0; k < n; k++)
                if (actor[k] == a)
                    m++;
            if (m == 0)
                continue;
            int[] at = new int[m];
            for (int k = 0, j = 0; k < n; k++)
                if (actor[k] == a)
                    at[j++] = k;
            int p = period(at);
            if (p < 0 && m >= MIN_POINTS)
                return null;
            if (p > 0)
                cycles.append(cycles.length() == 0 ? "" : "; ").append(describe(names[a], at, p));
        }
        return cycles.length() == 0 ? null : cycles.toString();
    }

    /** The shortest period of the fingerprints at these sample indexes, or -1 if they are not periodic. */
    private int period(int[] at) {
        int m = at.length;
        for (int p = 1; p <= m / 2; p++) {
            boolean ok = true;
            for (int i = 0; i + p < m && ok; i++)
                ok = print[at[i]] == print[at[i + p]];
            if (ok)
                return p;
        }
        return -1;
    }

    private String describe(String name, int[] at, int p) {
        StringBuilder b = new StringBuilder(name).append(" repeats a cycle of ").append(p).append(p == 1 ? " access" : " accesses")
                .append(" with nothing changing: ");
        for (int i = 0; i < Math.min(p, 4); i++)
            b.append(i == 0 ? "" : ", ").append(op[at[i]].text).append('(').append(shared[at[i]].name()).append(')');
        return b.append(p > 4 ? ", ..." : "").toString();
    }
}
