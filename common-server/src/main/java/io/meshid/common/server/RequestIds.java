package io.meshid.common.server;

import io.grpc.Context;
import io.grpc.Metadata;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.MDC;

/**
 * The request id that ties together the log lines, audit events and traces of one call.
 *
 * <p>A caller may send its own in the {@code x-request-id} header (the convention of Envoy and
 * most proxies); a well-formed one is kept, anything else is replaced by a fresh random id, so a
 * caller cannot inject text into logs through it. Thread-safe.
 */
public final class RequestIds {

    /** Header (gRPC metadata and HTTP) that carries the request id. */
    public static final String HEADER = "x-request-id";

    /** Key of the request id in the logging MDC and in JSON log lines. */
    public static final String MDC_KEY = "request_id";

    static final Metadata.Key<String> METADATA_KEY = Metadata.Key.of(HEADER, Metadata.ASCII_STRING_MARSHALLER);

    static final Context.Key<String> CONTEXT_KEY = Context.key(MDC_KEY);

    private static final Pattern WELL_FORMED = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    private RequestIds() {
    }

    /**
     * The request id of the call being served on this thread (a gRPC call, or an HTTP request
     * inside {@link #callWith}), or "none" outside a call.
     */
    public static String current() {
        return ofCall().orElse("none");
    }

    /** The request id of the call being served on this thread, or empty outside a call. */
    public static java.util.Optional<String> ofCall() {
        return java.util.Optional.ofNullable(CONTEXT_KEY.get());
    }

    /**
     * Keeps {@code offered} when it is a well-formed id (1 to 128 of {@code A-Z a-z 0-9 . _ : -}),
     * otherwise makes a new one. Public for doors other than gRPC (identity-server's HTTP port),
     * which read the same header.
     */
    public static String acceptOrCreate(String offered) {
        return offered != null && WELL_FORMED.matcher(offered).matches() ? offered : create();
    }

    /**
     * Runs {@code body} with {@code requestId} as {@link #current()} and in the logging MDC, on this
     * thread: how a door other than gRPC (an HTTP controller) gives the domain services, their
     * audit events and their log lines the request id of the call they serve.
     */
    public static <T> T callWith(String requestId, Supplier<T> body) {
        Context previous = Context.current().withValue(CONTEXT_KEY, requestId).attach();
        String previousMdc = MDC.get(MDC_KEY);
        MDC.put(MDC_KEY, requestId);
        try {
            return body.get();
        } finally {
            if (previousMdc == null) {
                MDC.remove(MDC_KEY);
            } else {
                MDC.put(MDC_KEY, previousMdc);
            }
            Context.current().detach(previous);
        }
    }

    /**
     * A new id in the form of a random (version 4) UUID. Request ids correlate log lines; they are
     * not secrets and grant nothing, so they come from {@link ThreadLocalRandom} rather than from
     * {@code UUID.randomUUID()}'s {@code SecureRandom}, which costs a system call per id.
     */
    static String create() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = (random.nextLong() & ~0xF000L) | 0x4000L;
        long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(high, low).toString();
    }
}
