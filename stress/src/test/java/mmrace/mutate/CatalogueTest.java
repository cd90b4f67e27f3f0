package mmrace.mutate;

import mmrace.runtime.Mutant;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The mutant catalogue (runtime.Mutant) is complete and documented: every mutant constant is an
 * entry (so ./mmrace mutants measures it), every entry has a site in the port (a catalogue entry
 * that changes nothing would be a stub: it could only survive), measures under real variants, names
 * a kernel file and function and a citation, and has its section in docs/MUTANTS.md; the catalogue
 * spreads over every area of the port it is meant to cover.
 */
class CatalogueTest {
    static final Path ROOT = mmrace.scenario.Corpus.dir().getParent();

    /** The public String constants of Mutant: the ids port code passes to Mutant.on. */
    static List<Field> constants() {
        return Stream.of(Mutant.class.getDeclaredFields())
                .filter(f -> Modifier.isPublic(f.getModifiers()) && Modifier.isStatic(f.getModifiers()) && f.getType() == String.class).toList();
    }

    @Test
    void everyMutantConstantIsACatalogueEntry() throws Exception {
        Set<String> ids = new HashSet<>();
        for (Field f : constants()) {
            String id = (String) f.get(null);
            assertNotNull(Mutant.info(id), Mutant.class.getSimpleName() + "." + f.getName() + " = \"" + id
                    + "\" is not in the catalogue: define it with def(...) so that the mutation pass measures it");
            ids.add(id);
        }
        assertEquals(ids.size(), Mutant.catalogue().size(), "every catalogue entry is a constant port code can name");
        assertTrue(Mutant.catalogue().size() >= 25, "at least 25 mutants: " + Mutant.catalogue().size());
    }

    @Test
    void everyEntryHasASiteInThePort() throws Exception {
        StringBuilder port = new StringBuilder();
        try (Stream<Path> s = Files.walk(ROOT.resolve("port/src/main/java/mmrace/port"))) {
            for (Path p : s.filter(p -> p.toString().endsWith(".java")).toList())
                port.append(Files.readString(p));
        }
        for (Field f : constants())
            assertTrue(port.toString().contains("Mutant.on(Mutant." + f.getName() + ")"), "no site in the port switches on " + f.getName());
    }

    @Test
    void everyEntryIsMeasurableAndCited() {
        Set<Mutant.Area> areas = EnumSet.noneOf(Mutant.Area.class);
        for (Mutant.Info m : Mutant.catalogue()) {
            assertFalse(Fuzzing.variants(m).isEmpty(), m.id());
            assertTrue(m.where().matches("[a-z/_.-]+\\.[ch]:[a-z_0-9]+"), m.id() + ": where is file:function, not " + m.where());
            assertTrue(m.cite().length() > 20 && m.bugClass().length() > 20, m.id() + ": a bug class and a citation");
            assertTrue(m.id().matches("[a-z0-9-]+"), m.id());
            areas.add(m.area());
        }
        assertEquals(EnumSet.allOf(Mutant.Area.class), areas, "every area has mutants");
    }

    @Test
    void docsListEveryMutant() throws Exception {
        String doc = Files.readString(ROOT.resolve("docs/MUTANTS.md"));
        for (Mutant.Info m : Mutant.catalogue()) {
            assertTrue(doc.contains("`" + m.id() + "`"), "docs/MUTANTS.md does not list " + m.id());
            assertTrue(doc.contains(m.where()), "docs/MUTANTS.md does not say where " + m.id() + " lives (" + m.where() + ")");
        }
    }

    @Test
    void parseIdsRefusesAnUnknownMutant() {
        assertEquals(List.of(Mutant.NO_RANGE_RECHECK, Mutant.GUP_READ_NO_PERM), Mutant.parseIds("no-range-recheck, gup-read-no-perm"));
        try {
            Mutant.parseIds("no-such-mutant");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage().contains("no-such-mutant"));
            return;
        }
        throw new AssertionError("an unknown mutant was accepted");
    }
}
