package io.meshid.common.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Provider;
import java.security.Security;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PooledEcdsaTest {

    private static final byte[] INPUT = "xx-to-be-signed-xx".getBytes(StandardCharsets.US_ASCII);

    private static KeyPair pair(String curve) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec(curve));
        return g.generateKeyPair();
    }

    /**
     * A signature over a slice of the input is the JDK's {@code SHA…withECDSA} of that slice, through
     * Conscrypt and through the JDK's own provider, again and again from the same pool; and the
     * JDK's signatures verify, only for their slice and their key.
     */
    @ParameterizedTest
    @CsvSource({"secp256r1, SHA-256, SHA256withECDSA", "secp384r1, SHA-384, SHA384withECDSA"})
    void signaturesOfASlice_areTheJdksOfThatSlice_bothWays(String curve, String digest, String jca) throws Exception {
        KeyPair pair = pair(curve);
        KeyPair other = pair(curve);
        for (Provider provider : List.of(CryptoProvider.get(), Security.getProvider("SunEC"))) {
            PooledEcdsa signer = PooledEcdsa.signing(pair.getPrivate(), digest, provider);
            PooledEcdsa verifier = PooledEcdsa.verifying(pair.getPublic(), digest, provider);
            for (int i = 0; i < 3; i++) {
                byte[] der = signer.sign(INPUT, 2, INPUT.length - 4);
                Signature jdk = Signature.getInstance(jca, "SunEC");
                jdk.initVerify(pair.getPublic());
                jdk.update(INPUT, 2, INPUT.length - 4);
                assertThat(jdk.verify(der)).as(provider.getName()).isTrue();

                Signature jdkSign = Signature.getInstance(jca, "SunEC");
                jdkSign.initSign(pair.getPrivate());
                jdkSign.update(INPUT, 2, INPUT.length - 4);
                byte[] jdkDer = jdkSign.sign();
                assertThat(verifier.verify(INPUT, 2, INPUT.length - 4, jdkDer)).isTrue();
                assertThat(verifier.verify(INPUT, 2, INPUT.length - 3, jdkDer)).isFalse();
                assertThat(PooledEcdsa.verifying(other.getPublic(), digest, provider).verify(INPUT, 2, INPUT.length - 4, jdkDer))
                        .isFalse();
            }
        }
    }
}
