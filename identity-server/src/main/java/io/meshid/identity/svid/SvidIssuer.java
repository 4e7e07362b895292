package io.meshid.identity.svid;

import io.meshid.common.errors.MeshidException;
import io.meshid.identity.ca.CaClient;
import io.meshid.identity.registry.RegistrationEntry;
import io.meshid.proto.ca.v1.SignX509SvidResponse;
import io.meshid.proto.common.v1.TrustBundle;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/**
 * Has cert-authority sign an entry's X.509-SVID, for attestation and renewal alike, with a fresh
 * key only: the CSR's public key is reserved for that SPIFFE ID in {@link SvidRecords} before the
 * CA is called, so a key that already served an SVID of the SPIFFE ID is refused with
 * {@code INVALID_ARGUMENT}. A failed signing gives the reservation back. Thread-safe.
 */
@Singleton
public final class SvidIssuer {

    private final CaClient ca;
    private final SvidRecords records;
    private final Clock clock;

    SvidIssuer(CaClient ca, SvidRecords records, Clock clock) {
        this.ca = ca;
        this.records = records;
        this.clock = clock;
    }

    /** The signed SVID and the bundle that verifies it. */
    public record Issued(SignX509SvidResponse signed, TrustBundle bundle) {
    }

    /** Signs an SVID of {@code entry} for the CSR's key. */
    public Issued issue(RegistrationEntry entry, byte[] csr) {
        return issue(entry, csr, null);
    }

    /** Signs an SVID of {@code entry} for the CSR's key that renews {@code parentSerial} (null: none), recording that lineage. */
    public Issued issue(RegistrationEntry entry, byte[] csr, String parentSerial) {
        String key = keySha256(csr);
        if (!records.reserveKey(entry.spiffeId(), key, clock.instant())) {
            throw new MeshidException.InvalidArgument("csr: its public key (SHA-256 " + key + ") was already used for an SVID of "
                    + entry.spiffeId() + " (expected: a new key pair for every SVID)");
        }
        SignX509SvidResponse signed;
        try {
            signed = ca.sign(csr, entry.spiffeId(), entry.x509SvidTtl(), entry.dnsNames(), entry.id());
        } catch (RuntimeException e) {
            records.releaseKey(entry.spiffeId(), key);
            throw e;
        }
        records.issued(entry.spiffeId(), key, signed.getSvid().getSerialNumber(),
                Instant.ofEpochSecond(signed.getSvid().getNotAfter().getSeconds()), parentSerial);
        return new Issued(signed, ca.bundle(entry.spiffeId()));
    }

    /** Lowercase hex SHA-256 of a certificate's SubjectPublicKeyInfo. */
    public static String keySha256Of(java.security.cert.X509Certificate certificate) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getPublicKey().getEncoded()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Lowercase hex SHA-256 of the CSR's SubjectPublicKeyInfo, as the CA journals it. */
    public static String keySha256(byte[] csr) {
        try {
            byte[] spki = new PKCS10CertificationRequest(csr).getSubjectPublicKeyInfo().getEncoded();
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(spki));
        } catch (IOException | RuntimeException e) {
            throw new MeshidException.InvalidArgument("csr: not a PKCS#10 certificate request (expected: DER)");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
