package io.meshid.identity.svid;

import io.meshid.common.audit.AuditEvent;
import io.meshid.common.csr.WorkloadCsr;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.server.MeshidConfig;
import io.meshid.common.spiffe.ReservedIdentities;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.identity.ca.CaClient;
import io.meshid.identity.registry.RegistrationEntry;
import io.meshid.proto.ca.v1.SignX509SvidResponse;
import io.meshid.proto.common.v1.TrustBundle;
import jakarta.inject.Singleton;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Has cert-authority sign an entry's X.509-SVID, for attestation and renewal alike, and makes it
 * deliverable: a reserved identity ({@code /meshid/*}, admin and reserved paths) is never signed,
 * even for an entry stored before they were refused ({@code PERMISSION_DENIED}); the caller has
 * checked the CSR ({@link WorkloadCsr}) and that its key is fresh for the SPIFFE ID, in the read it
 * made anyway (the join token's, the presented SVID's). Once signed, the SVID is recorded with its
 * audit event (and the join token consumed, for an attestation; the renewed SVID claimed, for a
 * renewal) in one transaction, group-committed with the other calls' ({@link IssuanceLedger}),
 * before it is returned. A signing that fails changes nothing here. The bundle comes from memory
 * unless the CA says a newer one exists. Thread-safe.
 */
@Singleton
public final class SvidIssuer {

    private final CaClient ca;
    private final IssuanceLedger ledger;
    private final Clock clock;

    private final ReservedIdentities reserved;

    SvidIssuer(CaClient ca, IssuanceLedger ledger, Clock clock, MeshidConfig meshid) {
        this.reserved = meshid.reservedIdentities(List.of());
        this.ca = ca;
        this.ledger = ledger;
        this.clock = clock;
    }

    /** The signed SVID and the bundle that verifies it. */
    public record Issued(SignX509SvidResponse signed, TrustBundle bundle) {
    }

    /**
     * Signs an SVID of {@code entry} for the checked CSR's key and records it; an admin entry's SVID
     * carries the admin mark. The CSR was checked for the entry ({@link WorkloadCsr#checkRequests}).
     *
     * @param joinToken    the SHA-256 of the join token to consume in the same transaction, if any
     * @param parentSerial the serial this SVID renews, recorded as its lineage, if any
     * @param audit        the success event for the signed serial, committed with the record
     * @throws MeshidException.Unauthenticated if the join token was used meanwhile (nothing is handed out)
     * @throws MeshidException.PermissionDenied if the renewed SVID was renewed or revoked meanwhile (nothing is handed out)
     * @throws MeshidException.InvalidArgument if the key served an SVID of that ID meanwhile (nothing is handed out)
     */
    public Issued issue(RegistrationEntry entry, WorkloadCsr csr, Optional<String> joinToken, Optional<String> parentSerial,
            Function<String, AuditEvent> audit) {
        // An entry stored before reserved identities were refused must not open a door either.
        reserved.refuse("entry " + entry.id() + ": spiffe_id", entry.spiffeId());
        SignX509SvidResponse signed = ca.sign(csr.der(), entry.spiffeId(), entry.x509SvidTtl(), entry.dnsNames(), entry.id(),
                entry.admin());
        String serial = signed.getSvid().getSerialNumber();
        ledger.commit(new IssuanceLedger.Issuance(joinToken, entry.spiffeId(), csr.keySha256(), serial, parentSerial,
                Instant.ofEpochSecond(signed.getSvid().getNotAfter().getSeconds()), clock.instant(), audit.apply(serial)));
        return new Issued(signed, ca.bundle(entry.spiffeId(), signed.getBundleSequenceNumber()));
    }

    /** Lowercase hex SHA-256 of a certificate's SubjectPublicKeyInfo. */
    public static String keySha256Of(X509Certificate certificate) {
        return WorkloadCsr.sha256Hex(certificate.getPublicKey().getEncoded());
    }

    /** The refusal of a CSR whose key already served an SVID of {@code id}. */
    public static MeshidException.InvalidArgument keyReused(SpiffeId id, String keySha256) {
        return new MeshidException.InvalidArgument("csr: its public key (SHA-256 " + keySha256 + ") was already used for an SVID of "
                + id + " (expected: a new key pair for every SVID)");
    }
}
