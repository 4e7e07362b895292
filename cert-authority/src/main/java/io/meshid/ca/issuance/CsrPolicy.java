package io.meshid.ca.issuance;

import io.meshid.common.keys.CryptoProvider;
import io.meshid.ca.keys.KeyAlgorithm;
import io.meshid.common.errors.MeshidException.InvalidArgument;
import io.meshid.common.spiffe.SpiffeId;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Map;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.Attribute;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/**
 * What a CSR must be for meshid to sign it: well-formed DER within the size limit, signed by the
 * key it carries (proof of possession), a key of an allowed type and size, and no request for
 * rights or names the caller did not ask for (CA rights, certificate signing, SANs other than the
 * SPIFFE ID and the requested DNS names). The CSR's subject and other extensions are ignored: the
 * leaf is built from the request, never copied from the CSR. Thread-safe.
 */
final class CsrPolicy {

    /** CSR signature algorithms accepted, by OID, with their JCA names. */
    private static final Map<ASN1ObjectIdentifier, String> SIGNATURES = Map.of(
            X9ObjectIdentifiers.ecdsa_with_SHA256, "SHA256withECDSA",
            X9ObjectIdentifiers.ecdsa_with_SHA384, "SHA384withECDSA",
            X9ObjectIdentifiers.ecdsa_with_SHA512, "SHA512withECDSA",
            PKCSObjectIdentifiers.sha256WithRSAEncryption, "SHA256withRSA",
            PKCSObjectIdentifiers.sha384WithRSAEncryption, "SHA384withRSA",
            PKCSObjectIdentifiers.sha512WithRSAEncryption, "SHA512withRSA");

    /** A CSR that passed: its public key as encoded in the CSR, and its algorithm. */
    record Accepted(SubjectPublicKeyInfo keyInfo, KeyAlgorithm algorithm) {
    }

    private final Set<KeyAlgorithm> allowed;
    private final int maxBytes;

    CsrPolicy(Set<KeyAlgorithm> allowed, int maxBytes) {
        this.allowed = Set.copyOf(allowed);
        this.maxBytes = maxBytes;
    }

    Accepted check(byte[] der, SpiffeId spiffeId, List<String> dnsNames) {
        if (der == null || der.length == 0) {
            throw new InvalidArgument("csr: empty (expected: a PKCS#10 certificate request in DER)");
        }
        if (der.length > maxBytes) {
            throw new InvalidArgument("csr: " + der.length + " bytes (expected: at most " + maxBytes + ")");
        }
        PKCS10CertificationRequest csr = parse(der);
        PublicKey key = publicKey(csr);
        KeyAlgorithm algorithm = KeyAlgorithm.of(csr.getSubjectPublicKeyInfo(), key).filter(allowed::contains)
                .orElseThrow(() -> new InvalidArgument("csr: key is " + KeyAlgorithm.describe(key) + " (expected: one of " + allowed + ")"));
        verifySignature(csr, key);
        checkExtensionRequest(csr, spiffeId, dnsNames);
        return new Accepted(csr.getSubjectPublicKeyInfo(), algorithm);
    }

    private static PKCS10CertificationRequest parse(byte[] der) {
        try {
            PKCS10CertificationRequest csr = new PKCS10CertificationRequest(der);
            if (csr.getSubjectPublicKeyInfo() == null || csr.getSignature() == null) {
                throw new InvalidArgument("csr: incomplete (expected: a PKCS#10 certificate request in DER)");
            }
            return csr;
        } catch (IOException | RuntimeException e) {
            if (e instanceof InvalidArgument ia) {
                throw ia;
            }
            throw new InvalidArgument("csr: not a PKCS#10 certificate request (" + shortReason(e)
                    + "; expected: a PKCS#10 certificate request in DER)");
        }
    }

