package mmrace.cli;

import mmrace.scenario.Scenario;
import mmrace.scenario.ScenarioError;
import mmrace.scenario.ScenarioParser;
import mmrace.scenario.Variant;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Loading scenarios from files and directories, and choosing variants, for the commands. */
final class Scenarios {
    private Scenarios() {}

    /** Every .scn file under the given files and directories, sorted; BadInput for a missing path. */
    static List<Path> files(List<Path> args) {
        List<Path> out = new ArrayList<>();
        for (Path p : args) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.walk(p)) {
                    s.filter(f -> f.toString().endsWith(".scn") && Files.isRegularFile(f)).sorted().forEach(out::add);
                } catch (IOException e) {
                    throw new Main.BadInput(p + ": cannot read directory: " + e.getMessage());
                }
            } else if (Files.exists(p)) {
                out.add(p);
            } else {
                throw new Main.BadInput(p + ": no such file or directory");
            }
        }
        return out;
    }

    /** Parses each file; errors are printed and counted. */
    static List<Scenario> parse(List<Path> files, PrintWriter err, int[] errors) {
        List<Scenario> out = new ArrayList<>();
        for (Path f : files) {
            try {
                out.add(ScenarioParser.parse(f));
            } catch (ScenarioError e) {
                err.println("mmrace: " + e.getMessage());
                errors[0]++;
            }
        }
        return out;
    }

    /** --variant a,b; else the variants the scenario has expectations for; else all. */
    static List<Variant> variants(Scenario s, String option) {
        if (option != null && !option.isBlank())
            return parseVariants(option);
        if (!s.expects.isEmpty())
            return new ArrayList<>(s.expects.keySet());
        return Variant.all();
    }

    static List<Variant> parseVariants(String option) {
        List<Variant> out = new ArrayList<>();
        for (String id : option.split(",")) {
            if (id.equals("all"))
                return Variant.all();
            Variant v = Variant.byId(id.strip());
            if (v == null)
                throw new Main.BadInput("unknown variant '" + id + "': expected one of " + Variant.ids() + ", or all");
            out.add(v);
        }
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
