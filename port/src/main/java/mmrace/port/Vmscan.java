package mmrace.port;

/** STUB until the reclaim/khugepaged port is merged (branch reclaim). */
public final class Vmscan {
    private Vmscan() {}

    public static long reclaimPage(MmStruct mm, long addr) {
        return -38; // -ENOSYS
    }
}
