package mmrace.sched;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;

import static java.lang.invoke.MethodType.methodType;

/**
 * The JDK's one-shot delimited continuations ({@code jdk.internal.vm.Continuation}, what virtual
 * threads are made of), used directly by {@link ContinuationHandoff}: an actor's body runs in a
 * continuation on the driver's thread; at a hand-off it yields back to the driver, which runs the
 * next actor's. Needs {@code --add-exports java.base/jdk.internal.vm=ALL-UNNAMED} (the launcher,
 * the jar's manifest, the test and worker JVMs pass it); without it {@link #AVAILABLE} is false and
 * the scheduler hands off between virtual threads ({@link ThreadHandoff}).
 */
final class Continuations {
    static final boolean AVAILABLE;
    private static final MethodHandle NEW, RUN, YIELD, DONE;

    static {
        Object scope = null;
        MethodHandle mk = null, run = null, yield = null, done = null;
        try {
            Class<?> cs = Class.forName("jdk.internal.vm.ContinuationScope");
            Class<?> cc = Class.forName("jdk.internal.vm.Continuation");
            MethodHandles.Lookup l = MethodHandles.lookup();
            scope = l.findConstructor(cs, methodType(void.class, String.class)).invoke("mmrace-actors");
            mk = l.findConstructor(cc, methodType(void.class, cs, Runnable.class)).bindTo(scope)
                    .asType(methodType(Object.class, Runnable.class));
            run = l.findVirtual(cc, "run", methodType(void.class)).asType(methodType(void.class, Object.class));
            yield = MethodHandles.insertArguments(l.findStatic(cc, "yield", methodType(boolean.class, cs)), 0, scope);
            done = l.findVirtual(cc, "isDone", methodType(boolean.class)).asType(methodType(boolean.class, Object.class));
        } catch (Throwable e) {
            scope = null; // not exported to us, or not this JDK's API: virtual threads instead
        }
        NEW = mk;
        RUN = run;
        YIELD = yield;
        DONE = done;
        AVAILABLE = scope != null;
    }

    private Continuations() {}

    /** A continuation that will run {@code body} on whatever thread calls {@link #run} first. */
    static Object create(Runnable body) {
        try {
            return (Object) NEW.invokeExact(body);
        } catch (Throwable e) {
            throw new IllegalStateException("cannot make a continuation", e);
        }
    }

    /** Runs (or resumes) {@code c} on this thread until it yields or its body returns; what its body throws comes out here. */
    static void run(Object c) {
        try {
            RUN.invokeExact(c);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * From inside a continuation: suspends it and returns to its {@link #run}. Throws
     * IllegalStateException if it cannot be suspended here (pinned: a monitor held or a native
     * frame on the stack; the port has neither).
     */
    static void yieldNow() {
        try {
            if (!(boolean) YIELD.invokeExact())
                throw new IllegalStateException("continuation did not yield");
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    static boolean isDone(Object c) {
        try {
            return (boolean) DONE.invokeExact(c);
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }
}
