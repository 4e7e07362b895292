package io.meshid.identity.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.testing.ExternalServices;
import io.meshid.common.testing.RequiresPostgres;
import io.meshid.common.testing.RequiresRedis;
import io.meshid.common.testing.TestDatabase;
import io.meshid.identity.jwt.JwtSvids;
import io.meshid.identity.jwt.JwtTestContexts;
import io.meshid.identity.registry.EntryParams;
import io.meshid.identity.registry.Registry;
import io.micronaut.context.ApplicationContext;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Two identity-server replicas (two application contexts) on one PostgreSQL and one Redis: they
 * share the signing keys, so a token minted through one is valid through the other; a
 * revocation through one is seen by the other.
 */
@RequiresPostgres
@RequiresRedis
class TwoReplicasRevocationTest {

    @Test
    void firstUse_onTwoReplicasAtOnce_makesOneKey() throws Exception {
        TestDatabase database = TestDatabase.postgres();
        Map<String, Object> p = JwtTestContexts.properties(database, "race.test");
        TrustDomain domain = TrustDomain.of("race.test");
        try (ApplicationContext a = ApplicationContext.run(p); ApplicationContext b = ApplicationContext.run(p)) {
            var pool = java.util.concurrent.Executors.newFixedThreadPool(8);
            var go = new java.util.concurrent.CountDownLatch(1);
            List<java.util.concurrent.Future<String>> actives = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                var keys = (i % 2 == 0 ? a : b).getBean(io.meshid.identity.jwt.JwtKeyManager.class);
                actives.add(pool.submit(() -> {
                    go.await();
                    return keys.jwks(domain).activeKeyId();
                }));
            }
            go.countDown();
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (var f : actives) {
                seen.add(f.get(30, TimeUnit.SECONDS));
            }
            pool.shutdown();

            assertThat(seen).hasSize(1);
            assertThat(a.getBean(io.meshid.identity.jwt.JwtKeyManager.class).jwks(domain).keyIds()).containsExactlyElementsOf(seen);
        } finally {
            database.close();
        }
    }

    @Test
    void aRevocationThroughOneReplica_isSeenByTheOther() throws Exception {
        TestDatabase database = TestDatabase.postgres();
        Map<String, Object> p = JwtTestContexts.properties(database, "replicas.test");
        p.put("meshid.redis.uri", ExternalServices.redisUri());
        SpiffeId api = SpiffeId.parse("spiffe://replicas.test/ns/r/sa/api");
        try (ApplicationContext a = ApplicationContext.run(p); ApplicationContext b = ApplicationContext.run(p)) {
            a.getBean(Registry.class).createEntry(new EntryParams(api, List.of(), Optional.empty(), Optional.empty(), List.of(), false,
                    "test"));
            SpiffeId orders = SpiffeId.parse("spiffe://replicas.test/ns/r/sa/orders");
            var token = a.getBean(JwtSvids.class).mint(new JwtSvids.MintParams(api, List.of(orders.toString()), Optional.empty()));
            TokenValidation second = b.getBean(TokenValidation.class);
            assertThat(second.validate(orders, token.token(), orders.toString(), java.util.Set.of()).valid()).isTrue();

            a.getBean(TokenRevocation.class).revokeToken(api, token.token(), "test");

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            TokenCheck check = second.validate(orders, token.token(), orders.toString(), java.util.Set.of());
            while (check.valid() && System.nanoTime() < deadline) {
                TimeUnit.MILLISECONDS.sleep(20);
                check = second.validate(orders, token.token(), orders.toString(), java.util.Set.of());
            }
            assertThat(check).isInstanceOf(TokenCheck.Invalid.class);
            assertThat(((TokenCheck.Invalid) check).reason()).isEqualTo(TokenCheck.Reason.REVOKED);
            assertThat(a.getBean(io.meshid.identity.jwt.JwtKeyManager.class).jwks(TrustDomain.of("replicas.test")).keyIds())
                    .isEqualTo(b.getBean(io.meshid.identity.jwt.JwtKeyManager.class).jwks(TrustDomain.of("replicas.test")).keyIds());
        } finally {
            database.close();
        }
    }
}
