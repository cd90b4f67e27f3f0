package mmrace.fuzz;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import mmrace.scenario.Op;
import mmrace.scenario.Prot;
import mmrace.scenario.Scenario;
import mmrace.scenario.Variant;
import mmrace.sched.Schedule;

/**
 * Mutations of scenarios that know the domain: insert, delete, duplicate, move and change
 * operations (new ones come from {@link Gen}, so they aim at boundaries); nudge addresses and
 * lengths onto, across and around boundaries; add and remove actors; change the initial layout
 * (add, remove, grow, shrink, re-protect, re-fill mappings, add a file mapping); fault injection;
 * splice two inputs; and mutate the schedule (move, add or drop a switch of a recorded
 * {@code steps} schedule, change the random or PCT seed, the PCT depth, random versus PCT).
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

    private final Gen gen;
    private final SplittableRandom rng;
    private final Limits limits;

    public Mutator(Gen gen) {
        this.gen = gen;
        this.rng = gen.rng;
        this.limits = gen.limits;
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
            Kind k = rng.nextInt(10) < 3 && hasSteps(parent) ? SCHEDULE[rng.nextInt(SCHEDULE.length)]
                    : rng.nextInt(10) == 0 ? SCHEDULE[rng.nextInt(SCHEDULE.length)] : PROGRAM[rng.nextInt(PROGRAM.length)];
            Scenario c = apply(k, parent);
            if (c != null)
                return c;
        }
        Scenario c = parent.copy();
        reseed(c);
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
            case INSERT_OP -> insertOp(c);
            case DELETE_OP -> deleteOp(c);
            case DUPLICATE_OP -> duplicateOp(c);
            case CHANGE_OP -> changeOp(c);
            case MOVE_OP -> moveOp(c);
            case TWEAK_ADDR -> tweak(c, true);
            case TWEAK_LEN -> tweak(c, false);
            case TWEAK_FLAGS -> tweakFlags(c);
            case ADD_ACTOR -> addActor(c);
            case REMOVE_ACTOR -> removeActor(c);
            case MERGE_ACTORS -> mergeActors(c);
            case ADD_MAP -> addMap(c);
            case REMOVE_MAP -> removeMap(c);
            case RESIZE_MAP -> resizeMap(c);
            case REPROTECT_MAP -> reprotectMap(c);
            case REFILL_MAP -> refillMap(c);
            case ADD_FILE_MAP -> addFileMap(c);
            case INJECT -> inject(c);
            case SCHED_MOVE_SWITCH -> editSteps(c, 0);
            case SCHED_ADD_SWITCH -> editSteps(c, 1);
            case SCHED_DROP_SWITCH -> editSteps(c, 2);
            case SCHED_RESEED -> reseed(c);
            case SCHED_DEPTH -> depth(c);
            case SCHED_KIND -> kind(c);
        };
        if (!ok)
            return null;
        if (k.ordinal() < Kind.SCHED_MOVE_SWITCH.ordinal() && rng.nextBoolean())
            reseed(c);
        dropStaleSteps(c);
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
            reseed(c);
            renameDuplicateVmas(c);
            dropStaleSteps(c);
            if (limits.ok(c))
                return mutate(c);
        }
        return mutate(a);
    }

    // ------------------------------------------------------------------ operations

    private Scenario.Actor anyActor(Scenario c) {
        return c.actors.get(rng.nextInt(c.actors.size()));
    }

    private Op freshOp(Scenario c, Scenario.Actor a) {
        return a.name().equals("reader") || rng.nextInt(6) == 0 && isReader(a) ? gen.read(c) : gen.targetOp(c);
    }

    private static boolean isReader(Scenario.Actor a) {
        return a.ops().stream().allMatch(op -> op instanceof Op.Read);
    }

    private boolean insertOp(Scenario c) {
        Scenario.Actor a = anyActor(c);
        if (a.ops().size() >= limits.maxOpsPerActor())
            return false;
        a.ops().add(rng.nextInt(a.ops().size() + 1), freshOp(c, a));
        return true;
    }

    private boolean deleteOp(Scenario c) {
        Scenario.Actor a = anyActor(c);
        if (a.ops().size() <= 1)
            return false;
        a.ops().remove(rng.nextInt(a.ops().size()));
        return true;
    }

    private boolean duplicateOp(Scenario c) {
        Scenario.Actor from = anyActor(c), to = anyActor(c);
        if (to.ops().size() >= limits.maxOpsPerActor())
            return false;
        Op op = from.ops().get(rng.nextInt(from.ops().size()));
        if (op instanceof Op.Mmap m)
            op = new Op.Mmap(Gen.freshName(c), m.addr(), m.len(), m.prot(), m.fixed(), m.shared(), m.file(), m.off(), m.growsdown(), 0);
        to.ops().add(rng.nextInt(to.ops().size() + 1), op);
        return true;
    }

    private boolean changeOp(Scenario c) {
        Scenario.Actor a = anyActor(c);
        int i = rng.nextInt(a.ops().size());
        Op old = a.ops().get(i);
        Op nu = switch (old) {
            case Op.Read r -> gen.read(c);
            case Op.Mmap m -> gen.mmap(c);
            case Op.Munmap m -> gen.munmap(c);
            case Op.Mremap m -> gen.mremap(c);
            case Op.Mprotect m -> gen.mprotect(c);
            case Op.Madvise m -> gen.madvise(c);
            case Op.Write w -> gen.write(c);
            default -> gen.targetOp(c);
        };
        if (rng.nextInt(4) == 0)
            nu = freshOp(c, a);
        a.ops().set(i, nu);
        return true;
    }

    private boolean moveOp(Scenario c) {
        Scenario.Actor from = anyActor(c), to = anyActor(c);
        if (from.ops().size() <= 1 && from != to || to.ops().size() >= limits.maxOpsPerActor() && from != to)
            return false;
        Op op = from.ops().remove(rng.nextInt(from.ops().size()));
        to.ops().add(rng.nextInt(to.ops().size() + 1), op);
        return true;
    }

    /** A new address: a boundary, a page either side, straddling by a few bytes; or a new length. */
    long nudge(Scenario c, long v, boolean addr) {
        long[] b = Gen.boundaries(c);
        return switch (rng.nextInt(addr ? 7 : 6)) {
            case 0 -> addr ? gen.pick(b) : v * 2;
            case 1 -> addr ? v + Gen.PAGE : Math.max(1, v / 2);
            case 2 -> addr ? v - Gen.PAGE : v + Gen.PAGE;
            case 3 -> addr ? gen.pick(b) - 8 * (1 + rng.nextInt(2)) : Math.max(1, v - Gen.PAGE);
            case 4 -> addr ? v & -Gen.PAGE : Math.max(Gen.PAGE, (v + Gen.PAGE - 1) & -Gen.PAGE);
            case 5 -> addr ? gen.pick(b) + Gen.PAGE : 16;
            default -> v ^ (1L << (3 + rng.nextInt(10)));
        };
    }

    private boolean tweak(Scenario c, boolean addr) {
        Scenario.Actor a = anyActor(c);
        int i = rng.nextInt(a.ops().size());
        Op op = a.ops().get(i);
        Op nu = switch (op) {
            case Op.Read r -> addr ? new Op.Read(Gen.clampAddr(nudge(c, r.addr(), true)), r.len(), r.flags(), r.variant(), r.proc(), 0)
                    : new Op.Read(r.addr(), (int) Math.min(limits.maxReadLen(), Math.max(1, nudge(c, r.len(), false))), r.flags(), r.variant(), r.proc(), 0);
            case Op.Mmap m -> addr ? new Op.Mmap(m.name(), Gen.clampAddr(nudge(c, m.addr(), true) & -Gen.PAGE), m.len(), m.prot(), m.fixed(), m.shared(), m.file(), m.off(), m.growsdown(), 0)
                    : new Op.Mmap(m.name(), m.addr(), len(nudge(c, m.len(), false)), m.prot(), m.fixed(), m.shared(), m.file(), m.off(), m.growsdown(), 0);
            case Op.Munmap m -> addr ? new Op.Munmap(Gen.clampAddr(nudge(c, m.addr(), true)), m.len(), 0) : new Op.Munmap(m.addr(), len(nudge(c, m.len(), false)), 0);
            case Op.Mprotect m -> addr ? new Op.Mprotect(Gen.clampAddr(nudge(c, m.addr(), true)), m.len(), m.prot(), 0)
                    : new Op.Mprotect(m.addr(), len(nudge(c, m.len(), false)), m.prot(), 0);
            case Op.Madvise m -> addr ? new Op.Madvise(Gen.clampAddr(nudge(c, m.addr(), true)), m.len(), m.advice(), 0)
                    : new Op.Madvise(m.addr(), len(nudge(c, m.len(), false)), m.advice(), 0);
            case Op.Write w -> addr ? new Op.Write(Gen.clampAddr(nudge(c, w.addr(), true)), w.len(), w.fill(), 0)
                    : new Op.Write(w.addr(), len(nudge(c, w.len(), false)), w.fill(), 0);
            case Op.Mremap m -> {
                if (addr) {
                    if (m.fixedTo() != null && rng.nextBoolean())
                        yield new Op.Mremap(m.addr(), m.oldLen(), m.newLen(), m.maymove(), Gen.clampAddr(nudge(c, m.fixedTo(), true) & -Gen.PAGE), m.dontunmap(), 0);
                    yield new Op.Mremap(Gen.clampAddr(nudge(c, m.addr(), true)), m.oldLen(), m.newLen(), m.maymove(), m.fixedTo(), m.dontunmap(), 0);
                }
                yield rng.nextBoolean() ? new Op.Mremap(m.addr(), len(nudge(c, m.oldLen(), false)), m.newLen(), m.maymove(), m.fixedTo(), m.dontunmap(), 0)
                        : new Op.Mremap(m.addr(), m.oldLen(), len(nudge(c, m.newLen(), false)), m.maymove(), m.fixedTo(), m.dontunmap(), 0);
            }
            case Op.Reclaim r -> addr ? new Op.Reclaim(Gen.clampAddr(nudge(c, r.addr(), true)), 0) : null;
            case Op.Collapse r -> addr ? new Op.Collapse(Gen.clampAddr(nudge(c, r.addr(), true)), 0) : null;
            case Op.Fork f -> null;
            case Op.Exit e -> null;
        };
        if (nu == null)
            return false;
        a.ops().set(i, nu);
        return true;
    }

    private long len(long v) {
        return Math.max(1, Math.min(v, limits.maxLen()));
    }

    private boolean tweakFlags(Scenario c) {
        Scenario.Actor a = anyActor(c);
        int i = rng.nextInt(a.ops().size());
        Op op = a.ops().get(i);
        Op nu = switch (op) {
            case Op.Read r -> {
                int f = switch (rng.nextInt(3)) {
                    case 0 -> Op.Foll.FORCE;
                    case 1 -> Op.Foll.ANON;
                    default -> 0;
                };
                yield new Op.Read(r.addr(), r.len(), f, r.variant(), r.proc(), 0);
            }
            case Op.Mmap m -> switch (rng.nextInt(4)) {
                case 0 -> new Op.Mmap(m.name(), m.addr(), m.len(), m.prot(), !m.fixed(), m.shared(), m.file(), m.off(), m.growsdown(), 0);
                case 1 -> new Op.Mmap(m.name(), m.addr(), m.len(), m.prot(), m.fixed(), m.file() != null && !m.shared(), m.file(), m.off(), m.growsdown(), 0);
                case 2 -> new Op.Mmap(m.name(), m.addr(), m.len(), gen.prot(), m.fixed(), m.shared(), m.file(), m.off(), m.growsdown(), 0);
                default -> c.files.isEmpty() || m.file() != null
                        ? new Op.Mmap(m.name(), m.addr(), m.len(), m.prot(), m.fixed(), m.shared(), null, 0, m.growsdown(), 0)
                        : new Op.Mmap(m.name(), m.addr(), m.len(), m.prot(), m.fixed(), m.shared(), c.files.get(0).name(), 0, false, 0);
            };
            case Op.Mprotect m -> new Op.Mprotect(m.addr(), m.len(), gen.prot(), 0);
            case Op.Mremap m -> switch (rng.nextInt(3)) {
                case 0 -> new Op.Mremap(m.addr(), m.oldLen(), m.newLen(), !m.maymove(), m.fixedTo(), m.dontunmap(), 0);
                case 1 -> new Op.Mremap(m.addr(), m.oldLen(), m.oldLen(), true, m.fixedTo(), !m.dontunmap(), 0);
                default -> new Op.Mremap(m.addr(), m.oldLen(), m.newLen(), true,
                        m.fixedTo() == null ? Gen.clampAddr(gen.pick(Gen.boundaries(c))) : null, m.dontunmap(), 0);
            };
            case Op.Write w -> new Op.Write(w.addr(), w.len(), Scenario.Fill.of((byte) ('c' + rng.nextInt(20))), 0);
            default -> null;
        };
        if (nu == null)
            return false;
        a.ops().set(i, nu);
        return true;
    }

    // ------------------------------------------------------------------ actors

    private boolean addActor(Scenario c) {
        if (c.actors.size() >= limits.maxActors())
            return false;
        String name;
        boolean reader = c.actor("reader") == null || rng.nextInt(4) == 0;
        if (reader && c.actor("reader") == null) {
            name = "reader";
        } else {
            int i = 1;
            while (c.actor((reader ? "reader" : "t") + i) != null)
                i++;
            name = (reader ? "reader" : "t") + i;
        }
        List<Op> ops = new ArrayList<>();
        Scenario.Actor a = new Scenario.Actor(name, ops, 0);
        int n = reader ? 1 : 1 + rng.nextInt(3);
        for (int i = 0; i < n; i++)
            ops.add(reader ? gen.read(c) : gen.targetOp(c));
        c.actors.add(a);
        return true;
    }

    private boolean removeActor(Scenario c) {
        if (c.actors.size() <= 1)
            return false;
        Scenario.Actor a = c.actors.remove(rng.nextInt(c.actors.size()));
        c.injects.removeIf(i -> i.task().equals(a.name()));
        return true;
    }

    private boolean mergeActors(Scenario c) {
        if (c.actors.size() <= 1)
            return false;
        int i = rng.nextInt(c.actors.size());
        int j = rng.nextInt(c.actors.size() - 1);
        if (j >= i)
            j++;
        Scenario.Actor from = c.actors.get(i), to = c.actors.get(j);
        if (from.ops().size() + to.ops().size() > limits.maxOpsPerActor())
            return false;
        to.ops().addAll(from.ops());
        c.actors.remove(i);
        c.injects.removeIf(x -> x.task().equals(from.name()));
        return true;
    }

    // ------------------------------------------------------------------ layout

    private static boolean overlaps(Scenario c, long addr, long len, Scenario.MapSpec except) {
        for (Scenario.MapSpec m : c.maps)
            if (m != except && addr < m.addr() + m.len() && m.addr() < addr + len)
                return true;
        return false;
    }

    private boolean addMap(Scenario c) {
        if (c.maps.size() >= limits.maxMaps())
            return false;
        long[] b = Gen.boundaries(c);
        long addr = rng.nextBoolean() ? gen.pick(b) : gen.pick(b) - Gen.PAGE * (1 + rng.nextInt(2));
        addr = Gen.clampAddr(addr & -Gen.PAGE);
        long len = Gen.PAGE * (1 + rng.nextInt(3));
        if (overlaps(c, addr, len, null))
            return false;
        String name = Gen.freshName(c);
        // no shared anonymous maps (shmem is not modelled); a grows-down stack now and then instead
        c.maps.add(new Scenario.MapSpec(name, addr, len, gen.prot(), false, null, 0, rng.nextInt(6) == 0, false,
                rng.nextInt(5) == 0 ? Scenario.Fill.NONE : Scenario.Fill.of((byte) ('a' + rng.nextInt(26))), 0));
        return true;
    }

    private boolean removeMap(Scenario c) {
        if (c.maps.isEmpty())
            return false;
        c.maps.remove(rng.nextInt(c.maps.size()));
        dropUnusedFiles(c);
        return true;
    }

    private boolean resizeMap(Scenario c) {
        if (c.maps.isEmpty())
            return false;
        int i = rng.nextInt(c.maps.size());
        Scenario.MapSpec m = c.maps.get(i);
        long len = rng.nextBoolean() ? m.len() + Gen.PAGE : Math.max(Gen.PAGE, (m.len() / 2) & -Gen.PAGE);
        long addr = m.addr();
        if (rng.nextInt(3) == 0) {
            addr -= Gen.PAGE;
            len = m.len() + Gen.PAGE;
        }
        if (addr < Limits.MIN_ADDR || overlaps(c, addr, len, m))
            return false;
        c.maps.set(i, new Scenario.MapSpec(m.name(), addr, len, m.prot(), m.shared(), m.file(), m.off(), m.growsdown(), m.device(), m.fill(), 0));
        return true;
    }

    private boolean reprotectMap(Scenario c) {
        if (c.maps.isEmpty())
            return false;
        int i = rng.nextInt(c.maps.size());
        Scenario.MapSpec m = c.maps.get(i);
        // shared anonymous memory needs shmem, which the model does not have: only files are shared
        boolean shared = m.file() != null && (rng.nextInt(5) == 0 ? !m.shared() : m.shared());
        c.maps.set(i, new Scenario.MapSpec(m.name(), m.addr(), m.len(), gen.prot(), shared, m.file(), m.off(), m.growsdown(), m.device(), m.fill(), 0));
        return true;
    }

    private boolean refillMap(Scenario c) {
        if (c.maps.isEmpty())
            return false;
        int i = rng.nextInt(c.maps.size());
        Scenario.MapSpec m = c.maps.get(i);
        Scenario.Fill f = rng.nextInt(3) == 0 ? Scenario.Fill.NONE : Scenario.Fill.of((byte) ('a' + rng.nextInt(26)));
        boolean device = m.file() == null && rng.nextInt(8) == 0 ? !m.device() : m.device();
        c.maps.set(i, new Scenario.MapSpec(m.name(), m.addr(), m.len(), m.prot(), m.shared(), m.file(), m.off(), m.growsdown(), device, f, 0));
        return true;
    }

    private boolean addFileMap(Scenario c) {
        if (c.maps.size() >= limits.maxMaps())
            return false;
        String file;
        if (c.files.isEmpty() || rng.nextInt(3) == 0 && c.files.size() < limits.maxFiles()) {
            file = Gen.freshName(c);
            c.files.add(new Scenario.FileSpec(file, Gen.PAGE * (1 + rng.nextInt(4)), Scenario.Fill.of((byte) ('f' + rng.nextInt(5))), 0));
        } else {
            file = c.files.get(rng.nextInt(c.files.size())).name();
        }
        long[] b = Gen.boundaries(c);
        long addr = Gen.clampAddr(gen.pick(b) & -Gen.PAGE);
        long len = Gen.PAGE * (1 + rng.nextInt(3));
        if (overlaps(c, addr, len, null))
            return false;
        c.maps.add(new Scenario.MapSpec(Gen.freshName(c), addr, len, rng.nextBoolean() ? Prot.READ : Prot.READ | Prot.WRITE,
                rng.nextInt(3) == 0, file, Gen.PAGE * rng.nextInt(2), false, false, Scenario.Fill.NONE, 0));
        return true;
    }

    private static void dropUnusedFiles(Scenario c) {
        c.files.removeIf(f -> c.maps.stream().noneMatch(m -> f.name().equals(m.file()))
                && c.actors.stream().flatMap(a -> a.ops().stream()).noneMatch(op -> op instanceof Op.Mmap m && f.name().equals(m.file())));
    }

    private boolean inject(Scenario c) {
        if (!c.injects.isEmpty() && (rng.nextBoolean() || c.injects.size() >= limits.maxInjects())) {
            c.injects.remove(rng.nextInt(c.injects.size()));
            return true;
        }
        String[] sites = {"page", "pgtable", "maple", "slab:vm_area_struct"};
        Scenario.Actor a = anyActor(c);
        c.injects.add(new Scenario.Inject(sites[rng.nextInt(sites.length)], rng.nextBoolean() ? "*" : a.name(), 1 + rng.nextInt(3), 0));
        return true;
    }

    // ------------------------------------------------------------------ schedules

    static boolean hasSteps(Scenario s) {
        for (Map.Entry<Variant, Scenario.Sched> e : s.schedules.entrySet())
            if (e.getKey() != null && "steps".equals(e.getValue().kind()))
                return true;
        return false;
    }

    /** Drops the recorded steps schedules and draws a new {@code *} seed (same kind and depth). */
    boolean reseed(Scenario c) {
        c.schedules.entrySet().removeIf(e -> e.getKey() != null);
        Scenario.Sched old = c.schedules.get(null);
        long seed = rng.nextLong(1L << 31);
        c.schedules.put(null, old != null && old.kind().equals("pct") ? Scenario.Sched.pct(old.depth(), seed) : old != null
                && old.kind().equals("random") ? Scenario.Sched.random(seed) : gen.schedule());
        return true;
    }

    private boolean depth(Scenario c) {
        c.schedules.entrySet().removeIf(e -> e.getKey() != null);
        Scenario.Sched old = c.schedules.get(null);
        long seed = old != null && !old.kind().equals("steps") ? old.seed() : rng.nextLong(1L << 31);
        c.schedules.put(null, Scenario.Sched.pct(1 + rng.nextInt(4), seed));
        return true;
    }

    private boolean kind(Scenario c) {
        c.schedules.entrySet().removeIf(e -> e.getKey() != null);
        Scenario.Sched old = c.schedules.get(null);
        long seed = old != null && !old.kind().equals("steps") ? old.seed() : rng.nextLong(1L << 31);
        boolean pct = old == null || !old.kind().equals("pct");
        c.schedules.put(null, pct ? Scenario.Sched.pct(1 + rng.nextInt(3), seed) : Scenario.Sched.random(seed));
        return true;
    }

    /** op 0: move a switch, 1: add one, 2: drop one, in one recorded steps schedule. */
    private boolean editSteps(Scenario c, int op) {
        List<Variant> vs = new ArrayList<>();
        for (Map.Entry<Variant, Scenario.Sched> e : c.schedules.entrySet())
            if (e.getKey() != null && "steps".equals(e.getValue().kind()))
                vs.add(e.getKey());
        if (vs.isEmpty())
            return false;
        Variant v = vs.get(rng.nextInt(vs.size()));
        List<Schedule.Switch> sw = new ArrayList<>(Schedule.parse(c.schedules.get(v).steps()).switches());
        long last = sw.isEmpty() ? 0 : sw.get(sw.size() - 1).step();
        switch (op) {
            case 0 -> {
                if (sw.size() < 2)
                    return false;
                int i = 1 + rng.nextInt(sw.size() - 1);
                long lo = sw.get(i - 1).step(), hi = i + 1 < sw.size() ? sw.get(i + 1).step() : last + 64;
                long d = 1 + rng.nextLong(Math.max(1, Math.min(64, (hi - lo) / 2 + 1)));
                long st = Math.max(lo, Math.min(hi, sw.get(i).step() + (rng.nextBoolean() ? d : -d)));
                sw.set(i, new Schedule.Switch(st, sw.get(i).actor()));
            }
            case 1 -> {
                long st = rng.nextLong(last + 64);
                String who = c.actors.get(rng.nextInt(c.actors.size())).name();
                int at = 0;
                while (at < sw.size() && sw.get(at).step() <= st)
                    at++;
                sw.add(at, new Schedule.Switch(st, who));
            }
            default -> {
                if (sw.size() < 2)
                    return false;
                sw.remove(1 + rng.nextInt(sw.size() - 1));
            }
        }
        c.schedules.put(v, Scenario.Sched.steps(Schedule.of(sw).toString()));
        return true;
    }

    /** Steps schedules that name actors no longer present are dropped (the {@code *} line stays). */
    static void dropStaleSteps(Scenario c) {
        c.schedules.entrySet().removeIf(e -> e.getValue().steps() != null && !actorsPresent(c, e.getValue().steps()));
        if (!c.schedules.containsKey(null))
            c.schedules.put(null, Scenario.Sched.random(0));
    }

    /** Does every switch of a {@code steps} line name an actor of {@code c}? (A scan, no parse: lines may be long.) */
    static boolean actorsPresent(Scenario c, String steps) {
        int n = steps.length();
        for (int i = steps.indexOf(':'); i >= 0; i = steps.indexOf(':', i + 1)) {
            int j = i + 1;
            while (j < n && !Character.isWhitespace(steps.charAt(j)))
                j++;
            if (!named(c, steps, i + 1, j))
                return false;
            i = j - 1;
        }
        return true;
    }

    private static boolean named(Scenario c, String steps, int from, int to) {
        for (Scenario.Actor a : c.actors)
            if (a.name().length() == to - from && steps.regionMatches(from, a.name(), 0, to - from))
                return true;
        return false;
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
