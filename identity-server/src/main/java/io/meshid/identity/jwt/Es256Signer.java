package io.meshid.identity.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.impl.ECDSA;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.util.Base64URL;
import java.nio.charset.StandardCharsets;
import io.meshid.common.keys.PooledEcdsa;
import java.security.GeneralSecurityException;
import java.security.Provider;
import java.security.interfaces.ECPrivateKey;
import java.util.Base64;
import java.util.Set;

/**
 * An ES256 {@link JWSSigner} for one private key that signs through {@link PooledEcdsa} (the
 * JDK's SHA-256, then the provider's ECDSA on the digest, with initialised operations pooled for
 * every kind of thread, virtual threads included), instead of looking up the provider's
 * implementation and converting the key into the provider's own on every signature as nimbus's
 * {@code ECDSASigner} does. The signature format is nimbus's (DER transcoded to the 64-byte JOSE form),
 * with s normalised to the lower half of the curve order ({@link LowS}), the only form
 * {@link Es256Verifier} accepts.
 * Thread-safe.
 */
final class Es256Signer implements JWSSigner {

    private static final int SIGNATURE_BYTES = 64;
    /** Base64url characters of a 64-byte signature, unpadded. */
    private static final int JOSE_CHARS = 86;
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private final JCAContext jca = new JCAContext();
    private final PooledEcdsa ecdsa;

    Es256Signer(ECPrivateKey key, Provider provider) {
        jca.setProvider(provider);
        this.ecdsa = PooledEcdsa.signing(key, "SHA-256", provider);
    }

    /**
     * The JWS compact serialization of {@code payloadJson} under {@code header} (already
     * base64url, ASCII): {@code header.payload.signature}, with the signing input built once in
     * one array and no nimbus objects in between.
     */
    String signCompact(byte[] header, byte[] payloadJson) {
        byte[] payload = B64.encode(payloadJson);
        int input = header.length + 1 + payload.length;
        byte[] out = new byte[input + 1 + JOSE_CHARS];
        System.arraycopy(header, 0, out, 0, header.length);
        out[header.length] = '.';
        System.arraycopy(payload, 0, out, header.length + 1, payload.length);
        byte[] signature;
        try {
            signature = LowS.normalize(ECDSA.transcodeSignatureToConcat(ecdsa.sign(out, 0, input), SIGNATURE_BYTES));
        } catch (GeneralSecurityException | JOSEException | RuntimeException e) {
            throw new IllegalStateException("ES256 signature failed: " + e.getMessage(), e);
        }
        out[input] = '.';
        System.arraycopy(B64.encode(signature), 0, out, input + 1, JOSE_CHARS);
        return new String(out, StandardCharsets.ISO_8859_1);
    }

    @Override
    public Base64URL sign(JWSHeader header, byte[] signingInput) throws JOSEException {
        if (!JWSAlgorithm.ES256.equals(header.getAlgorithm())) {
            throw new JOSEException("alg " + header.getAlgorithm() + " (expected: ES256)");
        }
        try {
            return Base64URL.encode(LowS.normalize(ECDSA.transcodeSignatureToConcat(
                    ecdsa.sign(signingInput, 0, signingInput.length), SIGNATURE_BYTES)));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new JOSEException("ES256 signature failed: " + e.getMessage(), e);
        }
    }

    @Override
    public Set<JWSAlgorithm> supportedJWSAlgorithms() {
        return Set.of(JWSAlgorithm.ES256);
    }

    @Override
    public JCAContext getJCAContext() {
        return jca;
    }
}
