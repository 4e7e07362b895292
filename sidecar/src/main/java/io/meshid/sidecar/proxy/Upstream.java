package io.meshid.sidecar.proxy;

import io.meshid.sidecar.revocation.RevocationList;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * Where an admitted request goes: a key that says whether an open upstream connection can be
 * reused, the address, the TLS contexts for HTTP/1.1 ({@code ssl}, ALPN {@code http/1.1}) and for
 * HTTP/2 ({@code h2Ssl}, ALPN {@code h2}) — both null: plaintext (HTTP/1.1, or h2c with prior
 * knowledge), only ever to the local workload — and the revocations that an open TLS connection is
 * checked against before each request it carries (null with plaintext). Immutable.
 */
public record Upstream(String key, InetSocketAddress address, SslContext ssl, SslContext h2Ssl, String sniHost,
        RevocationList revocations) {

    public Upstream {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(address, "address");
        if ((ssl == null) != (revocations == null) || (ssl == null) != (h2Ssl == null)) {
            throw new IllegalArgumentException("upstream " + key
                    + ": TLS contexts and revocations go together (expected: all three or none)");
        }
    }

    /** The local workload, in plaintext. */
    public static Upstream plaintext(String key, InetSocketAddress address) {
        return new Upstream(key, address, null, null, null, null);
    }

    /** Whether connections to it use TLS. */
    public boolean tls() {
        return ssl != null;
    }
}
