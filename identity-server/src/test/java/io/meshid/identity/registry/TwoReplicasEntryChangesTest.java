package io.meshid.identity.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.testing.ExternalServices;
import io.meshid.common.testing.MutableClock;
import io.meshid.common.testing.RequiresPostgres;
import io.meshid.common.testing.RequiresRedis;
import io.meshid.common.testing.TestDatabase;
import io.micronaut.context.ApplicationContext;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Promise: a registry change made through one replica reaches the other within one second, through
 * the shared store's notification. Two identity-server contexts on one PostgreSQL and one Redis;
 * their clocks stand still, so the cache's own expiry can never be what makes the change visible.
 */
@RequiresPostgres
@RequiresRedis
class TwoReplicasEntryChangesTest {

    private static final long PROMISE_MILLIS = 1_000;

    @Test
    void deletedAndCreatedEntries_reachTheOtherReplica_withinOneSecond_withoutWaitingForTheCache() throws Exception {
        TestDatabase database = TestDatabase.postgres();
        Map<String, Object> p = new HashMap<>(database.properties("common", "identity-server"));
        p.put("meshid.trust-domain", "changes.test");
        p.put("meshid.redis.uri", ExternalServices.redisUri());
        MutableClock clock = MutableClock.at(Instant.parse("2026-12-04T12:00:00Z"));
        try (ApplicationContext a = ApplicationContext.builder().properties(p).singletons(clock).start();
                ApplicationContext b = ApplicationContext.builder().properties(p).singletons(clock).start()) {
            Registry first = a.getBean(Registry.class);
            Registry second = b.getBean(Registry.class);
            SpiffeId id = SpiffeId.parse("spiffe://changes.test/ns/c/sa/deleted");
            RegistrationEntry entry = first.createEntry(new EntryParams(id, List.of(), Optional.empty(), Optional.empty(),
                    List.of(), false, "test"));
            // Held in the other replica's cache (once the notification of the creation itself has come by).
            assertThat(within(() -> second.entryFor(id).isPresent() && second.entryInMemory(id))).isTrue();

            first.deleteEntry(TrustDomain.of("changes.test"), entry.id());

            assertThat(within(() -> second.entryFor(id).isEmpty())).as("deleted entry gone on the other replica").isTrue();

            SpiffeId later = SpiffeId.parse("spiffe://changes.test/ns/c/sa/created");
            assertThat(second.entryFor(later)).isEmpty();
            first.createEntry(new EntryParams(later, List.of(), Optional.empty(), Optional.empty(), List.of(), false, "test"));

            assertThat(within(() -> second.entryFor(later).isPresent())).as("new entry seen on the other replica").isTrue();
        } finally {
            database.close();
        }
    }

    private static boolean within(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + PROMISE_MILLIS * 1_000_000;
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(10);
        }
        return condition.getAsBoolean();
    }
}
