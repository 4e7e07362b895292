package io.meshid.ca.revocation;

import io.meshid.ca.authority.AuthorityManager;
import io.meshid.ca.journal.IssuanceJournal;
import io.meshid.ca.journal.IssuedCertificate;
import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.revocation.RevocationFeed;
import io.meshid.common.revocation.RevokedSerial;
import io.meshid.common.server.RequestIds;
import io.meshid.common.spiffe.TrustDomain;
import jakarta.inject.Singleton;
import java.time.Clock;

/**
 * Revokes issued certificates: marks the journal line (committed before the reply; the first
 * revocation stands) and writes an audit event. The trust domain must be one this CA serves and
 * the serial one it issued there; anything else is {@code NOT_FOUND}, the same for a foreign
 * serial as for a missing one. A new revocation then publishes a new bundle whose CRLs list it
 * ({@link AuthorityManager#revocationsChanged}), and the serial is refused on every call to this
 * CA at once and announced on the shared store's revocation channel ({@link RevocationFeed}).
 * Thread-safe.
 */
@Singleton
public final class Revocations {

    private static final int MAX_COMMENT = 512;

    private final IssuanceJournal journal;
    private final AuthorityManager authorities;
    private final AuditLog audit;
    private final Clock clock;
    private final RevocationFeed feed;

    Revocations(IssuanceJournal journal, AuthorityManager authorities, AuditLog audit, Clock clock, RevocationFeed feed) {
        this.journal = journal;
        this.authorities = authorities;
        this.feed = feed;
        this.audit = audit;
        this.clock = clock;
    }

    /** What was revoked and the bundle sequence it goes with. */
    public record Revoked(IssuedCertificate certificate, long bundleSequence) {
    }

    /**
     * Revokes {@code serial} (lowercase hex) of {@code domain}.
     *
     * @param reason a {@code RevocationReason} name, without its prefix
     * @param actor  the caller's SPIFFE ID, for the audit trail
     */
    public Revoked revoke(TrustDomain domain, String serial, String reason, String comment, String actor) {
        if (!serial.matches("[0-9a-f]{1,64}")) {
            throw new MeshidException.InvalidArgument("serial_number: '" + (serial.length() > 70 ? serial.substring(0, 70) + "…" : serial)
                    + "' (expected: the certificate's serial in hex, 1 to 64 digits)");
        }
        if (comment.length() > MAX_COMMENT) {
            throw new MeshidException.InvalidArgument("comment: " + comment.length() + " characters (expected: at most " + MAX_COMMENT + ")");
        }
        if (!authorities.serves(domain)) {
            throw new MeshidException.NotFound("trust domain " + domain + ": not served by this CA");
        }
        java.time.Instant at = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
        IssuedCertificate line = journal.revoke(domain.name(), serial, reason, at).orElseThrow(() -> {
            audit.record(AuditEvent.of(clock.instant(), domain.name(), actor, "ca.certificate.revoke", serial,
                    AuditEvent.Outcome.DENIED, "no certificate with this serial was issued in " + domain, RequestIds.current()));
            return new MeshidException.NotFound("certificate " + serial + ": not issued in trust domain " + domain);
        });
        audit.record(AuditEvent.of(clock.instant(), domain.name(), actor, "ca.certificate.revoke", serial, AuditEvent.Outcome.SUCCESS,
                line.spiffeId() + ", reason " + line.revocationReason().orElse(reason) + ", revoked at " + line.revokedAt().orElseThrow()
                        + (comment.isEmpty() ? "" : ": " + comment), RequestIds.current()));
        // Durable now: refused on this replica's next call, announced to every process sharing the store.
        feed.announce(RevokedSerial.ofHex(domain, serial, line.notAfter()));
        boolean now = line.revokedAt().orElseThrow().equals(at);
        long sequence = now ? authorities.revocationsChanged(domain).sequence() : authorities.bundle(domain).sequence();
        return new Revoked(line, sequence);
    }
}
