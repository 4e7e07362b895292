package io.meshid.ca.keys;

import io.meshid.common.keys.PooledEcdsa;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Provider;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.DefaultSignatureAlgorithmIdentifierFinder;
import org.bouncycastle.operator.RuntimeOperatorException;

/**
 * Content signers for one EC CA key through {@link PooledEcdsa}: what BouncyCastle writes (a
 * certificate's, a CRL's or a CSR's to-be-signed bytes) is hashed in the JDK (SHA-256 for P-256,
 * SHA-384 for P-384) and the digest signed by the provider's ECDSA, under the algorithm identifier
 * of {@code SHA256withECDSA} (or SHA-384's). A {@code JcaContentSignerBuilder} made a new
 * {@code Signature} per certificate, with Conscrypt's finalizable digest contexts in every
 * signature (docs/decisions.md, 2026-12-06). Thread-safe: each {@link #next()} is a signer for one
 * certificate.
 */
final class EcdsaContentSigners {

    private final PooledEcdsa ecdsa;
    private final AlgorithmIdentifier algorithm;

    EcdsaContentSigners(KeyAlgorithm type, PrivateKey key, Provider provider) {
        if (type != KeyAlgorithm.EC_P256 && type != KeyAlgorithm.EC_P384) {
            throw new IllegalArgumentException("key: " + type + " (expected: EC P-256 or EC P-384)");
        }
        this.algorithm = new DefaultSignatureAlgorithmIdentifierFinder().find(type.signatureAlgorithm());
        this.ecdsa = PooledEcdsa.signing(key, type == KeyAlgorithm.EC_P256 ? "SHA-256" : "SHA-384", provider);
    }

    /** A signer for one certificate, CRL or CSR. */
    ContentSigner next() {
        ByteArrayOutputStream tbs = new ByteArrayOutputStream(1024);
        return new ContentSigner() {
            @Override
            public AlgorithmIdentifier getAlgorithmIdentifier() {
                return algorithm;
            }

            @Override
            public OutputStream getOutputStream() {
                return tbs;
            }

            @Override
            public byte[] getSignature() {
                byte[] bytes = tbs.toByteArray();
                try {
                    return ecdsa.sign(bytes, 0, bytes.length);
                } catch (GeneralSecurityException | RuntimeException e) {
                    throw new RuntimeOperatorException("ECDSA signature failed: " + e.getMessage(), e);
                }
            }
        };
    }
}
