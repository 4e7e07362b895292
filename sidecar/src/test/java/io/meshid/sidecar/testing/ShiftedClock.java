package io.meshid.sidecar.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The system clock moved by an offset a test can grow: time keeps running (timeouts, cache TTLs and
 * backoffs behave as in production) and a test can jump ahead (an SVID expires, a grace runs out)
 * without sleeping. Thread-safe.
 */
public final class ShiftedClock extends Clock {

    private volatile Duration offset = Duration.ZERO;

    /** Moves the clock ahead by {@code amount}. */
    public void advance(Duration amount) {
        offset = offset.plus(amount);
    }

    /** Back to the system time. */
    public void reset() {
        offset = Duration.ZERO;
    }

    @Override
    public Instant instant() {
        return Instant.now().plus(offset);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("ShiftedClock is UTC only");
    }
}
