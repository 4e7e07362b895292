package io.meshid.ca.revocation;

import io.meshid.common.revocation.RevocationSource;
import io.meshid.common.revocation.RevokedSerial;
import io.meshid.common.spiffe.TrustDomain;
import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * The CA's durable list of revoked serials: {@code ca_revoked}, written in the transaction that
 * marks the journal line. Every CA replica sharing the database reads it at start-up and every
 * {@code meshid.revocation.reload-interval}; rows of expired certificates are deleted once a
 * minute. Thread-safe.
 */
@Singleton
final class JournalRevocationSource implements RevocationSource {

    private static final int MAX_ROWS = 1_000_000;
    private static final Duration PRUNE_EVERY = Duration.ofMinutes(1);

    private final DataSource dataSource;
    private volatile Instant nextPrune = Instant.MIN;

    JournalRevocationSource(DataSource dataSource) {
        this.dataSource = DelegatingDataSource.unwrapDataSource(dataSource);
    }

    @Override
    public String describe() {
        return "the CA's database (ca_revoked)";
    }

    @Override
    public List<RevokedSerial> revoked(Instant now) {
        try (Connection c = dataSource.getConnection()) {
            if (now.isAfter(nextPrune)) {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM ca_revoked WHERE not_after <= ?")) {
                    ps.setTimestamp(1, Timestamp.from(now));
                    ps.executeUpdate();
                }
                nextPrune = now.plus(PRUNE_EVERY);
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT trust_domain, serial, not_after FROM ca_revoked WHERE not_after > ? "
                    + "LIMIT " + MAX_ROWS)) {
                ps.setTimestamp(1, Timestamp.from(now));
                List<RevokedSerial> serials = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        serials.add(RevokedSerial.ofHex(TrustDomain.of(rs.getString(1)), rs.getString(2), rs.getTimestamp(3).toInstant()));
                    }
                }
                return serials;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("ca_revoked: " + e.getMessage(), e);
        }
    }
}
