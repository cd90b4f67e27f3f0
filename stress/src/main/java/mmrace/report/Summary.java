package mmrace.report;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Map;

/**
 * DIR/summary.json of one nightly: what the next night compares itself with, and what a script
 * reads. Written and read with Jackson ({@link Json}); a reader ignores fields it does not know, so
 * a later format may add fields. Optional parts (the mutation score, the comparison with the night
 * before) are left out when absent, never filled with a made-up value.
 *
 * @param format         {@link #FORMAT}
 * @param started        ISO-8601 instant the night started; orders the history
 * @param outcomes       executions of the corpus by variant, class of outcome and reason
 * @param campaigns      one fuzzing campaign per variant id
 * @param groups         tonight's findings grouped by root cause or mechanism
 * @param gone           findings of the corpus that no longer reproduce
 * @param mutation       mutation score of the port's tests, when a mutation pass ran (else absent)
 * @param sinceLastNight what changed since the previous summary of the history (else absent)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Summary(int format, String started, String finished, String budget, String machine, Status gate, Status jcstress,
                      List<OutcomeCount> outcomes, Map<String, CampaignStats> campaigns, List<Group> groups, List<Gone> gone,
                      MutationScore mutation, SinceLastNight sinceLastNight) {
    public static final int FORMAT = 2;

    /** The gate's or JCStress's result: passed or not, its one-line summary, a report (relative path) if any. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Status(boolean ok, String summary, String report) {}

    /** The classes of the outcome table. */
    public enum Category {
        @JsonProperty("acceptable") ACCEPTABLE("acceptable"),
        @JsonProperty("interesting") INTERESTING("interesting"),
        /** Needs triage: an outcome the oracle cannot explain, with no root cause it recognises. */
        @JsonProperty("needs-triage") NEEDS_TRIAGE("needs triage"),
        /** Forbidden, of a reason no scenario of the corpus records as forbidden for this variant. */
        @JsonProperty("forbidden-new") FORBIDDEN_NEW("forbidden (new)"),
        /** Forbidden, of a bug class the corpus records for this variant (fast-v1's tear). */
        @JsonProperty("forbidden-known-class") FORBIDDEN_KNOWN_CLASS("forbidden (known bug class of the variant)"),
        /** Forbidden or needs triage, with a root cause the oracle recognises (an upstream bug every variant shares). */
        @JsonProperty("known-root-cause") KNOWN_ROOT_CAUSE("known root cause");

        public final String title;

        Category(String title) {
            this.title = title;
        }
    }

    /** {@code count} executions of {@code variant} in {@code category} with {@code reason} (and root cause, if any). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record OutcomeCount(String variant, Category category, String reason, String rootCause, long count) {}

    /** One progress sample of a campaign; {@code execsPerSecond} is the rate since the sample before. */
    public record Sample(double seconds, long executions, double execsPerSecond, int probes, int edges, int pairs, int corpus) {}

    /** A campaign's end state and its samples over time; {@code log}: its full log, relative to DIR. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CampaignStats(double seconds, long executions, double execsPerSecond, int probes, int edges, int pairs, int corpus,
                                String log, List<Sample> samples) {}

    /**
     * Findings of one root cause or mechanism ({@code key}: the fuzzer's own description, e.g.
     * "fast-v1 torn-read {mmap-fixed}", or "unexplained via generic_access_phys copies past the
     * looked-up page").
     *
     * @param known          its mechanism is in the corpus, or its root cause is a known one
     * @param knownBy        the corpus file that holds the mechanism, or the root cause (null when new)
     * @param knownClass     new, but of a bug class the corpus records for its variant (e.g. a tear of fast-v1)
     * @param count          forbidden outcomes of the group the campaigns minimised tonight
     * @param files          the finding files, relative to DIR
     * @param representative the smallest minimised finding, relative to DIR
     * @param trace          its trace as a page, relative to DIR
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Group(String id, String key, String reason, String rootCause, List<String> variants, boolean known, String knownBy,
                        boolean knownClass, int count, List<String> files, String representative, String trace) {}

    /** A finding of the corpus that no longer reproduces under its recorded verdict. */
    public record Gone(String file, String variant, String reason, String message) {}

    /** A mutation pass's result: {@code killed} of {@code total} mutants made a test fail. */
    public record MutationScore(int killed, int total) {
        /** killed / total in percent; null without mutants. */
        @JsonIgnore
        public Double percent() {
            return total <= 0 ? null : 100.0 * killed / total;
        }
    }

    /** The comparison with the previous night ({@code previous}: its start). */
    public record SinceLastNight(String previous, List<String> newGroups, List<String> goneGroups, List<Change> changes) {}

    /** A measure before and now: "probes" of the campaign "fast-v1", 87, 91 ({@code campaign} absent for the whole night). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Change(String what, String campaign, double before, double now) {
        @JsonIgnore
        public double delta() {
            return now - before;
        }
    }
}
