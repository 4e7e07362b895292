package io.meshid.sidecar.proxy;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Objects;

/**
 * A gate's answer for one request: forward to {@link #upstream()}, or refuse with a status and a
 * message for the caller (never a secret), and with {@link #closeConnection()} also close the
 * downstream connection after the refusal (the connection itself is no longer acceptable: its
 * peer's SVID was revoked or expired). Immutable.
 */
public record Admission(Upstream upstream, HttpResponseStatus refusal, String message, boolean closeConnection) {

    /** Forward to {@code upstream}. */
    public static Admission forward(Upstream upstream) {
        return new Admission(Objects.requireNonNull(upstream, "upstream"), null, null, false);
    }

    /** Refuse with {@code status} and {@code message}; the connection may carry the next request. */
    public static Admission refuse(HttpResponseStatus status, String message) {
        return new Admission(null, Objects.requireNonNull(status, "status"), message, false);
    }

    /** Refuse with {@code status} and {@code message}, and close the connection. */
    public static Admission refuseAndClose(HttpResponseStatus status, String message) {
        return new Admission(null, Objects.requireNonNull(status, "status"), message, true);
    }

    public boolean admitted() {
        return upstream != null;
    }
}
