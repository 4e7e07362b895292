package io.meshid.identity.jwt;

import io.meshid.common.keys.KeySealer;
import io.meshid.identity.IdentityConfig;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.exceptions.ConfigurationException;
import jakarta.inject.Singleton;

/** The JWT keys' wiring: their rotation policy and the sealer of their private keys. */
@Factory
final class JwtFactory {

    @Singleton
    JwtKeyPolicy jwtKeyPolicy(JwtConfig config) {
        try {
            return JwtKeyPolicy.of(config);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(e.getMessage());
        }
    }

    @Singleton
    KeySealer keySealer(IdentityConfig config) {
        return KeySealer.fromConfig(IdentityConfig.PREFIX, config.getKeyEncryptionKey(), config.getKeyEncryptionKeyFile(),
                "JWT signing keys");
    }
}
