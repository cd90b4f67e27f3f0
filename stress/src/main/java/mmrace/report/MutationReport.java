package mmrace.report;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * DIR/mutants.json of {@code ./mmrace mutants}: for each mutant of the catalogue, whether the gate's
 * corpus replay and coverage-guided fuzzing killed it, how fast, with what, and whether the kill shows
 * the mutant's mechanism. {@code mutation} has the shape a nightly summary carries
 * ({@link Summary.MutationScore}): killed by either, out of every mutant not argued equivalent.
 *
 * @param budget   fuzzing time per mutant and seed
 * @param baseline the gate's result on the unmutated port ("passed", or what failed: then gate kills mean nothing)
 * @param mutation killed by the gate or by fuzzing, of the mutants not expected equivalent
 * @param gate     killed by the gate
 * @param fuzz     killed by fuzzing (in at least one seed)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MutationReport(int format, String started, String finished, String budget, int seeds, String machine, String baseline,
                             Summary.MutationScore mutation, Summary.MutationScore gate, Summary.MutationScore fuzz, List<Mutant> mutants) {
    public static final int FORMAT = 1;

    /**
     * One mutant: its catalogue entry, and what killed it.
     *
     * @param kind   killable, equivalent or not-expressible (the catalogue's expectation)
     * @param killed by the gate or by fuzzing
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Mutant(String id, String area, String where, String bugClass, String cite, List<String> variants, String kind, String why,
                         boolean killed, Gate gate, Fuzz fuzz) {}

    /**
     * The gate's corpus replay with the mutant on. A failing check kills the mutant only if the replay
     * gave a forbidden outcome the unmutated port does not give on that scenario (or could not be
     * replayed at all): a recorded schedule that no longer replays the same way (the mutant added or
     * removed a shared access) changes verdicts without showing a bug.
     *
     * @param failed  checks that failed, killing or not
     * @param kill    the first killing check ("FILE VARIANT: expected ..., got forbidden ..."), null if none
     * @param failure the first failing check that did not kill (a verdict changed), null if none
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Gate(boolean killed, int checks, int failed, double seconds, String kill, String failure) {}

    /**
     * Fuzzing from an empty corpus with the mutant on, one campaign per seed.
     *
     * @param kills            campaigns that killed it
     * @param medianSeconds    median time to the kill over the killing campaigns (null without one)
     * @param medianExecutions median executions to the kill
     * @param first            the first killing campaign's kill (null without one)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Fuzz(int seeds, int kills, Double medianSeconds, Long medianExecutions, Kill first, List<Trial> trials) {}

    /**
     * One campaign: its seed, whether it killed, and the time and executions to the kill or to its end.
     *
     * @param masked forbidden outcomes that were not kills (the unmutated port gives them too, or a known root cause)
     * @param triage outcomes that needed triage (the oracle could not explain them): never kills
     */
    public record Trial(long seed, boolean killed, double seconds, long executions, long masked, long triage) {}

    /**
     * A kill: the forbidden outcome, under which variant, the minimised finding, and the check of its
     * mechanism: the finding replayed with the mutant on and off.
     *
     * @param finding   the minimised finding, relative to DIR (null if minimisation saved none)
     * @param mutantOn  its verdict with the mutant on
     * @param mutantOff its verdict with the mutant off
     * @param mechanism the kill shows the mutant's mechanism: forbidden with the mutant on, not with it off, and the mutant's
     *                  site was reached
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Kill(String reason, String variant, double seconds, long executions, String finding, String mutantOn, String mutantOff,
                       boolean mechanism) {}
}
