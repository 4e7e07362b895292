package io.meshid.identity.jwt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.meshid.common.keys.CryptoProvider;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class Es256SignerTest {

    private static KeyPair p256() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    @Test
    void signatures_fromManyThreads_eachVerifyWithTheJdksVerifier_andOnlyWithTheirKey() throws Exception {
        KeyPair pair = p256();
        KeyPair other = p256();
        Es256Signer signer = new Es256Signer((ECPrivateKey) pair.getPrivate(), CryptoProvider.get());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<SignedJWT>> signed = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                String sub = "spiffe://sign.test/w" + i;
                signed.add(pool.submit(() -> {
                    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.ES256), new JWTClaimsSet.Builder().subject(sub).build());
                    jwt.sign(signer);
                    return jwt;
                }));
            }
            for (int i = 0; i < signed.size(); i++) {
                SignedJWT jwt = SignedJWT.parse(signed.get(i).get(30, TimeUnit.SECONDS).serialize());
                assertThat(jwt.getSignature().decode()).hasSize(64);
                assertThat(jwt.verify(new ECDSAVerifier((ECPublicKey) pair.getPublic()))).isTrue();
                assertThat(jwt.verify(new ECDSAVerifier((ECPublicKey) other.getPublic()))).isFalse();
                assertThat(jwt.getJWTClaimsSet().getSubject()).isEqualTo("spiffe://sign.test/w" + i);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void otherAlgorithms_areRefused() throws Exception {
        Es256Signer signer = new Es256Signer((ECPrivateKey) p256().getPrivate(), CryptoProvider.get());

        assertThat(signer.supportedJWSAlgorithms()).containsExactly(JWSAlgorithm.ES256);
        assertThatThrownBy(() -> signer.sign(new JWSHeader(JWSAlgorithm.ES384), new byte[] {1}))
                .isInstanceOf(JOSEException.class).hasMessageContaining("expected: ES256");
    }

    @Test
    void everySignature_isLowS_onBothSigningPaths() throws Exception {
        Es256Signer signer = new Es256Signer((ECPrivateKey) p256().getPrivate(), CryptoProvider.get());
        byte[] header = java.util.Base64.getUrlEncoder().withoutPadding().encode("{\"alg\":\"ES256\"}".getBytes(
                java.nio.charset.StandardCharsets.US_ASCII));

        for (int i = 0; i < 100; i++) {
            assertThat(LowS.isLowS(signer.sign(new JWSHeader(JWSAlgorithm.ES256), new byte[] {(byte) i}).decode())).isTrue();
            String compact = signer.signCompact(header, ("{\"n\":" + i + "}").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            assertThat(LowS.isLowS(com.nimbusds.jose.util.Base64URL.from(compact.substring(compact.lastIndexOf('.') + 1)).decode()))
                    .isTrue();
        }
    }

    /**
     * The signature is the JDK's SHA-256 and then ECDSA on the digest: with Conscrypt and with the
     * JDK's own provider (the fallback where Conscrypt cannot load), each compact token verifies with
     * nimbus's verifier and with {@link Es256Verifier} through either provider, and only for its input.
     */
    @Test
    void compactTokens_fromEitherProvider_verifyWithEither_andOnlyForTheirInput() throws Exception {
        KeyPair pair = p256();
        java.security.Provider jdk = java.security.Security.getProvider("SunEC");
        byte[] header = java.util.Base64.getUrlEncoder().withoutPadding().encode("{\"alg\":\"ES256\"}".getBytes(
                java.nio.charset.StandardCharsets.US_ASCII));
        for (java.security.Provider signing : List.of(CryptoProvider.get(), jdk)) {
            String compact = new Es256Signer((ECPrivateKey) pair.getPrivate(), signing).signCompact(header,
                    "{\"sub\":\"spiffe://sign.test/w\"}".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            assertThat(SignedJWT.parse(compact).verify(new ECDSAVerifier((ECPublicKey) pair.getPublic()))).isTrue();
            byte[] input = compact.substring(0, compact.lastIndexOf('.')).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            byte[] signature = com.nimbusds.jose.util.Base64URL.from(compact.substring(compact.lastIndexOf('.') + 1)).decode();
            for (java.security.Provider verifying : List.of(CryptoProvider.get(), jdk)) {
                Es256Verifier verifier = new Es256Verifier((ECPublicKey) pair.getPublic(), verifying);
                assertThat(verifier.verify(input, input.length, signature)).as(signing.getName() + " → " + verifying.getName()).isTrue();
                assertThat(verifier.verify(input, input.length - 1, signature)).isFalse();
            }
        }
    }
}
