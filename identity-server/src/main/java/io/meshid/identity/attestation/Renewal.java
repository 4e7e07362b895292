package io.meshid.identity.attestation;

import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditLog;
import io.meshid.common.csr.WorkloadCsr;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.server.RequestIds;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.identity.IdentityConfig;
import io.meshid.identity.registry.RegistrationEntry;
import io.meshid.identity.registry.Registry;
import io.meshid.identity.revocation.SvidRevocation;
import io.meshid.identity.svid.IssuanceLedger;
import io.meshid.identity.svid.SvidIssuer;
import io.meshid.identity.svid.SvidRecords;
import jakarta.inject.Singleton;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
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
 * CSR is checked here ({@link WorkloadCsr}) before anything is read, claimed or the CA is asked;
 * the presented SVID's record and whether the new key was used come in one read.
 *
 * <p>An SVID is renewed once: the claim is a conditional update in the transaction that records
 * the new SVID ({@link IssuanceLedger}), so of two replicas renewing the same serial one wins; one
 * retry (a new key, as always) is accepted until {@code meshid.identity.renewal-grace} after the
 * first renewal, for a reply that was lost. An SVID already renewed (past that retry) is refused
 * before the CA is asked. The new SVID records the serial it renews, with its audit event, before
 * it is returned, so revoking a serial revokes its descendants ({@link SvidRevocation}); the claim
 * requires the parent unrevoked in that same transaction, so a child is either recorded before the
 * parent's revocation (and found by its walk) or not at all. Every outcome is audited.
 * Thread-safe.
 */
@Singleton
public final class Renewal {

    private final Registry registry;
    private final SvidIssuer issuer;
    private final SvidRecords records;
    private final AuditLog audit;
    private final Clock clock;
    private final Duration grace;

    Renewal(Registry registry, SvidIssuer issuer, SvidRecords records, AuditLog audit, Clock clock, IdentityConfig config) {
        this.registry = registry;
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
        String presentedKey = SvidIssuer.keySha256Of(presented);
        WorkloadCsr parsed;
        try {
            parsed = WorkloadCsr.parse(csr, Attestation.MAX_CSR_BYTES, EnumSet.allOf(WorkloadCsr.KeyType.class));
            if (parsed.keySha256().equals(presentedKey)) {
                throw new MeshidException.InvalidArgument("csr: its key is the key of the SVID you present (expected: a new key "
                        + "pair for every renewal)");
            }
        } catch (MeshidException e) {
            record(caller, AuditEvent.Outcome.DENIED, e.getMessage());
            throw e;
        }
        // Only an SVID identity-server signed, for this ID and this key, renews: a leaf forged with a
        // stolen CA key (say in the window of a compromise response) cannot renew into the new chain.
        var recorded = records.presented(caller.trustDomain(), serial, caller, parsed.keySha256());
        if (recorded.isEmpty() || !recorded.get().spiffeId().equals(caller.toString())
                || !recorded.get().keySha256().equals(presentedKey)) {
            record(caller, AuditEvent.Outcome.DENIED, "presented SVID " + serial + " was not issued here to this ID and key");
            throw new MeshidException.PermissionDenied("the SVID you present (serial " + serial + ") is not one identity-server "
                    + "issued to " + caller + " for this key (expected: an SVID from Attest or RenewX509Svid; attest again)");
        }
        SvidRecords.Presented state = recorded.get();
        if (state.revokedAt().isPresent()) {
            record(caller, AuditEvent.Outcome.DENIED, "presented SVID " + serial + " is revoked");
            throw new MeshidException.PermissionDenied("the SVID you present (serial " + serial + ") is revoked (expected: an "
                    + "unrevoked SVID; attest again)");
        }
        boolean retry = state.renewals() > 0;
        if (state.renewals() > 1 || (retry && state.firstRenewedAt().map(t -> t.isBefore(now.minus(grace))).orElse(true))) {
            record(caller, AuditEvent.Outcome.DENIED, "presented SVID " + serial + " was already renewed");
            throw new MeshidException.PermissionDenied("the SVID you present (serial " + serial + ") was already renewed (expected: "
                    + "renew with the newest SVID; an SVID renews once, with one retry within " + grace + ")");
        }
        RegistrationEntry entry = registry.entryFor(caller).orElseThrow(() -> {
            record(caller, AuditEvent.Outcome.DENIED, "no registration entry holds this SPIFFE ID");
            return new MeshidException.PermissionDenied("no registration entry holds " + caller
                    + " any more (expected: an entry for it; attest again once one exists)");
        });
        String retryNote = retry ? " (retry within the renewal grace)" : "";
        try {
            parsed.checkRequests(caller, entry.dnsNames());
            if (state.newKeyUsed()) {
                throw SvidIssuer.keyReused(caller, parsed.keySha256());
            }
            SvidIssuer.Issued issued = issuer.issue(entry, parsed, Optional.empty(), Optional.of(serial), renewed -> event(caller,
                    AuditEvent.Outcome.SUCCESS, "serial " + renewed + " replaces " + serial + retryNote));
            return new Attestation.Result(entry, issued.signed(), issued.bundle());
        } catch (MeshidException e) {
            record(caller, e instanceof MeshidException.Unavailable ? AuditEvent.Outcome.FAILED : AuditEvent.Outcome.DENIED, e.getMessage());
            throw e;
        }
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
