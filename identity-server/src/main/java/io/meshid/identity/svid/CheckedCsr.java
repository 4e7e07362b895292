package io.meshid.identity.svid;

import io.meshid.common.errors.MeshidException.InvalidArgument;
import io.meshid.common.keys.CryptoProvider;
import io.meshid.common.spiffe.SpiffeId;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.Attribute;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/**
 * A CSR that identity-server checked before it spends anything on it (a join token, a database
 * write, a call to the CA): well-formed PKCS#10 DER, a key of a type meshid signs (EC P-256, EC
 * P-384, RSA 3072), signed by that key (proof of possession, one verification through the fast
 * provider), and asking for nothing but a leaf of the SPIFFE ID it is checked for (no CA rights,
 * no other URI or DNS names than that ID and the entry's DNS names). cert-authority checks the
 * CSR again (its configuration may allow fewer key types); this check exists so that a bad CSR
 * changes nothing. Carries the DER and the SHA-256 of its key, computed once. Immutable.
 */
public final class CheckedCsr {

    /** Signature algorithms accepted for proof of possession, by OID, with their JCA names (as the CA's). */
    private static final Map<ASN1ObjectIdentifier, String> SIGNATURES = Map.of(
            X9ObjectIdentifiers.ecdsa_with_SHA256, "SHA256withECDSA",
            X9ObjectIdentifiers.ecdsa_with_SHA384, "SHA384withECDSA",
            X9ObjectIdentifiers.ecdsa_with_SHA512, "SHA512withECDSA",
            PKCSObjectIdentifiers.sha256WithRSAEncryption, "SHA256withRSA",
            PKCSObjectIdentifiers.sha384WithRSAEncryption, "SHA384withRSA",
            PKCSObjectIdentifiers.sha512WithRSAEncryption, "SHA512withRSA");
    private static final int RSA_BITS = 3072;

    private final byte[] der;
    private final String keySha256;

    private CheckedCsr(byte[] der, String keySha256) {
        this.der = der;
        this.keySha256 = keySha256;
    }

    /**
     * Checks {@code der} as a request for an X.509-SVID of {@code id} with {@code dnsNames}.
     *
     * @throws InvalidArgument naming what is wrong with the CSR and what was expected
     */
    public static CheckedCsr check(byte[] der, SpiffeId id, List<String> dnsNames) {
        PKCS10CertificationRequest csr = parse(der);
        SubjectPublicKeyInfo info = csr.getSubjectPublicKeyInfo();
        byte[] spki;
        try {
            spki = info.getEncoded(ASN1Encoding.DER);
        } catch (IOException e) {
            throw new InvalidArgument("csr: its public key does not encode (expected: an EC or RSA public key)");
        }
        PublicKey key = publicKey(info, spki);
        verifySignature(csr, key);
        checkExtensionRequest(csr, id, dnsNames);
        return new CheckedCsr(der.clone(), sha256Hex(spki));
    }

    /** The CSR as received, in DER. */
    public byte[] der() {
        return der.clone();
    }

    /** Lowercase hex SHA-256 of the CSR's SubjectPublicKeyInfo, as the CA journals it. */
    public String keySha256() {
        return keySha256;
    }

    static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
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
            throw new InvalidArgument("csr: not a PKCS#10 certificate request (expected: a PKCS#10 certificate request in DER)");
        }
    }

    /** The key, if it is of a type meshid signs: EC on P-256 or P-384 (read from the encoded curve), or RSA 3072. */
    private static PublicKey publicKey(SubjectPublicKeyInfo info, byte[] spki) {
        ASN1ObjectIdentifier type = info.getAlgorithm().getAlgorithm();
        ASN1Encodable parameters = info.getAlgorithm().getParameters();
        String family;
        if (type.equals(X9ObjectIdentifiers.id_ecPublicKey)) {
            if (!SECObjectIdentifiers.secp256r1.equals(parameters) && !SECObjectIdentifiers.secp384r1.equals(parameters)) {
                throw new InvalidArgument("csr: EC key on curve " + parameters + " (expected: P-256 or P-384)");
            }
            family = "EC";
        } else if (type.equals(PKCSObjectIdentifiers.rsaEncryption)) {
            family = "RSA";
        } else {
            throw new InvalidArgument("csr: key type " + type + " (expected: EC P-256, EC P-384 or RSA 3072)");
        }
        PublicKey key;
        try {
            key = KeyFactory.getInstance(family, CryptoProvider.get()).generatePublic(new X509EncodedKeySpec(spki));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new InvalidArgument("csr: its public key does not parse (expected: EC P-256, EC P-384 or RSA 3072)");
        }
        if (key instanceof RSAPublicKey rsa && rsa.getModulus().bitLength() != RSA_BITS) {
            throw new InvalidArgument("csr: RSA " + rsa.getModulus().bitLength() + " key (expected: EC P-256, EC P-384 or RSA 3072)");
        }
        return key;
    }

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

    private static void checkExtensionRequest(PKCS10CertificationRequest csr, SpiffeId id, List<String> dnsNames) {
        for (Attribute attribute : csr.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)) {
            for (ASN1Encodable value : attribute.getAttributeValues()) {
                Extensions extensions;
                try {
                    extensions = Extensions.getInstance(value);
                } catch (RuntimeException e) {
                    throw new InvalidArgument("csr: malformed extension request (expected: a PKCS#9 extensionRequest)");
                }
                BasicConstraints bc = BasicConstraints.fromExtensions(extensions);
                if (bc != null && bc.isCA()) {
                    throw new InvalidArgument("csr: asks for CA:true (expected: a leaf; meshid never signs CA certificates for workloads)");
                }
                KeyUsage usage = KeyUsage.fromExtensions(extensions);
                if (usage != null && (usage.hasUsages(KeyUsage.keyCertSign) || usage.hasUsages(KeyUsage.cRLSign))) {
                    throw new InvalidArgument("csr: asks for keyCertSign or cRLSign (expected: digitalSignature only)");
                }
                checkNames(extensions, id, dnsNames);
            }
        }
    }

    private static void checkNames(Extensions extensions, SpiffeId id, List<String> dnsNames) {
        GeneralNames names;
        try {
            names = GeneralNames.fromExtensions(extensions, Extension.subjectAlternativeName);
        } catch (RuntimeException e) {
            throw new InvalidArgument("csr: malformed subjectAltName (expected: the SPIFFE ID as a URI name)");
        }
        if (names == null) {
            return;
        }
        for (GeneralName name : names.getNames()) {
            String value = name.getName().toString();
            boolean asked = switch (name.getTagNo()) {
                case GeneralName.uniformResourceIdentifier -> value.equals(id.toString());
                case GeneralName.dNSName -> dnsNames.contains(value);
                default -> false;
            };
            if (!asked) {
                throw new InvalidArgument("csr: asks for the name '" + printable(value) + "' (expected: only " + id
                        + (dnsNames.isEmpty() ? "" : " and the DNS names " + dnsNames) + ")");
            }
        }
    }

    private static String printable(String s) {
        String cut = s.length() > 80 ? s.substring(0, 80) + "…" : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
