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
 * <li>else, over the last {@link #SAMPLE} points before the check, each access is taken with its
 *     actor, its location and the value the location held (a word, an atomic, a pointer, a
 *     page-table entry). If the second half of the sample holds nothing the first half (or an
 *     earlier sample since an operation last returned) did not, the actors only go round states
 *     they have already been in (a retry loop whose reads see the
 *     same values, locks taken and dropped, in whatever interleaving): nobody made progress, a
 *     livelock. An access new in the second half (a new address: a 16 MiB store faulting in page
 *     after page; a value that keeps changing) is progress.</li>
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
    /**
     * The accesses sampled since the last operation returned or body ended: a sample whose second
     * half adds none is no progress. Kept across checks (so a rare path of a cycle, first met in
     * one window, is known in the next), cleared at every returned operation, and at {@link #MAX_SEEN}.
     */
    private final java.util.Set<Long> seen = new java.util.HashSet<>();
    private static final int MAX_SEEN = 1 << 16;

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
     * what they repeat ("a repeats 3 accesses with nothing changing: spin_lock(L), READ_ONCE(w),
     * spin_unlock(L)"). No progress: no operation returned and no body ended since the last check,
     * and the second half of the sample holds no access (by an actor, to a location, seeing a value)
     * that the first half or an earlier sample did not: the actors go round states they have been
     * in. Moves on to the next window.
     */
    String check(long step, String[] names) {
        long from = lastCheck;
        lastCheck = step;
        nextCheck = Math.min(step + window, maxSteps);
        int n = filled;
        filled = 0;
        if (lastEvent >= from || n < 2 * MIN_POINTS) {
            seen.clear();
            return null;
        }
        if (seen.size() > MAX_SEEN)
            seen.clear();
        for (int k = 0; k < n / 2; k++)
            seen.add(print[k] * 31 + actor[k]);
        boolean fresh = false;
        for (int k = n / 2; k < n; k++)
            fresh |= seen.add(print[k] * 31 + actor[k]);
        if (fresh)
            return null;
        StringBuilder b = new StringBuilder();
        for (int a = 0; a < names.length; a++) {
            java.util.LinkedHashSet<String> seen = new java.util.LinkedHashSet<>();
            for (int k = n / 2; k < n; k++)
                if (actor[k] == a)
                    seen.add(op[k].text + "(" + shared[k].name() + ")");
            if (seen.isEmpty())
                continue;
            java.util.List<String> l = new java.util.ArrayList<>(seen);
            b.append(b.length() == 0 ? "" : "; ").append(names[a]).append(" repeats ").append(l.size())
                    .append(l.size() == 1 ? " access" : " accesses").append(" with nothing changing: ")
                    .append(String.join(", ", l.subList(0, Math.min(4, l.size())))).append(l.size() > 4 ? ", ..." : "");
        }
        return b.toString();
    }
}
