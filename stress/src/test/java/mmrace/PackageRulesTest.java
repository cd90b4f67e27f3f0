package mmrace;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * Which package may use which, over the main classes of both modules. Dependencies flow one way:
 *
 * <pre>
 *   runtime  <-  port  <-  scenario (the model; Variant holds the port's read-path enums)
 *   runtime  <-  sched                      (the scheduler knows nothing of the port or scenarios)
 *   port, scenario  <-  oracle              (judges executions from events; no scheduler, no runner)
 *   scenario, sched, oracle  <-  run        (builds and runs a scenario)
 *   run  <-  fuzz  <-  cli                  (cli on top; nothing below uses it)
 *   fuzz, report  <-  mutate  <-  cli       (the mutation pass: campaigns on the port with mutants on)
 *   scenario, oracle, port  <-  jcstress;   run, sched  <-  bench
 * </pre>
 *
 * Each rule is as strict as the code allows: a package's allowed list is what it uses, and
 * there are no cycles between packages. A new dependency against the flow fails here with the
 * class, the member and the line that made it.
 */
@AnalyzeClasses(packages = "mmrace", importOptions = ImportOption.DoNotIncludeTests.class)
class PackageRulesTest {
    private static final String JDK = "java..";

    /** The runtime primitives use the JDK only. */
    @ArchTest
    static final ArchRule runtimeUsesOnlyTheJdk = classes().that().resideInAPackage("mmrace.runtime..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("mmrace.runtime..", JDK);

    /** The port module (the kernel port and its runtime) uses nothing but the JDK: no scheduler, no oracle, no library. */
    @ArchTest
    static final ArchRule portUsesOnlyTheRuntimeAndTheJdk = classes().that().resideInAPackage("mmrace.port..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("mmrace.port..", "mmrace.runtime..", JDK);

    /** scenario is the data model of .scn files: a leaf, but for the port's enums that name a read path. */
    @ArchTest
    static final ArchRule scenarioIsALeaf = classes().that().resideInAPackage("mmrace.scenario..")
            .should().onlyDependOnClassesThat(DescribedPredicate.describe("reside in mmrace.scenario or java, or are enums of mmrace.port",
                    (JavaClass c) -> c.getPackageName().startsWith("mmrace.scenario") || c.getPackageName().startsWith("java.")
                            || c.getPackageName().equals("java") || c.getPackageName().startsWith("mmrace.port") && c.isEnum()));

    /** The scheduler drives the runtime and knows nothing of the port, scenarios or verdicts. */
    @ArchTest
    static final ArchRule schedUsesOnlyTheRuntime = classes().that().resideInAPackage("mmrace.sched..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("mmrace.sched..", "mmrace.runtime..", JDK);

    /**
     * The oracle judges from the port's state and events: no scheduler, no runner, nothing above.
     * It reads the scenario data model (a leaf) for one thing: the post-conditions of operations
     * (Contracts) are checked against a reference model (RefModel) built from the scenario's
     * set-up, which applies the scenario's {@code Op}s as the runner's sys_enter/sys_exit events
     * name them. Translating every Op into a type of the oracle's own would copy the model, not
     * decouple it.
     */
    @ArchTest
    static final ArchRule oracleUsesThePortAndTheScenarioModel = classes().that().resideInAPackage("mmrace.oracle..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("mmrace.oracle..", "mmrace.scenario..", "mmrace.port..",
                    "mmrace.runtime..", JDK);

    /** The runner joins a scenario, the scheduler, the port and the oracle. */
    @ArchTest
    static final ArchRule runUsesWhatItJoins = classes().that().resideInAPackage("mmrace.run..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("mmrace.run..", "mmrace.scenario..", "mmrace.sched..",
                    "mmrace.oracle..", "mmrace.port..", "mmrace.runtime..", JDK);

    /** The fuzzer runs scenarios through the runner; it does not reach into the port. */
    @ArchTest
    static final ArchRule fuzzUsesTheRunner = classes().that().resideInAPackage("mmrace.fuzz..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("mmrace.fuzz..", "mmrace.run..", "mmrace.scenario..",
                    "mmrace.sched..", "mmrace.oracle..", "mmrace.runtime..", JDK);

    /** The mutation pass runs campaigns and replays with mutants switched on (runtime.Mutant); its results are report data. */
    @ArchTest
    static final ArchRule mutateRunsCampaignsOnMutants = classes().that().resideInAPackage("mmrace.mutate..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("mmrace.mutate..", "mmrace.fuzz..", "mmrace.run..", "mmrace.scenario..",
                    "mmrace.sched..", "mmrace.oracle..", "mmrace.report..", "mmrace.runtime..", JDK);

    /** JCStress tests run the port on real threads, judged by the oracle; no scheduler, no runner. */
    @ArchTest
    static final ArchRule jcstressRunsThePortDirectly = classes().that().resideInAPackage("mmrace.jcstress..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("mmrace.jcstress..", "mmrace.scenario..", "mmrace.oracle..",
                    "mmrace.port..", "mmrace.runtime..", "org.openjdk.jcstress..", JDK);

    /** The JMH benchmarks measure the scheduler running scenarios. */
    @ArchTest
    static final ArchRule benchMeasuresTheRunner = classes().that().resideInAPackage("mmrace.bench..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("mmrace.bench..", "mmrace.run..", "mmrace.scenario..",
                    "mmrace.sched..", "org.openjdk.jmh..", JDK);

    /** The nightly report's model (summaries, groups, history, plots) is data: JSON through Jackson, nothing of mmrace. */
    @ArchTest
    static final ArchRule reportIsData = classes().that().resideInAPackage("mmrace.report..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("mmrace.report..", "com.fasterxml.jackson..", JDK);

    /** The command line is on top: nothing else uses it. */
    @ArchTest
    static final ArchRule nothingUsesTheCommandLine = noClasses().that().resideOutsideOfPackage("mmrace.cli..")
            .should().dependOnClassesThat().resideInAPackage("mmrace.cli..");

    /** No two packages use each other, directly or through others. */
    @ArchTest
    static final ArchRule noCycles = slices().matching("mmrace.(*)..").should().beFreeOfCycles();
}
