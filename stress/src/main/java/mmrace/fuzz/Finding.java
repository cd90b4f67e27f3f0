package mmrace.fuzz;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import mmrace.scenario.Op;
import mmrace.scenario.Scenario;
import mmrace.scenario.Variant;

/** Signatures that deduplicate findings, and the shape of a scenario they are made of. */
public final class Finding {
    private Finding() {}

    /** What an operation is, without its numbers: {@code mmap-fixed}, {@code mremap-move}, {@code read-anon}. */
    public static String kind(Op op) {
        return switch (op) {
            case Op.Read r -> "read" + ((r.flags() & Op.Foll.ANON) != 0 ? "-anon" : (r.flags() & Op.Foll.FORCE) == 0 ? "-noforce" : "");
            case Op.Poke p -> "poke" + ((p.flags() & Op.Foll.FORCE) == 0 ? "-noforce" : "");
            case Op.Mmap m -> "mmap" + (m.fixed() ? "-fixed" : "") + (m.shared() ? "-shared" : "") + (m.file() != null ? "-file" : "")
                    + (m.growsdown() ? "-growsdown" : "");
            case Op.Munmap m -> "munmap";
            case Op.Mremap m -> "mremap-" + (m.dontunmap() ? "dontunmap" : m.fixedTo() != null ? "fixed"
                    : m.newLen() < m.oldLen() ? "shrink" : m.newLen() == m.oldLen() ? "same" : m.maymove() ? "move" : "expand");
            case Op.Mprotect m -> "mprotect";
            case Op.Madvise m -> "madvise-" + m.advice();
            case Op.Write w -> "write";
            case Op.Reclaim r -> "reclaim";
            case Op.Collapse c -> "collapse";
            case Op.Fork f -> "fork";
            case Op.Exit e -> "exit";
        };
    }

    /**
     * The mechanisms of a scenario: the kinds of its operations that change the address space or
     * its pages (mmap, munmap, mremap, mprotect, madvise, reclaim, collapse), each once, sorted;
     * remote reads and writes and user writes are the context every race has. "{mmap-fixed}",
     * "{munmap,mremap-fixed}".
     */
    public static String mechanisms(Scenario s) {
        java.util.TreeSet<String> k = new java.util.TreeSet<>();
        for (Scenario.Actor a : s.actors)
            for (Op op : a.ops())
                if (!(op instanceof Op.Read) && !(op instanceof Op.Poke) && !(op instanceof Op.Write))
                    k.add(kind(op));
        return "{" + String.join(",", k) + "}" + (s.injects.isEmpty() ? "" : " inject");
    }

    /**
     * "fast-v1 torn-read {mmap-fixed}": the variant, the reason and the mechanisms. A campaign on
     * fast-v1 saved 146 tears in 7 minutes when this was the shape of every actor
     * ([read+read] [write+munmap] ...); by mechanism they are a handful, each a race a reviewer names.
     */
    public static String describe(Scenario s, Variant v, String reason) {
        return v.id + " " + reason + " " + mechanisms(s);
    }

    /**
     * With a known root cause (the oracle's {@code rootCause()}): "unexplained via generic_access_phys
     * copies past the looked-up page", the same for every variant and every shape: one bug.
     */
    public static String describe(Scenario s, Variant v, String reason, String rootCause) {
        return rootCause == null ? describe(s, v, reason) : reason + " via " + rootCause;
    }

    /** 12 hex digits of SHA-256 of {@link #describe}: equal for findings that minimised to the same shape. */
    public static String signature(Scenario s, Variant v, String reason) {
        return sha256(describe(s, v, reason)).substring(0, 12);
    }

    public static String signature(Scenario s, Variant v, String reason, String rootCause) {
        return sha256(describe(s, v, reason, rootCause)).substring(0, 12);
    }

    /** The root cause the oracle saw in this execution, or null (also for targets without the oracle). */
    public static String rootCause(Target.Run r) {
        return r == null || r.oracle() == null ? null : r.oracle().rootCause();
    }

    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });

    static String sha256(String text) {
        MessageDigest d = SHA256.get(); // digest() resets it
        return HexFormat.of().formatHex(d.digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Makes text safe for a {@code desc} line: one line, no comment character. */
    static String oneLine(String s) {
        String t = s.replace('\n', ' ').replace('\r', ' ').replace('#', '%').strip();
        return t.length() > 400 ? t.substring(0, 400) + "..." : t;
    }
}
