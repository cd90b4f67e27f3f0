package mmrace.sched;

import static mmrace.sched.Execution.BLOCKED;
import static mmrace.sched.Execution.FINISHED;
import static mmrace.sched.Execution.SPINNING;

import java.util.ArrayList;
import java.util.List;
import mmrace.runtime.Task;
import mmrace.runtime.Waiter;

/**
 * Deadlock detection for an {@link Execution}: the wait-for graph of its tasks when none can run.
 * A blocked task waits for the holders its {@link Waiter} names ({@link Waiter#what()},
 * {@link Waiter#holders()}); a spinning task waits for nobody in particular. {@link #waitsNow}
 * lists every wait (the {@link Result#waits()} of a DEADLOCK or LIVELOCK); {@link #cycle} finds the
 * first cycle among blocked tasks and prints it in kernel words ("reader waits for mmap_lock held
 * by writer -> ..."), the detail of a DEADLOCK. It reads the execution's per-task state arrays,
 * which only the thread that owns control touches.
 */
final class WaitForGraph {
    private final Execution x;
    /** The execution's task count (without kthread), names and per-task state, shared with it. */
    private final int n;
    private final String[] names;
    private final byte[] state;
    private final Waiter[] waiter;
    private final String[] spinWhy;

    WaitForGraph(Execution x, int n, String[] names, byte[] state, Waiter[] waiter, String[] spinWhy) {
        this.x = x;
        this.n = n;
        this.names = names;
        this.state = state;
        this.waiter = waiter;
        this.spinWhy = spinWhy;
    }

    /** Every task that waits now: blocked ones with what and whom they wait for, spinning ones with why. */
    List<Result.Wait> waitsNow() {
        List<Result.Wait> l = new ArrayList<>();
        for (int i = 0; i <= n; i++) {
            if (state[i] == BLOCKED) {
                List<String> hs = new ArrayList<>();
                for (Task h : waiter[i].holders())
                    hs.add(holderName(h));
                l.add(new Result.Wait(names[i], waiter[i].what(), List.copyOf(hs)));
            } else if (state[i] == SPINNING) {
                l.add(new Result.Wait(names[i], "spin: " + spinWhy[i], List.of()));
            }
        }
        return List.copyOf(l);
    }

    private String holderName(Task h) {
        int j = x.actorOf(h);
        if (j < 0)
            return h.name;
        return names[j] + (state[j] == FINISHED ? " (finished)" : "");
    }

    /** The first wait-for cycle among blocked actors, in kernel words; else every wait of {@code waits}. */
    String cycle(List<Result.Wait> waits) {
        int m = n + 1;
        int[] color = new int[m];
        int[] via = new int[m];
        for (int s = 0; s < m; s++) {
            if (state[s] != BLOCKED || color[s] != 0)
                continue;
            int[] stack = new int[m];
            int sp = 0;
            // iterative DFS: follow the first unvisited holder
            stack[sp++] = s;
            color[s] = 1;
            int[] next = new int[m];
            while (sp > 0) {
                int u = stack[sp - 1];
                List<Task> hs = waiter[u].holders();
                boolean pushed = false;
                while (next[u] < hs.size()) {
                    int v = x.actorOf(hs.get(next[u]++));
                    if (v < 0 || state[v] != BLOCKED)
                        continue;
                    if (color[v] == 1) {
                        via[u] = v;
                        return cycleText(v, via);
                    }
                    if (color[v] == 0) {
                        via[u] = v;
                        color[v] = 1;
                        stack[sp++] = v;
                        pushed = true;
                        break;
                    }
                }
                if (!pushed) {
                    color[u] = 2;
                    sp--;
                }
            }
        }
        StringBuilder b = new StringBuilder();
        for (Result.Wait w : waits) {
            if (b.length() > 0)
                b.append("; ");
            b.append(w);
        }
        return b.toString();
    }

    private String cycleText(int start, int[] via) {
        StringBuilder b = new StringBuilder();
        int u = start;
        do {
            b.append(names[u]).append(" waits for ").append(waiter[u].what()).append(" held by ").append(names[via[u]]);
            u = via[u];
            if (u != start)
                b.append(" -> ");
        } while (u != start);
        return b.toString();
    }
}
