package mmrace.oracle;

import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The system calls of the reference model ({@link RefModel}) that change the layout: mmap (mm/mmap.c
 * do_mmap, __mmap_region), munmap, mprotect (mm/mprotect.c), madvise(MADV_DONTNEED) (mm/madvise.c)
 * and mremap (mm/mremap.c), on the VMA tree of {@link RefVmas}. Each returns what the syscall
 * returns: an address, 0 or -errno.
 */
public abstract class RefSyscalls extends RefVmas {
    RefSyscalls() {}

    long mmap(long addr, long len, int prot, boolean fixed, boolean shared, String file, long off, boolean growsdown, String name, Long chosen) {
        if (len == 0)
            return -EINVAL;
        if (!fixed) { // round_hint_to_min: the hint is rounded down, and raised to mmap_min_addr
            addr &= -PAGE;
            if (addr != 0 && Long.compareUnsigned(addr, MMAP_MIN_ADDR) < 0)
                addr = MMAP_MIN_ADDR;
        }
        len = alignUp(len);
        if (len <= 0 || len > TASK_SIZE - MMAP_MIN_ADDR)
            return -ENOMEM;
        long at;
        if (fixed) {
            if (addr % PAGE != 0)
                return -EINVAL;
            if (addr < 0 || addr > TASK_SIZE - len)
                return -ENOMEM;
            if (addr < MMAP_MIN_ADDR)
                return -EPERM;
            at = addr;
        } else {
            at = addr != 0 && free(addr, len) ? addr : place(len, chosen);
            if (at < 0)
                return at;
        }
        if (growsdown && (shared || file != null))
            return -EINVAL; // do_mmap: VM_GROWSDOWN with a file, or shared anonymous
        long flags = vmFlags(prot, shared, growsdown);
        unmap(at, at + len); // __mmap_setup: MAP_FIXED replaces what was there
        if (shared && file == null)
            return -EOPNOTSUPP; // model: shmem_zero_setup fails (no shmem); the replaced range stays unmapped
        Obj o = file != null ? files.get(file) : null;
        long pgoff = o != null ? off >>> 12 : at >>> 12; // anonymous: pgoff = addr >> PAGE_SHIFT, for anon_vma merging
        if (mergeNewRange(at, at + len, flags, o, pgoff, 0, 0) == null)
            vmas.put(at, new Vma(at, at + len, flags, o, pgoff, 0, name));
        return at;
    }

    /** An address for a new mapping of len bytes: the kernel's choice if legal, else top-down from MODEL_BASE. */
    long place(long len, Long chosen) {
        if (len > TASK_SIZE - MMAP_MIN_ADDR)
            return -ENOMEM;
        if (chosen != null && chosen >= 0 && free(chosen, len))
            return chosen;
        long a = Math.min(MODEL_BASE, TASK_SIZE) - len;
        a &= -PAGE;
        while (a >= MMAP_MIN_ADDR) {
            Map.Entry<Long, Vma> e = vmas.lowerEntry(a + len);
            if (e == null || e.getValue().end() <= a)
                return a;
            a = (e.getValue().start() - len) & -PAGE;
        }
        return -ENOMEM;
    }

    long munmap(long addr, long len) {
        if (addr % PAGE != 0 || len == 0)
            return -EINVAL;
        len = alignUp(len);
        if (len <= 0 || addr > TASK_SIZE || len > TASK_SIZE - addr)
            return -EINVAL;
        unmap(addr, addr + len);
        return 0;
    }

    /** do_mprotect_pkey: VMA by VMA, each through mprotect_fixup. */
    long mprotect(long start, long len, int prot) {
        if (start % PAGE != 0)
            return -EINVAL;
        if (len == 0)
            return 0;
        len = alignUp(len);
        long end = start + len;
        if (Long.compareUnsigned(end, start) <= 0)
            return -ENOMEM;
        Map.Entry<Long, Vma> fe = vmas.floorEntry(start);
        Vma vma = fe != null && fe.getValue().end() > start ? fe.getValue() : ceiling(start); // vma_find(vmi, end)
        if (vma == null || vma.start() >= end || vma.start() > start)
            return -ENOMEM;
        Vma prev = start > vma.start() ? vma : before(vma.start());
        long nstart = start, tmp = vma.start();
        while (true) {
            Vma cur = ceilingOrContaining(nstart);
            if (cur == null || cur.start() >= end)
                break;
            if (cur.start() != tmp)
                return -ENOMEM;
            long newflags = (prot & VM_ACCESS_FLAGS) | (cur.flags() & ~VM_ACCESS_FLAGS);
            // newflags >> 4 shifts VM_MAY% in place of VM_%: never refused here, VM_MAY* are always set
            tmp = Math.min(cur.end(), end);
            Vma r = mprotectFixup(prev, cur, nstart, tmp, newflags);
            prev = r;
            tmp = r.end(); // vma_iter_end(&vmi)
            nstart = tmp;
        }
        if (tmp < end)
            return -ENOMEM;
        return 0;
    }

