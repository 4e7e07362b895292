package io.meshid.common.server;

import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Secondary;
import jakarta.inject.Singleton;
import java.time.Clock;

/**
 * The clock every server's TTLs, expiries and rotations read: the system's UTC clock. It is
 * {@code @Secondary}, so a test that registers its own {@link Clock} moves time instead of
 * sleeping.
 */
@Factory
final class ClockFactory {

    @Singleton
    @Secondary
    Clock clock() {
        return Clock.systemUTC();
    }
}
