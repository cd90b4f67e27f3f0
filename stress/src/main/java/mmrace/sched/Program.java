package mmrace.sched;

import java.util.List;
import mmrace.runtime.Kernel;

/**
 * What one execution runs: a freshly built {@link Kernel} (initial state already in place) and the
 * actors that run over it. Exploring many schedules needs a fresh Program per execution, made by a
 * {@code Supplier<Program>} (see {@link Explorer}); the port is deterministic, so building the same
 * program again reproduces the same state.
 */
public record Program(Kernel kernel, List<Actor> actors) {
    public Program {
        actors = List.copyOf(actors);
    }

    public static Program of(Kernel kernel, Actor... actors) {
        return new Program(kernel, List.of(actors));
    }
}
