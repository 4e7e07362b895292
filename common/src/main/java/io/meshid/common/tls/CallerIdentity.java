package io.meshid.common.tls;

import io.grpc.Context;
import io.meshid.common.spiffe.SpiffeId;
import java.security.cert.X509Certificate;
import java.util.Optional;

/**
 * The SPIFFE ID of the caller of the gRPC call being served, taken from the client's X.509-SVID
 * that the TLS handshake verified ({@link CallerIdentityInterceptor} puts it in the gRPC
 * {@link Context}). Empty for an anonymous method called without a client certificate, and for
 * every call when the server runs in plaintext mode: callers of {@link #current()} must then deny
 * whatever needs an identity ({@link Callers} does). Thread-safe.
 */
public final class CallerIdentity {

    static final Context.Key<SpiffeId> KEY = Context.key("meshid-caller-spiffe-id");
    static final Context.Key<X509Certificate> CERTIFICATE_KEY = Context.key("meshid-caller-certificate");

    private CallerIdentity() {
    }

    /** The current call's verified caller, if any. */
    public static Optional<SpiffeId> current() {
        return Optional.ofNullable(KEY.get());
    }

    /** The current call's verified client certificate (the leaf of its X.509-SVID), if any. */
    public static Optional<X509Certificate> certificate() {
        return Optional.ofNullable(CERTIFICATE_KEY.get());
    }
}
