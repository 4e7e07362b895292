package io.meshid.identity.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class EntryCacheTest {

    private static final SpiffeId ID = SpiffeId.parse("spiffe://cache.test/ns/a/sa/b");
    private final MutableClock clock = MutableClock.at(Instant.parse("2026-12-01T10:00:00Z"));
    private final EntryCache cache = new EntryCache(clock);
    private final AtomicInteger loads = new AtomicInteger();
    private final AtomicReference<Optional<RegistrationEntry>> stored = new AtomicReference<>(Optional.of(entry()));

    private static RegistrationEntry entry() {
        return new RegistrationEntry("e1", ID, List.of(), Duration.ofHours(1), Duration.ofMinutes(5), List.of(), false, Instant.EPOCH, "t");
    }

    private Optional<RegistrationEntry> read() {
        return cache.get(ID, id -> {
            loads.incrementAndGet();
            return stored.get();
        });
    }

    @Test
    void answers_areReadOnce_perTtl_thenReadAgain() {
        read();
        read();
        assertThat(loads).hasValue(1);

        stored.set(Optional.empty());
        clock.advance(Duration.ofSeconds(EntryCache.TTL_SECONDS));

        assertThat(read()).isEmpty();
        assertThat(loads).hasValue(2);
    }

    @Test
    void clear_makesTheNextReadGoToTheStore() {
        read();
        stored.set(Optional.empty());
        cache.clear();

        assertThat(read()).isEmpty();
    }

    @Test
    void aLoadRacingAClear_isAnsweredButNotKept() {
        cache.get(ID, id -> {
            cache.clear();
            return Optional.of(entry());
        });
        stored.set(Optional.empty());

        assertThat(cache.isFresh(ID)).isFalse();
        assertThat(read()).isEmpty();
    }
}
