package io.meshid.common.tls;

import io.meshid.common.spiffe.InvalidSpiffeIdException;
import io.meshid.common.spiffe.SpiffeId;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The SPIFFE X.509-SVID rules for a leaf and for the signing certificates above it, shared by
 * {@link X509Svid#of} and {@link SvidVerifier}. Messages name what was wrong and what was expected,
 * never key material, so that they can go back to a peer.
 */
final class SvidRules {

    private static final int SAN_URI = 6;
    private static final int DIGITAL_SIGNATURE = 0;
    private static final int KEY_CERT_SIGN = 5;
    private static final int CRL_SIGN = 6;

    private SvidRules() {
    }

    /**
     * Checks a leaf X.509-SVID and returns its SPIFFE ID: exactly one URI SAN that is a valid
     * SPIFFE ID, not a CA, {@code digitalSignature} and neither {@code keyCertSign} nor {@code cRLSign}.
     */
    static SpiffeId checkLeaf(X509Certificate leaf) {
        SpiffeId id = spiffeIdOf(leaf);
        if (leaf.getBasicConstraints() >= 0) {
            throw new SvidVerificationException("leaf certificate " + id
                    + " is a CA (expected: basicConstraints CA=false on an X.509-SVID leaf)");
        }
        boolean[] usage = leaf.getKeyUsage();
        if (usage == null || !usage[DIGITAL_SIGNATURE]) {
            throw new SvidVerificationException("leaf certificate " + id
                    + (usage == null ? " has no keyUsage extension" : " lacks digitalSignature key usage")
                    + " (expected: keyUsage digitalSignature)");
        }
        if (usage.length > KEY_CERT_SIGN && usage[KEY_CERT_SIGN] || usage.length > CRL_SIGN && usage[CRL_SIGN]) {
            throw new SvidVerificationException("leaf certificate " + id
                    + " has keyCertSign or cRLSign key usage (expected: neither on an X.509-SVID leaf)");
        }
        return id;
    }

    /** The SPIFFE ID in the leaf's only URI SAN; no other rule is checked. */
    static SpiffeId spiffeIdOf(X509Certificate leaf) {
        List<String> uris = uriSans(leaf);
        if (uris.size() != 1) {
            throw new SvidVerificationException("leaf certificate has " + (uris.isEmpty() ? "no" : uris.size())
                    + " URI SAN" + (uris.size() == 1 ? "" : "s") + " (expected: exactly one, the SPIFFE ID)");
        }
        try {
            return SpiffeId.parse(uris.get(0));
        } catch (InvalidSpiffeIdException e) {
            throw new SvidVerificationException("leaf certificate URI SAN: " + e.getMessage());
        }
    }

    /**
     * Checks a certificate that signs others in an SVID chain (an intermediate): CA=true and
     * {@code keyCertSign}. {@code index} is its position in the chain, the leaf being 0.
     */
    static void checkSigning(X509Certificate cert, int index) {
        if (cert.getBasicConstraints() < 0) {
            throw new SvidVerificationException("chain certificate " + index
                    + " is not a CA (expected: basicConstraints CA=true on an intermediate)");
        }
        boolean[] usage = cert.getKeyUsage();
        if (usage == null || usage.length <= KEY_CERT_SIGN || !usage[KEY_CERT_SIGN]) {
            throw new SvidVerificationException("chain certificate " + index
                    + " lacks keyCertSign key usage (expected: keyCertSign on an intermediate)");
        }
    }

    private static List<String> uriSans(X509Certificate cert) {
        Collection<List<?>> sans;
        try {
            sans = cert.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            throw new SvidVerificationException("leaf certificate: unreadable subjectAltName extension"
                    + " (expected: one URI SAN, the SPIFFE ID)");
        }
        List<String> uris = new ArrayList<>();
        if (sans != null) {
            for (List<?> san : sans) {
                if (san.size() >= 2 && san.get(0) instanceof Integer type && type == SAN_URI) {
                    uris.add(String.valueOf(san.get(1)));
                }
            }
        }
        return uris;
    }
}
