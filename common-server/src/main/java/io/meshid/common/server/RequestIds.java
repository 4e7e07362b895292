package io.meshid.common.server;

import io.grpc.Context;
import io.grpc.Metadata;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

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

    /** The request id of the gRPC call being served on this thread, or "none" outside a call. */
    public static String current() {
        String id = CONTEXT_KEY.get();
        return id == null ? "none" : id;
    }

    /** Keeps {@code offered} when it is a well-formed id, otherwise makes a new one. */
    static String acceptOrCreate(String offered) {
        return offered != null && WELL_FORMED.matcher(offered).matches() ? offered : create();
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
