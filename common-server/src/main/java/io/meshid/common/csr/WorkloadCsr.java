package io.meshid.common.csr;

import io.meshid.common.errors.MeshidException.InvalidArgument;
import io.meshid.common.keys.CryptoProvider;
import io.meshid.common.spiffe.SpiffeId;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECPoint;
import java.security.spec.EllipticCurve;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.X509EncodedKeySpec;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * A workload's certificate signing request, checked as meshid requires before it spends anything
 * on it: the one definition of a good CSR, used by identity-server (before a join token is
 * consumed, a renewal claimed or the CA asked) and by cert-authority (before it signs).
 *
 * <p>{@link #parse} checks what does not depend on the identity asked for: well-formed PKCS#10
 * DER within the size limit, a key of an allowed type (EC P-256, EC P-384, RSA 3072; a server
 * may allow fewer), signed by that key (proof of possession: one verification through the fast
 * provider). {@link #checkRequests} then checks that it asks for nothing but a leaf of one SPIFFE
 * ID: no CA rights, no certificate or CRL signing, no URI or DNS names other than that ID and the
 * given DNS names. The subject and other extensions are ignored: a leaf is built from the
 * request, never copied from the CSR. Every refusal is an {@link InvalidArgument} that starts with
 * {@code csr:} and says what was expected. Immutable, thread-safe.
 */
public final class WorkloadCsr {

    /** The key types meshid signs, by the names cert-authority's {@code KeyAlgorithm} uses too. */
    public enum KeyType {
        /** ECDSA on NIST P-256. */
        EC_P256,
        /** ECDSA on NIST P-384. */
        EC_P384,
        /** RSA with a 3072-bit modulus. */
        RSA_3072
    }

    /** Whether {@link #parse} verifies the CSR's signature (proof of possession). */
    public enum Possession {
        /** Verify it: the default, and what every CSR from a workload or an admin gets. */
        VERIFY,
        /**
         * The caller verified it with {@link #parse} before sending the CSR on, and is trusted to
         * (cert-authority, for a signer: identity-server proves possession before a join token or
         * renewal is spent); everything else is still checked.
         */
        VERIFIED_BY_CALLER
    }

    /** Signature algorithms accepted for proof of possession, by OID, with their JCA names. */
    private static final Map<ASN1ObjectIdentifier, String> SIGNATURES = Map.of(
            X9ObjectIdentifiers.ecdsa_with_SHA256, "SHA256withECDSA",
            X9ObjectIdentifiers.ecdsa_with_SHA384, "SHA384withECDSA",
            X9ObjectIdentifiers.ecdsa_with_SHA512, "SHA512withECDSA",
            PKCSObjectIdentifiers.sha256WithRSAEncryption, "SHA256withRSA",
            PKCSObjectIdentifiers.sha384WithRSAEncryption, "SHA384withRSA",
            PKCSObjectIdentifiers.sha512WithRSAEncryption, "SHA512withRSA");

    private final byte[] der;
    private final PKCS10CertificationRequest csr;
    private final KeyType keyType;
    private final String keySha256;

    private WorkloadCsr(byte[] der, PKCS10CertificationRequest csr, KeyType keyType, String keySha256) {
        this.der = der;
        this.csr = csr;
        this.keyType = keyType;
        this.keySha256 = keySha256;
    }

    /**
     * Checks {@code der} as a CSR of a key of one of the {@code allowed} types, at most
     * {@code maxBytes} long, signed by its key.
     *
     * @throws InvalidArgument naming what is wrong with the CSR and what was expected
     */
    public static WorkloadCsr parse(byte[] der, int maxBytes, Set<KeyType> allowed) {
        return parse(der, maxBytes, allowed, Possession.VERIFY);
    }

    /**
     * As {@link #parse(byte[], int, Set)}; with {@link Possession#VERIFIED_BY_CALLER} the signature
     * is not verified again (its algorithm is still checked), everything else is.
     */
    public static WorkloadCsr parse(byte[] der, int maxBytes, Set<KeyType> allowed, Possession possession) {
        if (der == null || der.length == 0) {
            throw new InvalidArgument("csr: empty (expected: a PKCS#10 certificate request in DER)");
        }
        if (der.length > maxBytes) {
            throw new InvalidArgument("csr: " + der.length + " bytes (expected: at most " + maxBytes + ")");
        }
        PKCS10CertificationRequest csr = decode(der);
        byte[] spki;
        try {
            spki = csr.getSubjectPublicKeyInfo().getEncoded(ASN1Encoding.DER);
        } catch (IOException | RuntimeException e) {
            throw new InvalidArgument("csr: its public key does not encode (expected: an EC or RSA public key)");
        }
        PublicKey key = publicKey(csr.getSubjectPublicKeyInfo(), spki, possession);
        KeyType type = typeOf(csr.getSubjectPublicKeyInfo(), key);
        if (type == null || !allowed.contains(type)) {
            throw new InvalidArgument("csr: key is " + describe(key) + " (expected: one of " + sorted(allowed) + ")");
        }
        String algorithm = signatureAlgorithm(csr);
        if (possession != Possession.VERIFIED_BY_CALLER) {
            verifySignature(csr, key, algorithm);
        }
        return new WorkloadCsr(der.clone(), csr, type, sha256Hex(spki));
    }

    /**
     * Checks that the CSR asks for nothing but a leaf of {@code id} with (at most) {@code dnsNames}.
     *
     * @return this CSR
     * @throws InvalidArgument naming the right or the name asked for, and what was expected
     */
    public WorkloadCsr checkRequests(SpiffeId id, List<String> dnsNames) {
        for (Attribute attribute : csr.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)) {
            for (ASN1Encodable value : attribute.getAttributeValues()) {
                Extensions extensions;
                try {
                    extensions = Extensions.getInstance(value);
                } catch (RuntimeException e) {
                    throw new InvalidArgument("csr: malformed extension request (expected: a PKCS#9 extensionRequest)");
                }
                checkRights(extensions);
                checkNames(extensions, id, dnsNames);
            }
        }
        return this;
    }

    /** The CSR as received, in DER. */
    public byte[] der() {
        return der.clone();
    }

    /** The CSR's public key, as encoded in it (what goes into the leaf). */
    public SubjectPublicKeyInfo keyInfo() {
        return csr.getSubjectPublicKeyInfo();
    }

    /** The type of the CSR's key. */
    public KeyType keyType() {
        return keyType;
    }

    /** Lowercase hex SHA-256 of the CSR's SubjectPublicKeyInfo, as the CA journals it and identity-server records it. */
    public String keySha256() {
        return keySha256;
    }

    /** Lowercase hex SHA-256 of {@code bytes}. */
    public static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static PKCS10CertificationRequest decode(byte[] der) {
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

    /**
     * The CSR's key, parsed once: by the fast provider when it is to verify the signature; by the
     * JDK's own when the caller verified it (only its type and size are read then, and the leaf
     * takes the encoded key). A key of the fast provider holds native memory freed by a finalizer,
     * which costs every young collection of a busy CA for nothing when the key verifies nothing.
     */
    private static PublicKey publicKey(SubjectPublicKeyInfo info, byte[] spki, Possession possession) {
        ASN1ObjectIdentifier type = info.getAlgorithm().getAlgorithm();
        String family = type.equals(X9ObjectIdentifiers.id_ecPublicKey) ? "EC"
                : type.equals(PKCSObjectIdentifiers.rsaEncryption) ? "RSA" : null;
        if (family == null) {
            throw new InvalidArgument("csr: key type " + type + " (expected: an EC or RSA public key)");
        }
        try {
            if (possession == Possession.VERIFIED_BY_CALLER) {
                PublicKey key = KeyFactory.getInstance(family).generatePublic(new X509EncodedKeySpec(spki));
                if (key instanceof ECPublicKey ec && !onCurve(ec)) {
                    throw new InvalidKeySpecException("not a point of the curve");
                }
                return key;
            }
            return KeyFactory.getInstance(family, CryptoProvider.get()).generatePublic(new X509EncodedKeySpec(spki));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new InvalidArgument("csr: its public key does not parse (expected: an EC or RSA public key)");
        }
    }

    /**
     * Whether the key's point satisfies its curve's equation (y² = x³ + ax + b mod p), as BoringSSL
     * checks when it parses a key; the JDK's key factory does not, and a CA certifies no key that
     * cannot be one.
     */
    private static boolean onCurve(ECPublicKey key) {
        ECPoint w = key.getW();
        EllipticCurve curve = key.getParams().getCurve();
        if (w.equals(ECPoint.POINT_INFINITY) || !(curve.getField() instanceof ECFieldFp field)) {
            return false;
        }
        BigInteger p = field.getP();
        BigInteger x = w.getAffineX();
        BigInteger y = w.getAffineY();
        if (x.signum() < 0 || x.compareTo(p) >= 0 || y.signum() < 0 || y.compareTo(p) >= 0) {
            return false;
        }
        return y.multiply(y).mod(p).equals(x.multiply(x).add(curve.getA()).multiply(x).add(curve.getB()).mod(p));
    }

    /** The EC curve is read from the encoded parameters (asking a native key for its curve costs a native round trip). */
    private static KeyType typeOf(SubjectPublicKeyInfo info, PublicKey key) {
        if (info.getAlgorithm().getAlgorithm().equals(X9ObjectIdentifiers.id_ecPublicKey)) {
            ASN1Encodable curve = info.getAlgorithm().getParameters();
            return SECObjectIdentifiers.secp256r1.equals(curve) ? KeyType.EC_P256
                    : SECObjectIdentifiers.secp384r1.equals(curve) ? KeyType.EC_P384 : null;
        }
        return key instanceof RSAPublicKey rsa && rsa.getModulus().bitLength() == 3072 ? KeyType.RSA_3072 : null;
    }

    private static String describe(PublicKey key) {
        if (key instanceof ECPublicKey ec) {
            return "EC " + ec.getParams().getCurve().getField().getFieldSize() + "-bit curve";
        }
        if (key instanceof RSAPublicKey rsa) {
            return "RSA " + rsa.getModulus().bitLength();
        }
        return key.getAlgorithm();
    }

    private static List<KeyType> sorted(Set<KeyType> types) {
        return types.stream().sorted().toList();
    }

    /**
     * Proof of possession: the CSR is signed by the key it carries, with an algorithm meshid
     * accepts. One JCA verify through the fast provider (BouncyCastle's content verifier would
     * verify twice).
     */
    private static void verifySignature(PKCS10CertificationRequest csr, PublicKey key, String algorithm) {
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

    /** The JCA name of the CSR's signature algorithm, if meshid accepts it. */
    private static String signatureAlgorithm(PKCS10CertificationRequest csr) {
        String algorithm = SIGNATURES.get(csr.getSignatureAlgorithm().getAlgorithm());
        if (algorithm == null) {
            throw new InvalidArgument("csr: signed with " + csr.getSignatureAlgorithm().getAlgorithm()
                    + " (expected: ECDSA or RSA PKCS#1 with SHA-256, SHA-384 or SHA-512)");
        }
        return algorithm;
    }

    private static void checkRights(Extensions extensions) {
        BasicConstraints bc;
        KeyUsage usage;
        try {
            bc = BasicConstraints.fromExtensions(extensions);
            usage = KeyUsage.fromExtensions(extensions);
        } catch (RuntimeException e) {
            throw new InvalidArgument("csr: malformed basicConstraints or keyUsage (expected: a leaf's, or none)");
        }
        if (bc != null && bc.isCA()) {
            throw new InvalidArgument("csr: asks for CA:true (expected: a leaf; meshid never signs CA certificates for workloads)");
        }
        if (usage != null && (usage.hasUsages(KeyUsage.keyCertSign) || usage.hasUsages(KeyUsage.cRLSign))) {
            throw new InvalidArgument("csr: asks for keyCertSign or cRLSign (expected: digitalSignature only)");
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

    private static String shortReason(Exception e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : printable(m);
    }

    private static String printable(String s) {
        String cut = s.length() > 80 ? s.substring(0, 80) + "…" : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
