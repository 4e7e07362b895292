package io.meshid.common.server;

import io.micronaut.context.exceptions.ConfigurationException;
import java.time.Duration;

/** Start-up checks of configuration values, failing with the key, the value and what was expected. */
public final class ConfigChecks {

    private ConfigChecks() {
    }

    /** Fails start-up unless {@code min <= value <= max}. */
    public static Duration between(String key, Duration value, Duration min, Duration max) {
        if (value == null || value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new ConfigurationException(key + ": " + value + " (expected: between " + min + " and " + max + ")");
        }
        return value;
    }

    /** Fails start-up unless {@code min <= value <= max}. */
    public static int between(String key, int value, int min, int max) {
        if (value < min || value > max) {
            throw new ConfigurationException(key + ": " + value + " (expected: between " + min + " and " + max + ")");
        }
        return value;
    }
}
