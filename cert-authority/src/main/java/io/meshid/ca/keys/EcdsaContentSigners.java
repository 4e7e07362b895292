package io.meshid.ca.keys;

import io.meshid.common.concurrent.SharedPool;
import java.io.OutputStream;
import java.security.DigestOutputStream;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.Signature;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.DefaultSignatureAlgorithmIdentifierFinder;
import org.bouncycastle.operator.RuntimeOperatorException;

/**
 * Content signers for one EC CA key: what BouncyCastle writes (a certificate's or a CRL's
 * to-be-signed bytes) is hashed with the JDK's digest (SHA-256 for P-256, SHA-384 for P-384) and
 * the digest signed through the provider's {@code NONEwithECDSA}, with initialised
 * {@link Signature}s kept in a {@link SharedPool}. The signature is the same DER as
 * {@code SHA256withECDSA}'s (or SHA-384's), under the same algorithm identifier; but a
 * {@code JcaContentSignerBuilder} made a new {@code Signature} per certificate, and Conscrypt's
 * {@code SHA…withECDSA} makes native digest contexts with finalizers for every signature, which the
 * collector must keep alive and hand to the finalizer thread (docs/decisions.md, 2026-12-06).
 * Thread-safe: each {@link #next()} is a signer for one certificate.
 */
final class EcdsaContentSigners {

    private final SharedPool<Signature> signatures;
    private final AlgorithmIdentifier algorithm;
    private final String digest;

    EcdsaContentSigners(KeyAlgorithm type, PrivateKey key, Provider provider) {
        if (type != KeyAlgorithm.EC_P256 && type != KeyAlgorithm.EC_P384) {
            throw new IllegalArgumentException("key: " + type + " (expected: EC P-256 or EC P-384)");
        }
        this.algorithm = new DefaultSignatureAlgorithmIdentifierFinder().find(type.signatureAlgorithm());
        this.digest = type == KeyAlgorithm.EC_P256 ? "SHA-256" : "SHA-384";
        this.signatures = SharedPool.perProcessor(() -> {
            try {
                Signature s = Signature.getInstance("NONEwithECDSA", provider);
                s.initSign(key);
                return s;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("ECDSA signing through " + provider.getName() + " is not available", e);
            }
        });
    }

    /** A signer for one certificate or CRL. */
    ContentSigner next() {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no " + digest, e);
        }
        OutputStream out = new DigestOutputStream(OutputStream.nullOutputStream(), md);
        return new ContentSigner() {
            @Override
            public AlgorithmIdentifier getAlgorithmIdentifier() {
                return algorithm;
            }

            @Override
            public OutputStream getOutputStream() {
                return out;
            }

            @Override
            public byte[] getSignature() {
                Signature s = signatures.borrow();
                try {
                    s.update(md.digest());
                    byte[] signature = s.sign();
                    signatures.release(s);
                    return signature;
                } catch (GeneralSecurityException | RuntimeException e) {
                    throw new RuntimeOperatorException("ECDSA signature failed: " + e.getMessage(), e);
                }
            }
        };
    }
}
