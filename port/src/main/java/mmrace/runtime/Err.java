package mmrace.runtime;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * include/linux/err.h: ERR_PTR, IS_ERR, IS_ERR_OR_NULL, PTR_ERR and IS_ERR_VALUE.
 *
 * <p>The kernel returns an error from a function that returns a pointer as a pointer into the
 * last page of the address space: ERR_PTR(-E) is the address -E, and IS_ERR tests for the top
 * MAX_ERRNO addresses. A Java reference cannot hold a number, so here ERR_PTR(-E) of a pointer
 * type is one sentinel object of that type per errno, made the first time it is asked for and
 * never a live kernel object (it comes from no slab cache and no page allocator). IS_ERR
 * recognises exactly these sentinels, whatever their type.
 */
public final class Err {
    private Err() {}

    /** MAX_ERRNO. */
    public static final int MAX_ERRNO = 4095;

    private static final Map<Class<?>, Map<Integer, KObject>> SENTINELS = new ConcurrentHashMap<>();

    /**
     * ERR_PTR(error) as a pointer of type {@code type}; {@code make} builds the sentinel the first
     * time this (type, errno) is asked for. {@code error} is a negative errno.
     */
    public static <T extends KObject> T errPtr(int error, Class<T> type, Supplier<T> make) {
        if (error >= 0 || error < -MAX_ERRNO)
            throw new IllegalArgumentException("ERR_PTR(" + error + "): not a -errno");
        KObject p = SENTINELS.computeIfAbsent(type, c -> new ConcurrentHashMap<>()).computeIfAbsent(error, e -> {
            T o = make.get();
            o.errPtr = e;
            return o;
        });
        return type.cast(p);
    }

    /** ERR_PTR(error) as a struct page pointer (follow_page_mask, get_user_page_vma_remote). */
    public static Page errPage(int error) {
        return errPtr(error, Page.class, () -> new Page(error));
    }

    /** IS_ERR(ptr). */
    public static boolean isErr(KObject ptr) {
        return ptr != null && ptr.errPtr != 0;
    }

    /** IS_ERR_OR_NULL(ptr). */
    public static boolean isErrOrNull(KObject ptr) {
        return ptr == null || ptr.errPtr != 0;
    }

    /**
     * PTR_ERR(ptr): the errno of an error pointer. For NULL or a real pointer the kernel gives the
     * address, which is never an errno; here 0, so that a comparison with -E is false as there.
     */
    public static int ptrErr(KObject ptr) {
        return ptr == null ? 0 : ptr.errPtr;
    }

    /** IS_ERR_VALUE(x): the top MAX_ERRNO values of an unsigned long are -errno. */
    public static boolean isErrValue(long x) {
        return Long.compareUnsigned(x, -(long) MAX_ERRNO) >= 0;
    }
}
