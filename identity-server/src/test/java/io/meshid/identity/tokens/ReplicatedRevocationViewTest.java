package io.meshid.identity.tokens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshid.common.errors.MeshidException;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.testing.OwnRedis;
import io.meshid.common.testing.RequiresCommand;
import io.meshid.common.testing.RequiresPostgres;
import io.meshid.common.testing.TestDatabase;
import io.meshid.identity.jwt.JwtTestContexts;
import io.meshid.identity.registry.EntryParams;
import io.meshid.identity.registry.Registry;
import io.micronaut.context.ApplicationContext;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The attacks on a replica that answers revocation checks from memory (issue 16 point 2, issue 17
 * point 3), on two real identity-server contexts, one PostgreSQL and a redis-server of the test's
 * own: a revocation through one replica missed by the other, a stale view trusted while its
 * subscription is dead, and a Redis that lost its data un-revoking a token. The promise checked
 * is the view's: once its staleness bound (1 s) has passed after a revocation returned, the other
 * replica refuses the token, as revoked or as unavailable, whatever happened to Redis.
 */
@RequiresPostgres
@RequiresCommand(value = "redis-server", install = "apt-get install redis-server")
class ReplicatedRevocationViewTest {

    private static final SpiffeId API = SpiffeId.parse("spiffe://view.test/ns/v/sa/api");
    private static final SpiffeId ORDERS = SpiffeId.parse("spiffe://view.test/ns/v/sa/orders");
    private static final long BOUND_MS = 1000;

    @Test
    void revocations_reachTheOtherReplica_throughReconnects_andSurviveRedisLosingItsData() throws Exception {
        try (OwnRedis redis = OwnRedis.start(); TestDatabase database = TestDatabase.postgres()) {
            Map<String, Object> p = JwtTestContexts.properties(database, "view.test");
            p.put("meshid.redis.uri", redis.uri());
            p.put("meshid.redis.command-timeout", "500ms");
            try (ApplicationContext a = ApplicationContext.run(p); ApplicationContext b = ApplicationContext.run(p)) {
                a.getBean(Registry.class).createEntry(new EntryParams(API, List.of(), Optional.empty(), Optional.empty(), List.of(),
                        false, "test"));
                TokenValidation onB = b.getBean(TokenValidation.class);

                // 1. A revocation through A is refused by B once the bound has passed.
                String first = mint(a);
                assertThat(check(onB, first)).isEqualTo("VALID");
                a.getBean(TokenRevocation.class).revokeToken(API, first, "stolen");
                TimeUnit.MILLISECONDS.sleep(BOUND_MS);
                assertThat(check(onB, first)).isIn("REVOKED", "UNAVAILABLE");
                assertThat(eventually(onB, first, "REVOKED")).isEqualTo("REVOKED");

                // 2. The subscribers' connections are killed and the revocation sent meanwhile may be lost:
                //    B re-reads the database when it resubscribes.
                String second = mint(a);
                assertThat(eventually(onB, second, "VALID")).isEqualTo("VALID");
                redis.command("CLIENT KILL TYPE pubsub");
                a.getBean(TokenRevocation.class).revokeToken(API, second, "stolen");
                TimeUnit.MILLISECONDS.sleep(BOUND_MS);
                assertThat(check(onB, second)).isIn("REVOKED", "UNAVAILABLE");
                assertThat(eventually(onB, second, "REVOKED")).isEqualTo("REVOKED");

                // 3. Redis gone: B cannot prove its view current, and refuses even a valid token.
                String third = mint(a);
                assertThat(eventually(onB, third, "VALID")).isEqualTo("VALID");
                redis.stop();
                TimeUnit.MILLISECONDS.sleep(BOUND_MS + 100);
                assertThatThrownBy(() -> onB.validate(ORDERS, third, ORDERS.toString(), Set.of(TokenType.JWT_SVID)))
                        .isInstanceOf(MeshidException.Unavailable.class)
                        .hasMessageContaining("revocation view: not confirmed current");
                // Readiness says the same: the replica is not ready while it refuses token checks.
                assertThatThrownBy(() -> b.getBean(Revocations.class).check()).hasMessageContaining("not confirmed current");

                // 4. Redis back, empty: nothing is un-revoked on either replica; the valid token serves again.
                redis.startAgain();
                assertThat(eventually(onB, third, "VALID")).isEqualTo("VALID");
                b.getBean(Revocations.class).check();
                assertThat(check(onB, first)).isEqualTo("REVOKED");
                assertThat(check(onB, second)).isEqualTo("REVOKED");
                TokenValidation onA = a.getBean(TokenValidation.class);
                assertThat(eventually(onA, third, "VALID")).isEqualTo("VALID");
                assertThat(check(onA, first)).isEqualTo("REVOKED");
                assertThat(check(onA, second)).isEqualTo("REVOKED");
            }
        }
    }

    private static String mint(ApplicationContext context) {
        return TokenChecks.mint(context, API, ORDERS);
    }

    private static String check(TokenValidation validation, String token) {
        return TokenChecks.check(validation, token, ORDERS);
    }

    /** Waits (at most 15 s: reconnects back off) until the check says {@code expected}; returns the last answer. */
    private static String eventually(TokenValidation validation, String token, String expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        String last = check(validation, token);
        while (!last.equals(expected) && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(20);
            last = check(validation, token);
        }
        return last;
    }
}
