package io.meshid.common.store;

import io.lettuce.core.RedisException;
import io.lettuce.core.api.sync.RedisCommands;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Redis settings meshid relies on, read with {@code CONFIG GET} once at connection. Every key
 * meshid writes has a TTL, so any {@code maxmemory-policy} but {@code noeviction} may drop a
 * revocation or a replay guard under memory pressure and turn a refused token valid again: such a
 * Redis is refused. No persistence at all ({@code appendonly no} and an empty {@code save}) is
 * only warned about, since a Redis restart then forgets what it held. A Redis that does not allow
 * {@code CONFIG} (some managed services) is warned about and trusted. Stateless.
 */
final class RedisRequirements {

    private static final Logger LOG = LoggerFactory.getLogger(RedisRequirements.class);

    private RedisRequirements() {
    }

    /** @throws IllegalStateException when the Redis at {@code maskedUri} evicts keys */
    static void check(RedisCommands<String, String> commands, String maskedUri) {
        Map<String, String> config;
        try {
            config = commands.configGet("maxmemory-policy", "appendonly", "save");
        } catch (RedisException e) {
            LOG.warn("Could not read the settings of Redis at {} ({}); make sure maxmemory-policy is noeviction and "
                    + "persistence is on (docs/operations.md, Redis)", maskedUri, e.getMessage());
            return;
        }
        String policy = config.getOrDefault("maxmemory-policy", "noeviction");
        if (!"noeviction".equals(policy)) {
            throw new IllegalStateException("Redis at " + maskedUri + " has maxmemory-policy " + policy
                    + " (expected: noeviction; an evicted revocation would make a revoked token valid again). "
                    + "Set it with CONFIG SET maxmemory-policy noeviction or in redis.conf");
        }
        if ("no".equals(config.get("appendonly")) && config.getOrDefault("save", "").isBlank()) {
            LOG.warn("Redis at {} keeps no persistence (appendonly no, save \"\"): a Redis restart forgets replay guards, "
                    + "rate limits and the revocations it holds (docs/operations.md, Redis)", maskedUri);
        }
    }
}
