package mmrace.scenario;

/**
 * The scenario's layout could not be set up: the kernel refused a map line's mmap, store or
 * mprotect (for example mmap returns -EINVAL for a grows-down device mapping). Bad input: the
 * message names the file and line ({@code run} exits 2); the fuzzer skips such inputs.
 */
public final class ScenarioSetupError extends IllegalStateException {
    public ScenarioSetupError(Scenario s, int line, String what) {
        super(s.source + (line > 0 ? ":" + line : "") + ": " + what + " (the scenario's layout cannot be set up)");
    }
}
