package mmrace.runtime;

/** Tracepoints the port fires for observers (the oracle); named after kernel tracepoints where one exists. */
public enum Tracepoint {
    /** trace_mmap_lock_acquire_returned(mm, write=true, success): a = mm. */
    MMAP_WRITE_ACQUIRED,
    /** trace_mmap_lock_released(mm, write=true) and mmap_write_downgrade: a = mm; the layout is final here. */
    MMAP_WRITE_RELEASED,
    /** A remote read starts: a = the mm, b = address. */
    READ_BEGIN,
    /** A remote read returns: a = the mm, b = bytes copied. */
    READ_END,
    /** expand_stack dropped the mmap lock inside a read (the slow path's one layout break): a = mm. */
    READ_LOCK_DROPPED,
    /** A user store by a thread of the target changed memory: a = the page, b = address. */
    USER_STORE,
}
