package io.meshid.common.identity;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Bounded exponential backoff with full jitter: attempt {@code n} (from 0) waits a random time in
 * [{@code base·2ⁿ / 2}, {@code base·2ⁿ}], never more than {@code max}. Jitter keeps a fleet of
 * sidecars that lost identity-server or the CA at the same moment from coming back in lockstep.
 * Immutable and thread-safe.
 */
public record Backoff(Duration base, Duration max) {

    /** 500 ms doubling up to 30 s. */
    public static final Backoff DEFAULT = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30));

    public Backoff {
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(max, "max");
        if (base.isNegative() || base.isZero() || max.compareTo(base) < 0) {
            throw new IllegalArgumentException("backoff: base " + base + ", max " + max
                    + " (expected: base above zero and max at least base)");
        }
    }

    /** The delay before retry number {@code attempt} (0 for the first retry). */
    public Duration delay(int attempt) {
        long cap = max.toMillis();
        long ceiling = Math.min(cap, base.toMillis() << Math.min(Math.max(attempt, 0), 30));
        long floor = ceiling / 2;
        return Duration.ofMillis(floor + ThreadLocalRandom.current().nextLong(ceiling - floor + 1));
    }
}
