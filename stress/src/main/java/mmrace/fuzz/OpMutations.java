package mmrace.fuzz;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import mmrace.scenario.Op;
import mmrace.scenario.Scenario;

/**
 * The {@link Mutator}'s mutations of operations and actors: insert, delete, duplicate, change and
 * move an operation (new ones come from {@link Gen}, so they aim at boundaries), nudge an
 * address or a length onto, across or around a boundary, change an operation's flags; add,
 * remove and merge actors. Each edits the copy it is given and says whether it applied; the
 * {@link Mutator} checks the result.
 */
final class OpMutations {
    private final Gen gen;
    private final SplittableRandom rng;
    private final Limits limits;

    OpMutations(Gen gen) {
        this.gen = gen;
        this.rng = gen.rng;
        this.limits = gen.limits;
    }

    Scenario.Actor anyActor(Scenario c) {
        return c.actors.get(rng.nextInt(c.actors.size()));
    }

    private Op freshOp(Scenario c, Scenario.Actor a) {
        return a.name().equals("reader") || rng.nextInt(6) == 0 && isReader(a) ? gen.remoteOp(c) : gen.targetOp(c);
    }

    /** An actor of another process: it only reads and writes the target's memory remotely. */
    private static boolean isReader(Scenario.Actor a) {
        return a.ops().stream().allMatch(OpRelation::isRemoteAccess);
    }

    boolean insertOp(Scenario c) {
        Scenario.Actor a = anyActor(c);
        if (a.ops().size() >= limits.maxOpsPerActor())
            return false;
        a.ops().add(rng.nextInt(a.ops().size() + 1), freshOp(c, a));
        return true;
    }

    boolean deleteOp(Scenario c) {
        Scenario.Actor a = anyActor(c);
        if (a.ops().size() <= 1)
            return false;
        a.ops().remove(rng.nextInt(a.ops().size()));
        return true;
    }

    boolean duplicateOp(Scenario c) {
        Scenario.Actor from = anyActor(c), to = anyActor(c);
        if (to.ops().size() >= limits.maxOpsPerActor())
            return false;
        Op op = from.ops().get(rng.nextInt(from.ops().size()));
        if (op instanceof Op.Mmap m)
            op = new Op.Mmap(Gen.freshName(c), m.addr(), m.len(), m.prot(), m.fixed(), m.shared(), m.file(), m.off(), m.growsdown(), 0);
        to.ops().add(rng.nextInt(to.ops().size() + 1), op);
        return true;
    }

    boolean changeOp(Scenario c) {
        Scenario.Actor a = anyActor(c);
        int i = rng.nextInt(a.ops().size());
        Op old = a.ops().get(i);
        Op nu = switch (old) {
            case Op.Read r -> gen.read(c);
            case Op.Poke p -> gen.poke(c);
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

    boolean moveOp(Scenario c) {
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

    boolean tweak(Scenario c, boolean addr) {
        Scenario.Actor a = anyActor(c);
        int i = rng.nextInt(a.ops().size());
        Op op = a.ops().get(i);
        Op nu = switch (op) {
            case Op.Read r -> addr ? new Op.Read(Gen.clampAddr(nudge(c, r.addr(), true)), r.len(), r.flags(), r.variant(), r.proc(), 0)
                    : new Op.Read(r.addr(), (int) Math.min(limits.maxReadLen(), Math.max(1, nudge(c, r.len(), false))), r.flags(), r.variant(), r.proc(), 0);
            case Op.Poke p -> addr ? new Op.Poke(Gen.clampAddr(nudge(c, p.addr(), true)), p.len(), p.fill(), p.flags(), 0)
                    : new Op.Poke(p.addr(), (int) Math.min(limits.maxReadLen(), Math.max(1, nudge(c, p.len(), false))), p.fill(), p.flags(), 0);
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

    boolean tweakFlags(Scenario c) {
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
            case Op.Poke p -> new Op.Poke(p.addr(), p.len(), p.fill(), p.flags() ^ Op.Foll.FORCE, 0);
            default -> null;
        };
        if (nu == null)
            return false;
        a.ops().set(i, nu);
        return true;
    }

    // ------------------------------------------------------------------ actors

    boolean addActor(Scenario c) {
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
            ops.add(reader ? gen.remoteOp(c) : gen.targetOp(c));
        c.actors.add(a);
        return true;
    }

    boolean removeActor(Scenario c) {
        if (c.actors.size() <= 1)
            return false;
        Scenario.Actor a = c.actors.remove(rng.nextInt(c.actors.size()));
        c.injects.removeIf(i -> i.task().equals(a.name()));
        return true;
    }

    boolean mergeActors(Scenario c) {
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
}
