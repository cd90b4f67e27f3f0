package mmrace.fuzz;

import mmrace.run.Runner;
import mmrace.scenario.Scenario;
import mmrace.scenario.Variant;
import mmrace.sched.Config;
import mmrace.sched.ExecutionListener;
import mmrace.sched.Strategy;

/** The fuzzer's target over the kernel port: the scenario runner ({@link Runner}) with the oracle. */
public final class PortTarget implements Target {
    @Override
    public Run run(Scenario s, Variant v, Strategy strategy, Config config, ExecutionListener... extra) {
        Runner.Outcome o = Runner.run(s, v, strategy, config, extra);
        return new Run(o.verdict(), o.result(), o.oracle());
    }

    @Override
    public String describe() {
        return "port";
    }
}
