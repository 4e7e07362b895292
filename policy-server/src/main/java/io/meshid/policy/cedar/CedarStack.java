package io.meshid.policy.cedar;

import io.meshid.common.errors.MeshidException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

/**
 * Runs the work that hands policy text to cedar-java's native library (parsing, validating,
 * compiling a version) on a platform thread with a large stack. The native parser recurses on
 * the expression tree in Rust, where exhausting the stack kills the process instead of throwing:
 * an {@code &&} chain of 10,000 terms does that on a thread with the default 1 MiB stack, and the
 * bounds of a source (1 MiB of policies) allow over 100,000. 512 MiB of stack is address space,
 * touched only as deep as a parse goes. Decisions never come here: a parsed set evaluates safely
 * on ordinary threads (brackets, the shape that does not, are bounded before parsing).
 * Thread-safe; the threads are daemons, made on demand and gone after a minute idle.
 */
public final class CedarStack {

    /** The stack of each thread: room for the deepest tree a 1 MiB source can hold. */
    static final long STACK_BYTES = 512L << 20;

    private static final ExecutorService THREADS = Executors.newCachedThreadPool(
            Thread.ofPlatform().name("meshid-cedar-parse-", 0).daemon().stackSize(STACK_BYTES).factory());

    private CedarStack() {
    }

    /** {@code work}'s result, computed on a large-stack thread; its unchecked exceptions and errors are rethrown as they were. */
    public static <T> T call(Supplier<T> work) {
        Future<T> result = THREADS.submit(work::get);
        try {
            return result.get();
        } catch (InterruptedException e) {
            result.cancel(true);
            Thread.currentThread().interrupt();
            throw new MeshidException.Unavailable("interrupted while Cedar parsed a policy set", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }
}
