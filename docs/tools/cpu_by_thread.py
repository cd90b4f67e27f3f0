#!/usr/bin/env python3
"""Runs a command and reports the CPU time its processes spent, by JVM thread kind.

    python3 docs/tools/cpu_by_thread.py [--every 0.2] -- ./mmrace fuzz --jobs 2 ...

Samples /proc every --every seconds: every process descended from the command, every thread of it,
its name (/proc/PID/task/TID/comm) and its user+system CPU time. At the end prints, per process
(the launcher's JVM first, then its workers), the CPU seconds of: the thread that runs the
executions ("main" in a worker and in a one-job campaign), the JIT compilers ("C1/C2
CompilerThre"), the garbage collector (G1 and GC threads), and the rest; and the wall time.
Linux only. The last sample of a process that exits between two samples is what is counted, so a
process's final fraction of a sample interval is lost.

Used in docs/PERFORMANCE.md ("--jobs") to tell where the CPU of a campaign with several workers
goes: a worker that spends its CPU compiling or collecting runs fewer executions per CPU second.
"""
import os
import subprocess
import sys
import time

HZ = os.sysconf(os.sysconf_names["SC_CLK_TCK"])


def kind(name):
    if name.startswith("C1 Compiler") or name.startswith("C2 Compiler") or name.startswith("C1 CompilerThre") \
            or name.startswith("C2 CompilerThre"):
        return "jit"
    if name.startswith("G1 ") or name.startswith("GC Thread") or name.startswith("GC ") or name.startswith("VM Thread"):
        return "gc+vm"
    if name == "main" or name == "java":
        return "main"
    return "other"


def children(pid):
    out = []
    try:
        for t in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{t}/children") as f:
                    out += [int(x) for x in f.read().split()]
            except OSError:
                pass
    except OSError:
        pass
    return out


def sample(root, seen):
    stack = [root]
    while stack:
        pid = stack.pop()
        stack += children(pid)
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        if "java" not in cmd.split(" ")[0]:
            continue
        for tid in tids:
            try:
                with open(f"/proc/{pid}/task/{tid}/comm") as f:
                    name = f.read().strip()
                with open(f"/proc/{pid}/task/{tid}/stat") as f:
                    st = f.read()
            except OSError:
                continue
            fields = st[st.rindex(")") + 2:].split()
            cpu = (int(fields[11]) + int(fields[12])) / HZ
            seen.setdefault(pid, {"cmd": cmd, "threads": {}})["threads"][tid] = (name, cpu)


def main():
    argv = sys.argv[1:]
    every = 0.2
    if argv[:1] == ["--every"]:
        every = float(argv[1])
        argv = argv[2:]
    if argv[:1] == ["--"]:
        argv = argv[1:]
    t0 = time.monotonic()
    p = subprocess.Popen(argv)
    seen = {}
    while p.poll() is None:
        sample(p.pid, seen)
        time.sleep(every)
    wall = time.monotonic() - t0
    print(f"\nwall {wall:.1f} s, exit {p.returncode}")
    print(f"{'process':<10} {'main':>8} {'jit':>8} {'gc+vm':>8} {'other':>8} {'total':>8}  command")
    for pid, rec in sorted(seen.items()):
        by = {"main": 0.0, "jit": 0.0, "gc+vm": 0.0, "other": 0.0}
        for name, cpu in rec["threads"].values():
            by[kind(name)] += cpu
        role = "worker" if "mmrace.fuzz.Worker" in rec["cmd"] else "launcher"
        tail = rec["cmd"].split("mmrace.fuzz.Worker")[-1][:60] if role == "worker" else ""
        print(f"{role:<10} {by['main']:8.1f} {by['jit']:8.1f} {by['gc+vm']:8.1f} {by['other']:8.1f} {sum(by.values()):8.1f} {tail}")
    sys.exit(p.returncode)


if __name__ == "__main__":
    main()
