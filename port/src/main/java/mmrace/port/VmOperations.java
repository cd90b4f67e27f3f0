package mmrace.port;

/**
 * struct vm_operations_struct: the hooks the port calls. Anonymous VMAs have none
 * (vm_ops == NULL); vma_init gives every new VMA {@link #DUMMY} until its creator decides.
 */
public interface VmOperations {
    /** vm_ops->fault(vmf): returns a vm_fault_t. */
    default int fault(VmFault vmf) {
        return MmTypes.VM_FAULT_SIGBUS;
    }

    /** Whether this mapping has ->access (generic_access_phys for VM_IO/VM_PFNMAP drivers). */
    default boolean hasAccess() {
        return false;
    }

    /** vm_ops->access(vma, addr, buf, len, write): bytes transferred, or a negative errno. */
    default int access(VmAreaStruct vma, long addr, byte[] buf, int bufOff, int len, boolean write) {
        return -mmrace.runtime.Errno.EINVAL;
    }

    /** "vma_dummy_vm_ops" (mm/init-mm.c): no operations. */
    VmOperations DUMMY = new VmOperations() {
        @Override public String toString() { return "vma_dummy_vm_ops"; }
    };
}
