package mmrace.scenario;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads .scn files (docs/SCENARIOS.md). Every problem is a {@link ScenarioError} naming the
 * file, the line and what was expected there.
 */
public final class ScenarioParser {
    // compiled once: the fuzzer parses thousands of scenarios a second (String.split and matches compile per call)
    private static final Pattern WS = Pattern.compile("\\s+"), BAR = Pattern.compile("\\|"),
            ACTOR_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_-]*"), NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_'-]*"),
            SITE = Pattern.compile("[a-z_]+(:[a-z_]+)?"), SCENARIO_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.+-]*"),
            STEP = Pattern.compile("\\d{1,18}");

    /** The lowest and highest user address a mapping may have (mmap_min_addr, TASK_SIZE on x86-64). */
    static final long MIN_ADDR = 65536, TASK_SIZE = (1L << 47) - 4096;
    static final int PAGE = 4096;

    private final String file;
    private final Scenario s = new Scenario();
    private int line;
    private Scenario.Actor actor;
    /** The process map and init lines go to (null: the target). */
    private Scenario.Process process;
    private final Set<String> names = new HashSet<>();

    private ScenarioParser(String file) {
        this.file = file;
        s.source = file;
    }

    public static Scenario parse(Path p) throws ScenarioError {
        byte[] bytes;
        try {
            if (Files.isDirectory(p))
                throw new ScenarioError(p.toString(), 0, "a directory, not a scenario file");
            if (Files.size(p) > Scenario.MAX_FILE_BYTES)
                throw new ScenarioError(p.toString(), 0, "too big for a scenario file (" + Files.size(p) + " bytes; at most "
                        + Scenario.MAX_FILE_BYTES + ")");
            bytes = Files.readAllBytes(p);
        } catch (NoSuchFileException e) {
            throw new ScenarioError(p.toString(), 0, "no such file");
        } catch (IOException e) {
            throw new ScenarioError(p.toString(), 0, "cannot read: " + e.getMessage());
        }
        return parse(p.toString(), decode(p.toString(), bytes));
    }

    /** The text of a scenario file: UTF-8, or a ScenarioError naming the line, column and byte of the first that is not. */
    static String decode(String file, byte[] bytes) throws ScenarioError {
        java.nio.charset.CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT).onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
        int bom = bytes.length >= 3 && bytes[0] == (byte) 0xef && bytes[1] == (byte) 0xbb && bytes[2] == (byte) 0xbf ? 3 : 0; // a UTF-8 byte-order mark is UTF-8
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(bytes, bom, bytes.length - bom);
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(bytes.length);
        java.nio.charset.CoderResult r = d.decode(in, out, true);
        if (!r.isError())
            r = d.flush(out);
        if (r.isError()) {
            int at = in.position(), line = 1, col = 1;
            for (int i = 0; i < at; i++, col++)
                if (bytes[i] == '\n') {
                    line++;
                    col = 0;
                }
            throw new ScenarioError(file, line, String.format("not UTF-8 at line %d (byte 0x%02x, column %d): scenario files are UTF-8 text",
                    line, bytes[at] & 0xff, col));
        }
        return out.flip().toString();
    }

    public static Scenario parse(String file, String text) throws ScenarioError {
        return new ScenarioParser(file).run(text);
    }

    private Scenario run(String text) throws ScenarioError {
        String[] lines = text.split("\n", -1);
        boolean sawMagic = false;
        for (int i = 0; i < lines.length; i++) {
            line = i + 1;
            String l = stripComment(lines[i]).strip();
            if (l.isEmpty())
                continue;
            List<String> w = List.of(WS.split(l));
            if (!sawMagic) {
                if (!w.get(0).equals(Scenario.MAGIC))
                    throw err("expected the version line '" + Scenario.MAGIC + " " + Scenario.VERSION + "' first, found '" + l + "'");
                if (w.size() != 2 || !w.get(1).equals(String.valueOf(Scenario.VERSION)))
                    throw err("unsupported scenario version '" + (w.size() > 1 ? w.get(1) : "") + "' (this mmrace reads version " + Scenario.VERSION + ")");
                sawMagic = true;
                continue;
            }
            directive(w, l);
        }
        line = 0;
        if (!sawMagic)
            throw err("empty file: expected the version line '" + Scenario.MAGIC + " " + Scenario.VERSION + "'");
        check();
        return s;
    }

    private static String stripComment(String l) {
        int q = l.indexOf('#');
        return q < 0 ? l : l.substring(0, q);
    }

    private void directive(List<String> w, String l) throws ScenarioError {
        String d = w.get(0);
        switch (d) {
            case "name" -> {
                need(w, 2, "name NAME");
                if (w.size() > 2 || !SCENARIO_NAME.matcher(w.get(1)).matches())
                    throw err("a name is one word of letters, digits, '_', '.', '+' or '-' (it names files), found '"
                            + l.substring(4).strip() + "'");
                s.name = w.get(1);
            }
            case "desc" -> s.desc.add(l.substring(4).strip());
            case "file" -> fileLine(w);
            case "map" -> mapLine(w);
            case "process" -> processLine(w);
            case "actor" -> {
                need(w, 2, "actor NAME [proc=P]");
                String n = w.get(1);
                if (s.actor(n) != null)
                    throw err("actor '" + n + "' is defined twice");
                if (!ACTOR_NAME.matcher(n).matches())
                    throw err("expected an actor name of letters, digits, '_' or '-', found '" + n + "'");
                if (s.actors.size() >= Scenario.MAX_ACTORS)
                    throw err("more than " + Scenario.MAX_ACTORS + " actors: the model runs at most that many tasks");
                Map<String, String> kv = options(w, 2, Set.of("proc"), Set.of());
                String proc = kv.get("proc");
                if (proc != null)
                    procName(proc);
                actor = new Scenario.Actor(n, new ArrayList<>(), line, proc);
                s.actors.add(actor);
            }
            case "init" -> {
                if (w.size() < 2)
                    throw err("expected 'init OPERATION ...' (an operation the target runs before the race)");
                if (actor != null)
                    throw err("init lines come before the first actor");
                Op op = op(w.subList(1, w.size()));
                if (op instanceof Op.Read || op instanceof Op.Poke)
                    throw err("init runs the target's own operations; a remote " + (op instanceof Op.Read ? "read" : "poke")
                            + " belongs to an actor");
                if (op instanceof Op.Fork || op instanceof Op.Exit)
                    throw err("init runs before anything races; fork and exit belong to an actor");
                (process == null ? s.init : process.init()).add(op);
            }
            case "inject" -> injectLine(w);
            case "schedule" -> scheduleLine(w, l);
            case "expect" -> expectLine(w);
            default -> {
                if (actor == null)
                    throw err("unknown directive '" + d + "': expected name, desc, file, map, process, actor, inject, schedule or expect");
                actor.ops().add(op(w));
            }
        }
    }

    private void fileLine(List<String> w) throws ScenarioError {
        need(w, 4, "file NAME SIZE fill=X");
        String n = newName(w.get(1));
        long size = num(w.get(2), "a file size");
        if (size <= 0 || size > (1 << 24) || size % PAGE != 0)
            throw err("file size must be a positive multiple of 4096 up to 16 MiB, found " + w.get(2));
        Map<String, String> kv = options(w, 3, Set.of("fill"), Set.of());
        s.files.add(new Scenario.FileSpec(n, size, fill(kv.getOrDefault("fill", "0x00")), line));
    }

    private void mapLine(List<String> w) throws ScenarioError {
        need(w, 5, "map NAME ADDR LEN PROT [shared] [growsdown] [device] [file=F off=N] [fill=X]");
        String n = newName(w.get(1));
        long addr = num(w.get(2), "an address"), len = num(w.get(3), "a length");
        int prot = prot(w.get(4));
        Map<String, String> kv = options(w, 5, Set.of("file", "off", "fill"), Set.of("shared", "growsdown", "device"));
        if (addr % PAGE != 0 || len % PAGE != 0 || len <= 0)
            throw err("impossible range " + w.get(2) + "+" + w.get(3) + ": address and length must be page-aligned and the length positive");
        if (addr < MIN_ADDR || addr + len > TASK_SIZE || addr + len < addr)
            throw err("impossible range " + w.get(2) + "+" + w.get(3) + ": mappings must lie in [" + Num.hex(MIN_ADDR) + ", " + Num.hex(TASK_SIZE) + ")");
        List<Scenario.MapSpec> maps = process == null ? s.maps : process.maps();
        for (Scenario.MapSpec m : maps)
            if (addr < m.addr() + m.len() && m.addr() < addr + len)
                throw err("impossible range: map " + n + " overlaps map " + m.name() + " (line " + m.line() + ")");
        String f = kv.get("file");
        long off = kv.containsKey("off") ? num(kv.get("off"), "a file offset") : 0;
        if (kv.containsKey("device") && len > Scenario.MAX_DEVICE)
            throw err("device mapping " + n + " of " + w.get(3) + " bytes: the model's device memory is at most "
                    + Num.hex(Scenario.MAX_DEVICE) + " (16 MiB), taken from its " + Scenario.MODEL_MEMORY_MIB + " MiB of pages");
        if (f != null) {
            Scenario.FileSpec fs = s.files.stream().filter(x -> x.name().equals(f)).findFirst().orElse(null);
            if (fs == null)
                throw err("map " + n + " names file '" + f + "', which no earlier 'file' line defines");
            if (off % PAGE != 0 || off < 0)
                throw err("file offset must be page-aligned, found " + kv.get("off"));
        } else if (kv.containsKey("off")) {
            throw err("off= needs file=");
        }
        boolean device = kv.containsKey("device");
        if (kv.containsKey("shared") && f == null)
            throw err("a shared mapping needs file=F: shared anonymous memory is shmem, which the model does not have");
        if (device && f != null)
            throw err("a device mapping has no file=");
        Scenario.Fill fill = fill(kv.getOrDefault("fill", f != null || device ? "none" : "0x00"));
        maps.add(new Scenario.MapSpec(n, addr, len, prot, kv.containsKey("shared"), f, off, kv.containsKey("growsdown"),
                device, fill, line));
    }

    /** process NAME: the map and init lines that follow belong to process NAME (P1: the target again). */
    private void processLine(List<String> w) throws ScenarioError {
        need(w, 2, "process NAME");
        if (w.size() > 2)
            throw err("expected 'process NAME', found '" + String.join(" ", w) + "'");
        if (actor != null)
            throw err("process lines come before the first actor");
        String n = procName(w.get(1));
        if (n.equals(Scenario.TARGET)) {
            process = null;
            return;
        }
        if (s.process(n) != null)
            throw err("process '" + n + "' is defined twice");
        process = new Scenario.Process(n, new ArrayList<>(), new ArrayList<>(), line);
        s.processes.add(process);
    }

    private String procName(String n) throws ScenarioError {
        if (!ACTOR_NAME.matcher(n).matches())
            throw err("expected a process name of letters, digits, '_' or '-', found '" + n + "'");
        return n;
    }

    private Op op(List<String> w) throws ScenarioError {
        String o = w.get(0);
        switch (o) {
            case "read" -> {
                need(w, 3, "read ADDR LEN [FOLL_FORCE|FOLL_ANON|none] [variant=V] [proc=P]");
                long addr = num(w.get(1), "an address");
                long len = num(w.get(2), "a length");
                if (len < 0 || len > (1 << 20))
                    throw err("read length must be between 0 and 1 MiB, found " + w.get(2));
                int flags = Op.Foll.FORCE;
                Variant v = null;
                String proc = null;
                for (int i = 3; i < w.size(); i++) {
                    String t = w.get(i);
                    if (t.startsWith("proc=")) {
                        proc = procName(t.substring(5));
                    } else if (t.startsWith("variant=")) {
                        v = Variant.byId(t.substring(8));
                        if (v == null)
                            throw err("unknown variant '" + t.substring(8) + "': expected one of " + Variant.ids());
                    } else {
                        flags = 0;
                        for (String f : BAR.split(t)) {
                            int b = Op.Foll.parse(f);
                            if (b < 0)
                                throw err("unknown read flag '" + f + "': expected FOLL_FORCE, FOLL_ANON or none");
                            flags |= b;
                        }
                    }
                }
                return new Op.Read(addr, (int) len, flags, v, proc, line);
            }
            case "poke" -> {
                need(w, 3, "poke ADDR LEN fill=X [FOLL_FORCE|none]");
                long addr = num(w.get(1), "an address");
                long len = num(w.get(2), "a length");
                if (len < 0 || len > (1 << 20))
                    throw err("poke length must be between 0 and 1 MiB, found " + w.get(2));
                Scenario.Fill f = null;
                int flags = Op.Foll.FORCE;
                for (int i = 3; i < w.size(); i++) {
                    String t = w.get(i);
                    if (t.startsWith("fill=")) {
                        f = fill(t.substring(5));
                        if (f.none())
                            throw err("poke needs a byte to write, not fill=none");
                    } else if (t.equals("FOLL_FORCE") || t.equals("none") || t.equals("0")) {
                        flags = Op.Foll.parse(t);
                    } else {
                        throw err("unexpected '" + t + "': expected fill=X, FOLL_FORCE or none (a poke is always FOLL_WRITE)");
                    }
                }
                if (f == null)
                    throw err("poke needs fill=X (the byte to write)");
                return new Op.Poke(addr, (int) len, f, flags, line);
            }
            case "mmap" -> {
                need(w, 5, "mmap NAME ADDR LEN PROT [fixed] [shared] [growsdown] [file=F off=N]");
                String n = w.get(1);
                long addr = num(w.get(2), "an address"), len = num(w.get(3), "a length");
                int prot = prot(w.get(4));
                Map<String, String> kv = options(w, 5, Set.of("file", "off"), Set.of("fixed", "shared", "growsdown"));
                String f = kv.get("file");
                if (f != null && s.files.stream().noneMatch(x -> x.name().equals(f)))
                    throw err("mmap names file '" + f + "', which no 'file' line defines");
                long off = kv.containsKey("off") ? num(kv.get("off"), "a file offset") : 0;
                return new Op.Mmap(n, addr, len, prot, kv.containsKey("fixed"), kv.containsKey("shared"), f, off,
                        kv.containsKey("growsdown"), line);
            }
            case "munmap" -> {
                need(w, 3, "munmap ADDR LEN");
                return new Op.Munmap(num(w.get(1), "an address"), num(w.get(2), "a length"), line);
            }
            case "mremap" -> {
                need(w, 4, "mremap OLD OLDLEN NEWLEN [maymove] [fixed=NEW] [dontunmap]");
                Map<String, String> kv = options(w, 4, Set.of("fixed"), Set.of("maymove", "dontunmap"));
                Long to = kv.containsKey("fixed") ? num(kv.get("fixed"), "an address") : null;
                return new Op.Mremap(num(w.get(1), "an address"), num(w.get(2), "a length"), num(w.get(3), "a length"),
                        kv.containsKey("maymove"), to, kv.containsKey("dontunmap"), line);
            }
            case "mprotect" -> {
                need(w, 4, "mprotect ADDR LEN PROT");
                return new Op.Mprotect(num(w.get(1), "an address"), num(w.get(2), "a length"), prot(w.get(3)), line);
            }
            case "madvise" -> {
                need(w, 4, "madvise ADDR LEN dontneed");
                if (!w.get(3).equals("dontneed"))
                    throw err("unsupported advice '" + w.get(3) + "': expected dontneed");
                return new Op.Madvise(num(w.get(1), "an address"), num(w.get(2), "a length"), "dontneed", line);
            }
            case "write" -> {
                need(w, 4, "write ADDR LEN fill=X");
                Map<String, String> kv = options(w, 3, Set.of("fill"), Set.of());
                if (!kv.containsKey("fill"))
                    throw err("write needs fill=X (the byte to store)");
                Scenario.Fill f = fill(kv.get("fill"));
                if (f.none())
                    throw err("write needs a byte to store, not fill=none");
                long len = num(w.get(2), "a length");
                if (len <= 0 || len > (1 << 24))
                    throw err("write length must be between 1 and 16 MiB, found " + w.get(2));
                return new Op.Write(num(w.get(1), "an address"), len, f, line);
            }
            case "reclaim" -> {
                need(w, 2, "reclaim ADDR");
                return new Op.Reclaim(num(w.get(1), "an address"), line);
            }
            case "collapse" -> {
                need(w, 2, "collapse ADDR");
                return new Op.Collapse(num(w.get(1), "an address"), line);
            }
            case "fork" -> {
                need(w, 2, "fork CHILD");
                if (w.size() > 2)
                    throw err("expected 'fork CHILD', found '" + String.join(" ", w) + "'");
                return new Op.Fork(procName(w.get(1)), line);
            }
            case "exit" -> {
                if (w.size() > 1)
                    throw err("expected 'exit', found '" + String.join(" ", w) + "'");
                return new Op.Exit(line);
            }
            default -> throw err("unknown operation '" + o + "'" + (actor == null ? "" : " in actor " + actor.name())
                    + ": expected read, poke, mmap, munmap, mremap, mprotect, madvise, write, reclaim, collapse, fork or exit");
        }
    }

    private void injectLine(List<String> w) throws ScenarioError {
        need(w, 2, "inject SITE [task=NAME] [nth=N]");
        String site = w.get(1);
        if (!SITE.matcher(site).matches())
            throw err("expected an injection site such as page, pgtable, maple or slab:vm_area_struct, found '" + site + "'");
        Map<String, String> kv = options(w, 2, Set.of("task", "nth"), Set.of());
        long nth = kv.containsKey("nth") ? num(kv.get("nth"), "a count") : 1;
        if (nth < 1 || nth > 1_000_000)
            throw err("nth must be at least 1, found " + kv.get("nth"));
        s.injects.add(new Scenario.Inject(site, kv.getOrDefault("task", "*"), (int) nth, line));
    }

    private void scheduleLine(List<String> w, String l) throws ScenarioError {
        need(w, 3, "schedule VARIANT|* random SEED | pct DEPTH SEED | steps SWITCHES");
        Variant v = variantOrStar(w.get(1));
        if (s.schedules.containsKey(v))
            throw err("a second schedule for " + (v == null ? "*" : v.id));
        Scenario.Sched sc = switch (w.get(2)) {
            case "random" -> {
                need(w, 4, "schedule V random SEED");
                yield new Scenario.Sched("random", num(w.get(3), "a seed"), 0, null, line);
            }
            case "pct" -> {
                need(w, 5, "schedule V pct DEPTH SEED");
                long d = num(w.get(3), "a depth");
                if (d < 1 || d > 16)
                    throw err("PCT depth must be between 1 and 16, found " + w.get(3));
                yield new Scenario.Sched("pct", num(w.get(4), "a seed"), (int) d, null, line);
            }
            case "steps" -> {
                String spec = l.substring(l.indexOf("steps") + 5).strip();
                long last = 0;
                for (String sw : WS.split(spec)) {
                    int c = sw.indexOf(':');
                    if (c <= 0 || !STEP.matcher(sw.substring(0, c)).matches() || sw.substring(c + 1).isEmpty())
                        throw err("expected switches 'STEP:ACTOR ...' with STEP a decimal step number, found '" + sw + "'");
                    long step = Long.parseLong(sw.substring(0, c));
                    if (step < last)
                        throw err("switch steps must not decrease: '" + sw + "' after step " + last);
                    last = step;
                }
                yield new Scenario.Sched("steps", 0, 0, spec, line);
            }
            default -> throw err("unknown schedule '" + w.get(2) + "': expected random, pct or steps");
        };
        s.schedules.put(v, sc);
    }

    private void expectLine(List<String> w) throws ScenarioError {
        need(w, 3, "expect VARIANT acceptable|interesting|needs-triage|forbidden [REASON]");
        Variant v = Variant.byId(w.get(1));
        if (v == null)
            throw err("unknown variant '" + w.get(1) + "': expected one of " + Variant.ids());
        String c = w.get(2);
        if (!c.equals("acceptable") && !c.equals("interesting") && !c.equals("needs-triage") && !c.equals("forbidden"))
            throw err("expected a verdict class acceptable, interesting, needs-triage or forbidden, found '" + c + "'");
        if (w.size() > 4)
            throw err("expected at most a reason code after the class, found '" + String.join(" ", w.subList(4, w.size())) + "'");
        if (s.expects.containsKey(v))
            throw err("a second expect line for " + v.id);
        s.expects.put(v, new Scenario.Expect(c, w.size() > 3 ? w.get(3) : null, line));
    }

    private void check() throws ScenarioError {
        if (s.actors.isEmpty())
            throw err("no actors: expected at least one 'actor NAME' with operations");
        for (Scenario.Actor a : s.actors)
            if (a.ops().isEmpty())
                throw new ScenarioError(file, a.line(), "actor " + a.name() + " has no operations");
        for (Scenario.Sched sc : s.schedules.values()) {
            if (sc.steps() == null)
                continue;
            for (String sw : WS.split(sc.steps())) {
                String who = sw.substring(sw.indexOf(':') + 1);
                if (s.actor(who) == null)
                    throw new ScenarioError(file, sc.line(), "schedule names actor '" + who + "', which is not defined");
            }
        }
        checkProcesses();
        List<Scenario.MapSpec> all = new ArrayList<>(s.maps);
        for (Scenario.Process p : s.processes)
            all.addAll(p.maps());
        for (Scenario.MapSpec m : all) {
            if (m.file() == null || m.device() || m.fill().none())
                continue;
            for (Scenario.FileSpec f : s.files)
                if (f.name().equals(m.file()) && m.off() + m.len() > ((f.size() + 0xfff) & ~0xfffL))
                    throw new ScenarioError(file, m.line(), "map " + m.name() + ": fill= stores into every page, but file " + f.name()
                            + " (" + Num.hex(f.size()) + " bytes) ends before the mapping does (off " + Num.hex(m.off()) + " + len "
                            + Num.hex(m.len()) + "): the store would SIGBUS; use fill=none or a bigger file");
        }
        for (Scenario.Inject i : s.injects)
            if (!i.task().equals("*") && s.actor(i.task()) == null)
                throw new ScenarioError(file, i.line(), "inject names task '" + i.task() + "', which is not an actor");
        Capacity.check(s, file);
    }

    /**
     * Every process named (proc=) exists: the target, a process line, or a fork's child; a fork
     * creates a process that exists nowhere else, once.
     */
    private void checkProcesses() throws ScenarioError {
        Set<String> known = new HashSet<>();
        known.add(Scenario.TARGET);
        for (Scenario.Process p : s.processes)
            known.add(p.name());
        for (Scenario.Actor a : s.actors)
            for (Op op : a.ops())
                if (op instanceof Op.Fork f && !known.add(f.child()))
                    throw new ScenarioError(file, f.line(), "fork creates process '" + f.child()
                            + "', which already exists (the target, a process line or another fork)");
        for (Scenario.Actor a : s.actors) {
            if (a.proc() != null && !known.contains(a.proc()))
                throw new ScenarioError(file, a.line(), "actor " + a.name() + " is a thread of process '" + a.proc()
                        + "', which no process line or fork creates");
            for (Op op : a.ops())
                if (op instanceof Op.Read r && r.proc() != null && !known.contains(r.proc()))
                    throw new ScenarioError(file, r.line(), "read of process '" + r.proc() + "', which no process line or fork creates");
        }
    }

    // --- tokens ---

    private void need(List<String> w, int n, String form) throws ScenarioError {
        if (w.size() < n)
            throw err("expected '" + form + "', found '" + String.join(" ", w) + "'");
    }

    /**
     * The largest address, length or offset: 2^56, beyond the largest x86-64 user address space
     * (5-level paging). model: the port computes with signed 64-bit addresses, which such numbers
     * keep from wrapping (the kernel's unsigned arithmetic would take them, and find nothing mapped).
     */
    static final long MAX_ADDRESS = 1L << 56;

    private long num(String t, String what) throws ScenarioError {
        Long v = Num.parse(t);
        if (v == null)
            throw err("expected " + what + " (hex 0x.. or decimal), found '" + t + "'");
        if ((what.equals("an address") || what.equals("a length") || what.equals("a file offset")) && (v < 0 || v > MAX_ADDRESS))
            throw err("expected " + what + " from 0 to " + Num.hex(MAX_ADDRESS) + " (2^56: no user address lies beyond), found '" + t + "'");
        return v;
    }

    private int prot(String t) throws ScenarioError {
        int p = Prot.parse(t);
        if (p < 0)
            throw err("expected a protection (r, rw, rwx, rx, none), found '" + t + "'");
        return p;
    }

    private Scenario.Fill fill(String t) throws ScenarioError {
        if (t.equals("none"))
            return Scenario.Fill.NONE;
        if (t.length() == 1)
            return Scenario.Fill.of((byte) t.charAt(0));
        Long v = Num.parse(t);
        if (v == null || v < 0 || v > 255)
            throw err("expected fill=CHAR, fill=0xNN or fill=none, found 'fill=" + t + "'");
        return Scenario.Fill.of((byte) (long) v);
    }

    private String newName(String n) throws ScenarioError {
        if (!NAME.matcher(n).matches())
            throw err("expected a name of letters, digits, '_' or '-', found '" + n + "'");
        if (!names.add(n))
            throw err("name '" + n + "' is used twice");
        return n;
    }

    private Variant variantOrStar(String t) throws ScenarioError {
        if (t.equals("*"))
            return null;
        Variant v = Variant.byId(t);
        if (v == null)
            throw err("unknown variant '" + t + "': expected * or one of " + Variant.ids());
        return v;
    }

    private Map<String, String> options(List<String> w, int from, Set<String> keys, Set<String> words) throws ScenarioError {
        Map<String, String> kv = new HashMap<>();
        for (int i = from; i < w.size(); i++) {
            String t = w.get(i);
            int eq = t.indexOf('=');
            if (eq > 0 && keys.contains(t.substring(0, eq)))
                kv.put(t.substring(0, eq), t.substring(eq + 1));
            else if (eq < 0 && words.contains(t))
                kv.put(t, "");
            else {
                List<String> allowed = new ArrayList<>(words);
                keys.forEach(k -> allowed.add(k + "=..."));
                throw err("unexpected '" + t + "': expected " + (allowed.isEmpty() ? "nothing more" : String.join(", ", allowed)));
            }
        }
        return kv;
    }

    private ScenarioError err(String msg) {
        return new ScenarioError(file, line, msg);
    }
}
