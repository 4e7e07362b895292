package io.meshid.policy.mapping;

import io.meshid.common.errors.MeshidException;
import io.meshid.common.spiffe.SpiffeId;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One mesh request to decide, as meshid's {@code CheckRequest} and Envoy's ext_authz request both
 * describe it: who (the caller's workload), what (HTTP method or gRPC full method), on what (the
 * destination service) and the rest of the request. Checked against policy.proto's bounds in the
 * constructor: an instance is within them. Headers hold only names allowed into the context
 * (never credentials); attributes are plain values (strings, booleans, longs, lists, maps).
 * Immutable and thread-safe.
 *
 * @param time when the request arrived; null for "now by the server's clock"
 * @param requestId the request id for the audit trail, or empty
 */
public record MeshRequest(
        SpiffeId principal,
        String action,
        SpiffeId resource,
        String path,
        Map<String, String> headers,
        String sourceAddress,
        Instant time,
        Map<String, Object> attributes,
        String requestId) {

    /** Longest action, in characters. */
    public static final int MAX_ACTION = 256;
    /** Longest path, in UTF-8 bytes. */
    public static final int MAX_PATH = 4096;
    /** Most headers. */
    public static final int MAX_HEADERS = 32;
    /** Longest header name, in bytes. */
    public static final int MAX_HEADER_NAME = 128;
    /** Longest header value, in bytes. */
    public static final int MAX_HEADER_VALUE = 4096;
    /** Longest request id, in characters. */
    public static final int MAX_REQUEST_ID = 128;
    /** Longest source address (an IPv6 literal with a zone fits). */
    public static final int MAX_SOURCE_ADDRESS = 64;

    public MeshRequest {
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(resource, "resource");
        if (action == null || action.isEmpty() || action.length() > MAX_ACTION) {
            throw new MeshidException.InvalidArgument("action: " + (action == null || action.isEmpty() ? "empty"
                    : action.length() + " characters") + " (expected: an HTTP method or gRPC full method name of 1 to "
                    + MAX_ACTION + " characters)");
        }
        path = path == null ? "" : path;
        if (path.length() > MAX_PATH || utf8(path) > MAX_PATH) {
            throw new MeshidException.InvalidArgument("context.path: " + utf8(path) + " bytes (expected: at most " + MAX_PATH + ")");
        }
        headers = headers == null ? Map.of() : Map.copyOf(headers);
        if (headers.size() > MAX_HEADERS) {
            throw new MeshidException.InvalidArgument("context.headers: " + headers.size() + " entries (expected: at most " + MAX_HEADERS + ")");
        }
        sourceAddress = sourceAddress == null ? "" : sourceAddress;
        if (sourceAddress.length() > MAX_SOURCE_ADDRESS) {
            throw new MeshidException.InvalidArgument("context.source_address: " + sourceAddress.length()
                    + " characters (expected: an IP address without port, at most " + MAX_SOURCE_ADDRESS + ")");
        }
        attributes = attributes == null ? Map.of() : attributes;
        requestId = requestId == null ? "" : requestId;
        if (requestId.length() > MAX_REQUEST_ID) {
            throw new MeshidException.InvalidArgument("request_id: " + requestId.length() + " characters (expected: at most "
                    + MAX_REQUEST_ID + ")");
        }
    }

    static int utf8(String value) {
        return value.getBytes(StandardCharsets.UTF_8).length;
    }
}
