package mmrace.fuzz;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import mmrace.scenario.Scenario;
import mmrace.scenario.ScenarioError;
import mmrace.scenario.ScenarioParser;

/**
 * The fuzzer's corpus on disk, shared by any number of worker processes:
 *
 * <pre>
 * DIR/queue/HASH.scn                       kept inputs (HASH: 16 hex digits of the text's SHA-256)
 * DIR/findings/REASON-VARIANT-SIG.scn      minimised findings (SIG: the dedup signature, {@link Finding})
 * DIR/findings/REASON-VARIANT-SIG.trace    the trace of its execution, one column per actor
 * DIR/findings/unreproduced-REASON-VARIANT-HASH.scn   a finding minimisation could not reproduce, as found
 * </pre>
 *
 * Every file is a scenario ({@code .scn}) a person can read, edit and replay with
 * {@code ./mmrace run}. Writes are atomic ({@link #writeAtomic}): a temporary file
 * ({@code .tmp-*}, ignored by every reader) in the same directory, fsync, rename, fsync of the
 * directory; so a worker killed at any moment leaves either the whole file or none, never half of
 * one. Names are content hashes (queue) or signatures (findings), so two workers writing the same
 * input write the same name and the second write is skipped. Workers re-scan the directory
 * periodically and import what others wrote ({@link #scanQueue}); a campaign started on an
 * existing directory resumes from it.
 */
public final class Corpus {
    public static final String QUEUE = "queue", FINDINGS = "findings", TMP_PREFIX = ".tmp-";

    /** One file of the corpus. */
    public record Entry(Path path, String name, Scenario scenario) {}

    private final Path dir, queue, findings;
    private final List<String> errors = new ArrayList<>();

    public Corpus(Path dir) throws IOException {
        this.dir = dir;
        this.queue = dir.resolve(QUEUE);
        this.findings = dir.resolve(FINDINGS);
        Files.createDirectories(queue);
        Files.createDirectories(findings);
    }

    public Path dir() {
        return dir;
    }

    public Path queueDir() {
        return queue;
    }

    public Path findingsDir() {
        return findings;
    }

    /** Files that could not be parsed (named with the parser's message), since the last call. */
    public List<String> takeErrors() {
        List<String> l = List.copyOf(errors);
        errors.clear();
        return l;
    }

    /** The queue entries whose names are not in {@code known}; adds their names to it. Unparsable files are skipped (see {@link #takeErrors}). */
    public List<Entry> scanQueue(Set<String> known) throws IOException {
        return scan(queue, known);
    }

    /** The findings whose names are not in {@code known}; adds their names to it. */
    public List<Entry> scanFindings(Set<String> known) throws IOException {
        return scan(findings, known);
    }

