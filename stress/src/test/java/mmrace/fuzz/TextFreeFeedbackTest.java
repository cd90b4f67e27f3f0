package mmrace.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import mmrace.scenario.Corpus;
import mmrace.scenario.Scenario;
import mmrace.scenario.ScenarioError;
import mmrace.scenario.ScenarioParser;
import mmrace.scenario.Variant;
import mmrace.sched.Config;
import mmrace.sched.Result;
import mmrace.sched.ExecutionListener;
import org.junit.jupiter.api.Test;

/**
 * The fuzzer's feedback comes from structured events, never from trace text. Over a fixed set of
 * inputs (the hand-written corpus under the variants it expects, and seeded generated races under
 * fast-v1 and slow), each execution's feedback is collected three times: as the listeners see the
 * execution, with every trace line ({@code note}) removed before it reaches them, and with every
 * trace line reworded. The feedback is what the fuzzer steers by: the coverage keys of
 * {@link ExecutionCoverage} (probes, interleaving edges, operation pairs, races, windows, near misses),
 * the anchors of {@link Anchors} (which need each operation's end), and the return values and
 * layouts after each operation that {@link ModelCheck} compares with the reference model. All three
 * must be equal. A consumer that learnt where an operation ends, or what it returned, from a
 * printed line ("mmap(...) = 0x10000") loses it when the line is gone or says something else: its
 * operation pairs, windows and anchors change or vanish, and this test fails.
 */
class TextFreeFeedbackTest {
    /** How the trace lines reach the fuzzer's listeners. */
    enum Text { AS_IS, DROPPED, REWORDED }

    /** One execution's feedback, as text that compares equal when the feedback is the same. */
    record Feedback(List<String> coverage, List<Anchors.Anchor> anchors, boolean consistent, List<Long> rets, List<String> layouts,
            boolean finished) {}

    @Test
    void feedbackIsTheSameWithTraceTextDroppedOrReworded() throws IOException, ScenarioError {
        int executions = 0, consistent = 0, stopped = 0, withPairs = 0, withWindows = 0, rets = 0;
        for (Input in : inputs()) {
            Feedback asIs = feedback(in, Text.AS_IS);
            assertEquals(asIs, feedback(in, Text.DROPPED), "feedback changed with the trace lines dropped: " + in);
            assertEquals(asIs, feedback(in, Text.REWORDED), "feedback changed with the trace lines reworded: " + in);
            executions++;
            consistent += asIs.consistent() ? 1 : 0;
            stopped += asIs.finished() ? 0 : 1;
            withPairs += asIs.coverage().stream().anyMatch(k -> k.startsWith("pair")) ? 1 : 0;
            withWindows += asIs.coverage().stream().anyMatch(k -> k.startsWith("window")) ? 1 : 0;
            rets += asIs.rets().size();
        }
        // the inputs exercise what depends on operation boundaries, so the comparison means something
        assertTrue(executions >= 100, executions + " executions");
        assertTrue(withPairs >= 50, withPairs + " executions with operation pairs");
        assertTrue(withWindows >= 20, withWindows + " executions with windows");
        assertTrue(rets >= 150, rets + " return values");
        // every actor reported exactly its operations (anchors are usable), but where a deadlock or livelock stopped it
        assertTrue(consistent >= executions - stopped, consistent + " of " + executions + " executions with usable anchors, "
                + stopped + " stopped before the actors finished");
        System.out.printf("%d executions, %d with usable anchors, %d with operation pairs, %d with windows, %d return values%n",
                executions, consistent, withPairs, withWindows, rets);
    }

    record Input(String name, Scenario s, Variant v) {
        @Override
        public String toString() {
            return name + " [" + v.id + "]";
        }
    }

    /** The corpus's own races under the variants they expect, and 40 generated races under fast-v1 and slow. */
    static List<Input> inputs() throws IOException, ScenarioError {
        List<Input> in = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> l = Files.list(Corpus.dir())) {
            files = l.filter(p -> p.toString().endsWith(".scn")).sorted().toList();
        }
        for (Path f : files) {
            Scenario s = ScenarioParser.parse(f);
            for (Variant v : s.expects.keySet())
                in.add(new Input(f.getFileName().toString(), s, v));
        }
        for (long seed = 0; seed < 40; seed++) {
            Scenario s = new Gen(seed).initial();
            in.add(new Input("generated seed " + seed, s, seed % 2 == 0 ? Variant.FAST_V1 : Variant.SLOW));
        }
        return in;
    }

    /** Runs {@code in} on the port with the fuzzer's listeners, each behind {@code text}'s filter. */
    static Feedback feedback(Input in, Text text) {
        ExecutionCoverage exec = new Coverage(Coverage.Context.PROBE).newExec().scenario(in.s());
        Anchors.Tracker tracker = new Anchors.Tracker();
        Anchors.Recorder rec = new Anchors.Recorder(Schedules.strategy(in.s(), in.v(), 600), tracker);
        ModelCheck.Listener model = new ModelCheck.Listener(in.s());
        Target.Run run = new PortTarget().run(in.s(), in.v(), rec, Config.DEFAULT, filter(exec, text), filter(tracker, text), filter(model, text));
        List<String> keys = new ArrayList<>();
        exec.features((k, type) -> keys.add(TYPES[type] + " " + Long.toHexString(k)));
        exec.edges.forEach(k -> keys.add("edge " + Long.toHexString(k)));
        keys.add("near-miss " + exec.nearMiss());
        keys.sort(null);
        List<String> layouts = new ArrayList<>();
        for (int i = 0; i < model.layouts.size(); i++)
            layouts.add(model.layouts.get(i) + " " + model.vmaLists.get(i));
        return new Feedback(keys, rec.anchors(), tracker.consistent(in.s()), List.copyOf(model.rets), layouts,
                run.result().outcome() == Result.Outcome.FINISHED);
    }

    private static final String[] TYPES = {"probe", "pair", "race", "window", "outcome"};

    /** {@code l} as the execution sees it, with every note dropped or reworded on the way; every other event passes unchanged. */
    static ExecutionListener filter(ExecutionListener l, Text text) {
        if (text == Text.AS_IS)
            return l;
        return (ExecutionListener) Proxy.newProxyInstance(ExecutionListener.class.getClassLoader(), new Class<?>[] {ExecutionListener.class},
                (proxy, m, args) -> {
                    if (m.getDeclaringClass() == Object.class)
                        return m.getName().equals("equals") ? proxy == args[0] : m.invoke(l, args);
                    if (m.getName().equals("note")) {
                        if (text == Text.DROPPED)
                            return null;
                        args = args.clone();
                        args[2] = "[reworded] " + ((String) args[2]).replace(" = ", " returned ").replace(" -> ", " gave ").replace("(", " (");
                    }
                    try {
                        return m.invoke(l, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
