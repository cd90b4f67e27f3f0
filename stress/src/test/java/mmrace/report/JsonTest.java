package mmrace.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** summary.json is written by Jackson and read back to the same summary, whatever the names hold. */
class JsonTest {
    static final String ODD = "a<b & \"quoted\" 'single' \\ back\nline\ttab \u0001 ünïcödé ≠ 🐧";

    @Test
    void roundTripsNamesWithMarkupQuotesControlAndNonAsciiCharacters() throws Exception {
        Summary s = new Summary(Summary.FORMAT, "2026-11-26T00:00:00Z", "2026-11-26T02:00:00Z", "2h", ODD,
                new Summary.Status(false, ODD, "gate.txt"), new Summary.Status(true, "ok", null),
                List.of(new Summary.OutcomeCount("fast-v1", Summary.Category.FORBIDDEN_KNOWN_CLASS, "torn-read", null, 3),
                        new Summary.OutcomeCount("slow", Summary.Category.KNOWN_ROOT_CAUSE, "unexplained", ODD, 7)),
                Map.of(ODD, new Summary.CampaignStats(1.5, 10, 6.7, 3, 0, 2, 1, "campaigns/x.log",
                        List.of(new Summary.Sample(1.5, 10, 6.7, 3, 0, 2, 1)))),
                List.of(new Summary.Group("id", ODD, "torn-read", null, List.of("fast-v1"), false, null, true, 2, List.of(ODD), ODD, "groups/id.html")),
                List.of(new Summary.Gone(ODD, "fast-v1", "torn-read", "no longer reproduces: acceptable")),
                new Summary.MutationScore(3, 4), null);
        String text = Json.write(s);
        assertEquals(s, Json.read(text));
        JsonNode tree = new ObjectMapper().readTree(text);
        assertEquals(ODD, tree.get("groups").get(0).get("key").asText());
        assertEquals("forbidden-known-class", tree.get("outcomes").get(0).get("category").asText(), "categories are words in the file");
        assertTrue(tree.get("campaigns").has(ODD));
        assertTrue(!tree.has("sinceLastNight"), "absent parts are left out");
        assertEquals(75.0, Json.read(text).mutation().percent());
    }
}
