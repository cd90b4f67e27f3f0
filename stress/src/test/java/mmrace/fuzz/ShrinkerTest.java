package mmrace.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import mmrace.scenario.Op;
import mmrace.scenario.Scenario;
import mmrace.scenario.Variant;
import org.junit.jupiter.api.Test;

/** The shrinker on fake predicates whose minimum is known. */
class ShrinkerTest {
    /**
     * "Fails" when some actor reads across 0x12000 and a different actor does a MAP_FIXED covering
     * [0x10000, 0x14000) followed (later in that actor) by a store. Known minimum: two actors, three
     * operations (a 16-byte read at 0x11ff8, an rw MAP_FIXED of exactly 0x10000+0x4000, a store),
     * no maps, files or injections.
     */
    static boolean fails(Scenario s) {
        for (Scenario.Actor r : s.actors) {
            boolean reads = r.ops().stream().anyMatch(op -> op instanceof Op.Read rd && rd.addr() < 0x12000 && rd.addr() + rd.len() > 0x12000);
            if (!reads)
                continue;
            for (Scenario.Actor w : s.actors) {
                if (w == r)
                    continue;
                boolean mmap = false;
                for (Op op : w.ops()) {
                    if (op instanceof Op.Mmap m && m.fixed() && m.addr() <= 0x10000 && m.addr() + m.len() >= 0x14000)
                        mmap = true;
                    else if (mmap && op instanceof Op.Write)
                        return true;
                }
            }
        }
        return false;
    }

    static final String BIG = """
            mmrace-scenario 1
            name big
            file F 0x4000 fill=f
            file G 0x3000 fill=d
            map A 0x10000 0x2000 rw fill=a
            map B 0x12000 0x2000 r fill=b
            map C 0x20000 0x4000 r file=F off=0
            map D 0x30000 0x3000 rw shared file=G off=0
            actor reader
              read 0x10000 0x4000 FOLL_FORCE
              read 0x20000 16 FOLL_ANON
            actor t1
              munmap 0x30000 0x1000
              mprotect 0x10000 0x1000 r
              mmap E 0x10000 0x6000 rwx fixed shared file=F off=0
              madvise 0x10000 0x2000 dontneed
              write 0x10005 0x3000 fill=e
              reclaim 0x12000
            actor t2
              write 0x12000 0x10 fill=x
              mremap 0x20000 0x1000 0x2000 maymove
            actor t3
              collapse 0x10000
              read 0x12000 64 none
            inject page task=t2 nth=2
            schedule * pct 3 99
            schedule fast-v1 steps 0:reader 5:t1 9:t2 20:reader 31:t3
            """;

    @Test
    void reachesTheKnownMinimum() {
        Scenario big = Toys.parse(BIG);
        assertTrue(fails(big));
        Shrinker sh = new Shrinker(Shrinker.Test.of(ShrinkerTest::fails));
        Scenario min = sh.shrink(big);
        assertTrue(fails(min), min::text);
        assertEquals(2, min.actors.size(), min::text);
        assertEquals(3, Minimize.ops(min), min::text);
        assertEquals(0, min.maps.size() + min.files.size() + min.injects.size(), min::text);
        Op.Read r = (Op.Read) min.actors.stream().flatMap(a -> a.ops().stream()).filter(op -> op instanceof Op.Read).findFirst().orElseThrow();
        assertEquals(0x11ff8, r.addr(), min::text);
        assertEquals(16, r.len(), min::text);
        Op.Mmap m = (Op.Mmap) min.actors.stream().flatMap(a -> a.ops().stream()).filter(op -> op instanceof Op.Mmap).findFirst().orElseThrow();
        assertEquals(0x10000, m.addr());
        assertEquals("mmap E 0x10000 0x4000 rw fixed", m.text(), min::text);
        assertTrue(min.schedules.get(Variant.FAST_V1) == null, "the steps schedule is not needed: " + min.text());
        System.out.println("shrunk in " + sh.tests() + " tests:\n" + min.text());
    }

    /** Switches that the predicate does not need go, one at a time; the first switch stays. */
    @Test
    void removesSwitches() {
        Scenario s = Toys.parse(Toys.RACE);
        s.schedules.put(Variant.FAST_V1, Scenario.Sched.steps("0:reader 3:t1 5:reader 7:t1 9:reader 12:t1"));
        Shrinker sh = new Shrinker(Shrinker.Test.of(c -> c.schedules.get(Variant.FAST_V1) != null
                && List.of(c.schedules.get(Variant.FAST_V1).steps().split(" ")).contains("7:t1")));
        Scenario min = sh.shrinkSchedule(s);
        assertEquals("0:reader 7:t1", min.schedules.get(Variant.FAST_V1).steps());
    }

    /** The budget bounds the number of tests. */
    @Test
    void respectsTheBudget() {
        Shrinker sh = new Shrinker(Shrinker.Test.of(ShrinkerTest::fails), 10, 0);
        sh.shrink(Toys.parse(BIG));
        assertTrue(sh.tests() <= 10, "tests " + sh.tests());
        assertTrue(sh.exhausted());
    }

    /** Size order: fewer actors first, then operations, layout, switches, numbers. */
    @Test
    void sizeOrder() {
        Scenario a = Toys.parse(Toys.RACE), b = a.copy();
        b.actors.get(1).ops().remove(1);
        assertTrue(Shrinker.compare(Shrinker.size(b), Shrinker.size(a)) < 0);
        Scenario c = a.copy();
        c.maps.remove(1);
        assertTrue(Shrinker.compare(Shrinker.size(c), Shrinker.size(a)) < 0);
        assertTrue(Shrinker.compare(Shrinker.size(b), Shrinker.size(c)) < 0, "an operation weighs more than a mapping");
    }
}
