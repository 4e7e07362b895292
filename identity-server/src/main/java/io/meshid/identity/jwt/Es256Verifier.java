package io.meshid.identity.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.impl.ECDSA;
import io.meshid.common.keys.PooledEcdsa;
import java.security.GeneralSecurityException;
import java.security.Provider;
import java.security.interfaces.ECPublicKey;

/**
 * Verifies ES256 signatures of one public key through {@link PooledEcdsa} (the JDK's SHA-256, then
 * the provider's ECDSA on the digest, with initialised operations pooled for every kind of thread,
 * virtual threads included), instead of looking up the provider and initialising a
 * {@code Signature} on every call
 * as nimbus's {@code ECDSAVerifier} does. Refuses what that verifier refuses: a signature that is
 * not 64 bytes, or whose r or s is zero or not below the curve order (the "psychic signatures"
 * check, nimbus's {@code ECDSA.ensureLegalSignature}); and, beyond nimbus, a signature whose s is
 * above half the curve order ("high-S"): for every valid (r, s) the pair (r, n − s) verifies too,
 * so without this check anyone can turn one token into a second, different string that is just as
 * valid (a malleable signature). meshid's {@link Es256Signer} writes low-S signatures only
 * ({@link LowS}). Thread-safe.
 */
public final class Es256Verifier {

    private static final int SIGNATURE_BYTES = 64;

    private final PooledEcdsa ecdsa;

    Es256Verifier(ECPublicKey key, Provider provider) {
        this.ecdsa = PooledEcdsa.verifying(key, "SHA-256", provider);
    }

    /**
     * Whether {@code signature} (the 64-byte JOSE form, r then s) signs the first {@code length}
     * bytes of {@code input}.
     */
    public boolean verify(byte[] input, int length, byte[] signature) {
        if (signature.length != SIGNATURE_BYTES) {
            return false;
        }
        byte[] der;
        try {
            ECDSA.ensureLegalSignature(signature, JWSAlgorithm.ES256);
            if (!LowS.isLowS(signature)) {
                return false;
            }
            der = ECDSA.transcodeSignatureToDER(signature);
        } catch (JOSEException e) {
            return false;
        }
        try {
            return ecdsa.verify(input, 0, length, der);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }
}
