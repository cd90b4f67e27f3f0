package mmrace.runtime;

/**
 * Tracepoints fired for observers (the oracle, the fuzzer, traces); named after kernel tracepoints
 * where one exists. The port fires all but {@link #SYS_ENTER} and {@link #SYS_EXIT}, which whoever
 * drives the port (the scenario runner) fires around each operation it makes.
 */
public enum Tracepoint {
    /** trace_mmap_lock_acquire_returned(mm, write=true, success): a = mm. */
    MMAP_WRITE_ACQUIRED,
    /** trace_mmap_lock_released(mm, write=true) and mmap_write_downgrade: a = mm; the layout is final here. */
    MMAP_WRITE_RELEASED,
    /** access_remote_vm starts (a remote read, or a remote write with FOLL_WRITE): a = the mm, b = address. */
    READ_BEGIN,
    /** access_remote_vm returns: a = the mm, b = bytes copied. */
    READ_END,
    /** expand_stack dropped the mmap lock inside a read (the slow path's one layout break): a = mm. */
    READ_LOCK_DROPPED,
    /** A user store by a thread of the target changed memory: a = the page, b = address. */
    USER_STORE,
    /**
     * A remote write (__access_remote_vm with FOLL_WRITE) copied its bytes into a page: a = the page
     * GUP returned, b = the address the bytes are for. Not a kernel tracepoint: it tells the oracle
     * which page each chunk of the write went into.
     */
    REMOTE_STORE,
    /**
     * raw_syscalls:sys_enter (include/trace/events/syscalls.h): an operation of the task begins
     * (a system call, a remote read, a user store, a reclaim or collapse pass): a = the operation
     * (its toString is the call as traces print it), b = 0.
     */
    SYS_ENTER,
    /**
     * raw_syscalls:sys_exit: the operation {@link #SYS_ENTER} began returns: a = the same
     * operation, b = its return value (a negative errno, an address, a byte count).
     */
    SYS_EXIT,
}
