package mmrace.run;

import mmrace.port.Fork;
import mmrace.port.MmStruct;
import mmrace.port.TaskStruct;
import mmrace.runtime.Err;
import mmrace.runtime.Task;
import mmrace.runtime.Waiter;
import mmrace.scenario.Op;
import mmrace.scenario.Scenario;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The processes of one execution of a scenario with processes ({@link Scenario#usesProcesses}):
 * each has a task_struct per thread, every thread holding one mm_users reference on the mm they
 * share. The target and the processes of {@code process} lines exist from the set-up on; a process
 * a {@code fork} creates exists once that fork has returned, and its actors (its threads) wait for
 * it to; if the fork fails or never runs, they run nothing.
 *
 * <p>Which actor is which thread: the actors of a process in the order the file lists them; the
 * first is the thread that exists with the process (the one mm_alloc or fork gave the mm to), each
 * further one a thread created with clone(CLONE_VM) (at set-up, or, for a forked process, by its
 * first thread when it starts). A process without actors has one thread, which never runs anything
 * and never exits.
 */
final class Processes {
    /** One process: its name, its first thread (the task /proc/PID names) and how it comes to exist. */
    static final class Proc {
        final String name;
        /** The actor whose fork creates it, or null for a process of the initial state. */
        final String forker;
        final List<String> actors = new ArrayList<>();
        /** The thread that exists with the process (/proc/PID is its task); null until forked. */
        volatile TaskStruct leader;
        /** The mm the process was created with (the oracle follows it). */
        volatile MmStruct mm;
        /** Created, or its fork failed or will never run: the waiting threads may go on. */
        volatile boolean resolved;
        /** Threads of an initial-state process beyond the first, made at set-up: by actor name. */
        final Map<String, TaskStruct> threads = new HashMap<>();

        Proc(String name, String forker) {
            this.name = name;
            this.forker = forker;
        }
    }

    /** A /proc/PID/mem file an actor opened: the mm it holds with mmgrab (null: the task had none). */
    record MemFile(MmStruct mm) {}

    /** One actor as a thread: its process and task_struct, its open /proc files, whether it exited. */
    static final class Member {
        final Proc proc;
        final TaskStruct task;
        final Map<String, MemFile> open = new LinkedHashMap<>();
        boolean exited;

        Member(Proc proc, TaskStruct task) {
            this.proc = proc;
            this.task = task;
        }
    }

    final Map<String, Proc> byName = new LinkedHashMap<>();

    /** The processes of s: the target (with {@code mm}), process lines, forks; actors assigned. */
    static Processes of(Scenario s, MmStruct target, Map<String, MmStruct> others) {
        Processes p = new Processes();
        p.add(Scenario.TARGET, null, target);
        for (Scenario.Process x : s.processes)
            p.add(x.name(), null, others.get(x.name()));
        for (Scenario.Actor a : s.actors)
            for (Op op : a.ops())
                if (op instanceof Op.Fork f && !p.byName.containsKey(f.child()))
                    p.byName.put(f.child(), new Proc(f.child(), a.name()));
        for (Scenario.Actor a : s.actors) {
            Proc pr = p.byName.get(a.process());
            if (pr != null)
                pr.actors.add(a.name());
        }
        return p;
    }

    private void add(String name, String forker, MmStruct mm) {
        Proc pr = new Proc(name, forker);
        pr.mm = mm;
        pr.resolved = true;
        byName.put(name, pr);
    }

    /**
     * At set-up, on the init task: the task_structs of the initial processes' threads, each holding
     * a reference to the mm (mm_alloc gave the first one; mmget for the others).
     */
    void makeThreads() {
        for (Proc pr : byName.values()) {
            if (pr.forker != null)
                continue;
            pr.leader = new TaskStruct(pr.actors.isEmpty() ? pr.name : pr.actors.get(0));
            pr.leader.mm.set(pr.mm);
            for (int i = 1; i < pr.actors.size(); i++) {
                TaskStruct t = Fork.kernelClone(pr.leader, Fork.CLONE_VM, pr.actors.get(i));
                pr.threads.put(pr.actors.get(i), t);
            }
        }
    }

    /**
     * The thread actor {@code a} runs as, on its own task: for a forked process, after waiting for
     * the fork to be resolved; null when its process never came to exist.
     */
    Member attach(Scenario.Actor a) {
        Proc pr = byName.get(a.process());
        if (pr == null)
            return null;
        if (pr.forker == null) {
            TaskStruct t = pr.actors.indexOf(a.name()) <= 0 ? pr.leader : pr.threads.get(a.name());
            return new Member(pr, t);
        }
        Task.current().waitUntil(new Waiter() {
            @Override public boolean ready() { return pr.resolved; }
            @Override public String what() { return "fork() -> " + pr.name + " by " + pr.forker; }
            @Override public List<Task> holders() {
                List<Task> l = new ArrayList<>();
                for (Task t : Task.current().kernel.tasks())
                    if (t.name.equals(pr.forker))
                        l.add(t);
                return l;
            }
        });
        if (pr.leader == null)
            return null;
        if (pr.actors.indexOf(a.name()) <= 0)
            return new Member(pr, pr.leader);
        // clone(CLONE_VM) by the process's first thread: mmget of its mm (none if it has exited)
        TaskStruct t = Fork.kernelClone(pr.leader, Fork.CLONE_VM, a.name());
        return Err.isErr(t) ? null : new Member(pr, t);
    }

    /** The fork creating {@code name} returned: with the child's task, or null if it failed. */
    void resolve(String name, TaskStruct child) {
        Proc pr = byName.get(name);
        if (pr == null || pr.resolved)
            return;
        if (child != null) {
            pr.leader = child;
            pr.mm = child.mm.peek();
        }
        pr.resolved = true;
    }

    /** Actor {@code actor} ended: a fork it never made will not be made. */
    void actorDone(String actor) {
        for (Proc pr : byName.values())
            if (actor.equals(pr.forker))
                resolve(pr.name, null);
    }

    /** The mm each process was created with, for the oracle and the final checks. */
    List<MmStruct> mms() {
        List<MmStruct> l = new ArrayList<>();
        for (Proc pr : byName.values())
            if (pr.mm != null)
                l.add(pr.mm);
        return l;
    }
}
