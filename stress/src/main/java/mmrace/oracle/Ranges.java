package mmrace.oracle;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A set of addresses as disjoint half-open ranges [start, end), kept sorted and merged. */
final class Ranges {
    private final TreeMap<Long, Long> r = new TreeMap<>();

    static Ranges of(long start, long end) {
        Ranges s = new Ranges();
        s.add(start, end);
        return s;
    }

    void add(long start, long end) {
        if (end <= start)
            return;
        Map.Entry<Long, Long> lo = r.floorEntry(start);
        if (lo != null && lo.getValue() >= start) {
            start = lo.getKey();
            end = Math.max(end, lo.getValue());
        }
        for (Map.Entry<Long, Long> e = r.ceilingEntry(start); e != null && e.getKey() <= end; e = r.ceilingEntry(start)) {
            end = Math.max(end, e.getValue());
            r.remove(e.getKey());
        }
        r.put(start, end);
    }

    void addAll(Ranges o) {
        for (Map.Entry<Long, Long> e : o.r.entrySet())
            add(e.getKey(), e.getValue());
    }

    void remove(long start, long end) {
        if (end <= start)
            return;
        List<long[]> keep = new ArrayList<>();
        Map.Entry<Long, Long> lo = r.lowerEntry(start);
        if (lo != null && lo.getValue() > start) {
            r.remove(lo.getKey());
            keep.add(new long[] {lo.getKey(), start});
            if (lo.getValue() > end)
                keep.add(new long[] {end, lo.getValue()});
        }
        for (Map.Entry<Long, Long> e = r.ceilingEntry(start); e != null && e.getKey() < end; e = r.ceilingEntry(start)) {
            r.remove(e.getKey());
            if (e.getValue() > end)
                keep.add(new long[] {end, e.getValue()});
        }
        for (long[] k : keep)
            r.put(k[0], k[1]);
    }

    boolean contains(long a) {
        Map.Entry<Long, Long> e = r.floorEntry(a);
        return e != null && a < e.getValue();
    }

    /** The addresses in both. */
    Ranges intersect(Ranges o) {
        Ranges out = new Ranges();
        for (Map.Entry<Long, Long> e : r.entrySet())
            for (Map.Entry<Long, Long> f : o.r.subMap(o.r.floorKey(e.getKey()) == null ? e.getKey() : o.r.floorKey(e.getKey()), true,
                    e.getValue(), false).entrySet())
                out.add(Math.max(e.getKey(), f.getKey()), Math.min(e.getValue(), f.getValue()));
        return out;
    }

    /** The ranges, in address order: {start, end} each. */
    List<long[]> spans() {
        List<long[]> out = new ArrayList<>();
        for (Map.Entry<Long, Long> e : r.entrySet())
            out.add(new long[] {e.getKey(), e.getValue()});
        return out;
    }

    boolean isEmpty() {
        return r.isEmpty();
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("{");
        for (Map.Entry<Long, Long> e : r.entrySet())
            b.append(b.length() > 1 ? " " : "").append(ReadJudge.hex(e.getKey())).append('-').append(ReadJudge.hex(e.getValue()));
        return b.append('}').toString();
    }
}
