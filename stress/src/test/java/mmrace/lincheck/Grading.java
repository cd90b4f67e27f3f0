package mmrace.lincheck;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.Outcome;

/**
 * A JCStress test's grading of outcomes, read from its {@code @Outcome} annotations: the first
 * annotation whose id matches the outcome decides; the annotation without an id is the default.
 * The Lincheck harness grades the reader's outcome with it, so both tools judge the same way.
 */
record Grading(List<Outcome> outcomes) {
    static Grading of(Class<?> jcstressTest) {
        Outcome[] os = jcstressTest.getAnnotationsByType(Outcome.class);
        if (os.length == 0)
            throw new IllegalArgumentException(jcstressTest + " has no @Outcome");
        return new Grading(new ArrayList<>(List.of(os)));
    }

    boolean forbidden(String outcome) {
        Outcome fallback = null;
        for (Outcome o : outcomes)
            for (String id : o.id()) {
                if (Pattern.matches(id, outcome))
                    return o.expect() == Expect.FORBIDDEN;
            }
        for (Outcome o : outcomes)
            if (o.id().length == 0)
                fallback = o;
        return fallback == null || fallback.expect() == Expect.FORBIDDEN;
    }
}
