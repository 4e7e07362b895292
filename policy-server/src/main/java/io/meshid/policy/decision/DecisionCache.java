package io.meshid.policy.decision;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.meshid.policy.cedar.ContextReads;
import io.meshid.policy.cedar.Decision;
import io.meshid.policy.cedar.DecisionRequest;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Bounded, expiring cache of Cedar decisions, keyed on everything the deciding policies can read:
 * trust domain and version, principal, action, resource, and the context fields the policies of
 * the request's slice reference (the whole context when unsure). Size 0 or TTL 0 turns it off.
 * Emptied on every version change (the key holds the version too, so a stale entry could never
 * answer a newer version anyway). Thread-safe; never blocks.
 */
final class DecisionCache {

    private final Cache<Key, Decision> cache;

    record Key(String trustDomain, long version, String principal, String action, String resource, Map<String, Object> context) {}

    DecisionCache(int size, Duration ttl, Clock clock) {
        this.cache = size == 0 || ttl.isZero() ? null : Caffeine.newBuilder()
                .maximumSize(size)
                .expireAfterWrite(ttl)
                .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
                .executor(Runnable::run)
                .build();
    }

    boolean enabled() {
        return cache != null;
    }

    /** The key of {@code request} decided by {@code version} of {@code trustDomain}. */
    static Key key(String trustDomain, long version, DecisionRequest request, ContextReads reads) {
        Map<String, Object> context;
        if (reads.whole()) {
            context = request.context();
        } else if (reads.fields().isEmpty()) {
            context = Map.of();
        } else {
            context = new HashMap<>(reads.fields().size() * 2);
            for (String field : reads.fields()) {
                context.put(field, request.context().get(field));
            }
        }
        return new Key(trustDomain, version, request.principal().id(), request.action().id(), request.resource().id(), context);
    }

    Decision get(Key key) {
        return cache == null ? null : cache.getIfPresent(key);
    }

    void put(Key key, Decision decision) {
        if (cache != null) {
            cache.put(key, decision);
        }
    }

    void clear() {
        if (cache != null) {
            cache.invalidateAll();
        }
    }

    long size() {
        return cache == null ? 0 : cache.estimatedSize();
    }
}
