package io.meshid.identity.tokens;

import io.meshid.common.errors.MeshidException;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.store.SharedStore;
import io.meshid.common.store.SharedStoreUnavailableException;
import io.micronaut.context.annotation.Context;
import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The revoked token ids of every trust domain. Durable first: a revocation is written to the
 * database ({@code id_revoked_token}) before it is put in the {@link SharedStore}, and before
 * {@link #revoke} returns. Checks read the store alone (Redis across replicas, so a revocation
 * through one replica is seen by every other at its next check), where each is kept as long as its
 * token could still be accepted. At start-up, before the gRPC server takes calls ({@link Context}),
 * every unexpired row is put back into the store, so a restart of the embedded default (an
 * in-process store) or a Redis that lost its data forgets nothing; expired rows are deleted then
 * and every ten minutes after. Keys are {@code revoked:jti:<trust-domain>:<jti>}. Thread-safe.
 */
@Context
public final class Revocations {

    /** Longest {@code jti} accepted, as the wire's limit. */
    public static final int MAX_JTI = 128;

    private static final Logger LOG = LoggerFactory.getLogger(Revocations.class);
    private static final Duration PRUNE_EVERY = Duration.ofMinutes(10);

    private final SharedStore store;
    private final DataSource dataSource;
    private final Clock clock;
    private volatile Instant nextPrune;

    Revocations(SharedStore store, DataSource dataSource, Clock clock) {
        this.store = store;
        this.dataSource = DelegatingDataSource.unwrapDataSource(dataSource);
        this.clock = clock;
        Instant now = clock.instant();
        prune(now);
        int restored = restore(now);
        if (restored > 0) {
            LOG.info("Restored {} revoked token ids from the database into the {} shared store", restored, store.kind());
        }
    }

    /**
     * Whether {@code jti} of {@code domain} is revoked.
     *
     * @throws MeshidException.Unavailable when the store cannot answer
     */
    public boolean isRevoked(TrustDomain domain, String jti) {
        try {
            return store.contains(key(domain, jti));
        } catch (SharedStoreUnavailableException e) {
            throw new MeshidException.Unavailable("revocation store: " + e.getMessage() + " (the token's revocation state is "
                    + "unknown; retry)", e);
        }
    }

    /**
     * Revokes {@code jti} of {@code domain} for {@code ttl}.
     *
     * @throws MeshidException.Unavailable when the store cannot be written; nothing changed
     */
    public void revoke(TrustDomain domain, String jti, Duration ttl) {
        Instant now = clock.instant();
        persist(domain, jti, now.plus(ttl), now);
        if (now.isAfter(nextPrune)) {
            prune(now);
        }
        try {
            store.put(key(domain, jti), "1", ttl);
        } catch (SharedStoreUnavailableException e) {
            throw new MeshidException.Unavailable("revocation store: " + e.getMessage() + " (nothing was revoked; retry)", e);
        }
    }

    /** Writes the revocation, keeping the later {@code keepUntil} of two. */
    private void persist(TrustDomain domain, String jti, Instant keepUntil, Instant now) {
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("UPDATE id_revoked_token SET keep_until = ? WHERE trust_domain = ? "
                    + "AND jti = ? AND keep_until < ?")) {
                ps.setTimestamp(1, Timestamp.from(keepUntil));
                ps.setString(2, domain.name());
                ps.setString(3, jti);
                ps.setTimestamp(4, Timestamp.from(keepUntil));
                if (ps.executeUpdate() == 1) {
                    return;
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO id_revoked_token (trust_domain, jti, keep_until, revoked_at) "
                    + "VALUES (?, ?, ?, ?)")) {
                ps.setString(1, domain.name());
                ps.setString(2, jti);
                ps.setTimestamp(3, Timestamp.from(keepUntil));
                ps.setTimestamp(4, Timestamp.from(now));
                ps.executeUpdate();
            } catch (SQLException e) {
                if (e.getSQLState() == null || !e.getSQLState().startsWith("23")) {
                    throw e;
                }
                // Revoked before, until at least as late.
            }
        } catch (SQLException e) {
            throw new MeshidException.Unavailable("revocation store: the database did not record it (nothing was revoked; retry)", e);
        }
    }

    private int restore(Instant now) {
        int restored = 0;
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT trust_domain, jti, keep_until FROM id_revoked_token WHERE keep_until > ?")) {
            ps.setTimestamp(1, Timestamp.from(now));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Duration left = Duration.between(now, rs.getTimestamp(3).toInstant());
                    if (left.toMillis() >= 1) {
                        store.put(key(TrustDomain.of(rs.getString(1)), rs.getString(2)), "1", left);
                        restored++;
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the revoked token ids (id_revoked_token): " + e.getMessage(), e);
        }
        return restored;
    }

    private void prune(Instant now) {
        nextPrune = now.plus(PRUNE_EVERY);
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("DELETE FROM id_revoked_token WHERE keep_until <= ?")) {
            ps.setTimestamp(1, Timestamp.from(now));
            ps.executeUpdate();
        } catch (SQLException e) {
            LOG.warn("could not delete expired revoked token ids: {}", e.getSQLState());
        }
    }

    private static String key(TrustDomain domain, String jti) {
        return "revoked:jti:" + domain.name() + ":" + jti;
    }
}
