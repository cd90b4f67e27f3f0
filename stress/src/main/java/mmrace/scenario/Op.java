package mmrace.scenario;

import java.util.ArrayList;
import java.util.List;

/** One step of an actor's program, in the words of the syscall or event it stands for. */
public sealed interface Op {
    int line();

    /** The op as a scenario line (without indentation). */
    String text();

    /*
     * Each op's toString() is the call in kernel words, as traces print it when it begins and
     * returns ("mmap(0x10000, 0x4000, rw)", "access_remote_vm(0x11ff8, 16, FOLL_FORCE)"): the
     * runner's sys_enter/sys_exit tracepoints carry the op itself.
     */

    /**
     * access_remote_vm(mm, addr, buf, len, flags) with the variant under test (or a fixed one), of
     * process {@code proc} (null: the actor's own process; in a scenario with processes, through
     * /proc/PID/mem).
     */
    record Read(long addr, int len, int flags, Variant variant, String proc, int line) implements Op {
        public Read(long addr, int len, int flags, Variant variant, int line) {
            this(addr, len, flags, variant, null, line);
        }

        public String text() {
            return "read " + Num.hex(addr) + " " + len + " " + Foll.text(flags) + (variant == null ? "" : " variant=" + variant.id)
                    + (proc == null ? "" : " proc=" + proc);
        }

        @Override
        public String toString() {
            return "access_remote_vm(" + Num.hex(addr) + ", " + len + ", " + Foll.text(flags) + ")";
        }
    }

    /**
     * access_remote_vm(mm, addr, buf, len, FOLL_WRITE | flags) from another process, buf holding
     * len bytes of fill: what a write to /proc/PID/mem does for each page-sized chunk (mem_rw,
     * fs/proc/base.c, FOLL_FORCE | FOLL_WRITE) and PTRACE_POKEDATA for one word (ptrace_access_vm,
     * kernel/ptrace.c). Writes never take the fast path: every variant sends them to the slow path.
     */
    record Poke(long addr, int len, Scenario.Fill fill, int flags, int line) implements Op {
        public String text() {
            return "poke " + Num.hex(addr) + " " + len + " fill=" + fill.text() + " " + Foll.text(flags);
        }

        @Override
        public String toString() {
            return "access_remote_vm(" + Num.hex(addr) + ", " + len + ", FOLL_WRITE" + ((flags & Foll.FORCE) != 0 ? "|FOLL_FORCE" : "") + ")";
        }
    }

    /** mmap(addr, len, prot, flags, fd, off) by a thread of the target; name labels the new VMA. */
    record Mmap(String name, long addr, long len, int prot, boolean fixed, boolean shared, String file, long off,
                boolean growsdown, int line) implements Op {
        public String text() {
            StringBuilder b = new StringBuilder("mmap ").append(name).append(' ').append(Num.hex(addr)).append(' ')
                    .append(Num.hex(len)).append(' ').append(Prot.text(prot));
            if (fixed) b.append(" fixed");
            if (shared) b.append(" shared");
            if (growsdown) b.append(" growsdown");
            if (file != null) b.append(" file=").append(file).append(" off=").append(Num.hex(off));
            return b.toString();
        }

        @Override
        public String toString() {
            return "mmap(" + Num.hex(addr) + ", " + Num.hex(len) + ", " + Prot.text(prot) + ")";
        }
    }

    record Munmap(long addr, long len, int line) implements Op {
        public String text() {
            return "munmap " + Num.hex(addr) + " " + Num.hex(len);
        }

        @Override
        public String toString() {
            return "munmap(" + Num.hex(addr) + ", " + Num.hex(len) + ")";
        }
    }

    /** mremap(old, oldLen, newLen, flags, newAddr). */
    record Mremap(long addr, long oldLen, long newLen, boolean maymove, Long fixedTo, boolean dontunmap, int line) implements Op {
        public String text() {
            return "mremap " + Num.hex(addr) + " " + Num.hex(oldLen) + " " + Num.hex(newLen) + (maymove ? " maymove" : "")
                    + (fixedTo != null ? " fixed=" + Num.hex(fixedTo) : "") + (dontunmap ? " dontunmap" : "");
        }

        @Override
        public String toString() {
            return "mremap(" + Num.hex(addr) + ", " + Num.hex(oldLen) + ", " + Num.hex(newLen) + ")";
        }
    }

    record Mprotect(long addr, long len, int prot, int line) implements Op {
        public String text() {
            return "mprotect " + Num.hex(addr) + " " + Num.hex(len) + " " + Prot.text(prot);
        }

        @Override
        public String toString() {
            return "mprotect(" + Num.hex(addr) + ", " + Num.hex(len) + ", " + Prot.text(prot) + ")";
        }
    }

    /** madvise(addr, len, MADV_DONTNEED). */
    record Madvise(long addr, long len, String advice, int line) implements Op {
        public String text() {
            return "madvise " + Num.hex(addr) + " " + Num.hex(len) + " " + advice;
        }

        @Override
        public String toString() {
            return "madvise(" + Num.hex(addr) + ", " + Num.hex(len) + ", MADV_DONTNEED)";
        }
    }

    /** A store by a thread of the target: faults the page in if needed and changes its contents. */
    record Write(long addr, long len, Scenario.Fill fill, int line) implements Op {
        public String text() {
            return "write " + Num.hex(addr) + " " + Num.hex(len) + " fill=" + fill.text();
        }

        @Override
        public String toString() {
            return "store " + Num.hex(len) + " bytes of '" + fill.text() + "' at " + Num.hex(addr);
        }
    }

    /** Page reclaim of the page mapped at addr (mm/vmscan.c for one folio). */
    record Reclaim(long addr, int line) implements Op {
        public String text() {
            return "reclaim " + Num.hex(addr);
        }

        @Override
        public String toString() {
            return "reclaim(" + Num.hex(addr) + ")";
        }
    }

    /** khugepaged collapsing the PMD range containing addr, retracting its PTE table. */
    record Collapse(long addr, int line) implements Op {
        public String text() {
            return "collapse " + Num.hex(addr);
        }

        @Override
        public String toString() {
            return "collapse(" + Num.hex(addr) + ")";
        }
    }

    /** fork() by a thread of a process: creates process {@code child}, whose mm is a copy of the parent's (dup_mmap). */
    record Fork(String child, int line) implements Op {
        public String text() {
            return "fork " + child;
        }

        @Override
        public String toString() {
            return "fork() -> " + child;
        }
    }

    /** exit() of the thread: exit_mm, its reference to the mm dropped (the last one tears the address space down). */
    record Exit(int line) implements Op {
        public String text() {
            return "exit";
        }

        @Override
        public String toString() {
            return "exit()";
        }
    }

    /** FOLL_* flags of a read or a poke, by name (a poke's FOLL_WRITE is implied, never written). */
    final class Foll {
        private Foll() {}

        public static final int WRITE = 1 << 0, FORCE = 1 << 3, ANON = 1 << 7;

        static int parse(String s) {
            return switch (s) {
                case "FOLL_FORCE" -> FORCE;
                case "FOLL_ANON" -> ANON;
                case "0", "none" -> 0;
                default -> -1;
            };
        }

        static String text(int flags) {
            List<String> l = new ArrayList<>();
            if ((flags & FORCE) != 0) l.add("FOLL_FORCE");
            if ((flags & ANON) != 0) l.add("FOLL_ANON");
            return l.isEmpty() ? "none" : String.join("|", l);
        }
    }
}
