package io.meshid.common.tls;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import org.bouncycastle.jcajce.provider.asymmetric.util.EC5Util;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;

/** Whether a private key belongs to a public key, by comparing the public halves. */
final class KeyPairs {

    private static final SecureRandom RANDOM = new SecureRandom();

    private KeyPairs() {
    }

    static boolean matches(PublicKey publicKey, PrivateKey privateKey) {
        if (publicKey instanceof ECPublicKey pub && privateKey instanceof ECPrivateKey priv) {
            return ecMatches(pub, priv);
        }
        if (publicKey instanceof RSAPublicKey pub && privateKey instanceof RSAPrivateKey priv) {
            return pub.getModulus().equals(priv.getModulus())
                    && (!(priv instanceof RSAPrivateCrtKey crt) || pub.getPublicExponent().equals(crt.getPublicExponent()));
        }
        return signatureMatches(publicKey, privateKey);
    }

    /**
     * Signs a random challenge with the private key and verifies it with the public one, both with
     * the JDK's own ECDSA (no BouncyCastle on this path: a short-lived process such as meshctl would
     * otherwise load and link BouncyCastle's curve arithmetic for this one check, about 8 % of its
     * start-up, while its TLS handshake warms up the JDK's anyway). A curve the JDK cannot sign on
     * is compared by BouncyCastle's point multiplication instead.
     */
    private static boolean ecMatches(ECPublicKey pub, ECPrivateKey priv) {
        if (!pub.getParams().getCurve().equals(priv.getParams().getCurve())
                || !pub.getParams().getGenerator().equals(priv.getParams().getGenerator())) {
            return false;
        }
        byte[] signature;
        byte[] challenge = new byte[32];
        RANDOM.nextBytes(challenge);
        try {
            Signature signer = Signature.getInstance("SHA256withECDSA");
            signer.initSign(priv);
            signer.update(challenge);
            signature = signer.sign();
        } catch (GeneralSecurityException | RuntimeException e) {
            return BouncyCastlePoints.matches(pub, priv);
        }
        try {
            Signature verifier = Signature.getInstance("SHA256withECDSA");
            verifier.initVerify(pub);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** Derives the public point d·G from the private scalar and compares it with the certificate's. */
    private static final class BouncyCastlePoints {
        private BouncyCastlePoints() {
        }

        static boolean matches(ECPublicKey pub, ECPrivateKey priv) {
            org.bouncycastle.jce.spec.ECParameterSpec spec = EC5Util.convertSpec(priv.getParams());
            ECPoint derived = new FixedPointCombMultiplier().multiply(spec.getG(), priv.getS()).normalize();
            BigInteger x = derived.getAffineXCoord().toBigInteger();
            BigInteger y = derived.getAffineYCoord().toBigInteger();
            return x.equals(pub.getW().getAffineX()) && y.equals(pub.getW().getAffineY());
        }
    }

    /** For other key types (EdDSA and the like): sign a random challenge and verify it. */
    private static boolean signatureMatches(PublicKey publicKey, PrivateKey privateKey) {
        if (!publicKey.getAlgorithm().equals(privateKey.getAlgorithm())) {
            return false;
        }
        try {
            byte[] challenge = new byte[32];
            RANDOM.nextBytes(challenge);
            Signature signer = Signature.getInstance(privateKey.getAlgorithm());
            signer.initSign(privateKey);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(publicKey.getAlgorithm());
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
