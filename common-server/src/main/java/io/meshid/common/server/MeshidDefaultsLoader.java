package io.meshid.common.server;

import io.micronaut.context.env.ActiveEnvironment;
import io.micronaut.context.env.PropertySource;
import io.micronaut.context.env.PropertySourceLoader;
import io.micronaut.context.env.yaml.YamlPropertySourceLoader;
import io.micronaut.core.io.ResourceLoader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;

/**
 * Loads {@code meshid-defaults.yml}, the settings every meshid server shares (datasource, Flyway,
 * gRPC limits, management endpoints), beneath each server's own {@code application.yml}: a server
 * overrides any of them there, and environment variables and system properties override both.
 * Registered through {@code META-INF/services}.
 */
public final class MeshidDefaultsLoader implements PropertySourceLoader {

    /** Below {@code application.yml} (-300), environment variables (-200) and system properties (-100). */
    static final int ORDER = -400;

    static final String RESOURCE = "meshid-defaults.yml";

    private final YamlPropertySourceLoader yaml = new YamlPropertySourceLoader();

    @Override
    public Optional<PropertySource> load(String resourceName, ResourceLoader resourceLoader) {
        if (!"application".equals(resourceName)) {
            return Optional.empty();
        }
        return resourceLoader.getResourceAsStream(RESOURCE).map(in -> {
            try (in) {
                return PropertySource.of(RESOURCE, read(RESOURCE, in), ORDER);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + RESOURCE, e);
            }
        });
    }

    @Override
    public Optional<PropertySource> loadEnv(String resourceName, ResourceLoader resourceLoader, ActiveEnvironment environment) {
        return Optional.empty();
    }

    @Override
    public Map<String, Object> read(String name, InputStream input) throws IOException {
        return yaml.read(name, input);
    }
}
