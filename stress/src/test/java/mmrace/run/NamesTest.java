package mmrace.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import mmrace.runtime.FaultInject;
import mmrace.scenario.Corpus;
import mmrace.scenario.ScenarioError;
import mmrace.scenario.ScenarioParser;
import org.junit.jupiter.api.Test;

/**
 * The names a scenario takes from below the parser: injection sites are the port's allocation
 * sites, read from the port's sources (so a new site cannot be forgotten), and an expect line's
 * reason is one of the oracle's of its class.
 */
class NamesTest {
    /** Every site literal of the port: alloc("page"), allocPages(n, "thp"), shouldFail(t, "maple"), cache("anon_vma") is slab:anon_vma, allocTable is pgtable. */
    @Test
    void injectionSitesAreThePortsAllocationSites() throws Exception {
        Path src = Corpus.dir().getParent().resolve("port/src/main/java");
        Pattern p = Pattern.compile("(?:\\.alloc\\(|allocPages\\([^,]+, |shouldFail\\(\\w+, |\\.cache\\()\"([a-z_:]+)\"");
        Set<String> found = new TreeSet<>(Set.of("pgtable"));
        try (Stream<Path> s = Files.walk(src)) {
            for (Path f : s.filter(x -> x.toString().endsWith(".java")).toList()) {
                Matcher m = p.matcher(Files.readString(f));
                while (m.find())
                    if (!m.group(1).endsWith(":")) // KmemCache's own "slab:" + name
                        found.add(m.group(0).contains("cache(") ? "slab:" + m.group(1) : m.group(1));
            }
        }
        assertEquals(found, new TreeSet<>(FaultInject.SITES), "FaultInject.SITES must name every allocation site of the port");
        assertTrue(FaultInject.knownSite("slab") && FaultInject.knownSite("maple") && !FaultInject.knownSite("pag"));
    }

    @Test
    void reasonsAreTheOraclesOfTheirClass() throws Exception {
        String base = "mmrace-scenario 1\nmap A 0x10000 0x1000 rw\nactor r\n  read 0x10000 8\n";
        Names.check(ScenarioParser.parse("ok.scn", base + "expect slow forbidden torn-read\nexpect fast-v1 interesting fast-fallback\n"));
        ScenarioError e = assertThrows(ScenarioError.class, () -> Names.check(ScenarioParser.parse("x.scn", base + "expect slow forbidden torn\n")));
        assertTrue(e.getMessage().startsWith("x.scn:5: unknown reason code 'torn'"), e.getMessage());
        e = assertThrows(ScenarioError.class, () -> Names.check(ScenarioParser.parse("x.scn", base + "expect slow acceptable livelock\n")));
        assertTrue(e.getMessage().startsWith("x.scn:5: reason 'livelock' is forbidden, not acceptable"), e.getMessage());
    }
}
