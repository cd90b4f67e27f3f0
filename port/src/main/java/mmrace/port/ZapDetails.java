package mmrace.port;

/** struct zap_details (include/linux/mm.h). */
public final class ZapDetails {
    public boolean evenCows;
    public boolean reclaimPt;
    public File zapMapping;
}
