package mmrace.jcstress;

import mmrace.runtime.Page;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The outcome string of a JCStress read: it names the SOURCE of the bytes read, page chunk by page
 * chunk, so that a JCStress report reads as the race. Every mapping of a test is filled with one
 * letter, and a chunk (the part of the read range inside one page, as the oracle cuts it:
 * {@link mmrace.oracle.ReadRecord#chunkStart}) is named by the letter it holds:
 *
 * <ul>
 * <li>{@code A}..{@code Y}: every byte of the chunk is that letter in lower case (the fill of
 *     mapping A, B, ...);
 * <li>{@code Z}: zeros: a page never written (a fresh anonymous page, the zero page);
 * <li>{@code POISON}: 0xaa, the poison of a freed page; {@code 0xNN}: another single byte;
 *     {@code MIXED(..)}: several values inside one chunk.
 * </ul>
 *
 * Chunks are joined by {@code |}; a read that returned fewer bytes than asked ends with
 * {@code short:N} (N bytes returned). A 16-byte read at 0x11ff8 (8 bytes of page 0x11000, 8 of page
 * 0x12000) gives {@code A|B}, {@code C|C}, {@code A|Z}, {@code A|short:8} or {@code short:0}. The
 * arbiter appends {@code ,leak:REASON} when the final-state check fails (REASON is an
 * {@link mmrace.oracle.Reason} code) and {@code ,writer:WHAT} when a writer's system call failed.
 */
public final class Outcomes {
    private Outcomes() {}

    static final int PAGE = Page.PAGE_SIZE;

    /** The outcome string of a read of {@code len} bytes at {@code addr} that returned n bytes into buf. */
    public static String name(long addr, int len, byte[] buf, int n) {
        List<String> parts = new ArrayList<>();
        int copied = Math.max(0, Math.min(n, len));
        for (int c = 0; c < chunks(addr, len); c++) {
            int from = (int) (chunkStart(addr, c) - addr), to = (int) Math.min(chunkEnd(addr, len, c) - addr, copied);
            if (from >= copied)
                break;
            parts.add(token(buf, from, to));
        }
        if (n != len)
            parts.add("short:" + n);
        return String.join("|", parts);
    }

    /** The name of bytes [from, to) of buf. */
    static String token(byte[] buf, int from, int to) {
        Set<String> seen = new LinkedHashSet<>();
        for (int i = from; i < to; i++)
            seen.add(token(buf[i]));
        if (seen.size() == 1)
            return seen.iterator().next();
        return "MIXED(" + String.join("+", seen) + ")";
    }

    static String token(byte b) {
        int v = b & 0xff;
        if (v == 0)
            return "Z";
        if (v >= 'a' && v < 'z')
            return String.valueOf((char) (v - 'a' + 'A'));
        if (b == Page.PAGE_POISON)
            return "POISON";
        return String.format("0x%02x", v);
    }

    /**
     * The bytes an outcome string stands for (only chunk letters and {@code short:N}; what the
     * reader would have returned). The inverse of {@link #name} for the outcomes tests declare.
     */
    public static Read parse(long addr, int len, String outcome) {
        String[] parts = outcome.split("\\|");
        byte[] buf = new byte[len];
        int n = len;
        int c = 0;
        for (String p : parts) {
            if (p.startsWith("short:")) {
                n = Integer.parseInt(p.substring(6));
                continue;
            }
            byte fill;
            if (p.equals("Z"))
                fill = 0;
            else if (p.length() == 1 && p.charAt(0) >= 'A' && p.charAt(0) < 'Z')
                fill = (byte) (p.charAt(0) - 'A' + 'a');
            else
                throw new IllegalArgumentException("not a chunk name: '" + p + "' in " + outcome);
            int from = (int) (chunkStart(addr, c) - addr), to = (int) (chunkEnd(addr, len, c) - addr);
            Arrays.fill(buf, from, to, fill);
            c++;
        }
        if (n < len)
            Arrays.fill(buf, n, len, (byte) 0);
        int named = c == 0 ? 0 : (int) (chunkEnd(addr, len, c - 1) - addr);
        if (named != n)
            throw new IllegalArgumentException(outcome + ": " + c + " chunks named for " + n + " bytes");
        return new Read(Arrays.copyOf(buf, n), n);
    }

    /** What a read returned: bytes (n of them) and the count. */
    public record Read(byte[] bytes, int n) {}

    /** The regular expression JCStress needs for an outcome ({@code @Outcome} ids are regexps): '|' quoted. */
    public static String id(String outcome) {
        return outcome.replace("|", "\\|");
    }

    /** The outcome an {@code @Outcome} id stands for (the inverse of {@link #id}). */
    public static String outcome(String id) {
        return id.replace("\\|", "|");
    }

    static int chunks(long addr, int len) {
        if (len <= 0)
            return 0;
        long first = addr & -PAGE, last = (addr + len - 1) & -PAGE;
        return (int) ((last - first) / PAGE) + 1;
    }

    static long chunkStart(long addr, int i) {
        return i == 0 ? addr : (addr & -PAGE) + (long) i * PAGE;
    }

    static long chunkEnd(long addr, int len, int i) {
        return Math.min((addr & -PAGE) + (long) (i + 1) * PAGE, addr + len);
    }
}
