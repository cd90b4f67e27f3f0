package mmrace.run;

import mmrace.oracle.Reason;
import mmrace.runtime.FaultInject;
import mmrace.scenario.Scenario;
import mmrace.scenario.ScenarioError;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The names a scenario file uses that are defined below the parser, which (a leaf) cannot know
 * them: the reason codes of {@code expect} lines (the oracle's {@link Reason}s, each with its class)
 * and the sites of {@code inject} lines (the port's allocation sites, {@link FaultInject#SITES}).
 * Every command that reads a scenario file checks them, so that a misspelt reason or site is bad
 * input naming its line instead of an expectation that can never hold or a fault never injected.
 */
public final class Names {
    private Names() {}

    /** Throws a {@link ScenarioError} naming the line of the first unknown reason code or injection site. */
    public static void check(Scenario s) throws ScenarioError {
        for (Map.Entry<?, Scenario.Expect> e : s.expects.entrySet()) {
            Scenario.Expect x = e.getValue();
            if (x.reason() == null)
                continue;
            Reason r = Reason.of(x.reason());
            if (r == null)
                throw new ScenarioError(s.source, x.line(), "unknown reason code '" + x.reason() + "': expected one of " + codes());
            if (!r.cls().word().equals(x.cls()))
                throw new ScenarioError(s.source, x.line(), "reason '" + r.code() + "' is " + r.cls().word() + ", not " + x.cls()
                        + ": this expect line could never hold");
        }
        for (Scenario.Inject i : s.injects)
            if (!FaultInject.knownSite(i.site()))
                throw new ScenarioError(s.source, i.line(), "unknown injection site '" + i.site() + "': expected one of "
                        + String.join(", ", FaultInject.SITES) + " (or slab, maple: all of them)");
    }

    /** The reason codes an expect line may name, with their classes. */
    static String codes() {
        List<String> l = new ArrayList<>();
        for (Reason r : Reason.values())
            if (r.cls() != mmrace.oracle.Verdict.Cls.LIMIT)
                l.add(r.code() + " (" + r.cls().word() + ")");
        return String.join(", ", l);
    }
}
