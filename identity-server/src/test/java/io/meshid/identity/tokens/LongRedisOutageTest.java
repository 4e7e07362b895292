package io.meshid.identity.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.testing.OwnRedis;
import io.meshid.common.testing.RequiresCommand;
import io.meshid.common.testing.RequiresPostgres;
import io.meshid.common.testing.TestDatabase;
import io.meshid.identity.jwt.JwtTestContexts;
import io.meshid.identity.registry.EntryParams;
import io.meshid.identity.registry.Registry;
import io.micronaut.context.ApplicationContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 17 point 3 after a long Redis outage, on a real identity-server context, PostgreSQL and a
 * redis-server of the test's own: Redis is gone for 8 s (lettuce's own back-off, doubling up to
 * 30 s, would by then wait seconds between attempts), during which token validation fails closed
 * ({@code UNAVAILABLE}: the revocation view cannot prove itself current). Promise: within 2 s of
 * Redis answering again, a valid token validates again and the revocation view is confirmed
 * current (readiness's check passes), a revoked one stays revoked, without a restart.
 */
@RequiresPostgres
@RequiresCommand(value = "redis-server", install = "apt-get install redis-server")
@Timeout(60)
class LongRedisOutageTest {

    private static final SpiffeId API = SpiffeId.parse("spiffe://long.test/ns/v/sa/api");
    private static final SpiffeId ORDERS = SpiffeId.parse("spiffe://long.test/ns/v/sa/orders");
    private static final Duration OUTAGE = Duration.ofSeconds(8);
    private static final Duration RECOVERY_PROMISE = Duration.ofSeconds(2);

    @Test
    void afterAnEightSecondRedisOutage_tokenValidationServesWithinTwoSecondsOfRedisReturning() throws Exception {
        try (OwnRedis redis = OwnRedis.start(); TestDatabase database = TestDatabase.postgres()) {
            Map<String, Object> p = JwtTestContexts.properties(database, "long.test");
            p.put("meshid.redis.uri", redis.uri());
            p.put("meshid.redis.command-timeout", "500ms");
            try (ApplicationContext context = ApplicationContext.run(p)) {
                context.getBean(Registry.class).createEntry(new EntryParams(API, List.of(), Optional.empty(), Optional.empty(),
                        List.of(), false, "test"));
                TokenValidation validation = context.getBean(TokenValidation.class);
                String valid = mint(context);
                String revoked = mint(context);
                context.getBean(TokenRevocation.class).revokeToken(API, revoked, "stolen");
                assertThat(check(validation, valid)).isEqualTo("VALID");
                assertThat(check(validation, revoked)).isEqualTo("REVOKED");

                redis.stop();
                long stoppedAt = System.nanoTime();
                TimeUnit.MILLISECONDS.sleep(1_500);
                assertThat(check(validation, valid)).as("fails closed while Redis is gone").isEqualTo("UNAVAILABLE");
                TimeUnit.NANOSECONDS.sleep(Math.max(0, OUTAGE.toNanos() - (System.nanoTime() - stoppedAt)));
                assertThat(check(validation, valid)).as("still closed at the end of the outage").isEqualTo("UNAVAILABLE");

                redis.startAgain();
                long back = System.nanoTime();
                long deadline = back + RECOVERY_PROMISE.toNanos();
                String last = check(validation, valid);
                while (!last.equals("VALID") && System.nanoTime() < deadline) {
                    TimeUnit.MILLISECONDS.sleep(20);
                    last = check(validation, valid);
                }
                long servedAfter = System.nanoTime() - back;
                assertThat(last).as("validation serves again within %s of Redis' return", RECOVERY_PROMISE).isEqualTo("VALID");
                context.getBean(Revocations.class).check();
                assertThat(check(validation, revoked)).isEqualTo("REVOKED");
                System.out.printf("LongRedisOutageTest: token validation served again %d ms after Redis returned%n",
                        TimeUnit.NANOSECONDS.toMillis(servedAfter));
            }
        }
    }

    private static String mint(ApplicationContext context) {
        return TokenChecks.mint(context, API, ORDERS);
    }

    private static String check(TokenValidation validation, String token) {
        return TokenChecks.check(validation, token, ORDERS);
    }
}
