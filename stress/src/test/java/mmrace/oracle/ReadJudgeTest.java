package mmrace.oracle;

import mmrace.oracle.ReadRecord.ChunkView;
import mmrace.oracle.ReadRecord.Instant;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The read judge on constructed histories, without the port. Each history is the reviewers' read:
 * 16 bytes at 0x11ff8, 8 bytes from VMA A's last page and 8 from B's first page, as the patch's
 * reviewers first drew it (the tear, docs/ORACLE.md; corpus/reviewers-race.scn).
 * Identities "A:17" name page 17 of mapping A; contents are 8-byte runs of one letter.
 */
class ReadJudgeTest {
    static final long ADDR = 0x11ff8;

    static ChunkView page(String id, char c) {
        byte[] b = new byte[8];
        Arrays.fill(b, (byte) c);
        return new ChunkView(id, true, b);
    }

    static ChunkView unreadable(String id, char c) {
        ChunkView v = page(id, c);
        return new ChunkView(id, false, v.content());
    }

    static Instant at(long step, long gen, ChunkView... cs) {
        return new Instant(step, gen, cs);
    }

    static ReadRecord read(String result, Instant... history) {
        ReadRecord r = new ReadRecord("reader", ADDR, 16, 0);
        r.beginStep = history[0].step();
        r.endStep = 100;
        r.instants.addAll(Arrays.asList(history));
        r.bytes = result.getBytes();
        r.n = result.length();
        return r;
    }

    /** Nothing changed during the read: what A|B held is acceptable. */
    @Test
    void quietReadIsAcceptable() {
        Verdict v = ReadJudge.judge(read("aaaaaaaabbbbbbbb", at(1, 0, page("A:17", 'a'), page("B:18", 'b'))));
        assertEquals(Verdict.Cls.ACCEPTABLE, v.cls());
    }

    /**
     * The tear (docs/ORACLE.md, the smallest tear; corpus/reviewers-race.scn): one MAP_FIXED replaced A and B by C between the reader's
     * two VMA locks. Layouts were a|b and c|c only; a|c matches neither: forbidden torn-read.
     */
    @Test
    void bothReplacedIsTorn() {
        Verdict v = ReadJudge.judge(read("aaaaaaaacccccccc",
                at(1, 0, page("A:17", 'a'), page("B:18", 'b')),
                at(40, 1, page("C:16", 'c'), page("C:17", 'c'))));
        assertEquals(Verdict.Cls.FORBIDDEN, v.cls());
        assertEquals(Reason.TORN_READ, v.reason());
    }

    /**
     * Only B was replaced (munmap B, mmap B', write c): at the last instant A still held a and B'
     * held c, so a|c is the memory of one instant. Allowed, and interesting: two layouts were seen.
     */
    @Test
    void neighbourReplacedIsConsistentWithOneInstant() {
        Verdict v = ReadJudge.judge(read("aaaaaaaacccccccc",
                at(1, 0, page("A:17", 'a'), page("B:18", 'b')),
                at(30, 1, page("A:17", 'a'), ChunkView.UNMAPPED),
                at(50, 2, page("A:17", 'a'), page("B2:18", 'c'))));
        assertEquals(Verdict.Cls.INTERESTING, v.cls());
        assertEquals(Reason.MULTI_LAYOUT, v.reason());
    }

    /**
     * A thread of the target wrote page 1 (a -> x) and then page 2 (b -> c) while the reader copied
     * page 1 before the first write and page 2 after the second. No instant held a|c, but both
     * pages belong to one layout and each byte was there at some instant: a content mix (A6).
     * Interesting, not forbidden: the slow path, under mmap_read_lock, can return this too.
     */
    @Test
    void contentChangeWithinOneLayoutIsAContentMix() {
        Verdict v = ReadJudge.judge(read("aaaaaaaacccccccc",
                at(1, 0, page("A:17", 'a'), page("A:18", 'b')),
                at(20, 0, page("A:17", 'x'), page("A:18", 'b')),
                at(30, 0, page("A:17", 'x'), page("A:18", 'c'))));
        assertEquals(Verdict.Cls.INTERESTING, v.cls());
        assertEquals(Reason.CONTENT_MIX, v.reason());
    }

