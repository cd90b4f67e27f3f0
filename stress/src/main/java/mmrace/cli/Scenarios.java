package mmrace.cli;

import mmrace.run.Names;
import mmrace.scenario.Scenario;
import mmrace.scenario.ScenarioError;
import mmrace.scenario.ScenarioParser;
import mmrace.scenario.Variant;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Loading scenarios from files and directories, and choosing variants, for the commands. */
final class Scenarios {
    private Scenarios() {}

    /**
     * Every .scn file under the given files and directories, sorted. A path that does not exist, or
     * a directory with no .scn file in it, is a problem: added to {@code problems} (the command
     * goes on with the rest and exits 2); BadInput if no file is left at all.
     */
    static List<Path> files(List<Path> args, List<String> problems) {
        List<Path> out = new ArrayList<>();
        for (Path p : args) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.walk(p)) {
                    List<Path> found = s.filter(f -> f.toString().endsWith(".scn") && Files.isRegularFile(f)).sorted().toList();
                    if (found.isEmpty())
                        problems.add(p + ": no scenario (.scn) file in this directory");
                    out.addAll(found);
                } catch (IOException | java.io.UncheckedIOException e) {
                    problems.add(p + ": cannot read directory: " + e.getMessage());
                }
            } else if (Files.exists(p)) {
                out.add(p);
            } else {
                problems.add(p + ": no such file or directory");
            }
        }
        if (out.isEmpty())
            throw new Main.BadInput(problems.isEmpty() ? "no scenario to run" : String.join("; ", problems));
        return out;
    }

    /**
     * Reads a scenario file as every command does: parsed ({@link ScenarioParser}), then its reason
     * codes and injection sites checked against the oracle's and the port's ({@link Names}).
     */
    static Scenario load(Path f) throws ScenarioError {
        Scenario s = ScenarioParser.parse(f);
        Names.check(s);
        return s;
    }

    /** {@link #load}, with a malformed file as BadInput (exit 2, the message names file and line). */
    static Scenario loadOrBad(Path f) {
        try {
            return load(f);
        } catch (ScenarioError e) {
            throw new Main.BadInput(e.getMessage());
        }
    }

    /** {@link #load}, or null if the file is malformed. */
    static Scenario loadOrNull(Path f) {
        try {
            return load(f);
        } catch (ScenarioError e) {
            return null;
        }
    }

    /** --variant a,b; else the variants the scenario has expectations for; else all. */
    static List<Variant> variants(Scenario s, String option) {
        if (option != null)
            return parseVariants(option);
        if (!s.expects.isEmpty())
            return new ArrayList<>(s.expects.keySet());
        return Variant.all();
    }

    /** "a,b" or "all": the variants named, each once; BadInput for an unknown one or for none at all ("", ","). */
    static List<Variant> parseVariants(String option) {
        List<Variant> out = new ArrayList<>();
        for (String raw : option.split(",")) {
            String id = raw.strip();
            if (id.isEmpty())
                continue;
            if (id.equals("all"))
                return Variant.all();
            Variant v = Variant.byId(id);
            if (v == null)
                throw new Main.BadInput("unknown variant '" + id + "': expected one of " + Variant.ids() + ", or all");
            if (!out.contains(v))
                out.add(v);
        }
        if (out.isEmpty())
            throw new Main.BadInput("--variant '" + option + "' names no variant: expected one of " + Variant.ids() + ", or all");
        return out;
    }

    /** Writes text to a file atomically (temp file in the same directory, then rename). */
    static void writeAtomically(Path target, String text) {
        try {
            Path dir = target.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".tmp-", ".part");
            Files.writeString(tmp, text);
            Files.move(tmp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new Main.BadInput(target + ": cannot write: " + e.getMessage());
        }
    }
}
