package io.meshid.common.keys;

import io.meshid.common.concurrent.SharedPool;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;

/**
 * ECDSA with one key, in two steps: the digest (SHA-256, SHA-384) in the JDK, then ECDSA on that
 * digest through the provider's {@code NONEwithECDSA}. The result is the same DER signature as
 * {@code SHA256withECDSA}'s (or SHA-384's), but Conscrypt's {@code SHA…withECDSA} makes a new
 * native digest context, an object with a finalizer, for every signature: at 20,000 tokens a
 * second that was 40,000 finalizable objects per young collection, kept alive one collection more
 * and handed to the finalizer thread, three quarters of identity-server's pause (docs/decisions.md,
 * 2026-12-06). Its {@code NONEwithECDSA} makes none. Initialised operations (a digest and a
 * signature) are kept in a {@link SharedPool}, one per call in flight whatever thread runs it;
 * one that threw is discarded. Thread-safe.
 */
public final class PooledEcdsa {

    private record Op(MessageDigest digest, Signature ecdsa) {
    }

    private interface Init {
        void apply(Signature s) throws GeneralSecurityException;
    }

    private final SharedPool<Op> ops;

    private PooledEcdsa(String digest, Provider provider, String use, Init init) {
        this.ops = SharedPool.perProcessor(() -> {
            try {
                Signature s = Signature.getInstance("NONEwithECDSA", provider);
                init.apply(s);
                return new Op(MessageDigest.getInstance(digest), s);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("ECDSA " + use + " with " + digest + " through " + provider.getName()
                        + " is not available", e);
            }
        });
    }

    /** Signs with {@code key}, over the {@code digest} (a JDK name: SHA-256, SHA-384) of the input. */
    public static PooledEcdsa signing(PrivateKey key, String digest, Provider provider) {
        return new PooledEcdsa(digest, provider, "signing", s -> s.initSign(key));
    }

    /** Verifies with {@code key}, over the {@code digest} (a JDK name: SHA-256, SHA-384) of the input. */
    public static PooledEcdsa verifying(PublicKey key, String digest, Provider provider) {
        return new PooledEcdsa(digest, provider, "verification", s -> s.initVerify(key));
    }

    /** The DER ECDSA signature of the digest of {@code length} bytes of {@code input} from {@code offset}. */
    public byte[] sign(byte[] input, int offset, int length) throws SignatureException {
        Op op = ops.borrow();
        op.digest().update(input, offset, length);
        op.ecdsa().update(op.digest().digest());
        byte[] signature = op.ecdsa().sign();
        ops.release(op);
        return signature;
    }

    /** Whether {@code der} is an ECDSA signature of the digest of {@code length} bytes of {@code input} from {@code offset}. */
    public boolean verify(byte[] input, int offset, int length, byte[] der) throws SignatureException {
        Op op = ops.borrow();
        op.digest().update(input, offset, length);
        op.ecdsa().update(op.digest().digest());
        boolean verified = op.ecdsa().verify(der);
        ops.release(op);
        return verified;
    }
}
