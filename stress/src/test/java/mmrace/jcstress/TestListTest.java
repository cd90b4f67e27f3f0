package mmrace.jcstress;

import mmrace.port.Memory.ReadPath;
import mmrace.scenario.Variant;
import org.junit.jupiter.api.Test;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JCStress jar runs what its META-INF/TestList lists (the annotation processor writes it at
 * compile time; the shade plugin appends it into target/jcstress.jar at package time, after the
 * tests). So: the TestList on the class path lists exactly the matrix of {@link Safety#tests()},
 * every holder class's {@code @JCStressTest} classes are in it, and Safety decides every one.
 */
class TestListTest {
    /** Test names in META-INF/TestList resources ("JCTEST" records: a length-prefixed name first). */
    static Set<String> listed() throws IOException {
        Set<String> names = new TreeSet<>();
        Enumeration<URL> urls = TestListTest.class.getClassLoader().getResources("META-INF/TestList");
        while (urls.hasMoreElements()) {
            try (InputStream in = urls.nextElement().openStream()) {
                for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                    if (!line.startsWith("JCTEST"))
                        continue;
                    int s = line.indexOf('S', 6);
                    int len = Integer.parseInt(line.substring(6, s));
                    names.add(line.substring(s + 1, s + 1 + len));
                }
            }
        }
        return names;
    }

    static Set<String> matrix() {
        Set<String> names = new TreeSet<>();
        for (Safety.Test t : Safety.tests())
            names.add(t.name());
        return names;
    }

    @Test
    void testListHasTheWholeMatrix() throws IOException {
        Set<String> listed = new TreeSet<>();
        for (String n : listed())
            if (n.startsWith("mmrace."))
                listed.add(n);
        assertEquals(matrix(), listed);
        assertEquals(44, listed.size(), "7 variants for map-fixed, prefix-fallback, dontneed, thp-collapse; 4 for the rest");
    }

    /** Every nested class of a holder is a JCStress test and state of the matrix, and nothing else is. */
    @Test
    void holdersHoldTheMatrix() throws ClassNotFoundException {
        Set<String> found = new TreeSet<>();
        for (Race r : Race.values()) {
            Class<?> holder = Class.forName(r.holderClassName());
            for (Class<?> c : holder.getDeclaredClasses()) {
                assertNotNull(c.getAnnotation(JCStressTest.class), c.getName());
                assertNotNull(c.getAnnotation(State.class), c.getName());
                found.add(c.getName().replace('$', '.'));
            }
        }
        assertEquals(matrix(), found);
    }

    /** The gate's question has an answer for every listed test, and the rule is the documented one. */
    @Test
    void safetyDecidesEveryTest() throws IOException {
        List<String> safe = new ArrayList<>();
        for (String n : listed())
            if (n.startsWith("mmrace.") && Safety.expectedSafe(n))
                safe.add(n.substring("mmrace.jcstress.".length()));
        assertTrue(safe.contains("MapFixedRace.Slow"));
        assertTrue(safe.contains("MapFixedRace.FastOneVma"), "two VMAs: slow path whole");
        assertTrue(safe.contains("MapFixedRace.FastOneVmaIrqoff"));
        assertFalse(safe.contains("MapFixedRace.FastV1"));
        assertFalse(safe.contains("PrefixFallbackRace.FastOneVma"), "one VMA: the prefix+fallback tear");
        assertTrue(safe.contains("PrefixFallbackRace.FastOneVmaRedoIrqoff"));
        assertEquals(Safety.expectedSafe("mmrace.jcstress.MremapRace.FastOneVma"), Safety.expectedSafe("mmrace.jcstress.MremapRace$FastOneVma"));
        assertEquals(Safety.expectedSafe("MremapRace.FastOneVma"), Safety.expectedSafe(Race.MREMAP, Variant.FAST_ONE_VMA));
        for (Race r : Race.values())
            for (Variant v : r.variants)
                assertEquals(v == Variant.SLOW || v.path == ReadPath.FAST_ONE_VMA_REDO || (v.path == ReadPath.FAST_ONE_VMA && r.spansTwoVmas),
                        Safety.expectedSafe(r, v), r + " " + v);
        assertThrows(IllegalArgumentException.class, () -> Safety.expectedSafe("mmrace.jcstress.MapFixedRace.Fast"));
        assertThrows(IllegalArgumentException.class, () -> Safety.expectedSafe("MprotectRace.FastV1Irqoff"), "not in the matrix");
    }
}
