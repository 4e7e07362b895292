package io.meshid.ca;

import io.meshid.ca.authority.RotationPolicy;
import io.meshid.ca.keys.KeySealer;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.exceptions.ConfigurationException;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Base64;

/** The CA's wiring: the rotation policy and the key sealer, from {@link CaConfig}. */
@Factory
final class CaFactory {

    @Singleton
    RotationPolicy rotationPolicy(CaConfig config) {
        try {
            return new RotationPolicy(config.getRootTtl(), config.getIntermediateTtl(), config.getMaxSvidTtl(),
                    config.getPublishLead(), config.getKeyAlgorithm());
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(e.getMessage());
        }
    }

    @Singleton
    KeySealer keySealer(CaConfig config) {
        String base64 = config.getKeyEncryptionKey().orElseGet(() -> config.getKeyEncryptionKeyFile().map(file -> {
            try {
                return Files.readString(file).trim();
            } catch (IOException e) {
                throw new ConfigurationException(CaConfig.PREFIX + ".key-encryption-key-file: cannot read " + file
                        + " (" + e.getMessage() + ")");
            }
        }).orElseThrow(() -> new ConfigurationException(CaConfig.PREFIX + ".key-encryption-key-file: not set (expected: a file "
                + "holding 32 random bytes in base64, made with `head -c 32 /dev/urandom | base64`; or the key itself in "
                + "MESHID_CA_KEY_ENCRYPTION_KEY). CA keys are never stored unencrypted.")));
        try {
            return new KeySealer(Base64.getDecoder().decode(base64));
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(CaConfig.PREFIX + ".key-encryption-key: " + e.getMessage());
        }
    }
}
