package mmrace.runtime;

/**
 * A limit of the model, not of the kernel, was reached: more memory than the model's page
 * allocator holds ({@link PageAlloc#MAX_PAGES}). Not a kernel outcome and never a verdict: the
 * scheduler ends such an execution as a limit (no verdict), and a scenario whose set-up needs more
 * is bad input. The message names the limit.
 */
public final class ModelLimit extends RuntimeException {
    public ModelLimit(String message) {
        super(message);
    }
}
