package mmrace.fuzz;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import mmrace.scenario.Op;
import mmrace.scenario.Scenario;

/**
 * Mutations of scenarios that know the domain: insert, delete, duplicate, move and change
 * operations (new ones come from {@link Gen}, so they aim at boundaries); nudge addresses and
 * lengths onto, across and around boundaries; add and remove actors; change the initial layout
 * (add, remove, grow, shrink, re-protect, re-fill mappings, add a file mapping); fault injection;
 * splice two inputs; and mutate the schedule (move, add or drop a switch of a recorded
 * {@code steps} schedule, change the random or PCT seed, the PCT depth, random versus PCT).
 *
 * <p>The mutations themselves are in {@link OpMutations} (operations and actors),
 * {@link LayoutMutations} (layout, fault injection) and {@link ScheduleMutations} (schedules);
 * this class picks one, applies it to a copy and checks the result, and splices two inputs.
 *
 * <p>Every result is checked with {@link Limits#check} (it parses back identically and stays
 * within the limits); a mutation that would break that is retried, so {@link #mutate} always
 * returns a valid scenario. Deterministic for a given random stream.
 */
public final class Mutator {
    /** The mutations, by name (for tests and statistics). */
    public enum Kind {
        INSERT_OP, DELETE_OP, DUPLICATE_OP, CHANGE_OP, MOVE_OP, TWEAK_ADDR, TWEAK_LEN, TWEAK_FLAGS,
        ADD_ACTOR, REMOVE_ACTOR, MERGE_ACTORS,
        ADD_MAP, REMOVE_MAP, RESIZE_MAP, REPROTECT_MAP, REFILL_MAP, ADD_FILE_MAP,
        INJECT,
        SCHED_MOVE_SWITCH, SCHED_ADD_SWITCH, SCHED_DROP_SWITCH, SCHED_RESEED, SCHED_DEPTH, SCHED_KIND
    }

    private static final Kind[] PROGRAM = {Kind.INSERT_OP, Kind.INSERT_OP, Kind.DELETE_OP, Kind.DELETE_OP, Kind.DUPLICATE_OP, Kind.CHANGE_OP,
            Kind.CHANGE_OP, Kind.MOVE_OP, Kind.TWEAK_ADDR, Kind.TWEAK_ADDR, Kind.TWEAK_LEN, Kind.TWEAK_LEN, Kind.TWEAK_FLAGS,
            Kind.ADD_ACTOR, Kind.REMOVE_ACTOR, Kind.MERGE_ACTORS, Kind.ADD_MAP, Kind.REMOVE_MAP, Kind.RESIZE_MAP,
            Kind.REPROTECT_MAP, Kind.REFILL_MAP, Kind.ADD_FILE_MAP, Kind.INJECT};
    private static final Kind[] SCHEDULE = {Kind.SCHED_MOVE_SWITCH, Kind.SCHED_MOVE_SWITCH, Kind.SCHED_ADD_SWITCH,
            Kind.SCHED_ADD_SWITCH, Kind.SCHED_DROP_SWITCH, Kind.SCHED_DROP_SWITCH, Kind.SCHED_RESEED, Kind.SCHED_RESEED,
            Kind.SCHED_DEPTH, Kind.SCHED_KIND};

    private final SplittableRandom rng;
    private final Limits limits;
    private final OpMutations ops;
    private final LayoutMutations layout;
    private final ScheduleMutations sched;

    public Mutator(Gen gen) {
        this.rng = gen.rng;
        this.limits = gen.limits;
        this.ops = new OpMutations(gen);
        this.layout = new LayoutMutations(gen);
        this.sched = new ScheduleMutations(gen);
    }

    /** One random mutation (program or schedule); always a valid scenario, possibly only reseeded. */
    public Scenario mutate(Scenario parent) {
        int ops = Minimize.ops(parent);
        for (int attempt = 0; attempt < 16; attempt++) {
            // bigger programs run longer and race less cleanly: the bigger, the likelier a deletion
            if (ops > 3 && rng.nextInt(12) < ops - 3) {
                Scenario c = apply(Kind.DELETE_OP, parent);
                if (c != null)
                    return c;
            }
            Kind k = rng.nextInt(10) < 3 && ScheduleMutations.hasSteps(parent) ? SCHEDULE[rng.nextInt(SCHEDULE.length)]
                    : rng.nextInt(10) == 0 ? SCHEDULE[rng.nextInt(SCHEDULE.length)] : PROGRAM[rng.nextInt(PROGRAM.length)];
            Scenario c = apply(k, parent);
            if (c != null)
                return c;
        }
        Scenario c = parent.copy();
        sched.reseed(c);
        return c;
    }

    /** One mutation of the recorded schedule only (move, add or drop a switch), the program unchanged; or {@link #mutate}. */
    public Scenario mutateSchedule(Scenario parent) {
        Kind[] ks = {Kind.SCHED_MOVE_SWITCH, Kind.SCHED_MOVE_SWITCH, Kind.SCHED_ADD_SWITCH, Kind.SCHED_DROP_SWITCH};
        for (int attempt = 0; attempt < 8; attempt++) {
            Scenario c = apply(ks[rng.nextInt(ks.length)], parent);
            if (c != null)
                return c;
        }
        return mutate(parent);
    }

