package mmrace.sched;

import java.util.Objects;

/**
 * One actor of an execution: a name (used in traces and in {@link Schedule} lines, so no spaces)
 * and the body it runs on its own task. The body calls port code; every shared access in it is a
 * point at which the scheduler may switch to another actor.
 */
public record Actor(String name, Runnable body) {
    /** The name of the pseudo-actor that runs the end-of-execution cleanup (rcu_barrier). */
    public static final String KTHREAD = "kthread";

    public Actor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(body, "body");
        if (name.isEmpty() || name.chars().anyMatch(Character::isWhitespace))
            throw new IllegalArgumentException("actor name must be non-empty and without spaces: '" + name + "'");
        if (name.equals(KTHREAD))
            throw new IllegalArgumentException("actor name '" + KTHREAD + "' is reserved for the cleanup task");
    }
}