    /** mprotect_fixup: the VM_ACCOUNT rules, then vma_modify_flags (merge, else split). Returns the VMA now holding [start, end). */
    Vma mprotectFixup(Vma prev, Vma vma, long start, long end, long newflags) {
        long oldflags = vma.flags();
        if (newflags == oldflags)
            return vma;
        if ((newflags & VM_WRITE) != 0) {
            if ((oldflags & (VM_ACCOUNT | VM_WRITE | VM_SHARED)) == 0)
                newflags |= VM_ACCOUNT; // a private mapping turning writable is charged
        } else if ((oldflags & VM_ACCOUNT) != 0 && vma.anonymous() && vma.anon() == 0) {
            newflags &= ~VM_ACCOUNT; // an unfaulted anonymous mapping turning read-only is uncharged
        }
        Vma r = mergeExistingRange(prev, vma, start, end, newflags);
        if (r == null) {
            split(start);
            split(end);
            r = vmas.get(start);
        }
        r = r.withFlags(newflags); // vm_flags_reset_once
        vmas.put(r.start(), r);
        return r;
    }

    long madvise(long start, long lenIn) {
        if (start % PAGE != 0)
            return -EINVAL;
        long len = alignUp(lenIn);
        if (lenIn != 0 && len == 0)
            return -EINVAL;
        long end = start + len;
        if (end < start)
            return -EINVAL;
        if (end == start)
            return 0;
        boolean hole = false, any = false;
        long tmp = start;
        while (tmp < end) {
            Vma v = find(tmp);
            if (v == null) {
                hole = true;
                Map.Entry<Long, Vma> next = vmas.higherEntry(tmp);
                if (next == null || next.getKey() >= end)
                    break;
                tmp = next.getKey();
                continue;
            }
            any = true;
            if (v.device())
                return -EINVAL;
            long e = Math.min(v.end(), end);
            if (!v.inObject())
                priv.subMap(tmp, true, e, false).clear();
            tmp = e;
        }
        return hole || !any ? -ENOMEM : 0;
    }

