package io.meshid.sidecar.proxy;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.tls.NoResumptionSslContext;
import io.meshid.common.tls.SpiffeTrustManager;
import io.meshid.common.tls.SvidKeyManager;
import io.meshid.common.tls.SvidSource;
import io.meshid.sidecar.revocation.RevocationList;
import io.meshid.sidecar.revocation.RevocationTrustManager;
import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The sidecar's TLS contexts for HTTP between sidecars, built on common's {@link SvidKeyManager} and
 * {@link SpiffeTrustManager}: they read the {@link SvidSource} on every handshake, so a renewed SVID
 * or a new bundle is used from the next handshake on, and open connections are never dropped. TLS
 * 1.3 and 1.2 only; BoringSSL (netty-tcnative) when it loads with ALPN, the JDK otherwise, as
 * {@code TlsContexts} chooses. The server offers ALPN {@code h2} and {@code http/1.1}; a client
 * context offers the one protocol its app spoke. The server context never resumes a
 * session ({@link NoResumptionSslContext}), so every connection's client chain is verified against
 * the bundle and the {@link RevocationList} of the moment; both sides refuse a revoked peer in the
 * handshake ({@link RevocationTrustManager}).
 * Stateless and thread-safe.
 */
public final class SidecarTls {

    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private SidecarTls() {
    }

    /** BoringSSL when usable here with ALPN, else the JDK. */
    public static SslProvider provider() {
        return SslProvider.isAlpnSupported(SslProvider.OPENSSL) ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    /** The inbound listener's context: an unrevoked client SVID of the bundle's trust domain is required. */
    public static SslContext server(SvidSource source, Clock clock, RevocationList revocations) {
        SslContextBuilder builder = SslContextBuilder.forServer(new SvidKeyManager(source))
                .trustManager(new RevocationTrustManager(new SpiffeTrustManager(source, id -> true, clock), revocations))
                .clientAuth(ClientAuth.REQUIRE);
        return new NoResumptionSslContext(build(configure(builder,
                new String[] {ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1})));
    }

    /**
     * An outbound context that accepts only an unrevoked server whose SPIFFE ID {@code expected}
     * accepts, offering ALPN {@code h2} (for an app's HTTP/2 requests) or {@code http/1.1}.
     */
    public static SslContext client(SvidSource source, Predicate<SpiffeId> expected, Clock clock,
            RevocationList revocations, boolean h2) {
        SslContextBuilder builder = SslContextBuilder.forClient()
                .keyManager(new SvidKeyManager(source))
                .trustManager(new RevocationTrustManager(new SpiffeTrustManager(source, expected, clock), revocations))
                .endpointIdentificationAlgorithm(null);
        return build(configure(builder, h2 ? new String[] {ApplicationProtocolNames.HTTP_2}
                : new String[] {ApplicationProtocolNames.HTTP_1_1}));
    }

    private static SslContextBuilder configure(SslContextBuilder builder, String[] alpn) {
        return builder.sslProvider(provider())
                .protocols(PROTOCOLS)
                // RFC 9113 §9.2.2: h2 over TLS 1.2 only with AEAD suites; the same for HTTP/1.1 costs nothing
                .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        alpn));
    }

    private static SslContext build(SslContextBuilder builder) {
        try {
            return builder.build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build the sidecar's TLS context: " + e.getMessage(), e);
        }
    }

    /** The verified certificate chain the peer presented (leaf first); empty when there is none. */
    public static List<X509Certificate> peerChain(SSLSession session) {
        try {
            return chainOf(session.getPeerCertificates());
        } catch (SSLPeerUnverifiedException e) {
            return List.of();
        }
    }

    /** The certificate chain this side presented on {@code session} (leaf first); empty when none. */
    public static List<X509Certificate> localChain(SSLSession session) {
        Certificate[] local = session.getLocalCertificates();
        return local == null ? List.of() : chainOf(local);
    }

    private static List<X509Certificate> chainOf(Certificate[] certificates) {
        java.util.ArrayList<X509Certificate> chain = new java.util.ArrayList<>(certificates.length);
        for (Certificate c : certificates) {
            if (!(c instanceof X509Certificate x)) {
                return List.of();
            }
            chain.add(x);
        }
        return List.copyOf(chain);
    }

    /** The SPIFFE ID in the URI SAN of a peer's verified leaf certificate. */
    public static Optional<SpiffeId> peerId(SSLEngine engine) {
        try {
            Certificate[] chain = engine.getSession().getPeerCertificates();
            if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
                return Optional.empty();
            }
            Collection<List<?>> names = leaf.getSubjectAlternativeNames();
            if (names == null) {
                return Optional.empty();
            }
            for (List<?> name : names) {
                if (name.size() == 2 && Integer.valueOf(6).equals(name.get(0)) && name.get(1) instanceof String uri) {
                    return Optional.of(SpiffeId.parse(uri));
                }
            }
            return Optional.empty();
        } catch (SSLPeerUnverifiedException | CertificateParsingException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
