package io.meshid.identity.tokens;

import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Tokens whose signature and intrinsic claims were checked ({@link CheckedToken}), by the SHA-256
 * of the compact token, each until its {@code exp}, at most {@code capacity} of them. It saves the
 * parse and the signature verification of a token presented again; every check that depends on
 * the caller or the moment, revocation above all, still runs on every use. When full, expired
 * entries are swept (at most once a second) and, if none were, new tokens are simply not cached
 * until some expire: a flood of distinct tokens costs what it cost without a cache. Thread-safe.
 */
final class VerifiedTokenCache {

    private static final long SWEEP_EVERY_MILLIS = 1000;

    private final int capacity;
    private final ConcurrentHashMap<TokenDigest, CheckedToken> entries = new ConcurrentHashMap<>();
    private final AtomicLong lastSweep = new AtomicLong();

    VerifiedTokenCache(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: 0 or more)");
        }
        this.capacity = capacity;
    }

    /** The checked token of {@code digest} if it is cached and its {@code exp} is not before {@code now}. */
    CheckedToken get(TokenDigest digest, Instant now) {
        CheckedToken c = entries.get(digest);
        if (c != null && c.expiresAt().isBefore(now)) {
            entries.remove(digest, c);
            return null;
        }
        return c;
    }

    /** Caches {@code token} until its {@code exp} (from {@code now}), if there is room. */
    void put(TokenDigest digest, CheckedToken token, Instant now) {
        if (capacity == 0 || token.expiresAt().isBefore(now)) {
            return;
        }
        if (entries.size() >= capacity) {
            sweep(now);
            if (entries.size() >= capacity) {
                return;
            }
        }
        entries.put(digest, token);
    }

    int size() {
        return entries.size();
    }

    private void sweep(Instant now) {
        long last = lastSweep.get();
        long at = now.toEpochMilli();
        if (at - last < SWEEP_EVERY_MILLIS || !lastSweep.compareAndSet(last, at)) {
            return;
        }
        entries.values().removeIf(c -> c.expiresAt().isBefore(now));
    }
}
