package io.meshid.ca.keys;

import io.meshid.common.keys.CryptoProvider;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A signing key held in this process's memory, used through {@link CryptoProvider}. The key is
 * imported into that provider once, so that signing does not convert it on every call; an EC key
 * signs through {@link EcdsaContentSigners} (the digest in the JDK, pooled signatures).
 * Thread-safe. Its {@code toString} never shows the key.
 */
public final class SoftwareSigner implements Signer {

    private final PublicKey publicKey;
    private final PrivateKey privateKey;
    private final KeyAlgorithm algorithm;
    /** EC keys' signers (digest in the JDK, ECDSA on it in the provider); null for RSA. */
    private final EcdsaContentSigners ecdsa;

    private SoftwareSigner(PublicKey publicKey, PrivateKey privateKey, KeyAlgorithm algorithm) {
        this.publicKey = publicKey;
        this.privateKey = privateKey;
        this.algorithm = algorithm;
        this.ecdsa = algorithm == KeyAlgorithm.RSA_3072 ? null : new EcdsaContentSigners(algorithm, privateKey, CryptoProvider.get());
    }

    /** A signer for a new key of the given type. */
    public static SoftwareSigner generate(KeyAlgorithm algorithm) {
        return of(algorithm.generate());
    }

    /** A signer for an existing key pair (imported into the fast provider). */
    public static SoftwareSigner of(KeyPair pair) {
        KeyAlgorithm algorithm = KeyAlgorithm.of(pair.getPublic())
                .orElseThrow(() -> new IllegalArgumentException("CA key: " + KeyAlgorithm.describe(pair.getPublic())
                        + " (expected: EC P-256, EC P-384 or RSA 3072)"));
        try {
            KeyFactory factory = KeyFactory.getInstance(pair.getPrivate().getAlgorithm(), CryptoProvider.get());
            PrivateKey imported = factory.generatePrivate(new PKCS8EncodedKeySpec(pair.getPrivate().getEncoded()));
            return new SoftwareSigner(pair.getPublic(), imported, algorithm);
        } catch (GeneralSecurityException e) {
            return new SoftwareSigner(pair.getPublic(), pair.getPrivate(), algorithm);
        }
    }

    /** The private key in PKCS#8 DER, to be sealed before it is stored. */
    public byte[] pkcs8() {
        return privateKey.getEncoded();
    }

    @Override
    public PublicKey publicKey() {
        return publicKey;
    }

    @Override
    public KeyAlgorithm algorithm() {
        return algorithm;
    }

    @Override
    public ContentSigner contentSigner() {
        if (ecdsa != null) {
            return ecdsa.next();
        }
        try {
            return new JcaContentSignerBuilder(algorithm.signatureAlgorithm()).setProvider(CryptoProvider.get()).build(privateKey);
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("cannot sign with " + algorithm + " through " + CryptoProvider.name(), e);
        }
    }

    @Override
    public String toString() {
        return "SoftwareSigner[" + algorithm + ", key=****]";
    }
}
