package io.meshid.identity.jwt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.testing.MutableClock;
import io.meshid.common.testing.TestDatabase;
import io.micronaut.context.ApplicationContext;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** JWT keys at rest: sealed in the database, the same after a restart, unusable with another KEK. */
class JwtKeyStoreTest {

    private static final TrustDomain DOMAIN = TrustDomain.of("store.test");

    @Test
    void keys_surviveARestart_areSealed_andAnotherKekCannotOpenThem() throws Exception {
        MutableClock clock = MutableClock.at(Instant.parse("2026-12-01T00:00:00Z"));
        TestDatabase db = TestDatabase.h2();
        Map<String, Object> p = JwtTestContexts.properties(db, "store.test");
        String kid;
        try (ApplicationContext first = JwtTestContexts.start(p, clock)) {
            kid = first.getBean(JwtKeyManager.class).jwks(DOMAIN).activeKeyId();
        }
        try (Connection c = DriverManager.getConnection(db.url(), "sa", "");
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT public_jwk, sealed_key FROM id_jwt_key")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).contains(kid).doesNotContain("\"d\"");
            assertThat(rs.getBytes(2)[0]).as("sealed format version").isEqualTo((byte) 1);
        }

        try (ApplicationContext again = JwtTestContexts.start(p, clock)) {
            assertThat(again.getBean(JwtKeyManager.class).jwks(DOMAIN).activeKeyId()).isEqualTo(kid);
        }
        p.put("meshid.identity.key-encryption-key", "ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICA=");
        try (ApplicationContext wrong = JwtTestContexts.start(p, clock)) {
            assertThatThrownBy(() -> wrong.getBean(JwtKeyManager.class).jwks(DOMAIN))
                    .hasMessageContaining("wrong meshid.identity.key-encryption-key");
        } finally {
            db.close();
        }
    }

    @Test
    void noKek_failsStartUp_sayingHowToMakeOne() {
        TestDatabase db = TestDatabase.h2();
        Map<String, Object> p = JwtTestContexts.properties(db, "store.test");
        p.remove("meshid.identity.key-encryption-key");
        try (ApplicationContext c = ApplicationContext.run(p)) {
            assertThatThrownBy(() -> c.getBean(JwtKeyManager.class))
                    .rootCause()
                    .hasMessageContaining("meshid.identity.key-encryption-key-file: not set")
                    .hasMessageContaining("head -c 32 /dev/urandom | base64");
        } finally {
            db.close();
        }
    }
}
