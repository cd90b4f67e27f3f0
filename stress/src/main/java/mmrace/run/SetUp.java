package mmrace.run;

import mmrace.port.DevMem;
import mmrace.port.Fault;
import mmrace.port.File;
import mmrace.port.Filemap;
import mmrace.port.MapleTree;
import mmrace.port.Mm;
import mmrace.port.MmStruct;
import mmrace.port.Syscalls;
import mmrace.port.VmAreaStruct;
import mmrace.runtime.Kernel;
import mmrace.scenario.Op;
import mmrace.scenario.Scenario;
import mmrace.scenario.ScenarioSetupError;
import mmrace.scenario.Variant;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The initial address space of a scenario, built as the target would build it: its files, each
 * map line mmap'ed with MAP_FIXED and filled by stores from a thread of the target, then the
 * scenario's init operations. Runs on the "init" task, which no scheduler controls.
 */
record SetUp(MmStruct mm, List<File> files, Map<String, MmStruct> others, Processes procs) {

    static SetUp of(Kernel k, Scenario s, Variant v) {
        boolean lifetimes = s.usesProcesses();
        MmStruct mm = MmStruct.mmAlloc(k, lifetimes ? Scenario.TARGET : "mm");
        List<File> files = new ArrayList<>();
        for (Scenario.FileSpec f : s.files) {
            byte[] contents = new byte[(int) f.size()];
            Arrays.fill(contents, f.fill().none() ? 0 : f.fill().value());
            files.add(Filemap.init(new File(f.name(), contents)));
        }
        for (Scenario.MapSpec m : s.maps)
            setUpMapping(k, mm, files, s, m);
        for (Op op : s.init)
            Perform.perform(op, mm, files, v, null);
        nameVmas(mm, s.maps);
        Map<String, MmStruct> others = new LinkedHashMap<>();
        for (Scenario.Process p : s.processes) {
            MmStruct pm = MmStruct.mmAlloc(k, p.name());
            for (Scenario.MapSpec m : p.maps())
                setUpMapping(k, pm, files, s, m);
            for (Op op : p.init())
                Perform.perform(op, pm, files, v, null);
            nameVmas(pm, p.maps());
            others.put(p.name(), pm);
        }
        Processes procs = null;
        if (lifetimes) {
            procs = Processes.of(s, mm, others);
            procs.makeThreads();
        }
        if (!k.reports.isEmpty())
            throw new IllegalStateException("set-up filed reports: " + k.reports.all());
        return new SetUp(mm, files, others, procs);
    }

    /**
     * Traces name VMAs after the scenario's maps: set-up merges and splits (a fill made writable,
     * then mprotected back) would otherwise leave names like "A'" on B. Trace labels only.
     */
    private static void nameVmas(MmStruct mm, List<Scenario.MapSpec> maps) {
        MapleTree.Node n = mm.mmMt.peek();
        for (Scenario.MapSpec m : maps)
            for (int i = 0; i < n.size(); i++)
                if (n.index(i) <= m.addr() && m.addr() <= n.last(i)) {
                    VmAreaStruct vma = (VmAreaStruct) n.entry(i);
                    if (vma.vmStart.peek() == m.addr() || vma.label == null || vma.label.endsWith("'"))
                        vma.label = m.name();
                }
    }

    /** mmap(MAP_FIXED) it, fill it from a thread of the target, then give it its final protection. */
    private static void setUpMapping(Kernel k, MmStruct mm, List<File> files, Scenario s, Scenario.MapSpec m) {
        File file = m.file() == null ? null : fileNamed(files, m.file());
        if (m.device())
        {
            byte[] dev = new byte[(int) m.len()];
            Arrays.fill(dev, m.fill().none() ? 0 : m.fill().value());
            file = DevMem.create(k, m.name() + "-dev", dev).file();
        }
        int fill = !m.fill().none() && !m.device() ? Mm.PROT_READ | Mm.PROT_WRITE : 0;
        int flags = Mm.MAP_FIXED | (m.shared() ? Mm.MAP_SHARED : Mm.MAP_PRIVATE) | (file == null ? Mm.MAP_ANONYMOUS : 0)
                | (m.growsdown() ? Mm.MAP_GROWSDOWN : 0);
        long r = Syscalls.mmap(mm, m.addr(), m.len(), m.prot() | fill, flags, file, m.off() >>> 12, m.name());
        if (r != m.addr())
            throw new ScenarioSetupError(s, m.line(), "set-up mmap of " + m.name() + " failed: " + r);
        if (fill != 0) {
            byte[] page = new byte[4096];
            Arrays.fill(page, m.fill().value());
            for (long a = m.addr(); a < m.addr() + m.len(); a += 4096)
                if (Fault.userStore(mm, a, page) != 0)
                    throw new ScenarioSetupError(s, m.line(), "set-up store to 0x" + Long.toHexString(a) + " failed");
            if ((m.prot() | fill) != m.prot() && Syscalls.mprotect(mm, m.addr(), m.len(), m.prot()) != 0)
                throw new ScenarioSetupError(s, m.line(), "set-up mprotect of " + m.name() + " failed");
        }
        if (!k.reports.isEmpty())
            throw new IllegalStateException("set-up of " + m.name() + " filed reports: " + k.reports.all());
    }

    static File fileNamed(List<File> files, String name) {
        for (File f : files)
            if (f.label.equals(name))
                return f;
        throw new IllegalStateException("no file " + name);
    }
}