    /** The CSR's key, parsed once by the fast provider: it is used to verify and goes into the leaf. */
    private static PublicKey publicKey(PKCS10CertificationRequest csr) {
        try {
            SubjectPublicKeyInfo info = csr.getSubjectPublicKeyInfo();
            ASN1ObjectIdentifier type = info.getAlgorithm().getAlgorithm();
            String family = type.equals(X9ObjectIdentifiers.id_ecPublicKey) ? "EC"
                    : type.equals(PKCSObjectIdentifiers.rsaEncryption) ? "RSA" : null;
            if (family == null) {
                throw new InvalidArgument("csr: key type " + type + " (expected: an EC or RSA public key)");
            }
            return KeyFactory.getInstance(family, CryptoProvider.get()).generatePublic(new X509EncodedKeySpec(info.getEncoded()));
        } catch (GeneralSecurityException | IOException | RuntimeException e) {
            if (e instanceof InvalidArgument ia) {
                throw ia;
            }
            throw new InvalidArgument("csr: its public key does not parse (expected: an EC or RSA public key)");
        }
    }

    /**
     * Proof of possession: the CSR is signed by the key it carries, with an algorithm meshid
     * accepts. One JCA verify through the fast provider (BouncyCastle's content verifier would
     * verify twice).
     */
    private static void verifySignature(PKCS10CertificationRequest csr, PublicKey key) {
        String algorithm = SIGNATURES.get(csr.getSignatureAlgorithm().getAlgorithm());
        if (algorithm == null) {
            throw new InvalidArgument("csr: signed with " + csr.getSignatureAlgorithm().getAlgorithm()
                    + " (expected: ECDSA or RSA PKCS#1 with SHA-256, SHA-384 or SHA-512)");
        }
        boolean valid;
        try {
            Signature verifier = Signature.getInstance(algorithm, CryptoProvider.get());
            verifier.initVerify(key);
            verifier.update(csr.toASN1Structure().getCertificationRequestInfo().getEncoded(ASN1Encoding.DER));
            valid = verifier.verify(csr.getSignature());
        } catch (GeneralSecurityException | IOException | RuntimeException e) {
            valid = false;
        }
        if (!valid) {
            throw new InvalidArgument("csr: signature does not verify (expected: signed by the private key of the key it carries)");
        }
    }


    private static void checkExtensionRequest(PKCS10CertificationRequest csr, SpiffeId spiffeId, List<String> dnsNames) {
        for (Attribute attribute : csr.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)) {
            for (ASN1Encodable value : attribute.getAttributeValues()) {
                Extensions extensions;
                try {
                    extensions = Extensions.getInstance(value);
                } catch (RuntimeException e) {
                    throw new InvalidArgument("csr: malformed extension request (expected: a PKCS#9 extensionRequest)");
                }
                checkBasicConstraints(extensions);
                checkKeyUsage(extensions);
                checkNames(extensions, spiffeId, dnsNames);
            }
        }
    }

    private static void checkBasicConstraints(Extensions extensions) {
        BasicConstraints bc = BasicConstraints.fromExtensions(extensions);
        if (bc != null && bc.isCA()) {
            throw new InvalidArgument("csr: asks for CA:true (expected: a leaf; meshid never signs CA certificates for workloads)");
        }
    }

    private static void checkKeyUsage(Extensions extensions) {
        KeyUsage usage = KeyUsage.fromExtensions(extensions);
        if (usage != null && (usage.hasUsages(KeyUsage.keyCertSign) || usage.hasUsages(KeyUsage.cRLSign))) {
            throw new InvalidArgument("csr: asks for keyCertSign or cRLSign (expected: digitalSignature only)");
        }
    }

    private static void checkNames(Extensions extensions, SpiffeId spiffeId, List<String> dnsNames) {
        GeneralNames names = GeneralNames.fromExtensions(extensions, Extension.subjectAlternativeName);
        if (names == null) {
            return;
        }
        for (GeneralName name : names.getNames()) {
            String value = name.getName().toString();
            boolean asked = switch (name.getTagNo()) {
                case GeneralName.uniformResourceIdentifier -> value.equals(spiffeId.toString());
                case GeneralName.dNSName -> dnsNames.contains(value);
                default -> false;
            };
            if (!asked) {
                throw new InvalidArgument("csr: asks for the name '" + printable(value)
                        + "' (expected: only " + spiffeId + (dnsNames.isEmpty() ? "" : " and the DNS names " + dnsNames) + ")");
            }
        }
    }

    private static String shortReason(Exception e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : printable(m);
    }

    private static String printable(String s) {
        String cut = s.length() > 80 ? s.substring(0, 80) + "…" : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
