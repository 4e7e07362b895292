package io.meshid.common.server;

import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.ServerCall;

/**
 * Which calls a server runs on the transport's event loop instead of handing them to its rpc
 * executor ({@link GrpcCallExecutorConfigurer}). Inline, a call skips a thread hand-off and its
 * reply is written in the same event-loop turn as the request was read, together with the others
 * read in that turn; but nothing on the event loop may block, or every call of the connections on
 * that loop waits. So a server answers {@code true} only for calls that touch memory alone: no
 * database, no Redis, no remote call, no lock held for long.
 *
 * <p>Servers provide at most one bean of this type; without one every call runs on the executor.
 * Asked once per call, before any interceptor, on the event loop: implementations must be cheap
 * and thread-safe.
 *
 * <p>Code that may be reached from both kinds of call asks {@link #runningInline()}: on the event
 * loop it must answer from memory and do any slow work (a database read) in the background.
 */
@FunctionalInterface
public interface InlineCalls {

    /** Set by {@link OffloadingInterceptor} in the gRPC context of every call it keeps on the event loop. */
    Context.Key<Boolean> INLINE = Context.key("meshid-inline-call");

    /** Whether the code running now serves a call on the transport's event loop, where it must not block. */
    static boolean runningInline() {
        return Boolean.TRUE.equals(INLINE.get());
    }

    /** Whether {@code call} runs on the event loop. */
    boolean runsInline(ServerCall<?, ?> call, Metadata headers);
}
