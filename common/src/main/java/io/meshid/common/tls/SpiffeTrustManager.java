package io.meshid.common.tls;

import io.meshid.common.spiffe.SpiffeId;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Predicate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A trust manager that accepts a TLS peer (client or server) when its chain is a valid
 * X.509-SVID under the {@link SvidSource}'s current bundle ({@link SvidVerifier}) and its SPIFFE ID
 * passes the peer authorizer, such as "the server I meant to reach". The bundle is read on every
 * handshake, so a new bundle takes effect from the next handshake on.
 *
 * <p>No host name is verified, whatever endpoint identification algorithm the engine carries:
 * SPIFFE authenticates the SPIFFE ID (as go-spiffe's tlsconfig does). The accepted-issuers list is
 * empty on purpose: it would be fixed when a TLS context is built and go stale after a rotation,
 * and SPIFFE peers present their SVID without choosing by issuer. Rejections carry the
 * {@link SvidVerificationException} message.
 *
 * <p>On a server (when it verifies a client) it invalidates the handshake's session, so that the
 * JDK's TLS neither caches it nor issues a session ticket for it: no client can resume it and skip
 * this verification on a later connection (BoringSSL contexts are kept from resuming by
 * {@link NoResumptionSslContext}). Thread-safe.
 */
public final class SpiffeTrustManager extends X509ExtendedTrustManager {

    private static final X509Certificate[] NO_ISSUERS = new X509Certificate[0];

    private final SvidSource source;
    private final Predicate<SpiffeId> peerAuthorizer;
    private final Clock clock;
    private final SvidVerifier verifier = new SvidVerifier();

    /** Trusts peers with a valid SVID of the source's trust domain that {@code peerAuthorizer} accepts. */
    public SpiffeTrustManager(SvidSource source, Predicate<SpiffeId> peerAuthorizer) {
        this(source, peerAuthorizer, Clock.systemUTC());
    }

    /** As {@link #SpiffeTrustManager(SvidSource, Predicate)}, judging validity periods by {@code clock}. */
    public SpiffeTrustManager(SvidSource source, Predicate<SpiffeId> peerAuthorizer, Clock clock) {
        this.source = Objects.requireNonNull(source, "source");
        this.peerAuthorizer = Objects.requireNonNull(peerAuthorizer, "peerAuthorizer");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Verifies a peer chain (leaf first) and returns the peer's SPIFFE ID.
     *
     * @throws CertificateException with the reason when the chain is not a valid SVID or the peer is not authorized
     */
    public SpiffeId verifyPeer(X509Certificate[] chain) throws CertificateException {
        return checkPeer(chain, source.bundle()).spiffeId();
    }

    private SvidVerifier.Verified checkPeer(X509Certificate[] chain, X509Bundle bundle) throws CertificateException {
        SvidVerifier.Verified verified;
        try {
            verified = verifier.check(chain == null ? null : Arrays.asList(chain), bundle, clock.instant());
        } catch (SvidVerificationException e) {
            throw new CertificateException(e.getMessage());
        }
        if (!peerAuthorizer.test(verified.spiffeId())) {
            throw new CertificateException("peer " + verified.spiffeId() + " is not authorized for this connection"
                    + " (expected: a SPIFFE ID the peer authorizer accepts)");
        }
        return verified;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        verifyPeer(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        verifyPeer(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        if (socket instanceof SSLSocket tls) {
            invalidate(tls.getHandshakeSession());
        }
        verifyPeer(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        verifyPeer(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        SSLSession handshake = engine == null ? null : engine.getHandshakeSession();
        invalidate(handshake);
        if (handshake == null) {
            verifyPeer(chain);
            return;
        }
        // Kept for CallerIdentityInterceptor, which would otherwise validate the same chain again on the first call.
        X509Bundle bundle = source.bundle();
        SvidVerifier.Verified verified = checkPeer(chain, bundle);
        handshake.putValue(HandshakeVerification.SESSION_KEY, new HandshakeVerification(Arrays.asList(chain), bundle, verified));
    }

    private static void invalidate(SSLSession session) {
        if (session != null) {
            session.invalidate();
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        verifyPeer(chain);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return NO_ISSUERS;
    }
}
