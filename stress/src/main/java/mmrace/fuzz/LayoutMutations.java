package mmrace.fuzz;

import java.util.SplittableRandom;
import mmrace.scenario.Op;
import mmrace.scenario.Prot;
import mmrace.scenario.Scenario;

/**
 * The {@link Mutator}'s mutations of the initial layout and of fault injection: add, remove,
 * grow, shrink, re-protect and re-fill a mapping, add a file mapping (and its file), and add or
 * drop an allocation failure ({@code inject} lines). Each edits the copy it is given and says
 * whether it applied; the {@link Mutator} checks the result.
 */
final class LayoutMutations {
    private final Gen gen;
    private final SplittableRandom rng;
    private final Limits limits;

    LayoutMutations(Gen gen) {
        this.gen = gen;
        this.rng = gen.rng;
        this.limits = gen.limits;
    }

    private static boolean overlaps(Scenario c, long addr, long len, Scenario.MapSpec except) {
        for (Scenario.MapSpec m : c.maps)
            if (m != except && addr < m.addr() + m.len() && m.addr() < addr + len)
                return true;
        return false;
    }

    boolean addMap(Scenario c) {
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

    boolean removeMap(Scenario c) {
        if (c.maps.isEmpty())
            return false;
        c.maps.remove(rng.nextInt(c.maps.size()));
        dropUnusedFiles(c);
        return true;
    }

    boolean resizeMap(Scenario c) {
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

    boolean reprotectMap(Scenario c) {
        if (c.maps.isEmpty())
            return false;
        int i = rng.nextInt(c.maps.size());
        Scenario.MapSpec m = c.maps.get(i);
        // shared anonymous memory needs shmem, which the model does not have: only files are shared
        boolean shared = m.file() != null && (rng.nextInt(5) == 0 ? !m.shared() : m.shared());
        c.maps.set(i, new Scenario.MapSpec(m.name(), m.addr(), m.len(), gen.prot(), shared, m.file(), m.off(), m.growsdown(), m.device(), m.fill(), 0));
        return true;
    }

    boolean refillMap(Scenario c) {
        if (c.maps.isEmpty())
            return false;
        int i = rng.nextInt(c.maps.size());
        Scenario.MapSpec m = c.maps.get(i);
        Scenario.Fill f = rng.nextInt(3) == 0 ? Scenario.Fill.NONE : Scenario.Fill.of((byte) ('a' + rng.nextInt(26)));
        boolean device = m.file() == null && rng.nextInt(8) == 0 ? !m.device() : m.device();
        c.maps.set(i, new Scenario.MapSpec(m.name(), m.addr(), m.len(), m.prot(), m.shared(), m.file(), m.off(), m.growsdown(), device, f, 0));
        return true;
    }

    boolean addFileMap(Scenario c) {
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

    boolean inject(Scenario c) {
        if (!c.injects.isEmpty() && (rng.nextBoolean() || c.injects.size() >= limits.maxInjects())) {
            c.injects.remove(rng.nextInt(c.injects.size()));
            return true;
        }
        String[] sites = {"page", "pgtable", "maple", "slab:vm_area_struct"};
        Scenario.Actor a = c.actors.get(rng.nextInt(c.actors.size()));
        c.injects.add(new Scenario.Inject(sites[rng.nextInt(sites.length)], rng.nextBoolean() ? "*" : a.name(), 1 + rng.nextInt(3), 0));
        return true;
    }
}
