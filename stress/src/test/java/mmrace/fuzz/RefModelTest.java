package mmrace.fuzz;

import mmrace.oracle.RefModel;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import mmrace.scenario.Op;
import mmrace.scenario.Prot;
import mmrace.scenario.Scenario;
import org.junit.jupiter.api.Test;

/** The reference model alone: the kernel behaviours it must have, one per test. */
class RefModelTest {
    static final String LAYOUT = """
            mmrace-scenario 1
            file F 0x4000 fill=f
            map A 0x10000 0x2000 rw fill=a
            map B 0x12000 0x2000 r fill=b
            map C 0x20000 0x2000 rw file=F off=0x1000
            file G 0x2000 fill=s
            map S 0x30000 0x2000 rw shared file=G off=0
            actor t
              read 0x10000 1
            """;

    private static RefModel model() {
        return new RefModel(Toys.parse(LAYOUT));
    }

    private static Op op(String line) {
        Scenario s = Toys.parse(LAYOUT.replace("  read 0x10000 1", "  " + line));
        return s.actors.get(0).ops().get(0);
    }

    private static byte[] bytes(String spec) {
        // "a8b8" -> 8 'a' then 8 'b'; "0" means byte 0
        java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < spec.length(); ) {
            char c = spec.charAt(i++);
            int j = i;
            while (j < spec.length() && Character.isDigit(spec.charAt(j)))
                j++;
            int n = Integer.parseInt(spec.substring(i, j));
            for (int k = 0; k < n; k++)
                o.write(c == '0' ? 0 : c);
            i = j;
        }
        return o.toByteArray();
    }

    private static byte[] read(RefModel m, String line) {
        m.apply(op(line));
        return m.lastRead();
    }

    @Test
    void readsAcrossVmasAndStopsAtHoles() {
        RefModel m = model();
        assertArrayEquals(bytes("a8b8"), read(m, "read 0x11ff8 16"));
        assertArrayEquals(bytes("b8"), read(m, "read 0x13ff8 16"), "stops at the hole after B");
        assertEquals(0, m.apply(op("read 0x15000 16")));
        assertArrayEquals(bytes("f4"), read(m, "read 0x20000 4"), "file page 1 of F");
    }

    /** The reviewers' race, single-threaded: MAP_FIXED over A and B gives zero memory; the store makes it c. */
    @Test
    void mapFixedReplacesAndStoreFills() {
        RefModel m = model();
        assertEquals(0x10000, m.apply(op("mmap X 0x10000 0x4000 rw fixed")));
        assertArrayEquals(bytes("016"), read(m, "read 0x11ff8 16"));
        assertEquals(0, m.apply(op("write 0x10000 0x4000 fill=c")));
        assertArrayEquals(bytes("c16"), read(m, "read 0x11ff8 16"));
        assertEquals(List.of(new RefModel.Region(0x10000, 0x14000, Prot.READ | Prot.WRITE, false, "anon", 0)),
                m.layout().subList(0, 1));
    }

    /** FOLL_FORCE reads PROT_NONE and read-only memory; without it a read stops there; FOLL_ANON stops at files and shmem. */
    @Test
    void permissionRules() {
        RefModel m = model();
        assertEquals(0, m.apply(op("mprotect 0x12000 0x2000 none")));
        assertArrayEquals(bytes("a8"), read(m, "read 0x11ff8 16 none"));
        assertArrayEquals(bytes("a8b8"), read(m, "read 0x11ff8 16 FOLL_FORCE"));
        assertArrayEquals(bytes("a8b8"), read(m, "read 0x11ff8 16 FOLL_ANON|FOLL_FORCE"));
        assertEquals(0, m.apply(op("read 0x20000 16 FOLL_ANON")));
        assertEquals(0, m.apply(op("read 0x30000 16 FOLL_ANON")), "a shared file mapping is not vma_is_anonymous");
        assertArrayEquals(bytes("s4"), read(m, "read 0x30000 4"));
    }

    /** DONTNEED: private anonymous memory reads zero again, a private file mapping the file again, a shared file mapping keeps its data. */
    @Test
    void dontneed() {
        RefModel m = model();
        assertEquals(0, m.apply(op("write 0x20000 0x10 fill=w")));
        assertArrayEquals(bytes("w4"), read(m, "read 0x20000 4"));
        assertEquals(0, m.apply(op("madvise 0x10000 0x2000 dontneed")));
        assertEquals(0, m.apply(op("madvise 0x20000 0x1000 dontneed")));
        assertEquals(0, m.apply(op("madvise 0x30000 0x1000 dontneed")));
        assertArrayEquals(bytes("04"), read(m, "read 0x10000 4"));
        assertArrayEquals(bytes("f4"), read(m, "read 0x20000 4"));
        assertArrayEquals(bytes("s4"), read(m, "read 0x30000 4"));
        assertEquals(-RefModel.ENOMEM, m.apply(op("madvise 0x13000 0x2000 dontneed")), "a hole in the range");
        assertEquals(-RefModel.EINVAL, m.apply(op("madvise 0x13001 0x1000 dontneed")));
    }

    /** mprotect applies VMA by VMA and stops at the first hole with ENOMEM, keeping what it changed. */
    @Test
    void mprotectPartial() {
        RefModel m = model();
        assertEquals(-RefModel.ENOMEM, m.apply(op("mprotect 0x13000 0x3000 none")));
        assertEquals(0, m.find(0x13000).prot());
        assertEquals(Prot.READ, m.find(0x12000).prot(), "split: the part before the range keeps its protection");
        assertEquals(-RefModel.ENOMEM, m.apply(op("mprotect 0x15000 0x1000 r")));
        assertEquals(-RefModel.EINVAL, m.apply(op("mprotect 0x12001 0x1000 r")));
        assertEquals(0, m.apply(op("mprotect 0x12000 0x2000 rw")));
        assertEquals(1, m.layout().stream().filter(r -> r.start() == 0x10000).count());
        assertEquals(0x14000, m.layout().get(0).end(), "A and B now look alike: one region after normalisation");
    }

    @Test
    void munmap() {
        RefModel m = model();
        assertEquals(-RefModel.EINVAL, m.apply(op("munmap 0x10001 0x1000")));
        assertEquals(0, m.apply(op("munmap 0x11000 0x2000")));
        assertArrayEquals(bytes("a8"), read(m, "read 0x10ff8 16"));
        assertEquals(0, m.apply(op("munmap 0x50000 0x1000")), "nothing there: still 0");
    }

    /** mremap: shrink, expand in place, move (kernel's choice accepted), MREMAP_FIXED, DONTUNMAP, and its errors. */
    @Test
    void mremap() {
        RefModel m = model();
        assertEquals(-RefModel.EFAULT, m.apply(op("mremap 0x15000 0x1000 0x2000")));
        assertEquals(-RefModel.EINVAL, m.apply(op("mremap 0x10000 0x1000 0x1000 fixed=0x40000")), "FIXED needs MAYMOVE");
        assertEquals(-RefModel.EFAULT, m.apply(op("mremap 0x10000 0x4000 0x5000 maymove")), "old range leaves the VMA");
        assertEquals(0x12000, m.apply(op("mremap 0x12000 0x2000 0x1000")));
        assertEquals(0x12000, m.apply(op("mremap 0x12000 0x1000 0x2000")), "expand in place into the gap");
        assertArrayEquals(bytes("b4"), read(m, "read 0x12ffc 4"));
        assertArrayEquals(bytes("04"), read(m, "read 0x13000 4"), "the new part is fresh zero memory");
        assertEquals(-RefModel.ENOMEM, m.apply(op("mremap 0x10000 0x2000 0x3000")), "A cannot grow in place (B follows) without MAYMOVE");
        assertEquals(0x60000, m.apply(op("mremap 0x10000 0x2000 0x3000 maymove"), 0x60000L), "the kernel's choice");
        assertArrayEquals(bytes("a4"), read(m, "read 0x60000 4"));
        assertEquals(null, m.find(0x10000));
        assertEquals(0x40000, m.apply(op("mremap 0x60000 0x1000 0x1000 maymove fixed=0x40000")));
        assertArrayEquals(bytes("a4"), read(m, "read 0x40000 4"));
        assertEquals(0x48000, m.apply(op("mremap 0x40000 0x1000 0x1000 maymove fixed=0x48000 dontunmap")));
        assertArrayEquals(bytes("04"), read(m, "read 0x40000 4"), "DONTUNMAP: the source stays mapped, empty");
        assertArrayEquals(bytes("a4"), read(m, "read 0x48000 4"));
        assertEquals(-RefModel.EINVAL, m.apply(op("mremap 0x48000 0x1000 0x2000 maymove dontunmap")), "DONTUNMAP does not resize");
    }

    /** A store stops with SIGSEGV (-EFAULT) at the first page that is not writable; the pages before it are written. */
    @Test
    void storeFaults() {
        RefModel m = model();
        assertEquals(-RefModel.EFAULT, m.apply(op("write 0x11000 0x2000 fill=z")));
        assertArrayEquals(bytes("z4b4"), read(m, "read 0x11ffc 8"));
        assertEquals(-RefModel.EFAULT, m.apply(op("write 0x15000 0x10 fill=z")));
    }

    /** Non-fixed mmap: a free hint is used; otherwise the kernel's choice if free, else the model's own. */
    @Test
    void placement() {
        RefModel m = model();
        assertEquals(0x50000, m.apply(op("mmap X 0x50000 0x1000 rw")));
        long a = m.apply(op("mmap Y 0x10000 0x1000 rw"), 0x10000L);
        assertEquals(true, a != 0x10000 && a > 0, "0x10000 is taken: not accepted");
        assertEquals(0x70000, m.apply(op("mmap Z 0x10000 0x1000 rw"), 0x70000L));
        assertEquals(-RefModel.EINVAL, m.apply(op("mmap Q 0x10000 0 rw fixed")));
        assertEquals(-RefModel.EINVAL, m.apply(op("mmap Q 0x10001 0x1000 rw fixed")));
        assertEquals(Arrays.asList(true), List.of(m.free(0x90000, 0x1000)));
    }

    private static long apply(RefModel m, String line) {
        return m.apply(op(line));
    }

    /** The VMAs as [start, end) pairs, to see where the model put boundaries. */
    private static String ranges(RefModel m) {
        StringBuilder b = new StringBuilder();
        for (RefModel.Vma v : m.vmas())
            b.append(String.format("[%#x-%#x)", v.start(), v.end()));
        return b.toString();
    }

    /**
     * Seed 245 of the model-based test: a new anonymous mapping next to a compatible one merges
     * with it (vma_merge_new_range: same flags, pgoff = addr >> PAGE_SHIFT contiguous, no anon_vma
     * of its own), so mremap of the joint range stays inside one VMA and grows in place.
     */
    @Test
    void mmapMergesWithACompatibleNeighbour() {
        RefModel m = model();
        assertEquals(0, apply(m, "munmap 0x12000 0x2000"));
        assertEquals(0x12000, apply(m, "mmap E 0x12000 0x1000 rw fixed"));
        assertEquals("[0x10000-0x13000)", ranges(m).substring(0, 17));
        assertEquals(0x10000, apply(m, "mremap 0x10000 0x3000 0x4000"));
        assertEquals("[0x10000-0x14000)", ranges(m).substring(0, 17));
        assertArrayEquals(bytes("a4"), read(m, "read 0x11ffc 4"));
        assertArrayEquals(bytes("04"), read(m, "read 0x13ffc 4"), "the grown part is fresh zero memory");
    }

    /**
     * copy_vma: an anonymous VMA without an anon_vma takes the pgoff of its new place and merges
     * there; one that has been written keeps its pgoff and does not (A's pgoff is 0x10, not 0x12).
     */
    @Test
    void mremapMoveMergesOnlyAnUnfaultedAnonymousVma() {
        RefModel m = model();
        assertEquals(0, apply(m, "munmap 0x12000 0x2000"));
        assertEquals(0x50000, apply(m, "mmap X 0x50000 0x1000 rw fixed"));
        assertEquals(0x12000, apply(m, "mremap 0x50000 0x1000 0x1000 maymove fixed=0x12000"));
        assertEquals("[0x10000-0x13000)", ranges(m).substring(0, 17), "merged with A");
        assertEquals(0x50000, apply(m, "mmap Y 0x50000 0x1000 rw fixed"));
        assertEquals(0, apply(m, "write 0x50000 0x10 fill=y"));
        assertEquals(0x13000, apply(m, "mremap 0x50000 0x1000 0x1000 maymove fixed=0x13000"));
        assertEquals("[0x10000-0x13000)[0x13000-0x14000)", ranges(m).substring(0, 34), "faulted: pgoff 0x50 kept, no merge");
        assertEquals(-RefModel.EFAULT, apply(m, "mremap 0x10000 0x4000 0x5000 maymove"));
    }

    /**
     * anon_vma_prepare reuses a compatible neighbour's anon_vma (find_mergeable_anon_vma), so an
     * mprotect that makes the two alike merges them, and mremap then sees one VMA.
     */
    @Test
    void faultReusesANeighboursAnonVma() {
        RefModel m = model();
        assertEquals(0x41000, apply(m, "mmap X 0x41000 0x1000 rw fixed"));
        assertEquals(0, apply(m, "write 0x41000 0x10 fill=x"));
        assertEquals(0, apply(m, "mprotect 0x41000 0x1000 r"));
        assertEquals(0x40000, apply(m, "mmap Y 0x40000 0x1000 rw fixed"));
        assertEquals(0, apply(m, "write 0x40000 0x10 fill=y"));
        assertEquals(0, apply(m, "mprotect 0x41000 0x1000 rw"));
        assertEquals(true, ranges(m).contains("[0x40000-0x42000)"));
        assertEquals(0x40000, apply(m, "mremap 0x40000 0x2000 0x3000"));
    }

    /**
     * VM_ACCOUNT: mprotect read-only drops it from an anonymous VMA that has no anon_vma yet, and
     * MREMAP_DONTUNMAP drops it from the source; either way the VMA no longer merges with an
     * accounted neighbour of the same protection.
     */
    @Test
    void vmAccountDecidesMerges() {
        RefModel m = model();
        assertEquals(0x40000, apply(m, "mmap X 0x40000 0x2000 rw fixed"));
        assertEquals(0, apply(m, "mprotect 0x41000 0x1000 r"));
        assertEquals(0, m.find(0x41000).flags() & RefModel.VM_ACCOUNT, "unfaulted: uncharged");
        assertEquals(0, apply(m, "mprotect 0x41000 0x1000 rw"));
        assertEquals(true, ranges(m).contains("[0x40000-0x42000)"), "charged again: merges back");
        assertEquals(0, apply(m, "write 0x40000 0x2000 fill=x"));
        assertEquals(0x48000, apply(m, "mremap 0x41000 0x1000 0x1000 maymove fixed=0x48000 dontunmap"));
        assertEquals(0, m.find(0x40000).flags() & RefModel.VM_ACCOUNT, "DONTUNMAP clears VM_ACCOUNT on the whole source VMA");
        assertEquals(0x42000, apply(m, "mmap Z 0x42000 0x1000 rw fixed"));
        assertEquals(true, ranges(m).contains("[0x40000-0x42000)[0x42000-0x43000)"), "Z is accounted, X no longer");
    }

    /**
     * On the model-based test's own inputs the model never throws, keeps mappings sorted, aligned
     * and disjoint, and reads never return more than asked.
     */
    @Test
    void robustOnGeneratedSequences() {
        for (long seed = 0; seed < 300; seed++) {
            Scenario s = ModelCheck.generate(seed);
            assertEquals(s.text(), Toys.parse(s.text()).text(), "a valid scenario");
            RefModel m = new RefModel(s);
            for (Op op : s.actors.get(0).ops()) {
                long r = m.apply(op, 0x5000_0000L);
                if (op instanceof Op.Read rd)
                    assertEquals(true, r >= 0 && r <= rd.len());
                long end = 0;
                for (RefModel.Vma v : m.vmas()) {
                    assertEquals(0, v.start() % RefModel.PAGE);
                    assertEquals(0, v.end() % RefModel.PAGE);
                    assertEquals(true, v.start() >= end && v.end() > v.start(), "seed " + seed + ": " + m.vmas());
                    end = v.end();
                }
            }
        }
    }
}