    /**
     * The read copies A's bytes; A is then unmapped (a new layout), and only then is B written. B's
     * page keeps its identity across the layouts, but 'c' was only ever in B in the layout where A
     * was gone: no instant held a|c, and no one layout did either. Torn, not a content mix.
     */
    @Test
    void neighbourBytesFromALaterLayoutAreTorn() {
        Verdict v = ReadJudge.judge(read("aaaaaaaacccccccc",
                at(1, 0, page("A:17", 'a'), page("B:18", 'b')),
                at(30, 1, ChunkView.UNMAPPED, page("B:18", 'b')),
                at(50, 1, ChunkView.UNMAPPED, page("B:18", 'c'))));
        assertEquals(Verdict.Cls.FORBIDDEN, v.cls(), v.toString());
        assertEquals(Reason.TORN_READ, v.reason());
    }

    /**
     * The same when A stays mapped but becomes unreadable to this reader (mprotect PROT_NONE, a read
     * without FOLL_FORCE): A's bytes are still there at the later instants, but not readable.
     */
    @Test
    void neighbourBytesAfterThePrefixBecameUnreadableAreTorn() {
        Verdict v = ReadJudge.judge(read("aaaaaaaacccccccc",
                at(1, 0, page("A:17", 'a'), page("B:18", 'b')),
                at(30, 1, unreadable("A:17", 'a'), page("B:18", 'b')),
                at(50, 1, unreadable("A:17", 'a'), page("B:18", 'c'))));
        assertEquals(Verdict.Cls.FORBIDDEN, v.cls(), v.toString());
        assertEquals(Reason.TORN_READ, v.reason());
    }

    /**
     * Within one layout, a byte is explained only by an instant at which its address was readable:
     * B held 'c' only while a file truncation made it unreadable (SIGBUS), so 'c' is a permission
     * bypass, not a content mix.
     */
    @Test
    void bytesHeldOnlyWhileUnreadableAreNoContentMix() {
        Verdict v = ReadJudge.judge(read("aaaaaaaacccccccc",
                at(1, 0, page("A:17", 'a'), page("B:18", 'b')),
                at(30, 0, page("A:17", 'a'), unreadable("B:18", 'c'))));
        assertEquals(Verdict.Cls.FORBIDDEN, v.cls(), v.toString());
        assertEquals(Reason.PERMISSION_BYPASS, v.reason());
    }

    /** A content mix whose instants all lie in the later layout is still a content mix (of that layout). */
    @Test
    void contentMixWithinTheLaterLayoutIsInteresting() {
        Verdict v = ReadJudge.judge(read("xxxxxxxxcccccccc",
                at(1, 0, page("A:17", 'a'), page("B:18", 'b')),
                at(30, 1, page("A:17", 'x'), page("B2:18", 'b')),
                at(40, 1, page("A:17", 'y'), page("B2:18", 'c'))));
        assertEquals(Verdict.Cls.INTERESTING, v.cls(), v.toString());
        assertEquals(Reason.CONTENT_MIX, v.reason());
    }

    /** The same bytes are explained by one instant when the writes went the other way round. */
    @Test
    void zapThenWriteMatchingOneInstantIsAcceptable() {
        Verdict v = ReadJudge.judge(read("xxxxxxxx\0\0\0\0\0\0\0\0",
                at(1, 0, page("A:17", 'a'), page("A:18", 'b')),
                at(20, 0, page("A:17", 'a'), page("A:18", '\0')),
                at(30, 0, page("A:17", 'x'), page("A:18", '\0'))));
        assertEquals(Verdict.Cls.ACCEPTABLE, v.cls());
    }

    /** A short read after B was unmapped during the read, consistent with the post-munmap layout (A3). */
    @Test
    void shortReadAfterUnmapIsInteresting() {
        Verdict v = ReadJudge.judge(read("aaaaaaaa",
                at(1, 0, page("A:17", 'a'), page("B:18", 'b')),
                at(30, 1, page("A:17", 'a'), ChunkView.UNMAPPED)));
        assertEquals(Verdict.Cls.INTERESTING, v.cls());
        assertEquals(Reason.SHORT_READ, v.reason());
    }

    /**
     * Stopping short while the next page stayed readable the whole time has no explanation the oracle
     * knows: needs triage (its own limit), not a forbidden kernel outcome.
     */
    @Test
    void unjustifiedShortReadNeedsTriage() {
        Verdict v = ReadJudge.judge(read("aaaaaaaa", at(1, 0, page("A:17", 'a'), page("B:18", 'b'))));
        assertEquals(Verdict.Cls.NEEDS_TRIAGE, v.cls());
        assertEquals(Reason.UNEXPLAINED, v.reason());
    }

    /** A chunk as a present PTE maps it: page {@code folio}. */
    static ChunkView mapped(String id, char c, long folio) {
        return new ChunkView(id, true, page(id, c).content(), folio);
    }

