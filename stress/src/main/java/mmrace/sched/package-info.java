/**
 * The deterministic scheduler: runs actors over one {@link mmrace.runtime.Kernel} under controlled
 * interleavings, one actor at a time, switching only at the runtime's points.
 *
 * <ul>
 * <li>{@link mmrace.sched.Execution}: one execution of a {@link mmrace.sched.Program} (a Kernel and
 *     its {@link mmrace.sched.Actor}s) under a {@link mmrace.sched.Strategy}; returns a
 *     {@link mmrace.sched.Result} (FINISHED, DEADLOCK with its wait-for cycle, LIVELOCK).</li>
 * <li>{@link mmrace.sched.Explorer}: many executions from one virtual thread, a fresh Program
 *     each, a callback per result.</li>
 * <li>Strategies: {@link mmrace.sched.RandomWalk}, {@link mmrace.sched.Pct},
 *     {@link mmrace.sched.Bounded} (every schedule with at most k preemptions),
 *     {@link mmrace.sched.Replay} (a recorded {@link mmrace.sched.Schedule} line such as
 *     {@code 0:reader 14:writer 40:reader}).</li>
 * <li>{@link mmrace.sched.ExecutionListener}: every point, wait, spin, note, tracepoint, probe,
 *     report, actor start and finish; {@link mmrace.sched.TraceRecorder} records them in kernel
 *     words and prints one column per actor.</li>
 * </ul>
 *
 * <pre>{@code
 * Supplier<Program> lostUpdate = () -> {
 *     Atomic x = new Atomic(null, new Field("x"), 0);
 *     Runnable inc = () -> x.set(x.read() + 1);
 *     return Program.of(new Kernel(), new Actor("a", inc), new Actor("b", inc));
 * };
 * Result r = new Execution(lostUpdate.get(), new RandomWalk(42), Config.DEFAULT.withTrace(true)).run();
 * System.out.println(r.outcome() + " [" + r.schedule() + "]\n" + TraceRecorder.columns(r.trace(), r.actors()));
 * Result same = new Execution(lostUpdate.get(), Replay.of(r.schedule().toString()), Config.DEFAULT).run();
 * Bounded b = new Bounded(2);
 * Explorer.Summary s = Explorer.explore(lostUpdate, b, Config.DEFAULT, 100_000, Result::finished);
 * // s.exhausted() && !s.stopped(): no deadlock or livelock with <= 2 preemptions, in b.schedules() schedules
 * }</pre>
 *
 * Run with {@code -Djdk.virtualThreadScheduler.parallelism=1} (the launcher and surefire set it):
 * hand-offs are then virtual thread to virtual thread on one carrier.
 */
package mmrace.sched;
