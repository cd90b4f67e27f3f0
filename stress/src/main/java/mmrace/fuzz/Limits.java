package mmrace.fuzz;

import mmrace.scenario.Op;
import mmrace.scenario.Scenario;
import mmrace.scenario.ScenarioError;
import mmrace.scenario.ScenarioParser;

/**
 * How big a fuzzed scenario may get. Generated and mutated scenarios stay within these, so every
 * input is small enough to read and cheap to run; {@link #check} also parses the scenario's text
 * back, so an input the fuzzer keeps is always a file {@code ./mmrace run} accepts.
 */
public record Limits(int maxActors, int maxOpsPerActor, int maxMaps, int maxFiles, int maxInjects, int maxReadLen,
                     long maxLen, int maxSwitches) {
    public static final Limits DEFAULT = new Limits(4, 6, 6, 2, 2, 64 * 1024, 64L * 4096, 4096);

    /** The lowest and highest address the fuzzer uses (mmap_min_addr; a window far below TASK_SIZE). */
    public static final long MIN_ADDR = 0x10000, MAX_ADDR = 0x4000_0000L;

    /** Null if {@code s} parses back identically and is within the limits, else what is wrong. */
    public String check(Scenario s) {
        if (s.actors.isEmpty() || s.actors.size() > maxActors)
            return "actors " + s.actors.size();
        if (s.maps.size() > maxMaps)
            return "maps " + s.maps.size();
        if (s.files.size() > maxFiles)
            return "files " + s.files.size();
        if (s.injects.size() > maxInjects)
            return "injects " + s.injects.size();
        for (Scenario.Actor a : s.actors) {
            if (a.ops().isEmpty() || a.ops().size() > maxOpsPerActor)
                return "actor " + a.name() + " has " + a.ops().size() + " ops";
            for (Op op : a.ops()) {
                String w = checkOp(op);
                if (w != null)
                    return w;
            }
        }
        Scenario text = s;
        for (Scenario.Sched sc : s.schedules.values()) {
            if (sc.steps() == null)
                continue;
            if (switches(sc.steps()) > maxSwitches)
                return "schedule too long";
            if (!ScheduleMutations.actorsPresent(s, sc.steps()))
                return "schedule names a missing actor";
            if (text == s) {
                // steps lines are machine-written (Schedule.toString) and may be long: the round trip checks the rest
                text = s.copy();
                text.schedules.values().removeIf(x -> x.steps() != null);
            }
        }
        String t = text.text();
        try {
            Scenario back = ScenarioParser.parse("<fuzz>", t);
            if (!back.text().equals(t))
                return "does not round-trip";
        } catch (ScenarioError e) {
            return e.getMessage();
        }
        return null;
    }

    /** The number of switches of a {@code steps} line (its {@code STEP:ACTOR} words), without parsing it. */
    static int switches(String steps) {
        int n = 0;
        for (int i = 0; i < steps.length(); i++)
            if (steps.charAt(i) == ':')
                n++;
        return n;
    }

    private String checkOp(Op op) {
        return switch (op) {
            case Op.Read r -> r.len() > maxReadLen ? "read len" : null;
            case Op.Poke p -> p.len() > maxReadLen ? "poke len" : null;
            case Op.Write w -> w.len() > maxLen ? "write len" : null;
            case Op.Mmap m -> m.len() > maxLen ? "mmap len" : null;
            case Op.Munmap m -> m.len() > maxLen ? "munmap len" : null;
            case Op.Mprotect m -> m.len() > maxLen ? "mprotect len" : null;
            case Op.Madvise m -> m.len() > maxLen ? "madvise len" : null;
            case Op.Mremap m -> m.oldLen() > maxLen || m.newLen() > maxLen ? "mremap len" : null;
            default -> null;
        };
    }

    public boolean ok(Scenario s) {
        return check(s) == null;
    }
}
