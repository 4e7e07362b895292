package io.meshid.common.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micronaut.context.exceptions.ConfigurationException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeySealerTest {

    private static final byte[] KEK = new byte[32];
    private static final byte[] OTHER_KEK = Base64.getDecoder().decode("AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=");

    @Test
    void sealed_unsealsForItsOwner_only() {
        KeySealer sealer = new KeySealer(KEK, "meshid.test.key-encryption-key");
        byte[] secret = "private key bytes".getBytes(StandardCharsets.UTF_8);

        byte[] sealed = sealer.seal(secret, "key-1");

        assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("private key bytes");
        assertThat(sealer.unseal(sealed, "key-1")).isEqualTo(secret);
        assertThat(sealer.seal(secret, "key-1")).isNotEqualTo(sealed);
        assertThatThrownBy(() -> sealer.unseal(sealed, "key-2")).hasMessage("cannot unseal key key-2: wrong "
                + "meshid.test.key-encryption-key, or the stored key was altered");
        assertThatThrownBy(() -> new KeySealer(OTHER_KEK, "k").unseal(sealed, "key-1")).isInstanceOf(IllegalStateException.class);
        sealed[sealed.length - 1] ^= 1;
        assertThatThrownBy(() -> sealer.unseal(sealed, "key-1")).isInstanceOf(IllegalStateException.class);
        assertThat(sealer.toString()).isEqualTo("KeySealer[key=****]");
    }

    @Test
    void fromConfig_readsTheFile_andNamesTheKeyWhenMissingOrBad(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("kek");
        Files.writeString(file, Base64.getEncoder().encodeToString(OTHER_KEK) + "\n");

        KeySealer fromFile = KeySealer.fromConfig("meshid.identity", Optional.empty(), Optional.of(file), "JWT signing keys");

        assertThat(fromFile.unseal(new KeySealer(OTHER_KEK, "x").seal(new byte[] {7}, "a"), "a")).containsExactly(7);
        assertThatThrownBy(() -> KeySealer.fromConfig("meshid.identity", Optional.empty(), Optional.empty(), "JWT signing keys"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("meshid.identity.key-encryption-key-file: not set")
                .hasMessageContaining("MESHID_IDENTITY_KEY_ENCRYPTION_KEY")
                .hasMessageContaining("JWT signing keys are never stored unencrypted");
        assertThatThrownBy(() -> KeySealer.fromConfig("meshid.identity", Optional.of("c2hvcnQ="), Optional.empty(), "keys"))
                .hasMessageStartingWith("meshid.identity.key-encryption-key: key-encryption key: 5 bytes (expected: 32");
        assertThatThrownBy(() -> KeySealer.fromConfig("meshid.ca", Optional.empty(), Optional.of(dir.resolve("none")), "CA keys"))
                .hasMessageStartingWith("meshid.ca.key-encryption-key-file: cannot read");
    }
}
