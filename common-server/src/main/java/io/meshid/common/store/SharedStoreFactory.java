package io.meshid.common.store;

import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.exceptions.ConfigurationException;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the {@link SharedStore} bean: in Redis when {@code meshid.redis.uri} is set and not
 * blank, otherwise in-process. Settings: {@code meshid.redis.command-timeout} (default 2 s) and
 * {@code meshid.store.max-entries} (the in-process bound, default 1,000,000, for values and again for
 * counters, which have a space of their own). Expiry in-process
 * follows the {@link Clock} bean when there is one, else the system clock.
 */
@Factory
final class SharedStoreFactory {

    static final String REDIS_URI = "meshid.redis.uri";
    static final String COMMAND_TIMEOUT = "meshid.redis.command-timeout";
    static final String MAX_ENTRIES = "meshid.store.max-entries";

    private static final Logger LOG = LoggerFactory.getLogger(SharedStoreFactory.class);
    private static final Duration MAX_COMMAND_TIMEOUT = Duration.ofMinutes(1);

    @Singleton
    @Bean(preDestroy = "close")
    SharedStore sharedStore(
            @Value("${" + REDIS_URI + ":}") String redisUri,
            @Value("${" + COMMAND_TIMEOUT + ":2s}") Duration commandTimeout,
            @Value("${" + MAX_ENTRIES + ":" + InProcessSharedStore.DEFAULT_MAX_ENTRIES + "}") int maxEntries,
            Optional<Clock> clock) {
        if (redisUri == null || redisUri.isBlank()) {
            if (maxEntries < 1) {
                throw new ConfigurationException(MAX_ENTRIES + ": " + maxEntries + " (expected: at least 1)");
            }
            LOG.info("Shared store: in-process, at most {} entries (set {} to share revocations, replay guards "
                    + "and rate limits between replicas)", maxEntries, REDIS_URI);
            return new InProcessSharedStore(clock.orElseGet(Clock::systemUTC), maxEntries);
        }
        if (commandTimeout.compareTo(StoreArguments.MIN_TTL) < 0 || commandTimeout.compareTo(MAX_COMMAND_TIMEOUT) > 0) {
            throw new ConfigurationException(
                    COMMAND_TIMEOUT + ": " + commandTimeout + " (expected: between PT0.001S and PT1M)");
        }
        String uri = redisUri.strip();
        RedisSharedStore store;
        try {
            store = new RedisSharedStore(uri, commandTimeout);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(REDIS_URI + " (env MESHID_REDIS_URI): " + e.getMessage());
        } catch (IllegalStateException e) {
            throw new ConfigurationException(REDIS_URI + " (env MESHID_REDIS_URI): " + e.getMessage());
        }
        LOG.info("Shared store: redis at {} (command timeout {})", RedisUris.mask(uri), commandTimeout);
        return store;
    }
}
