package io.meshid.identity.revocation;

import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.revocation.RevocationFeed;
import io.meshid.common.revocation.RevokedSerial;
import io.meshid.common.server.RequestIds;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.identity.ca.CaClient;
import io.meshid.identity.registry.Registry;
import io.meshid.identity.svid.SvidRecords;
import io.meshid.proto.ca.v1.IssuedCertificate;
import io.meshid.proto.ca.v1.RevokeCertificateResponse;
import io.meshid.proto.common.v1.RevocationReason;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;

/**
 * Revokes an X.509-SVID and its live descendants: cert-authority marks its journal line (durable
 * before it answers, the first revocation standing), then identity-server records the revoked
 * serial in its own {@link SvidRecords}, which every renewal on every replica reads, so the SVID
 * cannot renew, and announces it ({@link RevocationFeed}), so that every call made with it is
 * refused. Then every unrevoked, unexpired SVID that renewed it (and theirs, down the lineage) is
 * revoked the same way, with the same reason, before the reply. A retry after a failure in between
 * is safe: every step is idempotent and the walk starts again from the serial. Audited.
 * Thread-safe.
 */
@Singleton
public final class SvidRevocation {

    private static final int MAX_COMMENT = 512;
    /** Descendants revoked by one call at most: one renewal per SVID keeps real lineages far shorter. */
    static final int MAX_DESCENDANTS = 10_000;

    private final CaClient ca;
    private final SvidRecords records;
    private final Registry registry;
    private final AuditLog audit;
    private final Clock clock;
    private final RevocationFeed feed;

    SvidRevocation(CaClient ca, SvidRecords records, Registry registry, AuditLog audit, Clock clock, RevocationFeed feed) {
        this.ca = ca;
        this.feed = feed;
        this.records = records;
        this.registry = registry;
        this.audit = audit;
        this.clock = clock;
    }

    /** What an admin asks for. */
    public record Params(TrustDomain trustDomain, String serial, RevocationReason reason, String comment, SpiffeId admin) {
    }

    /** The revoked certificate as the CA's journal now holds it, and the bundle sequence. */
    public record Revoked(IssuedCertificate certificate, long bundleSequence) {
    }

    /** Revokes the certificate {@code p.serial()} of {@code p.trustDomain()}. */
    public Revoked revoke(Params p) {
        String serial = p.serial().toLowerCase(Locale.ROOT);
        if (!serial.matches("[0-9a-f]{1,64}")) {
            throw new MeshidException.InvalidArgument("serial_number: '" + (serial.length() > 70 ? serial.substring(0, 70) + "…" : serial)
                    + "' (expected: the certificate's serial in hex, 1 to 64 digits)");
        }
        if (p.reason() == RevocationReason.REVOCATION_REASON_UNSPECIFIED || p.reason() == RevocationReason.UNRECOGNIZED) {
            throw new MeshidException.InvalidArgument("reason: " + p.reason() + " (expected: a RevocationReason such as "
                    + "REVOCATION_REASON_KEY_COMPROMISE)");
        }
        if (p.comment().length() > MAX_COMMENT) {
            throw new MeshidException.InvalidArgument("comment: " + p.comment().length() + " characters (expected: at most " + MAX_COMMENT + ")");
        }
        if (!registry.trustDomainExists(p.trustDomain())) {
            throw new MeshidException.NotFound("trust domain " + p.trustDomain() + ": not registered here");
        }
        RevokeCertificateResponse reply;
        try {
            reply = ca.revoke(p.trustDomain(), serial, p.reason(), p.comment());
        } catch (MeshidException e) {
            record(p, serial, e instanceof MeshidException.NotFound ? AuditEvent.Outcome.DENIED : AuditEvent.Outcome.FAILED, e.getMessage());
            throw e;
        }
        IssuedCertificate c = recordRevoked(p.trustDomain(), serial, reply);
        record(p, serial, AuditEvent.Outcome.SUCCESS, c.getSpiffeId() + ", " + c.getRevocationReason() + ", revoked at "
                + revokedAt(c) + (p.comment().isEmpty() ? "" : ": " + p.comment()));
        long sequence = revokeLiveDescendants(p.trustDomain(), serial, p.reason(), p.admin());
        return new Revoked(c, Math.max(reply.getBundleSequenceNumber(), sequence));
    }

    /**
     * Revokes every unrevoked, unexpired SVID that descends from {@code serial} by renewal, with
     * {@code reason}, audited as {@code actor}'s.
     *
     * @return the bundle sequence of the last revocation, 0 when there was none
     */
    public long revokeLiveDescendants(TrustDomain domain, String serial, RevocationReason reason, SpiffeId actor) {
        Deque<String> parents = new ArrayDeque<>();
        parents.add(serial);
        long sequence = 0;
        int revoked = 0;
        while (!parents.isEmpty()) {
            String parent = parents.poll();
            for (SvidRecords.Child child : records.liveChildren(domain, parent, clock.instant())) {
                if (++revoked > MAX_DESCENDANTS) {
                    throw new MeshidException.Unavailable("revoking the descendants of " + serial + ": more than " + MAX_DESCENDANTS
                            + " (the rest stay valid; call RevokeX509Svid again to continue)", null);
                }
                String comment = "descendant of revoked serial " + serial;
                RevokeCertificateResponse reply;
                try {
                    reply = ca.revoke(domain, child.serial(), reason, comment);
                } catch (MeshidException e) {
                    audit.record(AuditEvent.of(clock.instant(), domain.name(), actor.toString(), "identity.revoke_x509_svid",
                            child.serial(), AuditEvent.Outcome.FAILED, comment + ": " + e.getMessage(), RequestIds.current()));
                    throw e;
                }
                IssuedCertificate c = recordRevoked(domain, child.serial(), reply);
                audit.record(AuditEvent.of(clock.instant(), domain.name(), actor.toString(), "identity.revoke_x509_svid",
                        child.serial(), AuditEvent.Outcome.SUCCESS, c.getSpiffeId() + ", " + c.getRevocationReason() + ", revoked at "
                                + revokedAt(c) + ": " + comment, RequestIds.current()));
                sequence = Math.max(sequence, reply.getBundleSequenceNumber());
                parents.add(child.serial());
            }
        }
        return sequence;
    }

    private IssuedCertificate recordRevoked(TrustDomain domain, String serial, RevokeCertificateResponse reply) {
        IssuedCertificate c = reply.getCertificate();
        Instant notAfter = Instant.ofEpochSecond(c.getNotAfter().getSeconds());
        records.revoked(SpiffeId.parse(c.getSpiffeId()), c.getPublicKeySha256(), serial, notAfter, revokedAt(c),
                c.getRevocationReason().name());
        feed.announce(RevokedSerial.ofHex(domain, serial, notAfter));
        return c;
    }

    private static Instant revokedAt(IssuedCertificate c) {
        return Instant.ofEpochSecond(c.getRevokedAt().getSeconds(), c.getRevokedAt().getNanos());
    }

    private void record(Params p, String serial, AuditEvent.Outcome outcome, String detail) {
        audit.record(AuditEvent.of(clock.instant(), p.trustDomain().name(), p.admin().toString(), "identity.revoke_x509_svid", serial,
                outcome, detail, RequestIds.current()));
    }
}
