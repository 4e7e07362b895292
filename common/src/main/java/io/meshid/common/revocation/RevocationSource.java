package io.meshid.common.revocation;

import java.time.Instant;
import java.util.List;

/**
 * A durable place a server reads the revoked X.509 certificates from: cert-authority's own
 * revocation table, or cert-authority's trust bundle (its CRLs) for the other servers.
 * {@code RevocationFeed} (meshid-common-server) asks every source at start-up and every
 * {@code meshid.revocation.reload-interval}. Implementations are thread-safe.
 */
public interface RevocationSource {

    /** For logs: where this source reads from. */
    String describe();

    /**
     * Every revoked certificate that has not expired at {@code now}.
     *
     * @throws RuntimeException when the source cannot answer; the view keeps what it had
     */
    List<RevokedSerial> revoked(Instant now);
}
