package io.meshid.identity.revocation;

import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.errors.MeshidException;
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
import java.util.Locale;

/**
 * Revokes an X.509-SVID: cert-authority marks its journal line (durable before it answers, the
 * first revocation standing), then identity-server records the revoked serial in its own
 * {@link SvidRecords}, which every renewal on every replica reads, so the SVID cannot renew. A
 * retry after a failure in between is safe: both steps are idempotent. Audited. Thread-safe.
 */
@Singleton
public final class SvidRevocation {

    private static final int MAX_COMMENT = 512;

    private final CaClient ca;
    private final SvidRecords records;
    private final Registry registry;
    private final AuditLog audit;
    private final Clock clock;

    SvidRevocation(CaClient ca, SvidRecords records, Registry registry, AuditLog audit, Clock clock) {
        this.ca = ca;
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
        IssuedCertificate c = reply.getCertificate();
        Instant revokedAt = Instant.ofEpochSecond(c.getRevokedAt().getSeconds(), c.getRevokedAt().getNanos());
        records.revoked(SpiffeId.parse(c.getSpiffeId()), c.getPublicKeySha256(), serial,
                Instant.ofEpochSecond(c.getNotAfter().getSeconds()), revokedAt, c.getRevocationReason().name());
        record(p, serial, AuditEvent.Outcome.SUCCESS, c.getSpiffeId() + ", " + c.getRevocationReason() + ", revoked at " + revokedAt
                + (p.comment().isEmpty() ? "" : ": " + p.comment()));
        return new Revoked(c, reply.getBundleSequenceNumber());
    }

    private void record(Params p, String serial, AuditEvent.Outcome outcome, String detail) {
        audit.record(AuditEvent.of(clock.instant(), p.trustDomain().name(), p.admin().toString(), "identity.revoke_x509_svid", serial,
                outcome, detail, RequestIds.current()));
    }
}
