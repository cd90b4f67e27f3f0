package mmrace.port;

import mmrace.runtime.Errno;
import mmrace.runtime.Trace;

/**
 * mm/util.c: vm_mmap_pgoff. Read through the annotated copy stored as id 69611454241 (the stored
 * torvalds/linux mm/util.c is at ad61dfe5906c43bf25f1bb89248a320b6cd2f52d; the function is the
 * same in every version since the mmap_lock wrappers: lock killable, do_mmap, unlock, populate).
 *
 * <p>model: security_mmap_file and fsnotify_mmap_perm allow everything; no userfaultfd;
 * mm_populate is not run (noted in the trace).
 */
public final class Util {
    private Util() {}

    /**
     * vm_mmap_pgoff(file, addr, len, prot, flag, pgoff): the mmap syscall body. Returns the address
     * or -errno. model: {@code label} names a newly allocated VMA.
     */
    public static long vmMmapPgoff(MmStruct mm, File file, long addr, long len, int prot, int flag, long pgoff, String label) {
        long[] populate = {0};
        long ret = 0; // security_mmap_file, fsnotify_mmap_perm: 0
        if (MmapLock.mmapWriteLockKillable(mm) != 0)
            return -Errno.EINTR;
        ret = Mmap.doMmap(mm, file, addr, len, prot, flag, 0, pgoff, populate, label);
        MmapLock.mmapWriteUnlock(mm);
        // userfaultfd_unmap_complete: none
        if (populate[0] != 0)
            Trace.note("model: mm_populate(%#x, %d) not run", ret, populate[0]);
        return ret;
    }
}
