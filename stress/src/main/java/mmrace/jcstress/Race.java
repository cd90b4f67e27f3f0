package mmrace.jcstress;

import mmrace.port.Mm;
import mmrace.port.MmTypes;

import mmrace.scenario.Variant;

import java.util.List;
import java.util.function.Consumer;

import static mmrace.jcstress.Machine.RW;
import static mmrace.jcstress.Race.Matrix.ALL;
import static mmrace.jcstress.Race.Matrix.RCU_WALK;

/**
 * The races of the JCStress tests: each is one of the scheduler's scenarios (the {@code .scn} file
 * in corpus/ named) run on real threads. A race gives the target's initial address space, the
 * remote read (LEN bytes at ADDR with FOLL_FORCE: /proc/PID/mem) and what the writer, a thread of
 * the target, does meanwhile. The test classes ({@code *Race} with one nested class per read
 * variant) run them; {@link Safety} says which variants must never show a forbidden outcome.
 *
 * <p>The Java here and the corpus file must be the same race: {@code CorpusAgreementTest} checks
 * that the set-up, the reader's read and the writer's operations are the file's lines, and that
 * the actors' bodies, run under the deterministic scheduler with the file's schedules and more,
 * take the same steps, read the same bytes, leave the same address space and get the same verdict
 * as the file's own actors.
 */
public enum Race {
    /**
     * corpus/reviewers-race.scn: A|B (two VMAs: B is read-only) replaced by one MAP_FIXED mapping C,
     * which the writer then fills with c. Layouts a|b and c|c; c's pages read z until written.
     */
    MAP_FIXED("map-fixed", "reviewers-race.scn", 0x11ff8, 16, true, ALL,
            m -> {
                m.map("A", 0x10000, 0x2000, RW, 'a');
                m.map("B", 0x12000, 0x2000, Mm.PROT_READ, 'b');
            },
            m -> {
                m.mmapFixed("C", 0x10000, 0x4000, RW);
                m.store(0x10000, 0x4000, 'c');
            }),
    /**
     * corpus/neighbour-replaced.scn: only the neighbour B is replaced: munmap B, mmap B2 in its
     * place, write d. A never changes, so nothing can tear.
     */
    NEIGHBOUR("neighbour", "neighbour-replaced.scn", 0x11ff8, 16, true, RCU_WALK,
            m -> {
                m.map("A", 0x10000, 0x2000, RW, 'a');
                m.map("B", 0x12000, 0x2000, Mm.PROT_READ, 'b');
            },
            m -> {
                m.munmap(0x12000, 0x2000);
                m.mmapFixed("B2", 0x12000, 0x2000, RW);
                m.store(0x12000, 0x2000, 'd');
            }),
    /** corpus/mremap-move-in.scn: mremap(MREMAP_FIXED) moves M (filled m) over both A and B. */
    MREMAP("mremap", "mremap-move-in.scn", 0x11ff8, 16, true, RCU_WALK,
            m -> {
                m.map("A", 0x10000, 0x2000, RW, 'a');
                m.map("B", 0x12000, 0x2000, Mm.PROT_READ, 'b');
                m.map("M", 0x40000, 0x4000, RW, 'm');
            },
            m -> m.mremapFixed(0x40000, 0x4000, 0x10000)),
    /**
     * corpus/mprotect-split-merge.scn: the second page of A becomes PROT_NONE (A splits) and then
     * read-write again (they merge back) under a FOLL_FORCE read across the split point. Layouts
     * change, bytes never do.
     */
    MPROTECT("mprotect", "mprotect-split-merge.scn", 0x10ff8, 16, false, RCU_WALK,
            m -> m.map("A", 0x10000, 0x2000, RW, 'a'),
            m -> {
                m.mprotect(0x11000, 0x1000, Mm.PROT_NONE);
                m.mprotect(0x11000, 0x1000, RW);
            }),
    /**
     * corpus/prefix-fallback.scn: the read lies inside ONE VMA A whose second page was never
     * touched, so the fast path copies the prefix (a) and falls back for the rest; meanwhile the
     * writer replaces A with C (MAP_FIXED) and fills it with c.
     */
    PREFIX_FALLBACK("prefix-fallback", "prefix-fallback.scn", 0x10ff8, 16, false, ALL,
            m -> {
                m.map("A", 0x10000, 0x4000, RW, (char) 0);
                m.store(0x10000, 0x1000, 'a');
            },
            m -> {
                m.mmapFixed("C", 0x10000, 0x4000, RW);
                m.store(0x10000, 0x4000, 'c');
            }),
    /**
     * corpus/dontneed-mix.scn: MADV_DONTNEED over A (under the per-VMA read lock), then a store of x
     * to its second page, while the read crosses A's two pages.
     */
    DONTNEED("dontneed", "dontneed-mix.scn", 0x10ff8, 16, false, ALL,
            m -> m.map("A", 0x10000, 0x2000, RW, 'a'),
            m -> {
                m.dontneed(0x10000, 0x2000);
                m.store(0x11000, 0x1000, 'x');
            }),
    /**
     * corpus/reclaim-both-pages.scn: page reclaim (the scenario operation {@code reclaim}): A's two pages hold a and b; both pages
     * the read crosses are reclaimed, one after the other (unmapped, written to swap, freed), and a
     * read that meets a swap entry faults the page back in.
     */
    RECLAIM("reclaim", "reclaim-both-pages.scn", 0x10ff8, 16, false, RCU_WALK,
            m -> {
                m.map("A", 0x10000, 0x2000, RW, 'a');
                m.store(0x11000, 0x1000, 'b');
            },
            m -> {
                m.reclaim(0x10000);
                m.reclaim(0x11000);
            }),
    /**
     * corpus/thp-collapse-anon.scn: THP collapse (the scenario operation {@code collapse}): khugepaged collapses the 2 MiB-aligned
     * PMD range of A, whose first two pages hold a and b, into a THP (mmap_lock for writing, the
     * VMA write-locked, the old page table emptied and reused, the old folios freed).
     */
    THP_COLLAPSE("thp-collapse", "thp-collapse-anon.scn", 0x200ff8, 16, false, ALL,
            m -> {
                m.map("A", 0x200000, 0x200000, RW, (char) 0);
                m.store(0x200000, 0x1000, 'a');
                m.store(0x201000, 0x1000, 'b');
            },
            m -> m.collapse(0x200000));

