package mmrace.scenario;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A scenario: an initial address space, one program per actor, optional fault injection, a
 * schedule per variant, and the verdict expected per variant. Parsed from and written to the
 * line-oriented {@code .scn} format documented in docs/SCENARIOS.md; {@link #text()} writes it
 * back so that parse(text()) gives the same scenario.
 */
public final class Scenario {
    public static final int VERSION = 1;
    public static final String MAGIC = "mmrace-scenario";

    /** Where it was read from (for messages), or a made-up name. */
    public String source = "<scenario>";
    public String name = "unnamed";
    public final List<String> desc = new ArrayList<>();
    public final List<FileSpec> files = new ArrayList<>();
    public final List<MapSpec> maps = new ArrayList<>();
    /** Operations a thread of the target runs after the maps, before anything races ({@code init OP}). */
    public final List<Op> init = new ArrayList<>();
    /**
     * Processes besides the target ({@code process NAME} sections), each with its own maps and init
     * operations. The target is {@link #TARGET}; its maps and init operations are {@link #maps} and
     * {@link #init}, so a file without process lines means what it always meant.
     */
    public final List<Process> processes = new ArrayList<>();
    public final List<Actor> actors = new ArrayList<>();
    public final List<Inject> injects = new ArrayList<>();
    /** Per variant; the key null means "every variant without its own line" ({@code schedule *}). */
    public final Map<Variant, Sched> schedules = new LinkedHashMap<>();
    public final Map<Variant, Expect> expects = new LinkedHashMap<>();

    /** A file with known contents: size in bytes, filled with {@code fill}. */
    public record FileSpec(String name, long size, Fill fill, int line) {
        String text() {
            return "file " + name + " " + Num.hex(size) + " fill=" + fill.text();
        }
    }

    /**
     * A mapping of the initial layout: made with mmap by the target before anything races, then
     * (unless fill=none) written by a thread of the target so its pages are present.
     */
    public record MapSpec(String name, long addr, long len, int prot, boolean shared, String file, long off,
                          boolean growsdown, boolean device, Fill fill, int line) {
        String text() {
            StringBuilder b = new StringBuilder("map ").append(name).append(' ').append(Num.hex(addr)).append(' ')
                    .append(Num.hex(len)).append(' ').append(Prot.text(prot));
            if (shared) b.append(" shared");
            if (growsdown) b.append(" growsdown");
            if (device) b.append(" device");
            if (file != null) b.append(" file=").append(file).append(" off=").append(Num.hex(off));
            b.append(" fill=").append(fill.text());
            return b.toString();
        }
    }

    /** What fills memory: a repeated byte, or nothing (never touched). */
    public record Fill(boolean none, byte value) {
        public static final Fill NONE = new Fill(true, (byte) 0);

        public static Fill of(byte b) {
            return new Fill(false, b);
        }

        /** As a scenario file writes it after "fill=": a letter or digit, 0xNN, or none. */
        public String text() {
            if (none) return "none";
            int v = value & 0xff;
            return v >= 'a' && v <= 'z' || v >= 'A' && v <= 'Z' || v >= '0' && v <= '9' ? String.valueOf((char) v)
                    : String.format("0x%02x", v);
        }
    }

    /** The process every map, init operation and actor belongs to unless a process line or proc= says otherwise. */
    public static final String TARGET = "P1";

    /** A process of the initial state besides the target: its own address space, mapped and filled like the target's. */
    public record Process(String name, List<MapSpec> maps, List<Op> init, int line) {}

    /**
     * One actor and its program, run in order on one task: a thread of process {@code proc} (null:
     * the target), whose stores and syscalls go to that process's mm.
     */
    public record Actor(String name, List<Op> ops, int line, String proc) {
        public Actor(String name, List<Op> ops, int line) {
            this(name, ops, line, null);
        }

        /** The process this actor is a thread of. */
        public String process() {
            return proc == null ? TARGET : proc;
        }
    }

    /** "fail the nth allocation at site by task". */
    public record Inject(String site, String task, int nth, int line) {
        String text() {
            return "inject " + site + " task=" + task + " nth=" + nth;
        }
    }

    /** How a variant's execution is scheduled: random SEED, pct DEPTH SEED, or steps SPEC. */
    public record Sched(String kind, long seed, int depth, String steps, int line) {
        public static Sched random(long seed) {
            return new Sched("random", seed, 0, null, 0);
        }

        public static Sched pct(int depth, long seed) {
            return new Sched("pct", seed, depth, null, 0);
        }

        public static Sched steps(String spec) {
            return new Sched("steps", 0, 0, spec, 0);
        }

        String text() {
            return switch (kind) {
                case "random" -> "random " + seed;
                case "pct" -> "pct " + depth + " " + seed;
                default -> "steps " + steps;
            };
        }
    }

    /** An expected verdict: class (acceptable, interesting, forbidden) and optionally a reason code. */
    public record Expect(String cls, String reason, int line) {
        String text() {
            return cls + (reason == null ? "" : " " + reason);
        }
    }

    /** The schedule for a variant: its own line, else the {@code *} line, else random 0. */
    public Sched scheduleFor(Variant v) {
        Sched s = schedules.get(v);
        if (s == null)
            s = schedules.get(null);
        return s == null ? Sched.random(0) : s;
    }

    /** A process of the initial state by name (not the target, not one a fork creates), or null. */
    public Process process(String name) {
        for (Process p : processes)
            if (p.name().equals(name))
                return p;
        return null;
    }

    /**
     * Whether this scenario has more than one process or a process that can go away (a process
     * line, proc=, fork or exit). Such scenarios are run with mm lifetimes: every thread holds its
     * process's mm, a remote read goes through /proc/PID/mem (mm_access, mmget_not_zero, mmput).
     * Without them the one mm lives for the whole execution and a read calls access_remote_vm on it
     * directly, as it always did.
     */
    public boolean usesProcesses() {
        if (!processes.isEmpty())
            return true;
        for (Actor a : actors) {
            if (a.proc() != null)
                return true;
            for (Op op : a.ops())
                if (op instanceof Op.Fork || op instanceof Op.Exit || op instanceof Op.Read r && r.proc() != null)
                    return true;
        }
        return false;
    }

    /** The processes fork operations create, in the order the actors name them. */
    public List<String> forked() {
        List<String> l = new ArrayList<>();
        for (Actor a : actors)
            for (Op op : a.ops())
                if (op instanceof Op.Fork f)
                    l.add(f.child());
        return l;
    }

    public Actor actor(String name) {
        for (Actor a : actors)
            if (a.name.equals(name))
                return a;
        return null;
    }

    /** The scenario in .scn form. */
    public String text() {
        StringBuilder b = new StringBuilder();
        b.append(MAGIC).append(' ').append(VERSION).append('\n');
        b.append("name ").append(name).append('\n');
        for (String d : desc)
            b.append("desc ").append(d).append('\n');
        b.append('\n');
        for (FileSpec f : files)
            b.append(f.text()).append('\n');
        for (MapSpec m : maps)
            b.append(m.text()).append('\n');
        for (Op op : init)
            b.append("init ").append(op.text()).append('\n');
        for (Process p : processes) {
            b.append('\n').append("process ").append(p.name()).append('\n');
            for (MapSpec m : p.maps())
                b.append(m.text()).append('\n');
            for (Op op : p.init())
                b.append("init ").append(op.text()).append('\n');
        }
        for (Actor a : actors) {
            b.append('\n').append("actor ").append(a.name).append(a.proc == null ? "" : " proc=" + a.proc).append('\n');
            for (Op op : a.ops)
                b.append("  ").append(op.text()).append('\n');
        }
        if (!injects.isEmpty())
            b.append('\n');
        for (Inject i : injects)
            b.append(i.text()).append('\n');
        if (!schedules.isEmpty())
            b.append('\n');
        for (Map.Entry<Variant, Sched> e : schedules.entrySet())
            b.append("schedule ").append(e.getKey() == null ? "*" : e.getKey().id).append(' ').append(e.getValue().text()).append('\n');
        if (!expects.isEmpty())
            b.append('\n');
        for (Map.Entry<Variant, Expect> e : expects.entrySet())
            b.append("expect ").append(e.getKey().id).append(' ').append(e.getValue().text()).append('\n');
        return b.toString();
    }

    /** A deep enough copy for mutation: lists are copied, records are immutable. */
    public Scenario copy() {
        Scenario s = new Scenario();
        s.source = source;
        s.name = name;
        s.desc.addAll(desc);
        s.files.addAll(files);
        s.maps.addAll(maps);
        s.init.addAll(init);
        for (Process p : processes)
            s.processes.add(new Process(p.name(), new ArrayList<>(p.maps()), new ArrayList<>(p.init()), p.line()));
        for (Actor a : actors)
            s.actors.add(new Actor(a.name, new ArrayList<>(a.ops), a.line, a.proc));
        s.injects.addAll(injects);
        s.schedules.putAll(schedules);
        s.expects.putAll(expects);
        return s;
    }
}
