package mmrace.peers;

import mmrace.scenario.Variant;

/**
 * A race of the peer table: its corpus scenario, the read path it tears, the reason code of the
 * tear, the project's JCStress test for it, and the Lincheck harness's name for it.
 */
public record Race(String id, String title, String scenario, Variant variant, String reason, String jcstressTest) {
    public static final Race REVIEWERS = new Race("reviewers", "reviewers' race", "corpus/reviewers-race.scn", Variant.FAST_V1,
            "torn-read", "mmrace.jcstress.MapFixedRace.FastV1");
    public static final Race PREFIX = new Race("prefix", "prefix+fallback tear", "corpus/prefix-fallback.scn", Variant.FAST_ONE_VMA,
            "torn-read", "mmrace.jcstress.PrefixFallbackRace.FastOneVma");

    public static Race byId(String id) {
        return switch (id) {
            case "reviewers" -> REVIEWERS;
            case "prefix" -> PREFIX;
            default -> throw new IllegalArgumentException("unknown race '" + id + "' (reviewers, prefix)");
        };
    }
}
