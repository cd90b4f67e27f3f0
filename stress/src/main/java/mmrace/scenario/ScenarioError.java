package mmrace.scenario;

/** A malformed scenario: names the file, the line and what was expected. Exit status 2. */
public final class ScenarioError extends Exception {
    public final String file;
    public final int line;

    public ScenarioError(String file, int line, String message) {
        super(file + (line > 0 ? ":" + line : "") + ": " + message);
        this.file = file;
        this.line = line;
    }
}
