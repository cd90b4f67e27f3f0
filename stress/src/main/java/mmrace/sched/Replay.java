package mmrace.sched;

/**
 * Follows a recorded {@link Schedule}: at a decision whose step is that of the next recorded
 * switch, run that switch's actor; otherwise keep the actor that ran last. When a recorded choice
 * cannot be followed (the actor is unknown or cannot run, the current actor cannot go on with no
 * switch recorded while several could run, a switch's step was passed, or switches are left at
 * the end: the program was edited), it falls back deterministically to the current actor if it can run, else the
 * lowest-index runnable one, and counts a divergence ({@link Result#divergences()}). A replay of
 * an unedited program has no divergence and repeats the recorded execution step for step.
 *
 * <p>Forced switches (the current actor blocked, spun or finished and only one actor can run) need
 * not be written, so a hand-written line may list only the preemptions: {@code 0:a 1:b} for "a
 * starts, b preempts it after a's first point".
 */
public final class Replay implements Strategy {
    private final Schedule schedule;
    private int[] actor = new int[0];
    private int pos;
    private int divergences;

    public Replay(Schedule schedule) {
        this.schedule = schedule;
    }

    public static Replay of(String line) {
        return new Replay(Schedule.parse(line));
    }

    @Override
    public void begin(Execution e) {
        actor = new int[schedule.size()];
        for (int i = 0; i < actor.length; i++) {
            actor[i] = -1;
            for (int a = 0; a < e.actorCount(); a++)
                if (e.actorName(a).equals(schedule.actor(i)))
                    actor[i] = a;
        }
        pos = 0;
        divergences = 0;
    }

    @Override
    public int choose(Choice c) {
        long st = c.step();
        while (pos < actor.length && schedule.step(pos) < st) {
            pos++;
            divergences++;
        }
        if (pos < actor.length && schedule.step(pos) == st) {
            int a = actor[pos++];
            if (a >= 0 && c.isRunnable(a))
                return a;
            divergences++;
            return fallback(c);
        }
        int cu = c.current();
        if (cu >= 0 && c.isRunnable(cu))
            return cu;
        if (c.runnableCount() > 1)
            divergences++; // a switch was needed and none is recorded: a guess
        return fallback(c);
    }

    private static int fallback(Choice c) {
        int cu = c.current();
        return cu >= 0 && c.isRunnable(cu) ? cu : c.runnable(0);
    }

    @Override
    public int divergences() {
        return divergences + (actor.length - pos);
    }

    public Schedule schedule() {
        return schedule;
    }

    @Override
    public String describe() {
        return "replay(" + schedule + ")";
    }
}
