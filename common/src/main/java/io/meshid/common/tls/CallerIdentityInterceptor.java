package io.meshid.common.tls;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.meshid.common.revocation.RevokedSerials;
import io.meshid.common.spiffe.SpiffeId;
import io.micronaut.core.order.Ordered;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts the caller's SPIFFE ID in the gRPC {@link Context} ({@link CallerIdentity#current()}),
 * reading it from the client X.509-SVID that the TLS handshake already verified
 * ({@link SpiffeTrustManager}). A call without a client SVID is refused with
 * {@code UNAUTHENTICATED} unless its full method name is one of the anonymous methods
 * ({@code meshid.tls.anonymous-methods}); such a call runs with no identity. In plaintext mode
 * ({@code meshid.tls.mode=plaintext}) every call runs with no identity, and whatever needs one is
 * denied by the code that asks.
 *
 * <p>A caller whose chain holds a revoked serial ({@link RevokedSerials}) is refused with
 * {@code UNAUTHENTICATED} on every call, also on a connection opened before the revocation; while
 * the revoked serials were never read from their durable source, authenticated calls are
 * {@code UNAVAILABLE} ({@link RevocationCheck}).
 *
 * <p>Runs right after {@code RequestIdServerInterceptor}, so refusals carry a request id. Thread-safe.
 */
@Singleton
public final class CallerIdentityInterceptor implements ServerInterceptor, Ordered {

    private static final Logger LOG = LoggerFactory.getLogger(CallerIdentityInterceptor.class);
    private static final String SESSION_KEY = CallerIdentityInterceptor.class.getName();

    private final boolean plaintext;
    private final Set<String> anonymousMethods;
    /** Revoked serials refused on every call ({@link RevocationCheck}); null on servers built by hand without it. */
    private final RevokedSerials revoked;

    @Inject
    CallerIdentityInterceptor(TlsConfig config, RevokedSerials revoked) {
        this(config.getMode() == TlsConfig.Mode.PLAINTEXT, Set.copyOf(config.getAnonymousMethods()), revoked);
    }

    private CallerIdentityInterceptor(boolean plaintext, Set<String> anonymousMethods, RevokedSerials revoked) {
        this.plaintext = plaintext;
        this.anonymousMethods = anonymousMethods;
        this.revoked = revoked;
    }

    /** For servers built by hand: requires a client SVID on every method but {@code anonymousMethods}. */
    public static CallerIdentityInterceptor requiringSvid(Set<String> anonymousMethods) {
        return new CallerIdentityInterceptor(false, Set.copyOf(anonymousMethods), null);
    }

    /** As {@link #requiringSvid(Set)}, and refuses every call whose caller's chain holds a serial of {@code revoked}. */
    public static CallerIdentityInterceptor requiringSvid(Set<String> anonymousMethods, RevokedSerials revoked) {
        return new CallerIdentityInterceptor(false, Set.copyOf(anonymousMethods), revoked);
    }

    /** Just after meshid's request-id interceptor, which runs first. */
    @Override
    public int getOrder() {
        return HIGHEST_PRECEDENCE + 2;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (plaintext) {
            return next.startCall(call, headers);
        }
        String method = call.getMethodDescriptor().getFullMethodName();
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        Optional<PeerIdentity> peer = peerOf(session);
        Optional<SpiffeId> caller = peer.map(PeerIdentity::spiffeId);
        if (caller.isPresent()) {
            Optional<Status> refusal = RevocationCheck.refusal(revoked, caller.get(), session);
            if (refusal.isPresent()) {
                call.close(refusal.get(), new Metadata());
                return new ServerCall.Listener<>() {
                };
            }
            Context context = Context.current().withValue(CallerIdentity.KEY, caller.get())
                    .withValue(CallerIdentity.CERTIFICATE_KEY, peer.get().leaf());
            return Contexts.interceptCall(context, call, headers, next);
        }
        if (anonymousMethods.contains(method)) {
            return next.startCall(call, headers);
        }
        call.close(Status.UNAUTHENTICATED.withDescription("a client X.509-SVID is required for " + method), new Metadata());
        return new ServerCall.Listener<>() {
        };
    }

    /**
     * The caller of a call on {@code session}: its SPIFFE ID is read from the leaf certificate once
     * per TLS session and kept in the session, so that the calls of a persistent channel do not
     * each parse the certificate's extensions again. The cached value is used only while the
     * session still presents the very same certificate object.
     */
    static Optional<PeerIdentity> peerOf(SSLSession session) {
        if (session == null) {
            return Optional.empty();
        }
        Certificate[] chain;
        try {
            chain = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException noCertificate) {
            return Optional.empty();
        }
        if (chain == null || chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
            return Optional.empty();
        }
        if (session.getValue(SESSION_KEY) instanceof PeerIdentity known && known.leaf() == leaf) {
            return Optional.of(known);
        }
        Optional<PeerIdentity> peer = spiffeIdOf(leaf).map(id -> new PeerIdentity(id, leaf));
        peer.ifPresent(p -> session.putValue(SESSION_KEY, p));
        return peer;
    }

    /** A verified TLS peer: its SPIFFE ID and the leaf certificate it was read from. */
    record PeerIdentity(SpiffeId spiffeId, X509Certificate leaf) {
    }

    private static Optional<SpiffeId> spiffeIdOf(X509Certificate leaf) {
        try {
            return Optional.of(SvidRules.spiffeIdOf(leaf));
        } catch (SvidVerificationException e) {
            // The trust manager verified this chain; reaching here means a TLS stack skipped it.
            LOG.warn("a TLS peer certificate has no SPIFFE ID ({}); treating the call as unauthenticated", e.getMessage());
            return Optional.empty();
        }
    }
}
