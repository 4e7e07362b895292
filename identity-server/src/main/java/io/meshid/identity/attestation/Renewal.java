package io.meshid.identity.attestation;

import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.server.RequestIds;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.identity.IdentityConfig;
import io.meshid.identity.registry.RegistrationEntry;
import io.meshid.identity.registry.Registry;
import io.meshid.identity.revocation.SvidRevocation;
import io.meshid.identity.svid.CheckedCsr;
import io.meshid.identity.svid.SvidIssuer;
import io.meshid.identity.svid.SvidRecords;
import io.meshid.proto.common.v1.RevocationReason;
import jakarta.inject.Singleton;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Renews a workload's X.509-SVID over mutual TLS: only for the SPIFFE ID it presents, only while
 * the presented SVID has not expired (by the injected clock; an expired SVID must attest again,
 * whatever the TLS layer let through), only an SVID identity-server itself had signed for that ID
 * and key (so a leaf forged with a stolen CA key never renews into a new chain), only while it is
 * not revoked (read from the database on every renewal, so a revocation holds on every replica at
 * once), only while a registration entry still holds that ID (whose TTL and DNS names apply), and
 * only for a key never used for an SVID of that ID, so a stolen key cannot be renewed forever. The
 * CSR is checked here ({@link CheckedCsr}) before anything is claimed or the CA is asked.
 *
 * <p>An SVID is renewed once: the claim is atomic in the database, so of two replicas renewing the
 * same serial one wins; one retry (a new key, as always) is accepted until
 * {@code meshid.identity.renewal-grace} after the first renewal, for a reply that was lost. The
 * new SVID records the serial it renews, with its audit event, before it is returned
 * ({@link SvidIssuer}), so revoking a serial revokes its descendants ({@link SvidRevocation}); an
 * SVID issued while its parent was being revoked is revoked at once. Every outcome is audited.
 * Thread-safe.
 */
@Singleton
public final class Renewal {

    private final Registry registry;
    private final SvidIssuer issuer;
    private final SvidRecords records;
    private final AuditLog audit;
    private final Clock clock;
    private final SvidRevocation revocation;
    private final Duration grace;

    Renewal(Registry registry, SvidIssuer issuer, SvidRecords records, AuditLog audit, Clock clock, SvidRevocation revocation,
            IdentityConfig config) {
        this.registry = registry;
        this.revocation = revocation;
        this.grace = config.getRenewalGrace();
        this.issuer = issuer;
        this.records = records;
        this.audit = audit;
        this.clock = clock;
    }

