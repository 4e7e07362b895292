package io.meshid.identity.jwt;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.Signature;
import java.security.SignatureException;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;

/**
 * One ES256 operation in two steps: SHA-256 of the input in the JDK, then ECDSA on that digest
 * through the provider's {@code NONEwithECDSA}. The result is the same DER signature as
 * {@code SHA256withECDSA}'s, but Conscrypt's {@code SHA256withECDSA} makes a new native digest
 * context after every operation, an object with a finalizer: at 20,000 tokens a second that was
 * 40,000 finalizable objects per young collection, kept alive one collection more and handed to the
 * finalizer thread, three quarters of identity-server's pause (docs/decisions.md, 2026-12-06). Its
 * {@code NONEwithECDSA} signs a digest without making any. Not thread-safe: one caller at a time,
 * as pooled by {@link Es256Signer} and {@link Es256Verifier}.
 */
final class EcdsaOnDigest {

    private final MessageDigest sha256;
    private final Signature ecdsa;

    private EcdsaOnDigest(Signature ecdsa) throws NoSuchAlgorithmException {
        this.sha256 = MessageDigest.getInstance("SHA-256");
        this.ecdsa = ecdsa;
    }

    /** An operation that signs with {@code key} through {@code provider}. */
    static EcdsaOnDigest signing(ECPrivateKey key, Provider provider) {
        return of(provider, "signing", s -> s.initSign(key));
    }

    /** An operation that verifies with {@code key} through {@code provider}. */
    static EcdsaOnDigest verifying(ECPublicKey key, Provider provider) {
        return of(provider, "verification", s -> s.initVerify(key));
    }

    private interface Init {
        void apply(Signature s) throws GeneralSecurityException;
    }

    private static EcdsaOnDigest of(Provider provider, String use, Init init) {
        try {
            Signature s = Signature.getInstance("NONEwithECDSA", provider);
            init.apply(s);
            return new EcdsaOnDigest(s);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ES256 " + use + " through " + provider.getName() + " is not available", e);
        }
    }

    /** The DER ECDSA signature of SHA-256 over {@code length} bytes of {@code input} from {@code offset}. */
    byte[] sign(byte[] input, int offset, int length) throws SignatureException {
        sha256.update(input, offset, length);
        ecdsa.update(sha256.digest());
        return ecdsa.sign();
    }

    /** Whether {@code der} is an ECDSA signature of SHA-256 over the first {@code length} bytes of {@code input}. */
    boolean verify(byte[] input, int length, byte[] der) throws SignatureException {
        sha256.update(input, 0, length);
        ecdsa.update(sha256.digest());
        return ecdsa.verify(der);
    }
}
