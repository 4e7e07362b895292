package io.meshid.sidecar.proxy;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Objects;

/**
 * A gate's answer for one request: forward to {@link #upstream()}, or refuse with a status and a
 * message for the caller (never a secret). Immutable.
 */
public record Admission(Upstream upstream, HttpResponseStatus refusal, String message) {

    /** Forward to {@code upstream}. */
    public static Admission forward(Upstream upstream) {
        return new Admission(Objects.requireNonNull(upstream, "upstream"), null, null);
    }

    /** Refuse with {@code status} and {@code message}. */
    public static Admission refuse(HttpResponseStatus status, String message) {
        return new Admission(null, Objects.requireNonNull(status, "status"), message);
    }

    public boolean admitted() {
        return upstream != null;
    }
}
