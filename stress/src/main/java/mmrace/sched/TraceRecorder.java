package mmrace.sched;

import java.util.ArrayList;
import java.util.IllegalFormatException;
import java.util.List;
import java.util.Locale;
import mmrace.runtime.Atomic;
import mmrace.runtime.Errno;
import mmrace.runtime.Kernel;
import mmrace.runtime.Access;
import mmrace.runtime.Page;
import mmrace.runtime.PageAlloc;
import mmrace.runtime.Probes;
import mmrace.runtime.Ref;
import mmrace.runtime.Report;
import mmrace.runtime.Shared;
import mmrace.runtime.Task;
import mmrace.runtime.Tracepoint;
import mmrace.runtime.Waiter;
import mmrace.runtime.Word;

/**
 * Records an execution as rows (step, actor, text), the text in kernel words: primitive accesses
 * ("READ_ONCE(B.vm_refcnt)", "spin_lock(pte table 7.ptl)", "rcu_read_lock"), port notes
 * (formatted with {@code String.format(Locale.ROOT, fmt, args)}), waits, spins, tracepoints,
 * probes, reports. An operation's sys_enter and sys_exit tracepoints read as its call:
 * {@code mmap(0x10000, 0x4000, rw) ...} when it begins, {@code mmap(0x10000, 0x4000, rw) = 0x10000}
 * when it returns. {@link #columns()} prints one column per actor. Reusable: {@link #start}
 * clears it.
 */
public final class TraceRecorder implements ExecutionListener {
    public enum Kind { START, POINT, BLOCK, SPIN, NOTE, TRACEPOINT, SYSCALL, PROBE, REPORT, FINISH }

    /** One line of the trace; {@code actor} indexes {@link #actors()}. */
    public record Row(long step, int actor, Kind kind, String text) {}

    private final boolean probes;
    private final List<Row> rows = new ArrayList<>();
    private List<String> actors = List.of();
    private Kernel kernel;

    public TraceRecorder() {
        this(true);
    }

    /** {@code probes}: record coverage probes too. */
    public TraceRecorder(boolean probes) {
        this.probes = probes;
    }

    @Override
    public void start(Execution e) {
        rows.clear();
        actors = e.actorNames();
        kernel = e.kernel();
    }

    @Override
    public void actorStart(long step, int actor) {
        rows.add(new Row(step, actor, Kind.START, "start"));
    }

    @Override
    public void point(long step, int actor, Access op, Shared shared, long arg) {
        rows.add(new Row(step, actor, Kind.POINT, pointText(op, shared, arg, kernel)));
    }

    @Override
    public void block(long step, int actor, Waiter w) {
        rows.add(new Row(step, actor, Kind.BLOCK, "waits for " + w.what()));
    }

    @Override
    public void spin(long step, int actor, String why) {
        rows.add(new Row(step, actor, Kind.SPIN, "spins: " + why));
    }

    @Override
    public void note(long step, int actor, String fmt, Object[] args) {
        rows.add(new Row(step, actor, Kind.NOTE, format(fmt, args)));
    }

    @Override
    public void tracepoint(long step, int actor, Tracepoint tp, Object a, long b) {
        switch (tp) {
            case SYS_ENTER -> rows.add(new Row(step, actor, Kind.SYSCALL, a + " ..."));
            case SYS_EXIT -> rows.add(new Row(step, actor, Kind.SYSCALL, a + " = " + ret(b)));
            default -> rows.add(new Row(step, actor, Kind.TRACEPOINT, "trace " + tp.name().toLowerCase(Locale.ROOT) + "(" + a + ", "
                    + (tp == Tracepoint.READ_BEGIN || tp == Tracepoint.USER_STORE || tp == Tracepoint.REMOTE_STORE
                    || tp == Tracepoint.READ_LOCK_DROPPED ? "0x" + Long.toHexString(b) : b) + ")"));
        }
    }

    /** A return value as strace prints one: -ENAME for an errno, else hex (an address, a byte count). */
    public static String ret(long r) {
        return r < 0 && r > -4096 ? "-" + Errno.name((int) -r) : "0x" + Long.toHexString(r);
    }

    @Override
    public void probe(long step, int actor, int id) {
        if (probes)
            rows.add(new Row(step, actor, Kind.PROBE, "probe: " + Probes.name(id)));
    }

    @Override
    public void report(long step, int actor, Report r) {
        rows.add(new Row(step, actor, Kind.REPORT, r.kind() + ": " + r.title() + (r.detail().isEmpty() ? "" : " (" + firstLine(r.detail()) + ")")));
    }

    @Override
    public void actorFinish(long step, int actor, Throwable thrown) {
        rows.add(new Row(step, actor, Kind.FINISH, thrown == null ? "return" : "exception " + thrown));
    }

    public List<Row> rows() {
        return List.copyOf(rows);
    }

    /** Actor names of the last execution (the last is "kthread"). */
    public List<String> actors() {
        return actors;
    }

