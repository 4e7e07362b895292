package io.meshid.ca.journal;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One line of the issuance journal: what was issued, to whom, by whom, with which key.
 *
 * @param serial          the certificate's serial, lowercase hex
 * @param trustDomain     its trust domain
 * @param spiffeId        the SPIFFE ID it carries
 * @param notBefore       start of validity
 * @param notAfter        end of validity
 * @param caller          the SPIFFE ID that asked for it
 * @param publicKeySha256 hex SHA-256 of the leaf's SubjectPublicKeyInfo
 * @param dnsNames        DNS SANs
 * @param entryId         the registration entry, when known
 * @param issuerId        the authority that signed it
 * @param issuedAt        when
 * @param revokedAt       when it was revoked, empty while it is not
 * @param revocationReason why, as a {@code RevocationReason} name, empty while it is not revoked
 */
public record IssuedCertificate(String serial, String trustDomain, String spiffeId, Instant notBefore, Instant notAfter,
        String caller, String publicKeySha256, List<String> dnsNames, String entryId, String issuerId, Instant issuedAt,
        Optional<Instant> revokedAt, Optional<String> revocationReason) {

    /** Copies the list. */
    public IssuedCertificate {
        dnsNames = List.copyOf(dnsNames);
    }

    /** A line as issued: not revoked. */
    public IssuedCertificate(String serial, String trustDomain, String spiffeId, Instant notBefore, Instant notAfter,
            String caller, String publicKeySha256, List<String> dnsNames, String entryId, String issuerId, Instant issuedAt) {
        this(serial, trustDomain, spiffeId, notBefore, notAfter, caller, publicKeySha256, dnsNames, entryId, issuerId, issuedAt,
                Optional.empty(), Optional.empty());
    }
}
