package mmrace.runtime;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Known-bad changes to the port that can be switched on at run time, to measure whether mmrace
 * catches them (a tool that stops finding a bug it should find is a regression too). Off unless
 * the system property {@code mmrace.mutant} names them (comma-separated) or {@link #set} is
 * called. Port code asks {@link #on} at the one place each mutant changes (a one-line
 * {@code if (Mutant.on(Mutant.X))}); nothing else depends on it.
 *
 * <p>Each mutant is one bug class, written the way the bug was (the code before a kernel fix) or
 * the way a stated invariant would be broken, and is one catalogue entry: {@link #def} with its id,
 * area, where it lives, the bug class, the citation, the variants it is measured under and what the
 * catalogue expects of it ({@link Kind}). {@code ./mmrace mutants} measures every entry;
 * docs/MUTANTS.md argues each one. A new mutant is one more {@code def} (feature blocks go at the end
 * of this class) and its site in the port.
 */
public final class Mutant {
    private Mutant() {}

    /** The part of the port a mutant breaks (the catalogue's grouping). */
    public enum Area {
        VMA_LOCK("per-VMA lock"), MUTATOR("mutators"), FAULT("faults"), GUP("GUP"), WALK("fast path and page walks"),
        PAGE_TABLES("page-table freeing"), KHUGEPAGED("khugepaged"), RECLAIM("reclaim"),
        PROCESSES("processes, mm lifetime and fork");

        public final String title;

        Area(String title) {
            this.title = title;
        }
    }

    /** What the catalogue expects of a mutant. */
    public enum Kind {
        /** Some execution of the model tells it apart from the port: the tools should kill it. */
        KILLABLE,
        /** No execution can tell it apart from the port (argued in docs/MUTANTS.md); left out of the score's total. */
        EQUIVALENT,
        /** A real bug the model cannot show (its {@code why} names what the model would need); counts as a survivor. */
        NOT_EXPRESSIBLE
    }

    /**
     * One catalogue entry.
     *
     * @param id       the name {@link #on} and {@code mmrace.mutant} take ("no-range-recheck")
     * @param where    the kernel file and function it changes ("mm/mmap_lock.c:lock_vma_under_rcu")
     * @param bugClass the bug class, in kernel words
     * @param cite     the kernel commit whose fix it undoes, or the comment or document stating the invariant it breaks
     * @param variants the variant ids it is measured under (those whose executions can show it)
     * @param why      for EQUIVALENT and NOT_EXPRESSIBLE: why, in one sentence (else null)
     */
    public record Info(String id, Area area, String where, String bugClass, String cite, List<String> variants, Kind kind, String why) {}

    private static final Map<String, Info> CATALOGUE = Collections.synchronizedMap(new LinkedHashMap<>());

    /** Registers an entry; returns its id (the constant port code passes to {@link #on}). */
    static String def(String id, Area area, String where, String bugClass, String cite, String variants, Kind kind, String why) {
        if (CATALOGUE.containsKey(id))
            throw new IllegalStateException("mutant " + id + " defined twice");
        if ((kind == Kind.KILLABLE) != (why == null))
            throw new IllegalStateException("mutant " + id + ": a reason is given exactly for the equivalent and the not expressible");
        CATALOGUE.put(id, new Info(id, area, where, bugClass, cite, List.of(variants.split(",")), kind, why));
        return id;
    }

    static String def(String id, Area area, String where, String bugClass, String cite, String variants) {
        return def(id, area, where, bugClass, cite, variants, Kind.KILLABLE, null);
    }

    /** Every entry, in catalogue order. */
    public static List<Info> catalogue() {
        synchronized (CATALOGUE) {
            return List.copyOf(CATALOGUE.values());
        }
    }

    /** The entry of this id, or null. */
    public static Info info(String id) {
        return CATALOGUE.get(id);
    }

    // Variants to measure under: the slow path (faults under the VMA lock, the mmap_lock reader) and
    // the fast path expected safe (a VMA-locked reader that falls back by rereading everything).
    static final String BOTH = "slow,fast-one-vma-redo", FAST = "fast-one-vma-redo", SLOW = "slow";

    // ------------------------------------------------------------------ per-VMA lock (mm/mmap_lock.c)

    public static final String NO_RANGE_RECHECK = def("no-range-recheck", Area.VMA_LOCK, "mm/mmap_lock.c:lock_vma_under_rcu",
            "a VMA found by the tree walk and shrunk (split, mremap) before vma_start_read is used for an address it no longer covers",
            "50ee32537206 (\"mm: introduce lock_vma_under_rcu to be used from arch-specific code\"): \"Check since vm_start/vm_end"
                    + " might change before we lock the VMA\"; at c17ee635: \"Check if the vma we locked is the right one\"", BOTH);
    public static final String RANGE_BEFORE_LOCK = def("range-before-lock", Area.VMA_LOCK, "mm/mmap_lock.c:lock_vma_under_rcu",
            "vm_start/vm_end read before vma_start_read has a stable reference: the VMA may be detached and freed, and those fields"
                    + " share memory with its rcu_head / the slab free pointer",
            "Jann Horn, \"mm: fix (harmless) type confusion in lock_vma_under_rcu()\" (2024, Fixes: 50ee32537206); the comment at"
                    + " c17ee635: \"At this point, we have a stable reference ... From here on, we can access the VMA\"", BOTH);
    public static final String NO_MAS_RESET = def("no-mas-reset", Area.VMA_LOCK, "mm/mmap_lock.c:lock_vma_under_rcu",
            "the retry after a detached VMA walks on from the maple state the first walk left (no mas_set): a node a concurrent"
                    + " store replaced and RCU freed once vma_start_read dropped the read lock is read after free",
            "270065f514c5 (\"mm/mmap_lock: reset maple state on lock_vma_under_rcu() retry\")", BOTH);
    public static final String NO_SEQ_RECHECK = def("no-seq-recheck", Area.VMA_LOCK, "mm/mmap_lock.c:vma_start_read",
            "a reader takes vm_refcnt and does not check vm_lock_seq again: it enters a VMA a writer has write-locked"
                    + " (only the early lockless check, \"A race might cause false locked result\", is left)",
            "5e31275cc997 (\"mm: add per-VMA lock and helper functions to control it\"); at c17ee635: \"False unlocked result is"
                    + " impossible because we modify and check vma->vm_lock_seq under vma->vm_refcnt protection\"", BOTH);
    public static final String NO_EARLY_SEQ_CHECK = def("no-early-seq-check", Area.VMA_LOCK, "mm/mmap_lock.c:vma_start_read",
            "the early lockless vm_lock_seq check left out",
            "at c17ee635: \"this is just a lockless check whose result we don't rely on for anything\"", BOTH, Kind.EQUIVALENT,
            "the check after the reference is taken rejects every write-locked VMA the early one would have");
    public static final String NO_DETACHED_CHECK = def("no-detached-check", Area.VMA_LOCK, "mm/mmap_lock.c:vma_start_read",
            "a reader locks a VMA that munmap has already detached (vm_refcnt 0) and uses it while it is zapped and freed",
            "457f67be5910 (\"mm: introduce vma detached flag\"); at c17ee635: \"return EAGAIN if vma got detached from under us\"", BOTH);
    public static final String NO_MM_CHECK = def("no-mm-check", Area.VMA_LOCK, "mm/mmap_lock.c:vma_start_read",
            "a VMA freed and reused for another mm (SLAB_TYPESAFE_BY_RCU) is locked as if it were this mm's",
            "at c17ee635: \"False locked result is possible if ... vma gets reused and attached to a different mm before we lock it\""
                    + " (the err_unstable path)", BOTH);
    public static final String DETACH_NO_WAIT = def("detach-no-wait", Area.VMA_LOCK, "mm/mmap_lock.c:vma_mark_detached",
            "vma_mark_detached drops the attach reference without waiting out a reader's transient reference: the VMA can be freed"
                    + " while that reader still holds vm_refcnt",
            "at c17ee635, __vma_exclude_readers_for_detach: \"Wait until the VMA is detached with no readers ... the only read locks"
                    + " that might be present are those from threads trying to acquire the read lock\"", BOTH);
    public static final String UNLOCK_NO_END_WRITE = def("unlock-no-end-write", Area.VMA_LOCK, "include/linux/mmap_lock.h:mmap_write_unlock",
            "mmap_write_unlock without vma_end_write_all: every VMA write-locked in the section stays locked until the next writer",
            "5e31275cc997 (\"mm: add per-VMA lock and helper functions to control it\"): \"When mmap_write_lock holder is done with all"
                    + " modifications and drops mmap_lock, it will increment mm->lock_seq, effectively unlocking all VMAs\"", BOTH);

    // ------------------------------------------------------------------ mutators (mm/vma.c, mm/mmap.c, mm/mremap.c, mm/mprotect.c, mm/madvise.c)

    public static final String MMAP_LOCK_AFTER_INSERT = def("mmap-lock-after-insert", Area.MUTATOR, "mm/vma.c:__mmap_new_vma",
            "the new VMA is stored in the tree before vma_start_write: a reader can lock it while mmap_region still sets it up",
            "1c7873e33645 (\"mm: lock newly mapped VMA with corrected ordering\"), after 33313a747e81 (\"mm: lock newly mapped VMA"
                    + " which can be modified after it becomes visible\")", BOTH);
    public static final String EXPAND_STACK_UNLOCKED = def("expand-stack-unlocked", Area.MUTATOR, "mm/vma.c:expand_downwards",
            "stack expansion changes vm_start/vm_pgoff without vma_start_write: a fault under the VMA lock sees it change",
            "c137381f71ae (\"mm: lock a vma before stack expansion\")", BOTH);
    public static final String MUNMAP_NO_REATTACH = def("munmap-no-reattach", Area.MUTATOR, "mm/vma.c:reattach_vmas",
            "a failed munmap (or MAP_FIXED) returns with the VMAs it detached still detached but in the tree",
            "606c812eb1d5 (\"mm/mmap: Fix error path in do_vmi_align_munmap()\"): \"The error unrolling was leaving the VMAs detached\"", BOTH);
    public static final String DUP_ANON_VMA_UNLOCKED = def("dup-anon-vma-unlocked", Area.MUTATOR, "mm/vma.c:vma_expand",
            "vma_expand gives the target VMA an anon_vma (dup_anon_vma) before write-locking it: a fault under its VMA lock races",
            "d8ab9f7b644a (\"mm: lock VMA in dup_anon_vma() before setting ->anon_vma\")", BOTH);
    public static final String MPROTECT_FLAGS_BEFORE_LOCK = def("mprotect-flags-before-lock", Area.MUTATOR, "mm/mprotect.c:mprotect_fixup",
            "vm_flags changed before vma_start_write: a reader or fault under the VMA lock sees the flags change under it",
            "at c17ee635 (mprotect_fixup): \"vm_flags and vm_page_prot are protected by the mmap_lock held in write mode\", then"
                    + " vma_start_write before vm_flags_reset_once (the VMA-lock series, 5e31275cc997 and its follow-ups)", BOTH);
    public static final String MOVE_VMA_UNLOCKED = def("move-vma-unlocked", Area.MUTATOR, "mm/mremap.c:move_vma",
            "mremap moves the page tables of a VMA that is not write-locked: a fault or reader under its VMA lock races the move",
            "move_vma: \"We don't want racing faults.\" before vma_start_write (added with the per-VMA lock series, 5e31275cc997)", BOTH);
    public static final String DONTNEED_SPAN_UNCHECKED = def("dontneed-span-unchecked", Area.MUTATOR, "mm/madvise.c:is_vma_lock_sufficient",
            "MADV_DONTNEED takes the VMA lock of the first VMA for a range that goes on into the next one: zap_page_range_single"
                    + " clips to that VMA, so the rest of the range keeps its pages and madvise returns 0",
            "a6fde7add78d (\"mm: use per_vma lock for MADV_DONTNEED\"): \"must span only a single VMA\"", BOTH);

    public static final String DONTNEED_SKIPS_LAST_PAGE = def("dontneed-skips-last-page", Area.MUTATOR, "mm/madvise.c:madvise_dontneed_single_vma",
            "MADV_DONTNEED zaps its range but the last page and returns 0: that page keeps its old contents where a read after the"
                    + " call must see zero-fill-on-demand (anonymous) or the file's contents (a private file mapping)",
            "madvise_dontneed_single_vma at c17ee635 zaps range.end - range.start (zap_page_range_single_batched); madvise(2),"
                    + " MADV_DONTNEED: \"subsequent accesses of pages in the range will succeed, but will result in either repopulating"
                    + " the memory contents from the up-to-date contents of the underlying mapped file ... or zero-fill-on-demand pages\"", BOTH);

    // ------------------------------------------------------------------ faults (mm/memory.c)

    public static final String ANON_PREPARE_VMA_LOCKED = def("anon-prepare-vma-locked", Area.FAULT, "mm/memory.c:__vmf_anon_prepare",
            "anon_vma_prepare under the VMA lock alone: find_mergeable_anon_vma reads the neighbours, which that lock does not"
                    + " protect from munmap, mprotect or merging",
            "657b5146955e (\"mm: lock_vma_under_rcu() must check vma->anon_vma under vma lock\"): \"find_mergeable_anon_vma uses"
                    + " adjacent vmas which are not locked\"", SLOW);
    public static final String ANON_FAULT_NO_PTE_RECHECK = def("anon-fault-no-pte-recheck", Area.FAULT, "mm/memory.c:do_anonymous_page",
            "a write fault installs its new page without re-checking the PTE under the PTL: a racing fault's page (and its data)"
                    + " is overwritten and leaked",
            "do_anonymous_page: vmf_pte_changed() under the PTL; Documentation/mm/process_addrs.rst: PTEs are changed under the PTL", SLOW);
    public static final String WP_COPY_NO_PTE_SAME = def("wp-copy-no-pte-same", Area.FAULT, "mm/memory.c:wp_page_copy",
            "the COW copy is installed without checking that the PTE is still the one the fault saw (it dropped the PTL to copy)",
            "wp_page_copy: \"Re-check the pte - we dropped the lock\" (pte_same with vmf->orig_pte)", SLOW);

    // ------------------------------------------------------------------ GUP (mm/gup.c)

    public static final String GUP_READ_NO_PERM = def("gup-read-no-perm", Area.GUP, "mm/gup.c:check_vma_flags",
            "a read of a VMA without VM_READ is allowed without FOLL_FORCE",
            "check_vma_flags at c17ee635: !VM_READ needs FOLL_FORCE (and VM_MAYREAD)", BOTH);
    public static final String GUP_FORCE_WRITE_COW = def("gup-force-write-cow", Area.GUP, "mm/gup.c:can_follow_write_pte",
            "a FOLL_FORCE write follows a read-only PTE once it is dirty, as FOLL_COW did (Dirty COW's successor bug)",
            "5535be309971 (\"mm/gup: fix FOLL_FORCE COW security issue and remove FOLL_COW\")", BOTH, Kind.NOT_EXPRESSIBLE,
            "a read-only dirty PTE in a COW mapping maps an exclusive anonymous page (which may be written anyway) unless a second"
                    + " process shares it after fork (or KSM merged it): it needs processes and fork");

    // ------------------------------------------------------------------ fast path and page walks (mm/memory.c, mm/pagewalk.c, mm/pgtable-generic.c)

    public static final String FAST_NO_READ_CHECK = def("fast-no-read-check", Area.WALK, "mm/memory.c:access_remote_vm_fast",
            "the fast path copies from a VMA without VM_READ (the patch's re-check of check_vma_flags' read rule left out)",
            "check_vma_flags at c17ee635: !VM_READ needs FOLL_FORCE and VM_MAYREAD; the patch repeats the test under the VMA lock", FAST);
    public static final String FAST_REF_AFTER_WALK_END = def("fast-ref-after-walk-end", Area.WALK, "mm/memory.c:access_remote_vm_fast",
            "the fast path takes its folio reference after folio_walk_end: reclaim can unmap and free the folio in between",
            "folio_walk_start (mm/pagewalk.c): the folio is returned with the PTL held and \"not referenced\"; a reference must be"
                    + " taken before folio_walk_end", FAST);
    public static final String PTE_MAP_NO_PMD_RECHECK = def("pte-map-no-pmd-recheck", Area.WALK, "mm/pgtable-generic.c:__pte_offset_map_lock",
            "pte_offset_map_lock does not re-check the pmd after taking the PTL: a walker locks and uses a PTE table that khugepaged"
                    + " or MADV_DONTNEED has just taken away",
            "0d940a9b270b (\"mm/pgtable: allow pte_offset_map[_lock]() to fail\"): pmd_same(pmdval, pmdp_get_lockless(pmd)) under the PTL", BOTH);

    // ------------------------------------------------------------------ page-table freeing (mm/khugepaged.c, mm/mmu_gather.c)

    public static final String RETRACT_FREE_NOW = def("retract-free-now", Area.PAGE_TABLES, "mm/khugepaged.c:retract_page_tables",
            "the retracted PTE table is freed at once (pte_free) instead of through pte_free_defer: a walker inside its RCU section"
                    + " is not waited for",
            "1d65b771bc08 (\"mm/khugepaged: retract_page_tables() without mmap or vma lock\") and pte_free_defer (mm/pgtable-generic.c)", BOTH);
    public static final String TABLE_FREE_NO_RCU = def("table-free-no-rcu", Area.PAGE_TABLES, "mm/mmu_gather.c:tlb_remove_table_free",
            "page tables gathered by an unmap are freed without an RCU grace period: a walker under the VMA lock and RCU"
                    + " (MADV_DONTNEED reclaims PTE tables under the VMA lock) uses a freed table",
            "CONFIG_MMU_GATHER_RCU_TABLE_FREE (mm/mmu_gather.c: tables freed after call_rcu); the patch's FW_VMA_LOCKED requires it", BOTH);

    // ------------------------------------------------------------------ khugepaged (mm/khugepaged.c)

    public static final String COLLAPSE_CHECK_BEFORE_LOCK = def("collapse-check-before-lock", Area.KHUGEPAGED, "mm/khugepaged.c:collapse_huge_page",
            "check_pmd_still_valid before vma_start_write: MADV_DONTNEED under the VMA lock can reclaim the PTE table in between",
            "366a4532d96f (\"mm: fix the race between collapse and PT_RECLAIM under per-vma lock\")", BOTH);
    public static final String COLLAPSE_NO_VMA_LOCK = def("collapse-no-vma-lock", Area.KHUGEPAGED, "mm/khugepaged.c:collapse_huge_page",
            "collapse_huge_page changes the pmd without write-locking the VMA: faults and readers under the VMA lock race the collapse",
            "44a83f2083bd (\"mm/khugepaged: write-lock VMA while collapsing a huge page\")", BOTH);
    public static final String RETRACT_NO_ANON_RECHECK = def("retract-no-anon-recheck", Area.KHUGEPAGED, "mm/khugepaged.c:retract_page_tables",
            "retract_page_tables does not repeat the retractable (no anon_vma) check under the PTL: a table holding a fresh COW"
                    + " page is taken away",
            "1d65b771bc08 (\"mm/khugepaged: retract_page_tables() without mmap or vma lock\"): \"Now that we hold ptlock, repeating"
                    + " the retractable checks protects us from races against the prior checks\"", BOTH, Kind.NOT_EXPRESSIBLE,
            "what the re-check guards against (userfaultfd_ioctl filling PTEs, MADV_GUARD_INSTALL markers) is not modelled; a fault"
                    + " into the range waits on the locked new folio until the retraction is done");
    public static final String RETRACT_NO_PMD_RECHECK = def("retract-no-pmd-recheck", Area.KHUGEPAGED, "mm/khugepaged.c:retract_page_tables",
            "retract_page_tables does not re-check the pmd under the pmd lock: it clears a pmd that no longer points to the table"
                    + " it checked",
            "Qi Zheng, \"mm: khugepaged: recheck pmd state in retract_page_tables()\" (2024); at c17ee635: \"here we only need to"
                    + " recheck if the state of pmd entry still meets our requirements\"", BOTH);

    // ------------------------------------------------------------------ reclaim (mm/vmscan.c)

    public static final String RECLAIM_RACY_REFCOUNT = def("reclaim-racy-refcount", Area.RECLAIM, "mm/vmscan.c:__remove_mapping",
            "the busy check reads the refcount and then sets it to 0 (two accesses) instead of folio_ref_freeze: a speculative"
                    + " reference taken in between (a swap-cache lookup) is lost and the folio freed under it",
            "e286781d5f2e (\"mm: speculative page references\"): page_freeze_refs, because lockless lookups may take a reference at"
                    + " any time", BOTH);
    public static final String RECLAIM_FREE_BEFORE_FLUSH = def("reclaim-free-before-flush", Area.RECLAIM, "mm/vmscan.c:shrink_folio_list",
            "a reclaimed folio is freed before the deferred TLB flush (try_to_unmap_flush): another CPU may still write to it"
                    + " through a stale TLB entry",
            "72b252aed506 (\"mm: send one IPI per CPU to TLB flush all entries after unmapping pages\"): the batched flush must"
                    + " precede the free", BOTH, Kind.NOT_EXPRESSIBLE,
            "the model's MMU walks the page tables on every store: it keeps no translation after the PTE is cleared (needs a TLB)");

    // ------------------------------------------------------------------ remote writes (mm/gup.c, access_remote_vm with FOLL_WRITE)

    /**
     * Dirty COW (CVE-2016-5195): before 19be0eaffa3a, faultin_page cleared FOLL_WRITE once the write
     * fault had broken COW on a VMA without VM_WRITE ("we can thus safely do subsequent page lookups
     * as if they were reads"). If MADV_DONTNEED zaps the new anonymous copy before the retry, the
     * retry faults the page-cache page back in read-only, follows it as a read, and
     * __access_remote_vm writes the FOLL_FORCE bytes into the file's page cache (rule W1,
     * cow-bypass). 19be0eaffa3a kept FOLL_WRITE and marked the COW with FOLL_COW; 5535be309971
     * replaced that with can_follow_write_pte's exclusive anonymous page test, which the port has.
     * Remote writes take the slow path under every variant, so it is measured under slow.
     */
    public static final String DIRTY_COW = def("dirty-cow", Area.GUP, "mm/gup.c:faultin_page",
            "after a FOLL_FORCE write fault broke COW on a VMA without VM_WRITE, the retry looks the page up without FOLL_WRITE:"
                    + " MADV_DONTNEED of the new copy in between makes it follow the read-only page-cache page, and the bytes land"
                    + " in the file's page cache",
            "19be0eaffa3a (\"mm: remove gup_flags FOLL_WRITE games from __get_user_pages()\"), CVE-2016-5195; faultin_page before it:"
                    + " \"if ((ret & VM_FAULT_WRITE) && !(vma->vm_flags & VM_WRITE)) *flags &= ~FOLL_WRITE\"", SLOW);

    // ------------------------------------------------------------------ switching

    private static volatile Set<String> enabled = parse(System.getProperty("mmrace.mutant", ""));
    private static volatile long fired;

    /** Is mutant {@code name} on? Port code asks it at the mutant's site. */
    public static boolean on(String name) {
        Set<String> e = enabled;
        if (e.isEmpty() || !e.contains(name))
            return false;
        fired++; // racy on real threads: a count for reports, not a synchronisation
        return true;
    }

    /** Switches mutants on (empty: all off); returns what was on before. */
    public static Set<String> set(Set<String> names) {
        Set<String> old = enabled;
        enabled = Set.copyOf(names);
        return old;
    }

    /** The mutants switched on. */
    public static Set<String> enabled() {
        return enabled;
    }

    /** How many times a site found its mutant on, since the JVM started (to tell whether an execution reached a mutant). */
    public static long fired() {
        return fired;
    }

    /** The ids of {@code s} (comma-separated), each checked against the catalogue. */
    public static List<String> parseIds(String s) {
        List<String> ids = new ArrayList<>();
        for (String x : s.split(","))
            if (!x.isBlank()) {
                if (info(x.strip()) == null)
                    throw new IllegalArgumentException("no mutant " + x.strip() + " (./mmrace mutants --list shows them)");
                ids.add(x.strip());
            }
        return ids;
    }

    private static Set<String> parse(String s) {
        return s.isBlank() ? Set.of() : Set.of(s.split(","));
    }

    // ------------------------------------------------------------------ processes, mm lifetimes and fork (kernel/fork.c, mm/mmap.c)

    public static final String DUP_MMAP_NO_VMA_LOCK = def("dup-mmap-no-vma-lock", Area.PROCESSES, "mm/mmap.c:dup_mmap",
            "dup_mmap copies the parent's VMAs and page tables without vma_start_write of each source VMA: a page fault under the"
                    + " per-VMA lock runs in the parent while copy_page_range write-protects and shares its pages, and a store is"
                    + " lost to the parent and seen by the child",
            "fb49c455323f (\"fork: lock VMAs of the parent process when forking\"), the 6.4 per-VMA-lock memory corruption", BOTH);
    public static final String MMGET_FROM_ZERO = def("mmget-from-zero", Area.PROCESSES, "include/linux/sched/mm.h:mmget_not_zero",
            "a /proc/PID/mem reader pins the address space with a plain increment of mm_users (mmget) instead of"
                    + " atomic_inc_not_zero: it resurrects an address space exit_mmap is tearing down, and the second __mmput drops"
                    + " the mm_struct's last reference under its open file",
            "include/linux/sched/mm.h, mmgrab(): \"This doesn't guarantee that the associated address space will still exist later"
                    + " on and mmget_not_zero() has to be used before accessing it\"", BOTH);
}
