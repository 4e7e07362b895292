package io.meshid.common.tls;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLSession;

/**
 * What {@link SpiffeTrustManager} found when it verified a client's chain during a server
 * handshake, kept in that handshake's TLS session so that {@link CallerIdentityInterceptor} need
 * not run the same path validation again for the connection's first call (a renewing workload
 * opens a connection for one call: the second validation was a fifth of a renewal's CPU). It is
 * taken only for the very same chain (certificate by certificate, DER-equal) and the same bundle
 * (the instance or an equal one); anything else is verified anew. The interceptor still applies
 * its own per-call checks to it (expiry by its clock, the {@link PeerCheck}s such as revocation).
 * Only this package's trust manager writes it, into the session of a handshake it is verifying.
 */
record HandshakeVerification(List<X509Certificate> chain, X509Bundle bundle, SvidVerifier.Verified verified) {

    static final String SESSION_KEY = HandshakeVerification.class.getName();

    HandshakeVerification {
        chain = List.copyOf(chain);
    }

    /** The verification kept in {@code session} for {@code peerChain} under {@code current}, or null. */
    static HandshakeVerification of(SSLSession session, Certificate[] peerChain, X509Bundle current) {
        if (!(session.getValue(SESSION_KEY) instanceof HandshakeVerification kept)) {
            return null;
        }
        if (kept.bundle() != current && !kept.bundle().equals(current)) {
            return null;
        }
        if (peerChain.length != kept.chain().size()) {
            return null;
        }
        for (int i = 0; i < peerChain.length; i++) {
            if (!kept.chain().get(i).equals(peerChain[i])) {
                return null;
            }
        }
        return kept;
    }
}
