package io.meshid.sidecar.proxy;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.tls.SpiffeTrustManager;
import io.meshid.common.tls.SvidKeyManager;
import io.meshid.common.tls.SvidSource;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.DelegatingSslContext;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.internal.tcnative.SSL;
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

/**
 * The sidecar's TLS contexts for HTTP between sidecars, built on common's {@link SvidKeyManager} and
 * {@link SpiffeTrustManager}: they read the {@link SvidSource} on every handshake, so a renewed SVID
 * or a new bundle is used from the next handshake on, and open connections are never dropped. TLS
 * 1.3 and 1.2 only; BoringSSL (netty-tcnative) when it loads with ALPN, the JDK otherwise, as
 * {@code TlsContexts} chooses. ALPN offers {@code http/1.1}. The server context never resumes a
 * session, so every connection's client chain is verified against the bundle of the moment.
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

    /** The inbound listener's context: a client SVID of the bundle's trust domain is required. */
    public static SslContext server(SvidSource source, Clock clock) {
        SslContextBuilder builder = SslContextBuilder.forServer(new SvidKeyManager(source))
                .trustManager(new SpiffeTrustManager(source, id -> true, clock))
                .clientAuth(ClientAuth.REQUIRE);
        return new NoResumption(build(configure(builder)));
    }

    /** An outbound context that accepts only a server whose SPIFFE ID {@code expected} accepts. */
    public static SslContext client(SvidSource source, Predicate<SpiffeId> expected) {
        SslContextBuilder builder = SslContextBuilder.forClient()
                .keyManager(new SvidKeyManager(source))
                .trustManager(new SpiffeTrustManager(source, expected))
                .endpointIdentificationAlgorithm(null);
        return build(configure(builder));
    }

    private static SslContextBuilder configure(SslContextBuilder builder) {
        return builder.sslProvider(provider())
                .protocols(PROTOCOLS)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_1_1));
    }

    private static SslContext build(SslContextBuilder builder) {
        try {
            return builder.build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build the sidecar's TLS context: " + e.getMessage(), e);
        }
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

    /** Turns off TLS session resumption on a server context (see common's {@code NoResumptionSslContext}). */
    private static final class NoResumption extends DelegatingSslContext {

        NoResumption(SslContext context) {
            super(context);
            if (context.sessionContext() instanceof OpenSslSessionContext openSsl) {
                openSsl.setSessionCacheEnabled(false);
            }
        }

        @Override
        protected void initEngine(SSLEngine engine) {
            if (engine instanceof ReferenceCountedOpenSslEngine openSsl) {
                synchronized (openSsl) {
                    SSL.setOptions(openSsl.sslPointer(), SSL.SSL_OP_NO_TICKET);
                }
            }
        }
    }
}