    private List<Entry> scan(Path d, Set<String> known) throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(d, "*.scn")) {
            for (Path p : ds)
                if (!p.getFileName().toString().startsWith(TMP_PREFIX) && !p.getFileName().toString().startsWith("."))
                    files.add(p);
        }
        files.sort(null);
        List<Entry> out = new ArrayList<>();
        for (Path p : files) {
            String name = p.getFileName().toString();
            if (known.contains(name))
                continue;
            try {
                out.add(new Entry(p, name, ScenarioParser.parse(p)));
                known.add(name);
            } catch (ScenarioError e) {
                if (Files.exists(p)) {
                    errors.add(e.getMessage());
                    known.add(name);
                }
            }
        }
        return out;
    }

    /** Number of kept inputs on disk. */
    public int queueSize() {
        return count(queue);
    }

    public int findingsSize() {
        return count(findings);
    }

    private static int count(Path d) {
        int n = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(d, "*.scn")) {
            for (Path p : ds)
                if (!p.getFileName().toString().startsWith("."))
                    n++;
        } catch (IOException e) {
            return -1;
        }
        return n;
    }

    /** The queue name of a scenario text: 16 hex digits of its SHA-256, {@code .scn}. */
    public static String queueName(String text) {
        return Finding.sha256(text).substring(0, 16) + ".scn";
    }

    /** Writes {@code s} into the queue under its content hash; returns its path, or null if it was there. */
    public Path addQueue(Scenario s) throws IOException {
        String text = s.text();
        return addQueue(queueName(text), text);
    }

    /** {@link #addQueue(Scenario)} of a scenario's text and its {@link #queueName}. */
    public Path addQueue(String name, String text) throws IOException {
        Path p = queue.resolve(name);
        if (Files.exists(p))
            return null;
        return writeAtomic(p, text.getBytes(StandardCharsets.UTF_8), false, false) ? p : null;
    }

    /**
     * Writes a finding: {@code base.trace} (if {@code trace} is not null) then {@code base.scn}, so
     * that a finding visible as {@code .scn} always has its trace. Returns the .scn path, or null if
     * a finding of that name exists (a duplicate).
     */
    public Path addFinding(String base, String text, String trace) throws IOException {
        Path p = findings.resolve(base + ".scn");
        if (Files.exists(p))
            return null;
        if (trace != null)
            writeAtomic(findings.resolve(base + ".trace"), trace.getBytes(StandardCharsets.UTF_8), true);
        return writeAtomic(p, text.getBytes(StandardCharsets.UTF_8), false) ? p : null;
    }

    /** Deletes temporary files older than {@code age} (left by killed workers). */
    public int cleanTemps(Duration age) {
        int n = 0;
        for (Path d : List.of(queue, findings)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(d, TMP_PREFIX + "*")) {
                for (Path p : ds) {
                    try {
                        FileTime t = Files.getLastModifiedTime(p);
                        if (System.currentTimeMillis() - t.toMillis() > age.toMillis() && Files.deleteIfExists(p))
                            n++;
                    } catch (NoSuchFileException e) {
                        // another worker cleaned it
                    }
                }
            } catch (IOException e) {
                // best effort
            }
        }
        return n;
    }

    /** {@link #writeAtomic(Path, byte[], boolean)} replacing any existing file. */
    public static void writeAtomic(Path target, byte[] data) throws IOException {
        writeAtomic(target, data, true);
    }

    /**
     * Writes {@code data} to {@code target} atomically: into {@code .tmp-PID-RANDOM-NAME} in the
     * same directory, fsync, rename over (or, with {@code replace} false, to a name nobody has
     * taken yet: false if one had), fsync of the directory. A reader sees the old file, the new
     * one or none; never part of one.
     */
    public static boolean writeAtomic(Path target, byte[] data, boolean replace) throws IOException {
        return writeAtomic(target, data, replace, true);
    }

    /**
     * As {@link #writeAtomic(Path, byte[], boolean)}; {@code durable} false leaves out both fsyncs:
     * the write is still atomic for readers and survives the writer being killed (the file is
     * whole or absent), only a crash of the machine may lose it. Queue entries are written so:
     * there are thousands, and any one of them is cheap to find again.
     */
    public static boolean writeAtomic(Path target, byte[] data, boolean replace, boolean durable) throws IOException {
        Path d = target.toAbsolutePath().getParent();
        Files.createDirectories(d);
        Path tmp = d.resolve(TMP_PREFIX + ProcessHandle.current().pid() + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong())
                + "-" + target.getFileName());
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.wrap(data);
                while (b.hasRemaining())
                    ch.write(b);
                if (durable)
                    ch.force(true);
            }
            if (replace) {
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } else {
                // link(2) fails if the name exists, so two workers never replace each other's file
                try {
                    Files.createLink(target, tmp);
                } catch (FileAlreadyExistsException e) {
                    return false;
                } catch (UnsupportedOperationException e) {
                    if (Files.exists(target))
                        return false;
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                }
            }
            if (durable)
                fsyncDir(d);
            return true;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void fsyncDir(Path d) {
        try (FileChannel ch = FileChannel.open(d, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // not every file system lets a directory be opened: the rename is still atomic
        }
    }
}
