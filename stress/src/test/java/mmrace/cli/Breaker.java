package mmrace.cli;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Derives broken scenario files from good ones, for the malformed-input campaign: each
 * {@link #next} takes a corpus file's text and breaks it one way (seeded, so a failing case can be
 * made again): broken lines (tokens dropped, doubled, swapped, lines duplicated, moved or
 * removed), broken numbers (negative, zero, unaligned, huge, overflowing, not a number), broken
 * keywords (misspelt directives, operations, flags, classes, reasons, variants, sites), broken
 * encodings (bytes that are not UTF-8, NUL bytes, a UTF-16 byte-order mark, CR line ends), sizes
 * beyond the model (mappings, devices, files, reads, stores, many actors or operations) and
 * truncations (the file cut at a random byte). {@link Broken#line} is the line broken, or 0 when
 * the whole file is (a truncation, an encoding of the whole, a size spread over many lines).
 */
final class Breaker {
    /** One broken file: its bytes, how it was broken, and the line broken (0: not one line). */
    record Broken(byte[] bytes, String how, int line) {}

    private static final String[] KEYWORDS = {"mmrace-scenario", "name", "desc", "file", "map", "init", "actor", "inject", "schedule",
            "expect", "read", "poke", "mmap", "munmap", "mremap", "mprotect", "madvise", "write", "reclaim", "collapse", "fill=", "file=", "off=",
            "fixed", "shared", "growsdown", "device", "FOLL_FORCE", "FOLL_ANON", "dontneed", "maymove", "dontunmap", "random", "pct",
            "steps", "acceptable", "interesting", "forbidden", "torn-read", "slow", "fast-v1", "page", "task=", "nth=", "rw", "r", "none"};
    private static final String[] NUMBERS = {"-1", "0", "-0x1000", "0x1001", "1", "0xffffffffffffffff", "0x10000000000000000",
            "99999999999999999999", "0x", "x10", "1k", "4m", "0x7ffffffff000", "0x800000000000", "9223372036854775807", "-9223372036854775808",
            "1e3", "0x1_000", "12ab", "", "0b101", "+4096", "4096.0", "0x40000000", "0x80000000", "0x100000000"};
    private static final String[] GARBAGE = {"\u0000", "\u00e9", "\ud83d\ude00", "\t\t", "=", "==", ":", "::", "#", "\\", "\"", "'", "|", "*",
            "=x", "x=", "fill=", "fill=none", "fill=0x100", "fill=ab", "variant=", "variant=nope", "task=", "nth=0", "off=-1"};

    private final Random rng;

    Breaker(long seed) {
        this.rng = new Random(seed);
    }

    /** One broken variant of {@code text}. */
    Broken next(String text) {
        List<String> lines = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
        int kind = rng.nextInt(12);
        return switch (kind) {
            case 0 -> tokens(lines);
            case 1 -> shuffleLines(lines);
            case 2, 3 -> number(lines);
            case 4, 5 -> keyword(lines);
            case 6 -> garbage(lines);
            case 7 -> encoding(text, lines);
            case 8 -> size(lines);
            case 9 -> many(lines);
            case 10 -> truncate(text);
            default -> twice(text);
        };
    }

    /** Two breaks in one file: the first one found must still be named. */
    private Broken twice(String text) {
        Broken a = next(text);
        String t = new String(a.bytes(), StandardCharsets.UTF_8);
        Broken b = next(t);
        return new Broken(b.bytes(), a.how() + " + " + b.how(), 0);
    }

    private int pick(List<String> lines) {
        List<Integer> real = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++)
            if (!lines.get(i).isBlank() && !lines.get(i).strip().startsWith("#") && !lines.get(i).strip().startsWith("desc"))
                real.add(i);
        return real.isEmpty() ? 0 : real.get(rng.nextInt(real.size()));
    }

    private Broken out(List<String> lines, String how, int line) {
        return new Broken(String.join("\n", lines).getBytes(StandardCharsets.UTF_8), how, line);
    }

    private Broken tokens(List<String> lines) {
        int i = pick(lines);
        List<String> w = new ArrayList<>(Arrays.asList(lines.get(i).strip().split("\\s+")));
        String how;
        switch (rng.nextInt(4)) {
            case 0 -> {
                w.remove(rng.nextInt(w.size()));
                how = "token dropped";
            }
            case 1 -> {
                w.add(rng.nextInt(w.size() + 1), w.get(rng.nextInt(w.size())));
                how = "token doubled";
            }
            case 2 -> {
                if (w.size() > 1)
                    java.util.Collections.swap(w, rng.nextInt(w.size()), rng.nextInt(w.size()));
                how = "tokens swapped";
            }
            default -> {
                w = w.subList(0, 1 + rng.nextInt(w.size()));
                how = "line cut short";
            }
        }
        lines.set(i, "  " + String.join(" ", w));
        return out(lines, how + " at line " + (i + 1), i + 1);
    }

    private Broken shuffleLines(List<String> lines) {
        int i = pick(lines);
        String how;
        switch (rng.nextInt(3)) {
            case 0 -> {
                lines.add(i, lines.get(i));
                how = "line duplicated";
            }
            case 1 -> {
                String l = lines.remove(i);
                lines.add(rng.nextInt(lines.size() + 1), l);
                how = "line moved";
            }
            default -> {
                lines.remove(i);
                how = "line removed";
            }
        }
        return out(lines, how + " (line " + (i + 1) + ")", 0);
    }

    private Broken number(List<String> lines) {
        for (int tries = 0; tries < 20; tries++) {
            int i = pick(lines);
            String[] w = lines.get(i).strip().split("\\s+");
            List<Integer> nums = new ArrayList<>();
            for (int k = 0; k < w.length; k++)
                if (w[k].matches("(0x)?[0-9a-fA-F]+[km]?|.*=(0x)?[0-9a-fA-F]+") || w[k].matches("\\d+:\\S+"))
                    nums.add(k);
            if (nums.isEmpty())
                continue;
            int k = nums.get(rng.nextInt(nums.size()));
            String n = NUMBERS[rng.nextInt(NUMBERS.length)];
            int eq = w[k].indexOf('='), colon = w[k].indexOf(':');
            w[k] = eq > 0 ? w[k].substring(0, eq + 1) + n : colon > 0 ? n + w[k].substring(colon) : n;
            lines.set(i, "  " + String.join(" ", w));
            return out(lines, "number '" + n + "' at line " + (i + 1), i + 1);
        }
        return tokens(lines);
    }

    private Broken keyword(List<String> lines) {
        int i = pick(lines);
        String[] w = lines.get(i).strip().split("\\s+");
        int k = rng.nextInt(w.length);
        String kw = KEYWORDS[rng.nextInt(KEYWORDS.length)];
        String nu = switch (rng.nextInt(4)) {
            case 0 -> kw;
            case 1 -> w[k].length() > 1 ? w[k].substring(0, w[k].length() - 1) : w[k] + "x";
            case 2 -> w[k].toUpperCase();
            default -> w[k] + "_";
        };
        w[k] = nu;
        lines.set(i, "  " + String.join(" ", w));
        return out(lines, "word '" + nu + "' at line " + (i + 1), i + 1);
    }

    private Broken garbage(List<String> lines) {
        int i = pick(lines);
        String l = lines.get(i);
        int at = rng.nextInt(l.length() + 1);
        String g = GARBAGE[rng.nextInt(GARBAGE.length)];
        lines.set(i, l.substring(0, at) + g + l.substring(at));
        return out(lines, "'" + g.replace("\u0000", "\\0") + "' inserted at line " + (i + 1), i + 1);
    }

    private Broken encoding(String text, List<String> lines) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        switch (rng.nextInt(5)) {
            case 0 -> {
                // a byte that is not UTF-8 inside one line
                int i = pick(lines);
                int start = 0;
                for (int j = 0; j < i; j++)
                    start += lines.get(j).getBytes(StandardCharsets.UTF_8).length + 1;
                byte[] bad = {(byte) (0x80 + rng.nextInt(0x7f))};
                return new Broken(splice(b, start + rng.nextInt(Math.max(1, lines.get(i).length())), bad), "byte not UTF-8 at line " + (i + 1), i + 1);
            }
            case 1 -> {
                return new Broken(text.getBytes(StandardCharsets.UTF_16), "UTF-16", 0);
            }
            case 2 -> {
                return new Broken(text.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8), "CR LF line ends", 0);
            }
            case 3 -> {
                return new Broken(splice(b, rng.nextInt(b.length + 1), new byte[] {0, 0, 0}), "NUL bytes", 0);
            }
            default -> {
                return new Broken(splice(b, 0, new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf}), "UTF-8 byte-order mark", 0);
            }
        }
    }

    private static byte[] splice(byte[] b, int at, byte[] in) {
        byte[] r = new byte[b.length + in.length];
        System.arraycopy(b, 0, r, 0, at);
        System.arraycopy(in, 0, r, at, in.length);
        System.arraycopy(b, at, r, at + in.length, b.length - at);
        return r;
    }

    /** A size beyond the model, or just inside it. */
    private Broken size(List<String> lines) {
        String[] big = {"0x40000000", "0x80000000", "0x100000000", "0x1000000", "0x1001000", "0x7fffffffe000", "0x200000", "16m", "17m"};
        String n = big[rng.nextInt(big.length)];
        String l = switch (rng.nextInt(6)) {
            case 0 -> "map Z 0x20000000 " + n + " rw";
            case 1 -> "map Z 0x20000000 " + n + " r device fill=z";
            case 2 -> "file Z " + n + " fill=z";
            case 3 -> "  write 0x20000000 " + n + " fill=q";
            case 4 -> "  read 0x20000000 " + n;
            default -> "map Z 0x20000000 " + n + " rw fill=none";
        };
        int at = l.startsWith("  ") ? lastActorLine(lines) + 1 : firstMapLine(lines);
        lines.add(at, l);
        return out(lines, "'" + l.strip() + "' at line " + (at + 1), 0);
    }

    /** Many actors or operations (beyond the model or inside it). */
    private Broken many(List<String> lines) {
        boolean actors = rng.nextBoolean();
        int n = rng.nextBoolean() ? 4097 : 200;
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++)
            b.append(actors ? "actor extra" + i + "\n  munmap 0x70000000 0x1000\n" : "  munmap 0x70000000 0x1000\n");
        int at = lastActorLine(lines) + 1;
        lines.add(at, b.toString().stripTrailing());
        return out(lines, n + (actors ? " actors" : " operations"), 0);
    }

    private Broken truncate(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        return new Broken(Arrays.copyOf(b, rng.nextInt(b.length)), "truncated", 0);
    }

    private static int firstMapLine(List<String> lines) {
        for (int i = 0; i < lines.size(); i++)
            if (lines.get(i).startsWith("map ") || lines.get(i).startsWith("actor "))
                return i;
        return lines.size();
    }

    private static int lastActorLine(List<String> lines) {
        int last = -1;
        for (int i = 0; i < lines.size(); i++)
            if (lines.get(i).startsWith("  ") && !lines.get(i).isBlank())
                last = i;
        return last < 0 ? lines.size() - 1 : last;
    }
}
