package mmrace.jcstress;

import mmrace.oracle.ReadJudge;
import mmrace.oracle.ReadRecord;
import mmrace.oracle.ReadRecord.ChunkView;
import mmrace.oracle.ReadRecord.Instant;
import mmrace.oracle.Verdict;
import mmrace.port.MmTypes;
import org.junit.jupiter.api.Test;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.Outcome;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The JCStress tests' {@code @Outcome} grades come from the same oracle the scheduler uses. For each
 * race, the history below writes down what the read range held while the race ran: one instant per
 * state a locked reader could see (a new layout at each mmap write release, new contents at each
 * page-table or page store), as the {@link mmrace.oracle.Oracle} records it, with the identity of
 * the page behind each chunk ("C:11" = page 0x11 of mapping C) and its bytes. Each declared outcome
 * is turned back into the bytes it names ({@link Outcomes#parse}) and judged by
 * {@link ReadJudge#judge} against every stretch [i..j] of the history: JCStress cannot tell when the
 * read ran relative to the writer, so an outcome is as good as the best read interval that explains
 * it. FORBIDDEN must be the oracle's forbidden, ACCEPTABLE_INTERESTING its interesting,
 * ACCEPTABLE its acceptable; and every outcome over the race's letters that the oracle does NOT
 * forbid must be declared, so that the catch-all FORBIDDEN never grades an explainable outcome.
 */
class RaceExpectationsTest {
    /** What the read range held, instant by instant, during each race. */
    static final Map<Race, List<Instant>> HISTORY = new EnumMap<>(Race.class);

    static {
        // a|b; MAP_FIXED C (fresh: zeros); the store of c reaches page 0x11000, then 0x12000
        HISTORY.put(Race.MAP_FIXED, List.of(
                at(0, "A:11=a", "B:12=b"),
                at(1, "C:11=z", "C:12=z"),
                at(1, "C:11=c", "C:12=z"),
                at(1, "C:11=c", "C:12=c")));
        // a|b; B unmapped; B2 mapped (fresh); B2 written with d
        HISTORY.put(Race.NEIGHBOUR, List.of(
                at(0, "A:11=a", "B:12=b"),
                at(1, "A:11=a", "-"),
                at(2, "A:11=a", "B2:12=z"),
                at(2, "A:11=a", "B2:12=d")));
        // a|b; M moved in whole (under mmap_lock for writing, its VMAs write-locked): m|m
        HISTORY.put(Race.MREMAP, List.of(
                at(0, "A:11=a", "B:12=b"),
                at(1, "M:41=m", "M:42=m")));
        // A split at 0x11000 (PROT_NONE: still readable with FOLL_FORCE), merged back
        HISTORY.put(Race.MPROTECT, List.of(
                at(0, "A:10=a", "A:11=a"),
                at(1, "A:10=a", "A:11=a"),
                at(2, "A:10=a", "A:11=a")));
        // a|z (A's second page never touched); MAP_FIXED C; c stored page by page
        HISTORY.put(Race.PREFIX_FALLBACK, List.of(
                at(0, "A:10=a", "A:11=z"),
                at(1, "C:10=z", "C:11=z"),
                at(1, "C:10=c", "C:11=z"),
                at(1, "C:10=c", "C:11=c")));
        // one layout: the zap clears the PTEs in address order, then x is stored to the second page
        HISTORY.put(Race.DONTNEED, List.of(
                at(0, "A:10=a", "A:11=a"),
                at(0, "A:10=z", "A:11=a"),
                at(0, "A:10=z", "A:11=z"),
                at(0, "A:10=z", "A:11=x")));
        // reclaim changes where the bytes are (page, swap cache, swap), never what they are
        HISTORY.put(Race.RECLAIM, List.of(
                at(0, "A:10=a", "A:11=b")));
        // collapse copies the bytes into the THP; same layout, same contents
        HISTORY.put(Race.THP_COLLAPSE, List.of(
                at(0, "A:200=a", "A:201=b")));
    }

    /** One instant: layout generation and the view of each chunk ("ID=x", x a letter or z for zeros; "-" unmapped). */
    static Instant at(long gen, String... chunks) {
        ChunkView[] cv = new ChunkView[chunks.length];
        for (int i = 0; i < chunks.length; i++) {
            if (chunks[i].equals("-")) {
                cv[i] = ChunkView.UNMAPPED;
                continue;
            }
            String[] p = chunks[i].split("=");
            byte[] content = new byte[8];
            Arrays.fill(content, p[1].equals("z") ? 0 : (byte) p[1].charAt(0));
            cv[i] = new ChunkView(p[0], true, content);
        }
        return new Instant(0, gen, cv);
    }

    /** The oracle's class for an outcome of race: the best verdict over every stretch of its history. */
    static Verdict.Cls judge(Race race, String outcome) {
        Outcomes.Read read = Outcomes.parse(race.addr, race.len, outcome);
        List<Instant> h = HISTORY.get(race);
        Verdict.Cls best = Verdict.Cls.FORBIDDEN;
        for (int i = 0; i < h.size(); i++)
            for (int j = i; j < h.size(); j++) {
                ReadRecord r = new ReadRecord("reader", race.addr, race.len, MmTypes.FOLL_FORCE);
                for (int k = i; k <= j; k++) {
                    Instant x = h.get(k);
                    r.instants.add(new Instant(10L * k, x.gen(), x.chunks()));
                }
                r.beginStep = 10L * i;
                r.endStep = 10L * j + 5;
                r.bytes = read.bytes();
                r.n = read.n();
                Verdict.Cls c = ReadJudge.judge(r).cls();
                if (c == Verdict.Cls.NEEDS_TRIAGE)
                    c = Verdict.Cls.FORBIDDEN; // JCStress has no triage grade: its catch-all grades what nobody explained Forbidden
                if (c.ordinal() < best.ordinal())
                    best = c;
            }
        return best;
    }

    static Verdict.Cls cls(Expect e) {
        return switch (e) {
            case ACCEPTABLE -> Verdict.Cls.ACCEPTABLE;
            case ACCEPTABLE_INTERESTING -> Verdict.Cls.INTERESTING;
            case FORBIDDEN -> Verdict.Cls.FORBIDDEN;
            default -> throw new AssertionError("unexpected grade " + e);
        };
    }

    /** The declared outcomes of a test class (id to grade), without the catch-all. */
    static Map<String, Expect> declared(Class<?> test) {
        Map<String, Expect> m = new LinkedHashMap<>();
        for (Outcome o : test.getAnnotationsByType(Outcome.class))
            for (String id : o.id())
                if (!id.isEmpty())
                    m.put(id, o.expect());
        return m;
    }

    static Class<?> testClass(Safety.Test t) {
        try {
            return Class.forName(t.race().holderClassName() + "$" + Safety.camel(t.variant().id));
        } catch (ClassNotFoundException e) {
            throw new AssertionError("no test class for " + t.name(), e);
        }
    }

    /** Every declared grade is the oracle's class for that outcome. */
    @Test
    void everyGradeIsTheOraclesClass() {
        List<String> wrong = new ArrayList<>();
        for (Safety.Test t : Safety.tests())
            for (Map.Entry<String, Expect> e : declared(testClass(t)).entrySet()) {
                String outcome = Outcomes.outcome(e.getKey());
                Verdict.Cls oracle = judge(t.race(), outcome);
                if (oracle != cls(e.getValue()))
                    wrong.add(t.name() + " " + outcome + ": declared " + e.getValue() + ", the oracle says " + oracle.word());
            }
        assertEquals(List.of(), wrong);
    }

    /**
     * Each id is the regexp that matches exactly the outcome string it stands for (JCStress ids
     * are regexps: '|' must be quoted), and each test ends with the catch-all: FORBIDDEN, no id.
     */
    @Test
    void idsMatchTheirOutcomeAndACatchAllIsForbidden() {
        for (Safety.Test t : Safety.tests()) {
            Class<?> c = testClass(t);
            Map<String, Expect> d = declared(c);
            assertFalse(d.isEmpty(), t.name());
            for (String id : d.keySet()) {
                String outcome = Outcomes.outcome(id);
                assertTrue(Pattern.compile(id).matcher(outcome).matches(), t.name() + ": " + id);
                assertEquals(outcome, Outcomes.name(t.race().addr, t.race().len,
                        Arrays.copyOf(Outcomes.parse(t.race().addr, t.race().len, outcome).bytes(), t.race().len),
                        Outcomes.parse(t.race().addr, t.race().len, outcome).n()), "round trip of " + outcome);
                for (String other : d.keySet())
                    if (!other.equals(id))
                        assertFalse(Pattern.compile(id).matcher(Outcomes.outcome(other)).matches(), id + " also matches " + other);
            }
            int catchAll = 0;
            for (Outcome o : c.getAnnotationsByType(Outcome.class))
                if (o.id().length == 0 || (o.id().length == 1 && o.id()[0].isEmpty())) {
                    assertEquals(Expect.FORBIDDEN, o.expect(), t.name() + ": the catch-all");
                    catchAll++;
                }
            assertEquals(1, catchAll, t.name() + ": one catch-all");
        }
    }

    /**
     * Completeness: every outcome over the race's letters (each chunk any letter its history holds,
     * or the read stopped after the first chunk, or before any) that the oracle does not forbid is
     * declared. Otherwise JCStress's catch-all would call an explainable read forbidden.
     */
    @Test
    void everyOutcomeTheOracleAllowsIsDeclared() {
        for (Race race : Race.values()) {
            Set<String> letters = new LinkedHashSet<>();
            for (Instant i : HISTORY.get(race))
                for (ChunkView v : i.chunks())
                    if (v.content() != null)
                        letters.add(Outcomes.token(v.content()[0]));
            letters.add("Z");
            List<String> candidates = new ArrayList<>(List.of("short:0"));
            for (String a : letters) {
                candidates.add(a + "|short:8");
                for (String b : letters)
                    candidates.add(a + "|" + b);
            }
            for (TestOf v : TestOf.of(race)) {
                Map<String, Expect> d = declared(v.test());
                for (String o : candidates) {
                    Verdict.Cls oracle = judge(race, o);
                    if (oracle != Verdict.Cls.FORBIDDEN && !d.containsKey(Outcomes.id(o)))
                        fail(v.name() + ": the oracle grades " + o + " " + oracle.word() + " but the test does not declare it");
                }
            }
        }
    }

    /** Every test of a race declares the same outcomes with the same grades (they differ only in the read path). */
    @Test
    void testsOfOneRaceAgree() {
        for (Race race : Race.values()) {
            Map<String, Expect> first = null;
            for (TestOf v : TestOf.of(race)) {
                Map<String, Expect> d = declared(v.test());
                if (first == null)
                    first = d;
                assertEquals(first, d, v.name());
            }
        }
    }

    /** The reviewers' race, spelled out: the tear the scheduler finds is forbidden here too. */
    @Test
    void reviewersRaceGrades() {
        assertEquals(Verdict.Cls.ACCEPTABLE, judge(Race.MAP_FIXED, "A|B"));
        assertEquals(Verdict.Cls.ACCEPTABLE, judge(Race.MAP_FIXED, "C|C"));
        assertEquals(Verdict.Cls.INTERESTING, judge(Race.MAP_FIXED, "Z|C"));
        assertEquals(Verdict.Cls.FORBIDDEN, judge(Race.MAP_FIXED, "A|Z"));
        assertEquals(Verdict.Cls.FORBIDDEN, judge(Race.MAP_FIXED, "A|C"));
        assertEquals(Verdict.Cls.FORBIDDEN, judge(Race.MAP_FIXED, "A|short:8"), "the range stayed mapped");
        assertEquals(Verdict.Cls.ACCEPTABLE, judge(Race.NEIGHBOUR, "A|short:8"), "B unmapped at that instant");
        assertEquals(Verdict.Cls.FORBIDDEN, judge(Race.NEIGHBOUR, "short:0"), "A stayed readable");
    }

    /** A test class of a race with its name, for messages. */
    record TestOf(String name, Class<?> test) {
        static List<TestOf> of(Race race) {
            List<TestOf> l = new ArrayList<>();
            for (Safety.Test t : Safety.tests())
                if (t.race() == race)
                    l.add(new TestOf(t.name(), testClass(t)));
            return l;
        }
    }
}
