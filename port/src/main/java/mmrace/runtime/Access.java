package mmrace.runtime;

/**
 * What a shared access does. Every runtime primitive names one of these when it hands the
 * scheduler a chance to run another task ({@link Task#point}); the trace prints {@link #text}
 * and interleaving coverage pairs accesses where at least one {@link #writes}.
 */
public enum Access {
    READ("READ_ONCE", false),
    WRITE("WRITE_ONCE", true),
    LOAD("load", false),
    STORE("store", true),
    LOAD_ACQUIRE("smp_load_acquire", false),
    STORE_RELEASE("smp_store_release", true),
    RMW("atomic", true),
    SPIN_LOCK("spin_lock", true),
    SPIN_UNLOCK("spin_unlock", true),
    DOWN_READ("down_read", true),
    DOWN_WRITE("down_write", true),
    UP_READ("up_read", true),
    UP_WRITE("up_write", true),
    DOWNGRADE("downgrade_write", true),
    RCU_READ_LOCK("rcu_read_lock", false),
    RCU_READ_UNLOCK("rcu_read_unlock", false),
    SYNCHRONIZE_RCU("synchronize_rcu", true),
    CALL_RCU("call_rcu", true),
    IRQ_DISABLE("local_irq_disable", false),
    IRQ_ENABLE("local_irq_enable", false),
    IPI("smp_call_function", true),
    SLEEP("schedule", false),
    WAKE("wake_up", true),
    ALLOC("alloc", true),
    FREE("free", true),
    COPY_FROM("copy_from", false),
    COPY_TO("copy_to", true);

    public final String text;
    public final boolean writes;

    Access(String text, boolean writes) {
        this.text = text;
        this.writes = writes;
    }
}