    /** One line per row: {@code "  14 writer    WRITE_ONCE(x, 1)"}. */
    public String text() {
        return text(rows, actors);
    }

    public static String text(List<Row> rows, List<String> actors) {
        int w = 0;
        for (String a : actors)
            w = Math.max(w, a.length());
        StringBuilder b = new StringBuilder();
        for (Row r : rows) {
            b.append(String.format(Locale.ROOT, "%5d %-" + w + "s %s%n", r.step(), actors.get(r.actor()), r.text()));
        }
        return b.toString();
    }

    /** One column per actor (columns of actors with no rows are left out), one row per event. */
    public String columns() {
        return columns(rows, actors);
    }

    public static String columns(List<Row> rows, List<String> actors) {
        final int cap = 56;
        int m = actors.size();
        boolean[] used = new boolean[m];
        int[] width = new int[m];
        for (int i = 0; i < m; i++)
            width[i] = actors.get(i).length();
        for (Row r : rows) {
            used[r.actor()] = true;
            width[r.actor()] = Math.min(cap, Math.max(width[r.actor()], r.text().length()));
        }
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%5s", "step"));
        for (int i = 0; i < m; i++)
            if (used[i] || i < m - 1)
                b.append(" | ").append(pad(actors.get(i), width[i]));
        trimEnd(b);
        b.append('\n');
        for (Row r : rows) {
            b.append(String.format(Locale.ROOT, "%5s", r.kind() == Kind.POINT ? Long.toString(r.step()) : ""));
            for (int i = 0; i < m; i++) {
                if (!(used[i] || i < m - 1))
                    continue;
                String t = i == r.actor() ? r.text() : "";
                if (t.length() > cap)
                    t = t.substring(0, cap - 1) + "…";
                b.append(" | ").append(pad(t, width[i]));
            }
            trimEnd(b);
            b.append('\n');
        }
        return b.toString();
    }

    private static void trimEnd(StringBuilder b) {
        int e = b.length();
        while (e > 0 && b.charAt(e - 1) == ' ')
            e--;
        b.setLength(e);
    }

    private static String pad(String s, int w) {
        return s.length() >= w ? s : s + " ".repeat(w - s.length());
    }

    private static String firstLine(String s) {
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i) + " ...";
    }

    /** {@code String.format(Locale.ROOT, fmt, args)}, or the raw format and arguments if they do not match. */
    public static String format(String fmt, Object[] args) {
        try {
            return String.format(Locale.ROOT, fmt, args);
        } catch (IllegalFormatException e) {
            return fmt + " " + java.util.Arrays.toString(args);
        }
    }

    /** A point in kernel words. {@code kernel} names tasks for wake-ups (may be null). */
    public static String pointText(Access op, Shared s, long arg, Kernel kernel) {
        String name = s == null ? "?" : s.name();
        boolean entry = s != null && s.owner instanceof Page && s.field.name.equals("entries");
        if (entry)
            name = name + "[" + arg + "]";
        return switch (op) {
            case READ, LOAD, LOAD_ACQUIRE -> op.text + "(" + name + ")";
            case WRITE, STORE, STORE_RELEASE -> entry || s instanceof Ref ? op.text + "(" + name + ")"
                    : op.text + "(" + name + ", " + value(s, arg) + ")";
            case RMW -> entry ? "xchg(" + name + ")" : "atomic(" + name + ", " + arg + ")";
            case SPIN_LOCK -> (arg == 1 ? "spin_trylock(" : "spin_lock(") + name + ")";
            case DOWN_READ -> (arg == 1 ? "down_read_trylock(" : "down_read(") + name + ")";
            case DOWN_WRITE -> (arg == 1 ? "down_write_trylock(" : "down_write(") + name + ")";
            case RCU_READ_LOCK, RCU_READ_UNLOCK, SYNCHRONIZE_RCU, CALL_RCU, IRQ_DISABLE, IRQ_ENABLE, SLEEP -> op.text;
            case IPI -> "smp_call_function(wait=1)";
            case WAKE -> "wake_up_process(" + taskName(kernel, arg) + ")";
            case ALLOC -> s instanceof PageAlloc ? (arg == 0 ? "alloc_page" : "alloc_pages(order " + arg + ")") : "kmem_cache_alloc(" + name + ")";
            case FREE -> s instanceof PageAlloc ? "__free_pages(pfn " + arg + ")" : "kmem_cache_free(" + name + ")";
            case COPY_FROM, COPY_TO -> op.text + "(" + name + ", " + arg + " bytes)";
            default -> op.text + "(" + name + ")";
        };
    }

    private static String value(Shared s, long v) {
        if (s instanceof Atomic)
            return Integer.toString((int) v);
        if (s instanceof Word && (v < 0 || v > 9))
            return "0x" + Long.toHexString(v);
        return Long.toString(v);
    }

    private static String taskName(Kernel k, long id) {
        if (k != null && id >= 0 && id < k.tasks().size()) {
            Task t = k.tasks().get((int) id);
            return t.name;
        }
        return "task " + id;
    }
}
