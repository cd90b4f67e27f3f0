package mmrace.fuzz;

/**
 * The fuzzer's tuning knobs, each a {@code -Dmmrace.fuzz.NAME} system property (docs/FUZZING.md
 * says what each changes), read once: {@link Fuzzer#KNOBS}.
 *
 * @param fresh         percent of iterations that run the baseline's next fresh input even with
 *                      feedback, once the corpus has taken over ({@code fresh}, 20): the
 *                      generator aims well
 * @param sched         percent of the children of a near miss ({@link ExecutionCoverage#nearMiss})
 *                      that change only its schedule ({@code sched}, 50)
 * @param initial       the dry run ({@code initial}, 128): the first executions are the
 *                      baseline's (fresh inputs), building the corpus and the hit counts before
 *                      the rare-feature draw means anything. Measured on the port, children of a
 *                      corpus younger than this find a shallow bug (one fresh inputs find within a
 *                      hundred executions) less often than fresh inputs do
 * @param rare          percent of parents picked for a rare feature ({@link ParentPool#pick};
 *                      {@code rare}, 80); the rest: the newest inputs, or a tournament
 * @param keepEdges     keep inputs that add only interleaving edges too ({@code keepEdges}, off:
 *                      see {@link Coverage})
 * @param maxKeptOps    the most operations a kept input may have ({@code maxKeptOps}, 8)
 * @param maxKeptActors the most actors a kept input may have ({@code maxKeptActors}, 3): bigger
 *                      inputs run longer and race less cleanly
 * @param shares        percent of rare-feature draws per feature type: probes, pairs, races,
 *                      windows, outcomes ({@code shares}, 20,20,15,35,10); within a type, by rarity
 * @param shrinkShare   percent of the campaign's time that minimisation may take while it fuzzes
 *                      ({@code shrinkShare}, 30); what waits is minimised when the campaign ends
 * @param dumpErrors    print every input that failed to run, with the exception
 *                      ({@code dumpErrors}, off)
 * @param stats         print where the time goes at the end: nanos in make, run, bookkeeping,
 *                      findings, and statistics by how inputs were made ({@code stats}, off)
 */
record FuzzKnobs(int fresh, int sched, int initial, int rare, boolean keepEdges, int maxKeptOps, int maxKeptActors,
                 int[] shares, int shrinkShare, boolean dumpErrors, boolean stats) {

    /** The knobs as this JVM's system properties set them (the defaults where they do not). */
    static FuzzKnobs fromSystemProperties() {
        return new FuzzKnobs(Integer.getInteger("mmrace.fuzz.fresh", 20), Integer.getInteger("mmrace.fuzz.sched", 50),
                Integer.getInteger("mmrace.fuzz.initial", 128), Integer.getInteger("mmrace.fuzz.rare", 80),
                Boolean.getBoolean("mmrace.fuzz.keepEdges"), Integer.getInteger("mmrace.fuzz.maxKeptOps", 8),
                Integer.getInteger("mmrace.fuzz.maxKeptActors", 3), shares(System.getProperty("mmrace.fuzz.shares", "20,20,15,35,10")),
                Integer.getInteger("mmrace.fuzz.shrinkShare", 30), Boolean.getBoolean("mmrace.fuzz.dumpErrors"),
                Boolean.getBoolean("mmrace.fuzz.stats"));
    }

    private static int[] shares(String s) {
        String[] p = s.split(",");
        int[] r = new int[Coverage.TYPES];
        for (int i = 0; i < r.length && i < p.length; i++)
            r[i] = Integer.parseInt(p[i].strip());
        return r;
    }
}
