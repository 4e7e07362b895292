package io.meshid.common.store;

import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.sync.RedisCommands;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Redis settings meshid relies on, read with {@code CONFIG GET} once at connection. Every key
 * meshid writes has a TTL, so any {@code maxmemory-policy} but {@code noeviction} may drop a
 * revocation or a replay guard under memory pressure and turn a refused token valid again: such a
 * Redis is refused. No persistence at all ({@code appendonly no} and an empty {@code save}) is
 * only warned about, since a Redis restart then forgets what it held. A Redis that does not allow
 * {@code CONFIG} (some managed services) is warned about and trusted. How Redis is reached is
 * checked from the URI before connecting ({@link #transportWarnings}): plain {@code redis://} to a
 * host that is not this machine, or no password, is warned about (revocations, replay guards and
 * rate-limit counters cross that link and anyone who reaches that port may change them). Stateless.
 */
final class RedisRequirements {

    private static final Logger LOG = LoggerFactory.getLogger(RedisRequirements.class);

    private RedisRequirements() {
    }

    /** Logs {@link #transportWarnings}, one WARN line each. */
    static void checkTransport(RedisURI uri, String maskedUri) {
        transportWarnings(uri, maskedUri).forEach(LOG::warn);
    }

    /** What is unsafe in how {@code uri} reaches Redis: plain TCP off this machine, no password. */
    static List<String> transportWarnings(RedisURI uri, String maskedUri) {
        List<String> warnings = new ArrayList<>();
        if (uri.getSocket() == null && !uri.isSsl() && !loopback(uri.getHost())) {
            warnings.add("Redis at " + maskedUri + " is reached over plain TCP (redis://) on a host that is not this machine: "
                    + "use rediss:// (TLS on the Redis side) so revocations and replay guards cannot be read or changed on "
                    + "the way (docs/operations.md, Redis)");
        }
        boolean password = uri.getCredentialsProvider() != null && uri.getCredentialsProvider().resolveCredentials()
                .map(RedisCredentials::hasPassword).blockOptional().orElse(false);
        if (!password) {
            warnings.add("Redis at " + maskedUri + " is reached without a password: anyone who reaches its port can change "
                    + "revocations and rate limits; set requirepass or an ACL user and put it in meshid.redis.uri "
                    + "(redis://user:password@host) (docs/operations.md, Redis)");
        }
        return warnings;
    }

    private static boolean loopback(String host) {
        if (host == null || host.equalsIgnoreCase("localhost")) {
            return true;
        }
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
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
