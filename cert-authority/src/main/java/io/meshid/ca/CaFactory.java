package io.meshid.ca;

import io.meshid.ca.authority.RotationPolicy;
import io.meshid.common.keys.KeySealer;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.exceptions.ConfigurationException;
import jakarta.inject.Singleton;

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
        return KeySealer.fromConfig(CaConfig.PREFIX, config.getKeyEncryptionKey(), config.getKeyEncryptionKeyFile(), "CA keys");
    }
}
