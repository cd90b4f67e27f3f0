package mmrace.oracle;

import mmrace.port.File;
import mmrace.port.Fork;
import mmrace.port.MapleTree;
import mmrace.port.MmStruct;
import mmrace.port.Pgtable;
import mmrace.port.SwapState;
import mmrace.port.VmAreaStruct;
import mmrace.port.VmaInit;
import mmrace.runtime.Kernel;
import mmrace.runtime.Page;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The checks made when every task has returned and RCU callbacks have run: nothing locked, every
 * reference count back where the kernel's structures say it must be, nothing leaked, nothing
 * freed that is still reachable. Each failure is a forbidden verdict (F4, F5, F2).
 */
final class FinalState {
    private FinalState() {}

    static Verdict check(Kernel k, MmStruct mm, List<File> files, long step) {
        return check(k, List.of(mm), files, step);
    }

    /**
     * The checks over every mm of the execution: each one still alive must be unlocked, hold its
     * VMAs attached, and be held by somebody (a thread of its process); one whose users are all gone
     * must have been freed; the VMA, mm and page caches must hold exactly what the live mms reach.
     */
    static Verdict check(Kernel k, List<MmStruct> mms, List<File> files, long step) {
        Verdict v = null;
        Set<VmAreaStruct> inTree = new HashSet<>();
        List<MmStruct> live = new ArrayList<>();
        for (MmStruct mm : mms) {
            if (mm.freed)
                continue;
            live.add(mm);
            v = Verdict.worse(v, mmState(mm, inTree, step));
        }
        int vmas = VmaInit.vmAreaCachep(k).live();
        if (vmas != inTree.size())
            v = Verdict.worse(v, Verdict.forbidden(Reason.REFCOUNT_LEAK, step, vmas + " VMAs allocated but " + inTree.size() + " in mm_mt"));
        int structs = Fork.mmCachep(k).live();
        if (structs != live.size())
            v = Verdict.worse(v, Verdict.forbidden(Reason.REFCOUNT_LEAK, step, structs + " mm_structs allocated but "
                    + live.size() + " belong to a process or were not freed"));
        if (k.rcu.pendingCallbacks() != 0)
            v = Verdict.worse(v, Verdict.forbidden(Reason.REFCOUNT_LEAK, step, k.rcu.pendingCallbacks() + " RCU callbacks never ran"));
        return Verdict.worse(v, pages(k, live, files, step));
    }

    /** One live mm: unlocked, its VMAs attached and not freed, and its references where they must be. */
    private static Verdict mmState(MmStruct mm, Set<VmAreaStruct> inTree, long step) {
        Verdict v = null;
        String who = mm.name();
        if (mm.mmapLock.isLocked())
            v = Verdict.worse(v, Verdict.forbidden(Reason.LOCK_LEAK, step, "mmap_lock" + of(who) + " still held at the end"));
        if ((mm.mmLockSeq.peek() & 1) != 0)
            v = Verdict.worse(v, Verdict.forbidden(Reason.LOCK_LEAK, step, "mm_lock_seq" + of(who) + " odd at the end: a write section never ended"));
        MapleTree.Node n = mm.mmMt.peek();
        for (int i = 0; i < n.size(); i++) {
            VmAreaStruct vma = (VmAreaStruct) n.entry(i);
            inTree.add(vma);
            int rc = vma.vmRefcnt.peek();
            if (vma.freed)
                v = Verdict.worse(v, Verdict.forbidden(Reason.FREED_MEMORY, step, "freed VMA " + vma.name() + " is still in mm_mt"));
            else if (rc != 1)
                v = Verdict.worse(v, Verdict.forbidden(Reason.REFCOUNT_LEAK, step, "vm_refcnt of " + vma.describe() + " is " + rc
                        + " at the end (1 = attached, unlocked)"));
        }
        int users = mm.mmUsers.peek(), count = mm.mmCount.peek();
        if (users <= 0)
            v = Verdict.worse(v, Verdict.forbidden(Reason.REFCOUNT_LEAK, step, "mm " + who + " has no users left but was never freed (mm_count "
                    + count + ")"));
        else if (count != 1)
            v = Verdict.worse(v, Verdict.forbidden(Reason.REFCOUNT_LEAK, step, "mm_count of " + who + " is " + count
                    + " at the end (1: its users' reference)"));
        return v;
    }

