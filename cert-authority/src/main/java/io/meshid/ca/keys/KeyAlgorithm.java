package io.meshid.ca.keys;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.InvalidAlgorithmParameterException;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;

/**
 * The key types meshid's CA signs with and accepts in CSRs: ECDSA P-256 (the default, as in SPIRE
 * and Istio), ECDSA P-384, and RSA 3072. Anything else, RSA-2048 and RSA-1024 included, is refused.
 */
public enum KeyAlgorithm {

    /** ECDSA on NIST P-256 with SHA-256. */
    EC_P256("EC", "secp256r1", 256, "SHA256withECDSA"),
    /** ECDSA on NIST P-384 with SHA-384. */
    EC_P384("EC", "secp384r1", 384, "SHA384withECDSA"),
    /** RSA with a 3072-bit modulus, PKCS#1 v1.5 signatures with SHA-256. */
    RSA_3072("RSA", null, 3072, "SHA256withRSA");

    private final String jcaName;
    private final String curve;
    private final int bits;
    private final String signatureAlgorithm;

    KeyAlgorithm(String jcaName, String curve, int bits, String signatureAlgorithm) {
        this.jcaName = jcaName;
        this.curve = curve;
        this.bits = bits;
        this.signatureAlgorithm = signatureAlgorithm;
    }

    /** The JCA signature algorithm a key of this type signs with. */
    public String signatureAlgorithm() {
        return signatureAlgorithm;
    }

    /** A new key pair of this type. */
    public KeyPair generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(jcaName);
            if (curve != null) {
                generator.initialize(new ECGenParameterSpec(curve));
            } else {
                generator.initialize(bits);
            }
            return generator.generateKeyPair();
        } catch (NoSuchAlgorithmException | InvalidAlgorithmParameterException e) {
            throw new IllegalStateException("the JDK cannot generate " + this, e);
        }
    }

    /** The algorithm of {@code key}, or empty when meshid does not accept that type or size. */
    public static Optional<KeyAlgorithm> of(PublicKey key) {
        if (key instanceof ECPublicKey ec) {
            int size = ec.getParams().getCurve().getField().getFieldSize();
            return switch (size) {
                case 256 -> Optional.of(EC_P256);
                case 384 -> Optional.of(EC_P384);
                default -> Optional.empty();
            };
        }
        if (key instanceof RSAPublicKey rsa && rsa.getModulus().bitLength() == 3072) {
            return Optional.of(RSA_3072);
        }
        return Optional.empty();
    }

    /**
     * The algorithm of a key given with its SubjectPublicKeyInfo: the EC curve is read from the
     * encoded parameters (asking a native key for its curve costs a native round trip).
     */
    public static Optional<KeyAlgorithm> of(SubjectPublicKeyInfo info, PublicKey key) {
        if (info.getAlgorithm().getAlgorithm().equals(X9ObjectIdentifiers.id_ecPublicKey)) {
            ASN1Encodable curve = info.getAlgorithm().getParameters();
            if (SECObjectIdentifiers.secp256r1.equals(curve)) {
                return Optional.of(EC_P256);
            }
            return SECObjectIdentifiers.secp384r1.equals(curve) ? Optional.of(EC_P384) : Optional.empty();
        }
        return of(key);
    }

    /** A human description of a key, for error messages: "EC P-256", "RSA 1024". */
    public static String describe(PublicKey key) {
        if (key instanceof ECPublicKey ec) {
            return "EC " + ec.getParams().getCurve().getField().getFieldSize() + "-bit curve";
        }
        if (key instanceof RSAPublicKey rsa) {
            return "RSA " + rsa.getModulus().bitLength();
        }
        return key.getAlgorithm();
    }
}
