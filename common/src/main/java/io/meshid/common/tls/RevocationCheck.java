package io.meshid.common.tls;

import io.grpc.Status;
import io.meshid.common.revocation.RevokedSerials;
import io.meshid.common.spiffe.SpiffeId;
import java.math.BigInteger;
import java.security.cert.Certificate;
import java.util.Optional;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The per-call revocation check of a verified caller: is any certificate of its chain revoked
 * ({@link RevokedSerials}, in memory: nothing to do while the set is empty, else one hash lookup
 * per chain certificate). Kept apart from {@link CallerIdentityInterceptor}'s other work so that it
 * can move into a general per-call peer-check hook. Stateless and thread-safe.
 */
final class RevocationCheck {

    private RevocationCheck() {
    }

    /**
     * Why a call of {@code caller} on {@code session} must be refused: {@code UNAUTHENTICATED} when
     * its chain holds a revoked serial, {@code UNAVAILABLE} while the revoked serials were never
     * read from their durable source (unknown means deny); empty when it may go on.
     */
    static Optional<Status> refusal(RevokedSerials revoked, SpiffeId caller, SSLSession session) {
        if (revoked == null) {
            return Optional.empty();
        }
        if (!revoked.loaded()) {
            return Optional.of(Status.UNAVAILABLE.withDescription("this server cannot check revocations yet ("
                    + revoked.notLoadedReason().orElse("not loaded") + "); retry shortly"));
        }
        if (revoked.size() == 0 || session == null) {
            return Optional.empty();
        }
        Certificate[] chain;
        try {
            chain = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return Optional.empty();
        }
        Optional<BigInteger> serial = revoked.revokedIn(caller, chain);
        return serial.map(s -> Status.UNAUTHENTICATED.withDescription("the client X.509-SVID of " + caller + " is revoked (serial "
                + s.toString(16) + "; expected: an unrevoked SVID, attest again)"));
    }
}