    /** {@code n} stacked mutations (AFL's havoc). */
    public Scenario havoc(Scenario parent, int n) {
        Scenario s = parent;
        for (int i = 0; i < n; i++)
            s = mutate(s);
        return s;
    }

    /**
     * Applies mutation {@code k}: a new valid scenario, or null if {@code k} does not apply to
     * {@code s} or its result would be invalid. A mutation of the program keeps the recorded
     * {@code steps} schedules half the time (replayed on the changed program they give a nearby
     * interleaving) and otherwise drops them and reseeds the {@code *} schedule.
     */
    public Scenario apply(Kind k, Scenario s) {
        Scenario c = s.copy();
        c.source = "<fuzz>";
        boolean ok = switch (k) {
            case INSERT_OP -> ops.insertOp(c);
            case DELETE_OP -> ops.deleteOp(c);
            case DUPLICATE_OP -> ops.duplicateOp(c);
            case CHANGE_OP -> ops.changeOp(c);
            case MOVE_OP -> ops.moveOp(c);
            case TWEAK_ADDR -> ops.tweak(c, true);
            case TWEAK_LEN -> ops.tweak(c, false);
            case TWEAK_FLAGS -> ops.tweakFlags(c);
            case ADD_ACTOR -> ops.addActor(c);
            case REMOVE_ACTOR -> ops.removeActor(c);
            case MERGE_ACTORS -> ops.mergeActors(c);
            case ADD_MAP -> layout.addMap(c);
            case REMOVE_MAP -> layout.removeMap(c);
            case RESIZE_MAP -> layout.resizeMap(c);
            case REPROTECT_MAP -> layout.reprotectMap(c);
            case REFILL_MAP -> layout.refillMap(c);
            case ADD_FILE_MAP -> layout.addFileMap(c);
            case INJECT -> layout.inject(c);
            case SCHED_MOVE_SWITCH -> sched.editSteps(c, 0);
            case SCHED_ADD_SWITCH -> sched.editSteps(c, 1);
            case SCHED_DROP_SWITCH -> sched.editSteps(c, 2);
            case SCHED_RESEED -> sched.reseed(c);
            case SCHED_DEPTH -> sched.depth(c);
            case SCHED_KIND -> sched.kind(c);
        };
        if (!ok)
            return null;
        if (k.ordinal() < Kind.SCHED_MOVE_SWITCH.ordinal() && rng.nextBoolean())
            sched.reseed(c);
        ScheduleMutations.dropStaleSteps(c);
        return limits.ok(c) ? c : null;
    }

    /**
     * Splices two inputs: the layout of one, and for each actor position the actor of either
     * (ops of the second input's actors appended to the first's with a coin flip), then a
     * mutation. Valid, or {@code a} mutated if the splice fails.
     */
    public Scenario splice(Scenario a, Scenario b) {
        for (int attempt = 0; attempt < 8; attempt++) {
            Scenario c = (rng.nextBoolean() ? a : b).copy();
            c.source = "<fuzz>";
            c.actors.clear();
            int n = Math.max(a.actors.size(), b.actors.size());
            for (int i = 0; i < n && c.actors.size() < limits.maxActors(); i++) {
                Scenario.Actor x = i < a.actors.size() ? a.actors.get(i) : null;
                Scenario.Actor y = i < b.actors.size() ? b.actors.get(i) : null;
                Scenario.Actor pick = x == null ? y : y == null ? x : rng.nextBoolean() ? x : y;
                if (pick == null || c.actor(pick.name()) != null)
                    continue;
                List<Op> ops = new ArrayList<>(pick.ops());
                c.actors.add(new Scenario.Actor(pick.name(), ops, 0, pick.proc()));
            }
            // ops that name files the chosen layout lacks cannot stay
            for (Scenario.Actor ac : c.actors)
                ac.ops().removeIf(op -> op instanceof Op.Mmap m && m.file() != null && c.files.stream().noneMatch(f -> f.name().equals(m.file())));
            c.actors.removeIf(ac -> ac.ops().isEmpty());
            if (c.actors.isEmpty())
                continue;
            c.injects.removeIf(i -> !i.task().equals("*") && c.actor(i.task()) == null);
            sched.reseed(c);
            renameDuplicateVmas(c);
            ScheduleMutations.dropStaleSteps(c);
            if (limits.ok(c))
                return mutate(c);
        }
        return mutate(a);
    }

    /** mmap'd VMA names must be unique for readable traces: rename later duplicates. */
    private static void renameDuplicateVmas(Scenario c) {
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (Scenario.FileSpec f : c.files)
            seen.add(f.name());
        for (Scenario.MapSpec m : c.maps)
            seen.add(m.name());
        for (Scenario.Actor a : c.actors)
            for (int i = 0; i < a.ops().size(); i++)
                if (a.ops().get(i) instanceof Op.Mmap m && !seen.add(m.name())) {
                    String n = Gen.freshName(c);
                    seen.add(n);
                    a.ops().set(i, new Op.Mmap(n, m.addr(), m.len(), m.prot(), m.fixed(), m.shared(), m.file(), m.off(), m.growsdown(), 0));
                }
    }
}
