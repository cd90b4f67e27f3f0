package mmrace.oracle;

import mmrace.port.MapleTree;
import mmrace.port.Mm;
import mmrace.port.MmStruct;
import mmrace.port.VmAreaStruct;

import java.util.ArrayList;
import java.util.List;

/**
 * The VMA layout of an mm at one instant, read from mm_mt without points: what a task holding
 * mmap_lock would see. Taken when mmap_write_unlock/downgrade ends a write section, so every
 * layout the oracle knows is one a locked reader could have seen.
 */
public record Layout(long gen, List<Region> regions) {
    /** One VMA: the tree's range and the VMA's flags, backing and identity. */
    public record Region(long start, long end, long flags, long mapId, long pgoff, Object file, Object vmOps,
                         String label, VmAreaStruct vma) {
        boolean contains(long a) {
            return a >= start && a < end;
        }

        /** Which page of which mapping address a maps to. */
        String identity(long a) {
            return mapId + ":" + (pgoff + ((a - start) >>> 12));
        }

        boolean sameMapping(Region o) {
            return start == o.start && end == o.end && flags == o.flags && mapId == o.mapId && pgoff == o.pgoff
                    && file == o.file && vmOps == o.vmOps;
        }

        @Override
        public String toString() {
            return label + "[" + ReadJudge.hex(start) + "-" + ReadJudge.hex(end) + " " + Mm.flagsString(flags) + "]";
        }
    }

    public static Layout snapshot(MmStruct mm, long gen) {
        MapleTree.Node n = mm.mmMt.peek();
        List<Region> rs = new ArrayList<>(n.size());
        for (int i = 0; i < n.size(); i++) {
            VmAreaStruct v = (VmAreaStruct) n.entry(i);
            rs.add(new Region(n.index(i), n.last(i) + 1, v.vmFlags.peek(), v.mapId, v.vmPgoff.peek(), v.vmFile.peek(),
                    v.vmOps.peek(), v.name(), v));
        }
        return new Layout(gen, List.copyOf(rs));
    }

    public Region at(long a) {
        for (Region r : regions)
            if (r.contains(a))
                return r;
        return null;
    }

    /** Same VMAs with the same flags and backing (the generation number aside). */
    public boolean sameAs(Layout o) {
        if (regions.size() != o.regions.size())
            return false;
        for (int i = 0; i < regions.size(); i++)
            if (!regions.get(i).sameMapping(o.regions.get(i)))
                return false;
        return true;
    }

    @Override
    public String toString() {
        return "gen " + gen + " " + regions;
    }
}
