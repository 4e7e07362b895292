package io.meshid.common.revocation;

import io.meshid.common.tls.PeerCheck;
import io.meshid.common.tls.VerifiedPeer;
import jakarta.inject.Singleton;
import java.math.BigInteger;
import java.security.cert.Certificate;
import java.util.Optional;

/**
 * The per-call revocation check of a verified caller, plugged into {@code CallerIdentityInterceptor}
 * as a {@link PeerCheck}: a caller whose chain holds a revoked serial ({@link RevokedSerials}, in
 * memory: nothing to do while the set is empty, else one hash lookup per chain certificate) is
 * refused, also on a connection opened before the revocation and on a stream already running.
 * While the revoked serials were never read from their durable source, every authenticated call
 * is refused with a reason that says to retry (unknown means deny). Thread-safe.
 */
@Singleton
final class RevokedCallerCheck implements PeerCheck {

    private final RevokedSerials revoked;

    RevokedCallerCheck(RevokedSerials revoked) {
        this.revoked = revoked;
    }

    @Override
    public Optional<String> refusal(VerifiedPeer peer) {
        if (!revoked.loaded()) {
            return Optional.of("this server cannot check revocations yet (" + revoked.notLoadedReason().orElse("not loaded")
                    + "); retry shortly");
        }
        if (revoked.size() == 0) {
            return Optional.empty();
        }
        Optional<BigInteger> serial = revoked.revokedIn(peer.spiffeId(), peer.chain().toArray(Certificate[]::new));
        return serial.map(s -> "the client X.509-SVID of " + peer.spiffeId() + " is revoked (serial " + s.toString(16)
                + "; expected: an unrevoked SVID, attest again)");
    }
}