    static ReadRecord.Pinned[][] pins(ReadRecord.Pinned... second) {
        return new ReadRecord.Pinned[][] {{}, second};
    }

    static ReadRecord.Pinned pin(long folio, char c) {
        return new ReadRecord.Pinned(folio, page("", c).content());
    }

    /**
     * A GUP read pin outlives its PTE: D's page-cache folio 7 is mapped at 0x12000 when the read
     * takes it; a store COWs D to folio 8, then a store through a shared mapping E of the same file
     * page writes 's' into folio 7; the read copies 's'. D never mapped 's', but folio 7 held it at
     * the copy: explained, interesting pinned-folio.
     */
    @Test
    void bytesOfAPinnedFolioAfterCowArePinnedFolio() {
        Verdict v = ReadJudge.judge(read("aaaaaaaassssssss",
                at(1, 0, page("A:17", 'a'), mapped("D:1", 'c', 7)),
                new Instant(20, 0, new ChunkView[] {page("A:17", 'a'), mapped("D:1", 'c', 8)}, pins(pin(7, 'c'))),
                new Instant(30, 0, new ChunkView[] {page("A:17", 'a'), mapped("D:1", 'c', 8)}, pins(pin(7, 's')))));
        assertEquals(Verdict.Cls.INTERESTING, v.cls(), v.toString());
        assertEquals(Reason.PINNED_FOLIO, v.reason());
    }

    /**
     * Only a folio that was mapped readable at the address explains bytes: the same contents in a
     * page never mapped there (folio 9) explain nothing, and the read needs triage.
     */
    @Test
    void aFolioNeverMappedThereExplainsNothing() {
        Verdict v = ReadJudge.judge(read("aaaaaaaassssssss",
                at(1, 0, page("A:17", 'a'), mapped("D:1", 'c', 7)),
                new Instant(30, 0, new ChunkView[] {page("A:17", 'a'), mapped("D:1", 'c', 8)}, pins(pin(9, 's')))));
        assertEquals(Verdict.Cls.NEEDS_TRIAGE, v.cls(), v.toString());
        assertEquals(Reason.UNEXPLAINED, v.reason());
    }

    /** A pinned folio's contents from a later layout do not explain a read of an earlier one. */
    @Test
    void aPinnedFolioInALaterLayoutIsTorn() {
        Verdict v = ReadJudge.judge(read("aaaaaaaassssssss",
                at(1, 0, page("A:17", 'a'), mapped("D:1", 'c', 7)),
                new Instant(30, 1, new ChunkView[] {ChunkView.UNMAPPED, mapped("D:1", 'c', 8)}, pins(pin(7, 's')))));
        assertEquals(Verdict.Cls.FORBIDDEN, v.cls(), v.toString());
        assertEquals(Reason.TORN_READ, v.reason());
    }

    /** Bytes that only ever sat in a page the caller may not read (PROT_NONE without FOLL_FORCE): F3. */
    @Test
    void bytesFromUnreadablePageAreAPermissionBypass() {
        Verdict v = ReadJudge.judge(read("aaaaaaaabbbbbbbb", at(1, 0, page("A:17", 'a'), unreadable("B:18", 'b'))));
        assertEquals(Verdict.Cls.FORBIDDEN, v.cls());
        assertEquals(Reason.PERMISSION_BYPASS, v.reason());
    }

    /** Freed pages are poisoned with 0xaa: returning poison that was never in the range is F2. */
    @Test
    void poisonIsFreedMemory() {
        byte[] b = new byte[16];
        Arrays.fill(b, 0, 8, (byte) 'a');
        Arrays.fill(b, 8, 16, (byte) 0xaa);
        ReadRecord r = read("aaaaaaaabbbbbbbb", at(1, 0, page("A:17", 'a'), page("B:18", 'b')));
        r.bytes = b;
        Verdict v = ReadJudge.judge(r);
        assertEquals(Verdict.Cls.FORBIDDEN, v.cls());
        assertEquals(Reason.FREED_MEMORY, v.reason());
    }

    /** A fallback inside a read that is otherwise quiet is interesting (A7), not forbidden. */
    @Test
    void fallbackIsInteresting() {
        ReadRecord r = read("aaaaaaaabbbbbbbb", at(1, 0, page("A:17", 'a'), page("B:18", 'b')));
        r.fellBack = true;
        assertEquals(Reason.FAST_FALLBACK, ReadJudge.judge(r).reason());
    }
}