    /** The renewed SVID and the current bundle, as attestation gives them. */
    public Attestation.Result renew(SpiffeId caller, X509Certificate presented, byte[] csr) {
        Attestation.checkCsrSize(csr);
        String serial = serialHex(presented);
        Instant now = clock.instant();
        if (now.isAfter(presented.getNotAfter().toInstant())) {
            record(caller, AuditEvent.Outcome.DENIED, "presented SVID " + serial + " expired");
            throw new MeshidException.Unauthenticated("the SVID you present (serial " + serial + ") expired at "
                    + presented.getNotAfter().toInstant() + " (expected: an unexpired SVID at " + now + "; attest again)");
        }
        // Only an SVID identity-server signed, for this ID and this key, renews: a leaf forged with a
        // stolen CA key (say in the window of a compromise response) cannot renew into the new chain.
        var recorded = records.recorded(caller.trustDomain(), serial);
        if (recorded.isEmpty() || !recorded.get().spiffeId().equals(caller.toString())
                || !recorded.get().keySha256().equals(SvidIssuer.keySha256Of(presented))) {
            record(caller, AuditEvent.Outcome.DENIED, "presented SVID " + serial + " was not issued here to this ID and key");
            throw new MeshidException.PermissionDenied("the SVID you present (serial " + serial + ") is not one identity-server "
                    + "issued to " + caller + " for this key (expected: an SVID from Attest or RenewX509Svid; attest again)");
        }
        if (recorded.get().revokedAt().isPresent()) {
            record(caller, AuditEvent.Outcome.DENIED, "presented SVID " + serial + " is revoked");
            throw new MeshidException.PermissionDenied("the SVID you present (serial " + serial + ") is revoked (expected: an "
                    + "unrevoked SVID; attest again)");
        }
        RegistrationEntry entry = registry.entryFor(caller).orElseThrow(() -> {
            record(caller, AuditEvent.Outcome.DENIED, "no registration entry holds this SPIFFE ID");
            return new MeshidException.PermissionDenied("no registration entry holds " + caller
                    + " any more (expected: an entry for it; attest again once one exists)");
        });
        CheckedCsr checked;
        try {
            checked = CheckedCsr.check(csr, caller, entry.dnsNames());
            if (checked.keySha256().equals(SvidIssuer.keySha256Of(presented))) {
                throw new MeshidException.InvalidArgument("csr: its key is the key of the SVID you present (expected: a new key "
                        + "pair for every renewal)");
            }
        } catch (MeshidException e) {
            record(caller, AuditEvent.Outcome.DENIED, e.getMessage());
            throw e;
        }
        SvidRecords.Claim claim = records.claimRenewal(caller, SvidIssuer.keySha256Of(presented), serial,
                presented.getNotAfter().toInstant(), now, grace);
        if (claim == SvidRecords.Claim.REFUSED) {
            record(caller, AuditEvent.Outcome.DENIED, "presented SVID " + serial + " was already renewed");
            throw new MeshidException.PermissionDenied("the SVID you present (serial " + serial + ") was already renewed (expected: "
                    + "renew with the newest SVID; an SVID renews once, with one retry within " + grace + ")");
        }
        String retry = claim == SvidRecords.Claim.RETRY ? " (retry within the renewal grace)" : "";
        SvidIssuer.Issued issued;
        try {
            issued = issuer.issue(entry, checked, Optional.empty(), Optional.of(serial), renewed -> event(caller,
                    AuditEvent.Outcome.SUCCESS, "serial " + renewed + " replaces " + serial + retry));
        } catch (MeshidException e) {
            records.releaseRenewal(caller.trustDomain(), serial);
            record(caller, e instanceof MeshidException.Unavailable ? AuditEvent.Outcome.FAILED : AuditEvent.Outcome.DENIED, e.getMessage());
            throw e;
        }
        String child = issued.signed().getSvid().getSerialNumber();
        if (records.revokedAt(caller.trustDomain(), serial).isPresent()) {
            // The parent was revoked while this renewal signed: its walk may have missed the child.
            revocation.revokeLiveDescendants(caller.trustDomain(), serial, RevocationReason.REVOCATION_REASON_SUPERSEDED, caller);
            record(caller, AuditEvent.Outcome.DENIED, "presented SVID " + serial + " was revoked during renewal; " + child + " revoked");
            throw new MeshidException.PermissionDenied("the SVID you present (serial " + serial + ") is revoked (expected: an "
                    + "unrevoked SVID; attest again)");
        }
        return new Attestation.Result(entry, issued.signed(), issued.bundle());
    }

    /** The serial in the CA's form: lowercase hex of its two's-complement bytes, leading zero bytes dropped. */
    static String serialHex(X509Certificate certificate) {
        return HexFormat.of().formatHex(certificate.getSerialNumber().toByteArray()).replaceFirst("^(00)+(?=.)", "");
    }

    private void record(SpiffeId caller, AuditEvent.Outcome outcome, String detail) {
        audit.record(event(caller, outcome, detail));
    }

    private AuditEvent event(SpiffeId caller, AuditEvent.Outcome outcome, String detail) {
        return AuditEvent.of(clock.instant(), caller.trustDomain().name(), caller.toString(), "identity.renew_x509_svid",
                caller.toString(), outcome, detail, RequestIds.current());
    }
}
