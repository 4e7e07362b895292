package io.meshid.ca.servers;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.common.keys.KeySealer;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.testing.RequiresPostgres;
import io.meshid.common.testing.TestDatabase;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Server join tokens against the database's own timestamp precision: a token made at any instant
 * of the clock redeems once. PostgreSQL keeps microseconds and rounds the nanoseconds of a
 * {@link java.sql.Timestamp}, so an expiry read at x.123_999_600 s comes back as x.124 s; before
 * the expiry was cut to milliseconds, its sealed grant then no longer matched and a fresh token was
 * refused as "not a valid server join token" (a CI run of the bootstrap process test hit it).
 */
class ServerTokensTest {

    private static final SpiffeId POLICY = SpiffeId.parse("spiffe://ca.test/meshid/policy-server");
    /** The sub-microsecond part rounds up, and carries into the next millisecond. */
    private static final Instant ROUNDS_UP = Instant.parse("2026-12-05T09:00:00.123999600Z");

    @Nested
    @RequiresPostgres
    class OnPostgres {
        @Test
        void aTokenMadeAtAnInstantThatRoundsUp_redeemsOnce() throws Exception {
            try (TestDatabase db = TestDatabase.postgres()) {
                assertRedeemsOnce(db);
            }
        }
    }

    @Test
    void onH2_aTokenMadeAtAnInstantThatRoundsUp_redeemsOnce() throws Exception {
        try (TestDatabase db = TestDatabase.h2()) {
            assertRedeemsOnce(db);
        }
    }

    private static void assertRedeemsOnce(TestDatabase db) throws Exception {
        DataSource data = new UrlDataSource(db.url(), db.url().startsWith("jdbc:h2:") ? "sa" : "postgres");
        try (Connection c = data.getConnection(); Statement s = c.createStatement();
                InputStream sql = ServerTokensTest.class.getResourceAsStream("/db/migration/cert-authority/V5__server_identities.sql")) {
            s.execute(new String(sql.readAllBytes(), StandardCharsets.UTF_8));
        }
        KeySealer sealer = new KeySealer(new byte[KeySealer.KEY_BYTES], "test.key-encryption-key");
        ServerTokens made = new ServerTokens(data, sealer, Clock.fixed(ROUNDS_UP, ZoneOffset.UTC));
        ServerTokens later = new ServerTokens(data, sealer, Clock.fixed(ROUNDS_UP.plusSeconds(1), ZoneOffset.UTC));

        String token = made.create(POLICY, Duration.ofMinutes(10));

        assertThat(later.redeem(token)).contains(POLICY);
        assertThat(later.redeem(token)).as("single use").isEmpty();
    }

    /** The smallest DataSource: a connection per call from {@link DriverManager}. */
    private record UrlDataSource(String url, String user) implements DataSource {
        @Override
        public Connection getConnection() throws SQLException {
            return DriverManager.getConnection(url, user, "");
        }

        @Override
        public Connection getConnection(String username, String password) throws SQLException {
            return DriverManager.getConnection(url, username, password);
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {
        }

        @Override
        public void setLoginTimeout(int seconds) {
        }

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public Logger getParentLogger() {
            return Logger.getGlobal();
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            throw new SQLException("not a wrapper");
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return false;
        }
    }
}
