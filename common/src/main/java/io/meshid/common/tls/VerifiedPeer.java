package io.meshid.common.tls;

import io.meshid.common.spiffe.SpiffeId;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The caller of a gRPC call as {@link CallerIdentityInterceptor} verified it: its SPIFFE ID, the
 * X.509-SVID chain its TLS session presented (leaf first), and when that chain stops being valid
 * (the earliest {@code notAfter} of the leaf, its intermediates and the bundle authority it chains
 * to). The chain was verified against the server's current trust bundle. Immutable and thread-safe.
 */
public record VerifiedPeer(SpiffeId spiffeId, List<X509Certificate> chain, Instant notAfter) {

    /** Copies {@code chain}; it must hold the leaf at least. */
    public VerifiedPeer {
        Objects.requireNonNull(spiffeId, "spiffeId");
        Objects.requireNonNull(notAfter, "notAfter");
        chain = List.copyOf(chain);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("chain: empty (expected: the peer's X.509-SVID chain, leaf first)");
        }
    }

    /** The leaf certificate, whose SPIFFE ID this is. */
    public X509Certificate leaf() {
        return chain.get(0);
    }
}