    /** The read's flags: FOLL_FORCE, as /proc/PID/mem and ptrace PEEK read. */
    static final int READ_FLAGS = MmTypes.FOLL_FORCE;

    /** Short name, as in reports. */
    public final String id;
    /** The scheduler's scenario this race is (a file in corpus/). */
    public final String scenario;
    /** The remote read: LEN bytes at ADDR. */
    public final long addr;
    public final int len;
    /**
     * The read crosses two VMAs in the initial layout, so Suren's single-VMA rule (fast-one-vma)
     * sends it to the slow path whole.
     */
    public final boolean spansTwoVmas;
    /** The read variants the tests run this race with (one nested test class each). */
    public final List<Variant> variants;
    private final Consumer<Machine> setUp, write;

    Race(String id, String scenario, long addr, int len, boolean spansTwoVmas, List<Variant> variants,
         Consumer<Machine> setUp, Consumer<Machine> write) {
        this.id = id;
        this.scenario = scenario;
        this.addr = addr;
        this.len = len;
        this.spansTwoVmas = spansTwoVmas;
        this.variants = variants;
        this.setUp = setUp;
        this.write = write;
    }

    /** The class holding this race's tests: "map-fixed" -> mmrace.jcstress.MapFixedRace. */
    public String holderClassName() {
        return Race.class.getPackageName() + "." + Safety.camel(id) + "Race";
    }

    /** The JCStress test name of this race read by v: mmrace.jcstress.MapFixedRace.FastV1. */
    public String testName(Variant v) {
        return holderClassName() + "." + Safety.camel(v.id);
    }

    void setUp(Machine m) {
        setUp.accept(m);
    }

    void write(Machine m) {
        write.accept(m);
    }

    @Override
    public String toString() {
        return id;
    }

    /** The two rows of the matrix. */
    static final class Matrix {
        private Matrix() {}

        /** Every variant: both walk modes (the races where the page-table walk is what races). */
        static final List<Variant> ALL = Variant.all();
        /** The variants with the RCU-only walk (interrupts-off forms left out). */
        static final List<Variant> RCU_WALK = List.of(Variant.SLOW, Variant.FAST_V1, Variant.FAST_ONE_VMA, Variant.FAST_ONE_VMA_REDO);
    }
}