    /** do_mremap: check_mremap_params, check_prep_vma/remap_is_valid, then mremap_to or mremap_at. */
    long mremap(long addr, long oldLen, long newLen, boolean maymove, Long fixedTo, boolean dontunmap, Long chosen) {
        boolean fixed = fixedTo != null;
        long newAddr = fixed ? fixedTo : 0;
        oldLen = alignUp(oldLen);
        newLen = alignUp(newLen);
        // check_mremap_params
        if (addr % PAGE != 0)
            return -EINVAL;
        if (newLen == 0)
            return -EINVAL;
        if (Long.compareUnsigned(newLen, TASK_SIZE) > 0 || Long.compareUnsigned(newAddr, TASK_SIZE - newLen) > 0)
            return -EINVAL;
        boolean impliesNew = fixed || dontunmap;
        if (impliesNew) {
            if (newAddr % PAGE != 0 || !maymove)
                return -EINVAL;
            if (dontunmap && oldLen != newLen)
                return -EINVAL;
            if (addr + oldLen > newAddr && newAddr + newLen > addr)
                return -EINVAL;
        }
        // check_prep_vma
        Vma v = find(addr);
        if (v == null)
            return -EFAULT;
        boolean expand = newLen > oldLen, shrink = newLen < oldLen;
        if (expand || impliesNew) { // remap_is_valid
            if (oldLen == 0 && (v.flags() & (VM_SHARED | VM_MAYSHARE)) == 0)
                return -EINVAL;
            if (oldLen == 0)
                throw new UnsupportedOperationException("mremap with old length 0 (duplicating a shared mapping) is not modelled");
            if (dontunmap && (v.flags() & (VM_DONTEXPAND | VM_PFNMAP)) != 0)
                return -EINVAL;
            long ol = shrink ? newLen : oldLen; // crossing boundaries is allowed for the part a shrink unmaps
            if (ol > v.end() - addr)
                return -EFAULT;
            if (newLen != ol && (v.flags() & (VM_DONTEXPAND | VM_PFNMAP)) != 0)
                return -EFAULT;
        }
        if (impliesNew) { // mremap_to
            if (fixed) {
                unmap(newAddr, newAddr + newLen);
                if (find(addr) == null)
                    return -EFAULT;
            }
            if (shrink) {
                unmap(addr + newLen, addr + oldLen);
                if (find(addr) == null)
                    return -EFAULT;
                oldLen = newLen;
            }
            long dest;
            if (fixed) { // get_unmapped_area(MAP_FIXED): the length and mmap_min_addr checks
                if (newLen > TASK_SIZE - MMAP_MIN_ADDR)
                    return -ENOMEM;
                if (newAddr < MMAP_MIN_ADDR)
                    return -EPERM;
                dest = newAddr;
            } else {
                dest = place(newLen, chosen);
            }
            if (dest < 0)
                return dest;
            return moveVma(addr, oldLen, dest, newLen, dontunmap);
        }
        // mremap_at
        if (newLen == oldLen)
            return addr;
        if (shrink) {
            unmap(addr + newLen, addr + oldLen);
            return addr;
        }
        long delta = newLen - oldLen;
        if (v.end() - addr == oldLen && expandable(v, delta)) {
            // expand_vma_in_place: vma_merge_extend expands the VMA over the new range (and maybe merges next)
            if (mergeNewRange(v.end(), v.end() + delta, v.flags(), v.obj(), v.pgoff() + v.pages(), v.anon(), 0) == null)
                return -ENOMEM;
            return addr;
        }
        if (!maymove)
            return -ENOMEM;
        long dest = place(newLen, chosen);
        if (dest < 0)
            return dest;
        return moveVma(addr, oldLen, dest, newLen, false);
    }

    /** vma_expandable: nothing in [vm_end, vm_end + delta), and get_unmapped_area(MAP_FIXED) accepts [vm_start, vm_end + delta). */
    boolean expandable(Vma v, long delta) {
        long end = v.end() + delta;
        if (end < v.end())
            return false;
        Vma n = ceiling(v.end());
        if (n != null && n.start() < end)
            return false;
        long len = end - v.start();
        return len <= TASK_SIZE - MMAP_MIN_ADDR && v.start() <= TASK_SIZE - len;
    }

    /**
     * move_vma: copy_vma (merging the destination with its neighbours if it can), move the private
     * pages, then unmap the source (its VM_ACCOUNT dance leaves the flags as they were) or, with
     * DONTUNMAP, dontunmap_complete. Returns dest.
     */
    long moveVma(long addr, long oldLen, long dest, long newLen, boolean dontunmap) {
        Vma v = find(addr);
        // copy_vma_and_data -> copy_vma
        long pgoff = v.pgoff() + (addr - v.start()) / PAGE;
        if (v.anonymous() && v.anon() == 0)
            pgoff = dest >>> 12; // unfaulted anonymous: take the new location's pgoff, to merge more easily
        Vma nv = mergeNewRange(dest, dest + newLen, v.flags(), v.obj(), pgoff, v.anon(), v.anon());
        if (nv == null) {
            nv = new Vma(dest, dest + newLen, v.flags(), v.obj(), pgoff, v.anon(), v.name()); // anon_vma_clone shares the anon_vma
            vmas.put(dest, nv);
        }
        // move_page_tables
        NavigableMap<Long, byte[]> pages = priv.subMap(addr, true, addr + oldLen, false);
        Map<Long, byte[]> moved = new TreeMap<>();
        for (Map.Entry<Long, byte[]> e : pages.entrySet())
            moved.put(e.getKey() - addr + dest, e.getValue());
        pages.clear();
        priv.putAll(moved);
        if (dontunmap) {
            // dontunmap_complete on vrm->vma (the source VMA, or what copy_vma merged it into)
            Vma src = find(addr);
            boolean self = nv.start() <= src.start() && src.start() < nv.end();
            src = src.withFlags(src.flags() & ~VM_ACCOUNT);
            if (!self && addr == src.start() && addr + oldLen == src.end())
                src = src.withAnon(0); // unlink_anon_vmas
            vmas.put(src.start(), src);
        } else {
            unmap(addr, addr + oldLen); // unmap_source_vma
        }
        return dest;
    }
}
