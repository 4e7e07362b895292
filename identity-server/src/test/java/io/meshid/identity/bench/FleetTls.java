package io.meshid.identity.bench;

import io.grpc.netty.GrpcSslContexts;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.tls.SpiffeTrustManager;
import io.meshid.common.tls.SvidSource;
import io.meshid.common.tls.X509Svid;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The renewing fleet's client TLS: one context for every member, as each sidecar holds one
 * long-lived context of its own (built once, following its rotations), instead of a new context
 * per renewal. Each connection presents the SVID of the member whose channel opened it: the
 * member's channel names a host of its own as its authority ({@link #join}), and the key manager
 * picks the SVID by the host the TLS engine was made for. The server is checked as every client
 * checks it ({@link SpiffeTrustManager}, against the bundle, by SPIFFE ID); what the server sees is
 * unchanged: a full handshake with the member's own SVID. Benchmark only. Thread-safe.
 */
final class FleetTls {

    private static final String SUFFIX = ".fleet.bench.test";

    private final ConcurrentHashMap<String, X509Svid> members = new ConcurrentHashMap<>();
    private final AtomicLong next = new AtomicLong();
    private final SslContext context;

    FleetTls(SvidSource trust, Predicate<SpiffeId> serverAuthorizer) {
        SslProvider provider = SslProvider.isAlpnSupported(SslProvider.OPENSSL) ? SslProvider.OPENSSL : SslProvider.JDK;
        SslContextBuilder builder = SslContextBuilder.forClient()
                .keyManager(new Keys())
                .trustManager(new SpiffeTrustManager(trust, serverAuthorizer))
                .endpointIdentificationAlgorithm(null);
        try {
            context = GrpcSslContexts.configure(builder, provider).protocols("TLSv1.3", "TLSv1.2").build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build the fleet's client TLS context: " + e.getMessage(), e);
        }
    }

    SslContext context() {
        return context;
    }

    /** A host name of {@code svid}'s own, for its channel's authority; {@link #leave} it when done. */
    String join(X509Svid svid) {
        String host = "m" + next.incrementAndGet() + SUFFIX;
        members.put(host, svid);
        return host;
    }

    void leave(String host) {
        members.remove(host);
    }

    /** Presents the SVID of the member whose host the engine was made for; nothing for any other. */
    private final class Keys extends X509ExtendedKeyManager {

        @Override
        public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
            String host = engine == null ? null : engine.getPeerHost();
            return host != null && members.containsKey(host) ? host : null;
        }

        @Override
        public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            X509Svid svid = alias == null ? null : members.get(alias);
            return svid == null ? null : svid.chain().toArray(X509Certificate[]::new);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            X509Svid svid = alias == null ? null : members.get(alias);
            return svid == null ? null : svid.privateKey();
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }
    }
}
