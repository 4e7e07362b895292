package io.meshid.common.tls;

import io.grpc.Grpc;
import io.grpc.ServerCall;
import io.meshid.common.spiffe.SpiffeId;
import java.util.Optional;

/**
 * The caller of a call read straight from its transport, for code that runs before the
 * interceptors. Who may call what is the server's authorization table
 * ({@code io.meshid.common.authz.AuthorizationTable}). Thread-safe.
 */
public final class Callers {

    private Callers() {
    }

    /**
     * The SPIFFE ID of the client X.509-SVID that {@code call}'s TLS session verified, if any, read
     * as {@link CallerIdentityInterceptor} reads it (once per session). For code that runs before
     * the interceptors, such as {@code io.meshid.common.server.InlineCalls}; handlers use {@link CallerIdentity#current()}.
     */
    public static Optional<SpiffeId> ofTransport(ServerCall<?, ?> call) {
        return CallerIdentityInterceptor.peerOf(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION))
                .map(CallerIdentityInterceptor.PeerIdentity::spiffeId);
    }
}
