package io.meshid.identity.jwt;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.crypto.impl.ECDSA;
import io.meshid.common.keys.CryptoProvider;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class Es256VerifierTest {

    private static final byte[] INPUT = "header.payload".getBytes(StandardCharsets.US_ASCII);

    private static KeyPair p256() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static Es256Verifier verifier(KeyPair pair) throws Exception {
        ECPublicKey key = (ECPublicKey) KeyFactory.getInstance("EC", CryptoProvider.get())
                .generatePublic(new X509EncodedKeySpec(pair.getPublic().getEncoded()));
        return new Es256Verifier(key, CryptoProvider.get());
    }

    private static byte[] jose(KeyPair pair, byte[] input) throws Exception {
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(pair.getPrivate());
        s.update(input);
        return LowS.normalize(ECDSA.transcodeSignatureToConcat(s.sign(), 64));
    }

    /** The same signature with s replaced by n − s: just as valid to plain ECDSA, a second string for one message. */
    static byte[] highS(byte[] lowS) {
        BigInteger s = new BigInteger(1, Arrays.copyOfRange(lowS, 32, 64));
        byte[] high = LowS.ORDER.subtract(s).toByteArray();
        byte[] out = Arrays.copyOf(lowS, 64);
        Arrays.fill(out, 32, 64, (byte) 0);
        int from = Math.max(0, high.length - 32);
        System.arraycopy(high, from, out, 64 - (high.length - from), high.length - from);
        return out;
    }

    @Test
    void aJdkSignature_verifies_repeatedly_andOnlyForItsInputAndKey() throws Exception {
        KeyPair pair = p256();
        Es256Verifier v = verifier(pair);
        byte[] sig = jose(pair, INPUT);

        for (int i = 0; i < 3; i++) {
            assertThat(v.verify(INPUT, INPUT.length, sig)).isTrue();
        }
        assertThat(v.verify(INPUT, INPUT.length - 1, sig)).isFalse();
        assertThat(verifier(p256()).verify(INPUT, INPUT.length, sig)).isFalse();
        assertThat(v.verify(INPUT, INPUT.length, sig)).isTrue();
    }

    @Test
    void zeroOrWrongLengthSignatures_areFalse_notErrors() throws Exception {
        KeyPair pair = p256();
        Es256Verifier v = verifier(pair);
        byte[] sig = jose(pair, INPUT);

        assertThat(v.verify(INPUT, INPUT.length, new byte[64])).isFalse();
        assertThat(v.verify(INPUT, INPUT.length, Arrays.copyOf(sig, 63))).isFalse();
        assertThat(v.verify(INPUT, INPUT.length, Arrays.copyOf(sig, 72))).isFalse();
        assertThat(v.verify(INPUT, INPUT.length, new byte[0])).isFalse();
        assertThat(v.verify(INPUT, INPUT.length, sig)).isTrue();
    }

    @Test
    void aHighSSignature_isRefused_althoughPlainEcdsaAcceptsIt() throws Exception {
        KeyPair pair = p256();
        Es256Verifier v = verifier(pair);
        byte[] low = jose(pair, INPUT);
        byte[] high = highS(low);
        Signature jdk = Signature.getInstance("SHA256withECDSA");
        jdk.initVerify(pair.getPublic());
        jdk.update(INPUT);

        assertThat(jdk.verify(ECDSA.transcodeSignatureToDER(high))).as("the JDK accepts the malleated signature").isTrue();
        assertThat(v.verify(INPUT, INPUT.length, high)).isFalse();
        assertThat(v.verify(INPUT, INPUT.length, low)).isTrue();
    }

    @Test
    void lowS_normalisesOnlyHighS_andKeepsTheSignatureValid() throws Exception {
        KeyPair pair = p256();
        Es256Verifier v = verifier(pair);
        byte[] low = jose(pair, INPUT);

        assertThat(LowS.isLowS(low)).isTrue();
        assertThat(LowS.normalize(low)).isSameAs(low);
        assertThat(LowS.isLowS(highS(low))).isFalse();
        assertThat(LowS.normalize(highS(low))).isEqualTo(low);
        assertThat(v.verify(INPUT, INPUT.length, LowS.normalize(highS(low)))).isTrue();
    }
}
