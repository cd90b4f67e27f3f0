package mmrace.port;

/** STUB until the reclaim/khugepaged port is merged (branch reclaim). */
public final class Khugepaged {
    private Khugepaged() {}

    public static long collapse(MmStruct mm, long addr) {
        return -38; // -ENOSYS
    }
}
