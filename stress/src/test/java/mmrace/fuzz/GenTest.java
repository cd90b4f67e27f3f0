package mmrace.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import mmrace.scenario.Op;
import mmrace.scenario.Scenario;
import org.junit.jupiter.api.Test;

/** The generator: deterministic, valid, and aimed at the boundaries of the layout. */
class GenTest {
    private static List<String> texts(long seed, int n) {
        Gen g = new Gen(seed);
        List<String> l = new ArrayList<>();
        for (int i = 0; i < n; i++)
            l.add(g.initial().text());
        return l;
    }

    /** Same seed, same scenarios byte for byte; another seed, other scenarios. */
    @Test
    void sameSeedSameText() {
        for (long seed = 0; seed < 20; seed++)
            assertEquals(texts(seed, 10), texts(seed, 10));
        assertNotEquals(texts(1, 10), texts(2, 10));
    }

    /**
     * Every generated scenario parses back identically and is within the limits. The classic shape
     * (a reader with remote reads and writes, one or two target threads) stays the common one; about one in ten is a fork race
     * (three threads of the target, one forking C) and about three in twenty a VMA-reuse race (a
     * reader thread of P2 reading P1, a thread of P1 unmapping, a thread of P2 mapping the range).
     */
    @Test
    void generatedScenariosAreValid() {
        Gen g = new Gen(7);
        int forks = 0, reuses = 0;
        for (int i = 0; i < 2000; i++) {
            Scenario s = g.initial();
            assertNull(Limits.DEFAULT.check(s), s::text);
            if (s.usesProcesses()) {
                if (s.forked().contains("child")) {
                    forks++;
                    assertEquals(List.of("t1", "t2", "t3"), s.actors.subList(0, 3).stream().map(Scenario.Actor::name).toList(), s::text);
                    assertTrue(s.actors.get(1).ops().get(0) instanceof Op.Fork, s::text);
                } else {
                    reuses++;
                    assertEquals("P2", s.actors.get(0).proc(), s::text);
                    assertTrue(s.actors.get(0).ops().stream().allMatch(op -> op instanceof Op.Read r && "P1".equals(r.proc())), s::text);
                    assertTrue(s.actors.get(1).ops().get(0) instanceof Op.Munmap, s::text);
                    assertTrue(s.actors.get(2).ops().get(0) instanceof Op.Mmap m && m.fixed(), s::text);
                }
                continue;
            }
            assertEquals("reader", s.actors.get(0).name());
            assertTrue(s.actors.get(0).ops().stream().allMatch(OpRelation::isRemoteAccess));
            int n = s.actors.get(0).ops().size();
            assertTrue(n >= 1 && n <= 2);
            assertTrue(s.actors.size() == 2 || s.actors.size() == 3, "the reader and one or two actors racing it:\n" + s.text());
            for (int a = 1; a < s.actors.size(); a++)
                assertTrue(s.actors.get(a).ops().size() >= 1 && s.actors.get(a).ops().size() <= 3);
        }
        assertTrue(forks > 150 && forks < 250, "fork races: " + forks);
        assertTrue(reuses > 230 && reuses < 370, "reuse races: " + reuses);
    }

    /** The default layout: A and B adjacent, different protections (two VMAs). */
    @Test
    void defaultLayout() {
        Scenario s = Gen.defaultLayout();
        assertEquals(2, s.maps.size());
        Scenario.MapSpec a = s.maps.get(0), b = s.maps.get(1);
        assertEquals(a.addr() + a.len(), b.addr());
        assertNotEquals(a.prot(), b.prot());
        assertEquals(List.of(0x12000L), Gen.seams(s));
    }

    /**
     * Most reads straddle the A|B seam, and among the draws are the two ingredients of the
     * reviewers' race: one MAP_FIXED over exactly [A.start, B.end), and a store over it.
     */
    @Test
    void aimsAtBoundaries() {
        Gen g = new Gen(3);
        Scenario base = Gen.defaultLayout();
        int reads = 0, straddling = 0, fixedOverBoth = 0;
        for (int i = 0; i < 2000; i++) {
            Op.Read r = (Op.Read) g.read(base);
            reads++;
            if (r.addr() < 0x12000 && r.addr() + r.len() > 0x12000)
                straddling++;
            if (g.mmap(base) instanceof Op.Mmap m && m.fixed() && m.addr() == 0x10000 && m.len() == 0x4000)
                fixedOverBoth++;
        }
        assertTrue(straddling * 3 > reads, straddling + " of " + reads + " reads straddle 0x12000");
        assertTrue(fixedOverBoth > 20, fixedOverBoth + " MAP_FIXED over A|B");
    }
    /**
     * Remote writes are generated, but reads stay the main remote operation (about one remote
     * access in eight is a poke); most pokes use FOLL_FORCE, most of those into a private file
     * mapping go to the page of its first fault, and most pokes race a target operation aimed at
     * their page (a MADV_DONTNEED of it most often: the Dirty COW race).
     */
    @Test
    void pokesAreGeneratedWithModestProbability() {
        Gen g = new Gen(11);
        int accesses = 0, pokes = 0, forced = 0, intoPrivateFile = 0, zapped = 0;
        for (int i = 0; i < 4000; i++) {
            Scenario s = g.initial();
            for (Op op : s.actors.get(0).ops()) {
                accesses++;
                if (!(op instanceof Op.Poke p))
                    continue;
                pokes++;
                if (p.flags() == Op.Foll.FORCE)
                    forced++;
                long page = p.addr() & -Gen.PAGE;
                if (s.maps.stream().anyMatch(m -> m.file() != null && !m.shared() && m.addr() <= page && page < m.addr() + m.len()))
                    intoPrivateFile++;
                if (s.actors.stream().skip(1).flatMap(a -> a.ops().stream())
                        .anyMatch(o -> o instanceof Op.Madvise m && m.addr() <= page && page < m.addr() + m.len()))
                    zapped++;
            }
        }
        assertTrue(pokes * 20 > accesses && pokes * 5 < accesses, pokes + " pokes of " + accesses + " remote accesses");
        assertTrue(forced * 10 > pokes * 7, forced + " of " + pokes + " pokes use FOLL_FORCE");
        assertTrue(intoPrivateFile * 8 > pokes, intoPrivateFile + " of " + pokes + " pokes go into a private file mapping");
        assertTrue(zapped * 4 > pokes, zapped + " of " + pokes + " pokes race a MADV_DONTNEED of their page");
    }
}
