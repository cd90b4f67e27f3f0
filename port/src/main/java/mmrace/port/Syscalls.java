package mmrace.port;

import mmrace.runtime.Errno;

import static mmrace.port.Mm.*;

/**
 * The syscall entries a scenario's target threads call: mmap (ksys_mmap_pgoff in mm/mmap.c),
 * munmap (mm/mmap.c), mremap (mm/mremap.c), mprotect (mm/mprotect.c), madvise (mm/madvise.c), with
 * the kernel's argument checks and return values. Errors are returned as -errno, never thrown.
 *
 * <p>model: each entry takes the mm explicitly (it is current->mm); mmap takes the File instead
 * of a file descriptor (null stands for a bad fd) and a page offset instead of x86's byte offset;
 * {@code label} names the new VMA in traces (null: "vma#N"). Addresses are untagged already.
 */
public final class Syscalls {
    private Syscalls() {}

    /**
     * mmap(addr, len, prot, flags, fd, pgoff) -> ksys_mmap_pgoff -> vm_mmap_pgoff: the address, or
     * -errno.
     */
    public static long mmap(MmStruct mm, long addr, long len, int prot, int flags, File file, long pgoff, String label) {
        if ((flags & MAP_ANONYMOUS) == 0) {
            // audit_mmap_fd, fget
            if (file == null)
                return -9; // -EBADF
            if ((flags & MAP_HUGETLB) != 0) // not a hugetlbfs file
                return -Errno.EINVAL;
        } else {
            file = null;
            if ((flags & MAP_HUGETLB) != 0) // model: no huge pages are reserved, hugetlb_file_setup fails
                return -Errno.ENOMEM;
        }
        return Util.vmMmapPgoff(mm, file, addr, len, prot, flags, pgoff, label);
    }

    /** munmap(addr, len) -> __vm_munmap(addr, len, true): 0 or -errno. */
    public static int munmap(MmStruct mm, long addr, long len) {
        return Vma.__vmMunmap(mm, addr, len, true); // untagged_addr: identity
    }

    /** mremap(old_addr, old_len, new_len, flags, new_addr): the new address, or -errno. */
    public static long mremap(MmStruct mm, long oldAddr, long oldLen, long newLen, int flags, long newAddr) {
        return Mremap.sysMremap(mm, oldAddr, oldLen, newLen, flags, newAddr);
    }

    /** mprotect(addr, len, prot) -> do_mprotect_pkey(addr, len, prot, -1): 0 or -errno. */
    public static int mprotect(MmStruct mm, long addr, long len, int prot) {
        return Mprotect.sysMprotect(mm, addr, len, prot);
    }

    /** madvise(addr, len, advice) -> do_madvise(current->mm, ...): 0 or -errno. */
    public static int madvise(MmStruct mm, long addr, long len, int advice) {
        return Madvise.sysMadvise(mm, addr, len, advice);
    }
}
