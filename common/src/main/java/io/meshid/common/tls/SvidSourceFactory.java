package io.meshid.common.tls;

import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.exceptions.ConfigurationException;
import jakarta.inject.Singleton;
import java.nio.file.Path;

/**
 * Makes the server's {@link SvidSource} from its PEM files when {@code meshid.tls.cert-file} is
 * set ({@link PemFileSvidSource}, closed on shutdown). A server that holds its own SVID in memory
 * (the CA issues its own) leaves {@code meshid.tls.cert-file} unset and defines an
 * {@link SvidSource} bean itself; setting both would make two beans of that type.
 */
@Factory
final class SvidSourceFactory {

    @Singleton
    @Bean(preDestroy = "close")
    @Requires(property = TlsConfig.PREFIX + ".cert-file")
    PemFileSvidSource pemFileSvidSource(TlsConfig config) {
        Path cert = config.getCertFile();
        Path key = required(config.getKeyFile(), SvidFileSet.Role.KEY);
        Path bundle = required(config.getBundleFile(), SvidFileSet.Role.BUNDLE);
        try {
            return new PemFileSvidSource(cert, key, bundle, config.getPollInterval());
        } catch (SvidFileSet.Failure e) {
            throw new ConfigurationException(e.role().configKey + ": " + e.getMessage());
        }
    }

    private static Path required(Path value, SvidFileSet.Role role) {
        if (value == null) {
            throw new ConfigurationException(role.configKey + ": not set (expected: " + role.expected
                    + ", since " + TlsConfig.PREFIX + ".cert-file is set)");
        }
        return value;
    }
}
