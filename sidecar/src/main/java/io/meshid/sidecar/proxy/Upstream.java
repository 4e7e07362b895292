package io.meshid.sidecar.proxy;

import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * Where an admitted request goes: a key that says whether an open upstream connection can be
 * reused, the address, and the TLS context (null: plaintext, only ever to the local workload).
 * Immutable.
 */
public record Upstream(String key, InetSocketAddress address, SslContext ssl, String sniHost) {

    public Upstream {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(address, "address");
    }
}
