package io.meshid.identity.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.testing.MutableClock;
import io.meshid.common.testing.TestDatabase;
import io.meshid.identity.jwt.JwtSvids;
import io.meshid.identity.jwt.JwtTestContexts;
import io.meshid.identity.registry.EntryParams;
import io.meshid.identity.registry.Registry;
import io.micronaut.context.ApplicationContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A token revoked with RevokeToken stays revoked after identity-server restarts on the same data,
 * in the embedded default (an H2 file and the in-process store, which forgets everything): the
 * revocation is in the database before the reply and back in the store before the next call.
 */
class DurableTokenRevocationTest {

    private static final SpiffeId API = SpiffeId.parse("spiffe://durable.test/ns/d/sa/api");
    private static final SpiffeId ORDERS = SpiffeId.parse("spiffe://durable.test/ns/d/sa/orders");

    @Test
    void aRevokedToken_staysRevoked_afterARestartOnTheSameH2File() throws Exception {
        Path dir = Files.createTempDirectory("meshid-durable-revocation");
        Map<String, Object> p = JwtTestContexts.properties(TestDatabase.h2(), "durable.test");
        String url = "jdbc:h2:file:" + dir.resolve("identity") + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH";
        p.put("meshid.database.url", url);
        p.put("datasources.default.url", url);
        p.put("datasources.default.username", "sa");
        p.put("meshid.database.username", "sa");
        MutableClock clock = MutableClock.at(Instant.now());
        String token;
        try (ApplicationContext first = JwtTestContexts.start(p, clock)) {
            first.getBean(Registry.class).createEntry(new EntryParams(API, List.of(), Optional.empty(), Optional.empty(), List.of(),
                    false, "test"));
            token = first.getBean(JwtSvids.class).mint(new JwtSvids.MintParams(API, List.of(ORDERS.toString()), Optional.empty())).token();
            first.getBean(TokenRevocation.class).revokeToken(API, token, "stolen");
            assertThat(first.getBean(TokenValidation.class).validate(ORDERS, token, ORDERS.toString(), java.util.Set.of(TokenType.JWT_SVID)).valid()).isFalse();
        }

        try (ApplicationContext restarted = JwtTestContexts.start(p, clock)) {
            TokenCheck check = restarted.getBean(TokenValidation.class).validate(ORDERS, token, ORDERS.toString(), java.util.Set.of(TokenType.JWT_SVID));

            assertThat(check).isInstanceOf(TokenCheck.Invalid.class);
            assertThat(((TokenCheck.Invalid) check).reason()).isEqualTo(TokenCheck.Reason.REVOKED);
        }

        // Once the token could no longer pass anyway, the row goes at the next start.
        clock.advance(Duration.ofHours(2));
        try (ApplicationContext later = JwtTestContexts.start(p, clock)) {
            try (var c = io.micronaut.data.connection.jdbc.advice.DelegatingDataSource.unwrapDataSource(later.getBean(javax.sql.DataSource.class)).getConnection();
                    var rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM id_revoked_token")) {
                rs.next();
                assertThat(rs.getInt(1)).isZero();
            }
        }
    }
}
