package mmrace.fuzz;

import mmrace.oracle.Reason;
import mmrace.oracle.Verdict;
import mmrace.scenario.Scenario;
import mmrace.scenario.ScenarioError;
import mmrace.scenario.ScenarioParser;
import mmrace.scenario.Variant;
import mmrace.sched.Bounded;
import mmrace.sched.Config;

/** Scenarios for the fuzzer's tests on {@link ToyTarget}. */
final class Toys {
    private Toys() {}

    /** The reviewers' race: a read across A|B while t1 replaces both with C and writes it. */
    static final String RACE = """
            mmrace-scenario 1
            name reviewers-race

            map A 0x10000 0x2000 rw fill=a
            map B 0x12000 0x2000 rw fill=b

            actor reader
              read 0x11ff8 16 FOLL_FORCE

            actor t1
              mmap C 0x10000 0x4000 rw fixed
              write 0x10000 0x4000 fill=c
            """;

    static Scenario parse(String text) {
        try {
            return ScenarioParser.parse("<test>", text);
        } catch (ScenarioError e) {
            throw new AssertionError(e);
        }
    }

    /** {@code s} with the first schedule of at most one preemption under which the toy tears the read, and the expect line. */
    static Scenario withTornSchedule(Scenario s) {
        ToyTarget t = new ToyTarget();
        Bounded b = new Bounded(1);
        while (b.hasNext()) {
            Target.Run r = t.run(s, Variant.FAST_V1, b, Config.DEFAULT);
            if (r.verdict().cls() == Verdict.Cls.FORBIDDEN && r.verdict().reason() == Reason.TORN_READ) {
                Scenario out = Schedules.withSteps(s, Variant.FAST_V1, r.result());
                out.expects.put(Variant.FAST_V1, new Scenario.Expect("forbidden", Reason.TORN_READ.code(), 0));
                return out;
            }
        }
        throw new AssertionError("no torn schedule with <= 1 preemption");
    }

    /** The race with a torn schedule and an expect line: a finding as the corpus stores it. */
    static Scenario tornFinding() {
        return withTornSchedule(parse(RACE));
    }
}
