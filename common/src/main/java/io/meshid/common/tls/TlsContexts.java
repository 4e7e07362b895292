package io.meshid.common.tls;

import io.grpc.netty.GrpcSslContexts;
import io.meshid.common.spiffe.SpiffeId;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Objects;
import java.util.function.Predicate;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;

/**
 * Builds the mutual-TLS contexts of meshid's processes from an {@link SvidSource}: Netty contexts
 * for gRPC (ALPN {@code h2}, gRPC's HTTP/2 cipher suites) and JDK contexts for plain JDK servers
 * and clients. All present the source's current SVID ({@link SvidKeyManager}), verify peers against
 * its current bundle ({@link SpiffeTrustManager}, no host name check), and speak TLS 1.3 and 1.2
 * only. A context is built once and follows the source's rotations by itself.
 *
 * <p>Server contexts never resume a TLS session ({@link NoResumptionSslContext}, and the JDK's
 * through {@link SpiffeTrustManager}): every connection verifies its client's chain against the
 * bundle of the moment, never against the one of an earlier handshake.
 *
 * <p>Netty contexts use BoringSSL (netty-tcnative) when it loads and supports ALPN, the JDK's TLS
 * otherwise. Build failures are {@link IllegalStateException}s. Stateless and thread-safe.
 */
public final class TlsContexts {

    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private TlsContexts() {
    }

    /**
     * A gRPC server context. {@code clientAuth} is normally {@link ClientAuth#REQUIRE};
     * {@link ClientAuth#OPTIONAL} for a server that also serves an rpc to callers without an SVID
     * (a client that does present one must still present a valid one).
     */
    public static SslContext grpcServer(SvidSource source, ClientAuth clientAuth) {
        return grpcServer(source, clientAuth, provider(), Clock.systemUTC());
    }

    /** As {@link #grpcServer(SvidSource, ClientAuth)}, judging client certificates' validity by {@code clock}. */
    public static SslContext grpcServer(SvidSource source, ClientAuth clientAuth, Clock clock) {
        return grpcServer(source, clientAuth, provider(), clock);
    }

    /** A gRPC client context that accepts only a server whose SPIFFE ID {@code serverAuthorizer} accepts. */
    public static SslContext grpcClient(SvidSource source, Predicate<SpiffeId> serverAuthorizer) {
        return grpcClient(source, serverAuthorizer, provider());
    }

    /**
     * A JDK server context. With {@code requireClientAuth} every client must present a valid SVID;
     * without, no client certificate is asked for.
     */
    public static SSLContext jdkServer(SvidSource source, boolean requireClientAuth) {
        SSLContext context = jdk(source, id -> true);
        SSLParameters parameters = context.getDefaultSSLParameters();
        parameters.setProtocols(PROTOCOLS.clone());
        parameters.setNeedClientAuth(requireClientAuth);
        return new FixedParametersSslContext(context, parameters);
    }

    /** A JDK client context that accepts only a server whose SPIFFE ID {@code serverAuthorizer} accepts. */
    public static SSLContext jdkClient(SvidSource source, Predicate<SpiffeId> serverAuthorizer) {
        SSLContext context = jdk(source, serverAuthorizer);
        SSLParameters parameters = context.getDefaultSSLParameters();
        parameters.setProtocols(PROTOCOLS.clone());
        return new FixedParametersSslContext(context, parameters);
    }

    /** BoringSSL when it is usable here with ALPN, else the JDK. */
    static SslProvider provider() {
        return SslProvider.isAlpnSupported(SslProvider.OPENSSL) ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    static SslContext grpcServer(SvidSource source, ClientAuth clientAuth, SslProvider provider) {
        return grpcServer(source, clientAuth, provider, Clock.systemUTC());
    }

    static SslContext grpcServer(SvidSource source, ClientAuth clientAuth, SslProvider provider, Clock clock) {
        Objects.requireNonNull(clientAuth, "clientAuth");
        SslContextBuilder builder = SslContextBuilder.forServer(keyManagers(source, provider))
                .trustManager(new SpiffeTrustManager(source, id -> true, clock))
                .clientAuth(clientAuth);
        return new NoResumptionSslContext(build(GrpcSslContexts.configure(builder, provider).protocols(PROTOCOLS), "gRPC server"));
    }

    /**
     * As {@link #grpcClient(SvidSource, Predicate)} with a chosen TLS provider: a short-lived
     * process (meshctl) passes {@link SslProvider#JDK} so that netty-tcnative's native library is
     * never loaded for its one handshake.
     */
    public static SslContext grpcClient(SvidSource source, Predicate<SpiffeId> serverAuthorizer, SslProvider provider) {
        SslContextBuilder builder = SslContextBuilder.forClient()
                .keyManager(new SvidKeyManager(source))
                .trustManager(new SpiffeTrustManager(source, serverAuthorizer))
                .endpointIdentificationAlgorithm(null);
        return build(GrpcSslContexts.configure(builder, provider).protocols(PROTOCOLS), "gRPC client");
    }

    /**
     * The SVID's key manager for a Netty context. With BoringSSL, Netty would otherwise turn the
     * Java chain and key into PEM and parse them natively on every handshake; the caching factory
     * keeps them converted per alias, and {@link SvidKeyManager} names each SVID version with its
     * own alias, so a rotated SVID is converted once and an old one is never presented. Netty's
     * cache does not evict: it holds the first {@value #CACHED_KEY_MATERIALS} versions a process
     * presents (weeks of hourly rotations), and later ones are converted per handshake, as before.
     */
    static javax.net.ssl.KeyManagerFactory keyManagers(SvidSource source, SslProvider provider) {
        javax.net.ssl.KeyManagerFactory factory = new io.netty.handler.ssl.util.KeyManagerFactoryWrapper(new SvidKeyManager(source));
        return provider == SslProvider.JDK ? factory
                : new io.netty.handler.ssl.OpenSslCachingX509KeyManagerFactory(factory, CACHED_KEY_MATERIALS);
    }

    static final int CACHED_KEY_MATERIALS = 64;

    private static SslContext build(SslContextBuilder builder, String what) {
        try {
            return builder.build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build the " + what + " TLS context: " + e.getMessage(), e);
        }
    }

    private static SSLContext jdk(SvidSource source, Predicate<SpiffeId> peerAuthorizer) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[] {new SvidKeyManager(source)},
                    new TrustManager[] {new SpiffeTrustManager(source, peerAuthorizer)}, new SecureRandom());
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot build a JDK TLS context: " + e.getMessage(), e);
        }
    }
}
