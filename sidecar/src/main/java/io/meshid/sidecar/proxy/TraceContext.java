package io.meshid.sidecar.proxy;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * W3C trace context through the sidecar: a valid {@code traceparent} keeps its trace id and flags
 * and gets a new span id, the sidecar's own span, whose parent is the caller's; an absent or
 * malformed one is replaced by a new trace (sampled). {@code tracestate} passes through unchanged
 * (and is dropped with a malformed {@code traceparent}, as the W3C recommendation says). Stateless.
 */
public final class TraceContext {

    /** The W3C header name. */
    public static final String TRACEPARENT = "traceparent";

    private static final Pattern VALID = Pattern.compile("([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?");
    private static final String ZERO_TRACE = "0".repeat(32);
    private static final String ZERO_SPAN = "0".repeat(16);
    private static final HexFormat HEX = HexFormat.of();

    private TraceContext() {
    }

    /** Replaces the request's {@code traceparent} by the sidecar's span; returns the new value. */
    public static String continueOrStart(HttpHeaders headers) {
        String incoming = headers.get(TRACEPARENT);
        String traceId = null;
        String flags = "01";
        if (incoming != null) {
            var m = VALID.matcher(incoming.trim());
            if (m.matches() && !"ff".equals(m.group(1)) && !ZERO_TRACE.equals(m.group(2)) && !ZERO_SPAN.equals(m.group(3))
                    && ("00".equals(m.group(1)) ? m.group(5) == null : true)) {
                traceId = m.group(2);
                flags = m.group(4);
            }
        }
        if (traceId == null) {
            traceId = randomHex(16);
            headers.remove("tracestate");
        }
        String value = "00-" + traceId + "-" + randomHex(8) + "-" + flags;
        headers.set(TRACEPARENT, value);
        return value;
    }

    private static String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        do {
            ThreadLocalRandom.current().nextBytes(b);
        } while (allZero(b));
        return HEX.formatHex(b);
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}
