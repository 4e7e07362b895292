package io.meshid.ca.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshid.common.keys.KeySealer;
import java.nio.charset.StandardCharsets;
import java.security.Signature;
import java.util.Base64;
import java.util.Optional;
import org.bouncycastle.operator.ContentSigner;
import org.junit.jupiter.api.Test;

class SealedSoftwareKeysTest {

    private final KeySealer sealer = KeySealer.fromConfig("meshid.ca",
            Optional.of(Base64.getEncoder().encodeToString(new byte[KeySealer.KEY_BYTES])), Optional.empty(), "CA keys");
    private final SealedSoftwareKeys keys = new SealedSoftwareKeys(sealer);

    @Test
    void aGeneratedKey_storedAndLoaded_signsAsTheOriginal() throws Exception {
        Signer original = keys.generate(KeyAlgorithm.EC_P256);

        byte[] stored = keys.stored(original, "authority-1").orElseThrow();
        Signer loaded = keys.load(stored, original.publicKey(), "authority-1");

        assertThat(loaded.publicKey()).isEqualTo(original.publicKey());
        assertThat(loaded.algorithm()).isEqualTo(KeyAlgorithm.EC_P256);
        byte[] data = "tbs".getBytes(StandardCharsets.UTF_8);
        ContentSigner signer = loaded.contentSigner();
        signer.getOutputStream().write(data);
        Signature verify = Signature.getInstance("SHA256withECDSA");
        verify.initVerify(original.publicKey());
        verify.update(data);
        assertThat(verify.verify(signer.getSignature())).isTrue();
    }

    @Test
    void storedKey_isSealed_notThePlainKey() {
        SoftwareSigner original = (SoftwareSigner) keys.generate(KeyAlgorithm.EC_P256);

        byte[] stored = keys.stored(original, "authority-1").orElseThrow();

        assertThat(new String(stored, StandardCharsets.ISO_8859_1))
                .doesNotContain(new String(original.pkcs8(), StandardCharsets.ISO_8859_1));
    }

    @Test
    void aStoredKey_movedToAnotherAuthority_doesNotLoad() {
        Signer original = keys.generate(KeyAlgorithm.EC_P256);
        byte[] stored = keys.stored(original, "authority-1").orElseThrow();

        assertThatThrownBy(() -> keys.load(stored, original.publicKey(), "authority-2"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("authority-2");
    }

    @Test
    void aKeyItDidNotMake_isNeverStored() {
        Signer absent = new AbsentKeySigner(keys.generate(KeyAlgorithm.EC_P256).publicKey(), KeyAlgorithm.EC_P256, "upstream");

        assertThat(keys.stored(absent, "authority-1")).isEmpty();
    }
}