    private static String of(String mm) {
        return mm.equals("mm") ? "" : " of " + mm;
    }

    /** Every page's refcount must equal the references the mms' page tables and the page cache hold. */
    private static Verdict pages(Kernel k, List<MmStruct> mms, List<File> files, long step) {
        Map<Page, Integer> refs = new HashMap<>(), maps = new HashMap<>();
        Set<Page> tables = new HashSet<>();
        Verdict[] v = {null};
        for (MmStruct mm : mms) {
            tables.add(mm.pgd);
            walk(k, mm.pgd, 3, tables, refs, maps, v, step);
        }
        // The page cache holds folio_nr_pages references on each folio. A large folio (THP
        // collapse) sits in every slot it covers (the port has no multi-index entries): count it once.
        Set<Page> cached = new HashSet<>();
        for (File f : files)
            for (var slot : f.iPages) {
                Page p = slot.peek();
                if (p != null && cached.add(p.head))
                    refs.merge(p.head, 1 << p.head.order, Integer::sum);
            }
        for (Page p : SwapState.peekSwapCache(k))
            refs.merge(p.head, 1 << p.head.order, Integer::sum);
        for (Page p : SwapState.peekSwapBlocks(k))
            refs.merge(p, 1, Integer::sum); // the swap device's copy of a swapped-out page
        for (Page p : k.pages.memmap()) {
            if (p.freed) {
                if (refs.containsKey(p) || tables.contains(p))
                    v[0] = Verdict.worse(v[0], Verdict.forbidden(Reason.FREED_MEMORY, step, p.name() + " is freed but still mapped or cached"));
                continue;
            }
            long fl = p.flags.peek();
            if ((fl & Page.PG_RESERVED) != 0 || p.head != p)
                continue;
            if ((fl & Page.PG_TABLE) != 0) {
                if (!tables.contains(p))
                    v[0] = Verdict.worse(v[0], Verdict.forbidden(Reason.REFCOUNT_LEAK, step, p.name() + " is allocated but not reachable from the pgd"));
                continue;
            }
            int want = refs.getOrDefault(p, 0);
            int have = p.refcount.peek();
            if (have != want)
                v[0] = Verdict.worse(v[0], Verdict.forbidden(Reason.REFCOUNT_LEAK, step, p.name() + " has refcount " + have
                        + " but " + want + " references (PTEs, page cache) at the end"));
        }
        return v[0];
    }

    private static void walk(Kernel k, Page table, int level, Set<Page> tables, Map<Page, Integer> refs,
                             Map<Page, Integer> maps, Verdict[] v, long step) {
        for (int i = 0; i < Page.PTRS_PER_TABLE; i++) {
            long e = table.peekEntry(i);
            if (e == 0)
                continue;
            if (level > 0 && !Pgtable.pmdLeaf(e)) {
                Page next = k.pages.pfnToPage(Pgtable.entryPfn(e));
                if (next == null || next.freed) {
                    v[0] = Verdict.worse(v[0], Verdict.forbidden(Reason.FREED_MEMORY, step, table.name() + "[" + i + "] points at a freed page table"));
                    continue;
                }
                tables.add(next);
                walk(k, next, level - 1, tables, refs, maps, v, step);
                continue;
            }
            if (!Pgtable.ptePresent(e) || Pgtable.pteSpecial(e))
                continue;
            Page p = k.pages.pfnToPage(Pgtable.ptePfn(e));
            if (p == null || (p.flags.peek() & Page.PG_RESERVED) != 0)
                continue;
            if (p.freed) {
                v[0] = Verdict.worse(v[0], Verdict.forbidden(Reason.FREED_MEMORY, step, table.name() + "[" + i + "] maps freed " + p.name()));
                continue;
            }
            int nr = level > 0 ? 1 << Pgtable.HPAGE_PMD_ORDER : 1;
            refs.merge(p.head, level > 0 ? 1 : 1, Integer::sum);
            maps.merge(p.head, nr, Integer::sum);
        }
    }
}
