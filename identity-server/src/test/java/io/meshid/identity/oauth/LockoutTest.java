package io.meshid.identity.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.store.SharedStore;
import io.meshid.common.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Lockout as an attacker meets it: guessing from one source locks that source; guessing from many
 * locks the client, but never a source where the client is already working, and never past the
 * configured time, however long the attacker keeps failing.
 */
class LockoutTest {

    private static final TrustDomain TD = TrustDomain.of("lock.test");
    private final MutableClock clock = MutableClock.at(Instant.parse("2026-12-04T12:00:00Z"));
    private final SharedStore store = SharedStore.inProcess(clock, 10_000);

    private Lockout lockout() {
        OAuthConfig config = new OAuthConfig();
        config.setFailuresPerSource(5);
        config.setFailuresPerClient(20);
        config.setLockout(Duration.ofMinutes(5));
        return new Lockout(store, config);
    }

    @Test
    void failuresFromOneSource_lockOnlyThatSource() {
        Lockout l = lockout();
        for (int i = 0; i < 5; i++) {
            l.failed(TD, "ci", "203.0.113.9");
        }
        assertThat(l.locked(TD, "ci", "203.0.113.9")).isPresent();
        assertThat(l.locked(TD, "ci", "198.51.100.7")).isEmpty();
        assertThat(l.locked(TD, "other", "203.0.113.9")).isEmpty();
    }

    @Test
    void anAttackerFromManySources_neverLocksOutAWorkingCaller_andANewCallerAtMostForTheLockout() {
        Lockout l = lockout();
        l.succeeded(TD, "ci", "10.0.0.1");
        for (int i = 0; i < 25; i++) {
            l.failed(TD, "ci", "203.0.113." + i);
        }
        assertThat(l.locked(TD, "ci", "10.0.0.1")).as("a source that authenticated before").isEmpty();
        assertThat(l.locked(TD, "ci", "10.0.0.2")).as("a new caller during the lockout").isPresent();

        // The attacker keeps failing through the lockout: refused unchecked, so nothing is counted.
        for (int minute = 0; minute < 5; minute++) {
            clock.advance(Duration.ofSeconds(59));
            if (l.locked(TD, "ci", "198.51.100.1").isEmpty()) {
                l.failed(TD, "ci", "198.51.100.1");
            }
        }
        clock.advance(Duration.ofSeconds(6));
        assertThat(l.locked(TD, "ci", "10.0.0.2")).as("the lockout ends on time").isEmpty();
    }
}
