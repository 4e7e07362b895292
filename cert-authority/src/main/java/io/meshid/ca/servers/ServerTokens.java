package io.meshid.ca.servers;

import io.meshid.common.errors.MeshidException;
import io.meshid.common.keys.KeySealer;
import io.meshid.common.spiffe.SpiffeId;
import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The CA's join tokens for server identities ({@code ca_server_token}): made only by the bootstrap
 * command beside the CA ({@link Bootstrap}), each good for one attestation before it expires, across
 * every CA replica sharing the database. A token is 32 random bytes (base64url); only its SHA-256 is
 * stored, and what it grants (SPIFFE ID and expiry) is sealed under the CA's key-encryption key
 * with that hash as associated data: a row forged or altered by someone with database access but
 * without the key grants nothing. Thread-safe.
 */
@Singleton
final class ServerTokens {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int MAX_TOKEN_CHARS = 256;

    private final DataSource dataSource;
    private final KeySealer sealer;
    private final Clock clock;

    ServerTokens(DataSource dataSource, KeySealer sealer, Clock clock) {
        this.dataSource = DelegatingDataSource.unwrapDataSource(dataSource);
        this.sealer = sealer;
        this.clock = clock;
    }

    /** Stores a new token for {@code id}, valid for {@code ttl}, and returns it (shown once, never stored). */
    String create(SpiffeId id, Duration ttl) {
        byte[] raw = new byte[32];
        RANDOM.nextBytes(raw);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        String hash = sha256(token);
        Instant now = clock.instant();
        // Whole milliseconds: the grant seals the expiry in milliseconds, and the database keeps
        // microseconds, rounding the rest; a nanosecond clock reading ending in x.999_5xx ms would
        // come back one millisecond later and the sealed grant would no longer match its row.
        Instant expires = now.plus(ttl).truncatedTo(ChronoUnit.MILLIS);
        byte[] grant = sealer.seal(grant(id, expires), owner(hash));
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("INSERT INTO ca_server_token (token_sha256, spiffe_id, expires_at, "
                        + "sealed_grant, created_at) VALUES (?, ?, ?, ?, ?)")) {
            ps.setString(1, hash);
            ps.setString(2, id.toString());
            ps.setTimestamp(3, Timestamp.from(expires));
            ps.setBytes(4, grant);
            ps.setTimestamp(5, Timestamp.from(now));
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new MeshidException.Unavailable("server tokens: the database did not take the token", e);
        }
        return token;
    }

    /**
     * Uses {@code token} up: the SPIFFE ID it grants, or empty when it is unknown, used, expired or its
     * row does not unseal. Of two concurrent redemptions (on any replica) at most one succeeds.
     */
    Optional<SpiffeId> redeem(String token) {
        if (token.isEmpty() || token.length() > MAX_TOKEN_CHARS) {
            return Optional.empty();
        }
        String hash = sha256(token);
        Instant now = clock.instant();
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement use = c.prepareStatement("UPDATE ca_server_token SET used_at = ? "
                    + "WHERE token_sha256 = ? AND used_at IS NULL AND expires_at > ?")) {
                use.setTimestamp(1, Timestamp.from(now));
                use.setString(2, hash);
                use.setTimestamp(3, Timestamp.from(now));
                if (use.executeUpdate() != 1) {
                    return Optional.empty();
                }
            }
            try (PreparedStatement read = c.prepareStatement("SELECT spiffe_id, expires_at, sealed_grant FROM ca_server_token "
                    + "WHERE token_sha256 = ?")) {
                read.setString(1, hash);
                try (ResultSet rs = read.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    SpiffeId id = SpiffeId.parse(rs.getString(1));
                    Instant expires = rs.getTimestamp(2).toInstant();
                    byte[] sealed;
                    try {
                        sealed = sealer.unseal(rs.getBytes(3), owner(hash));
                    } catch (IllegalStateException e) {
                        return Optional.empty();
                    }
                    // The sealed grant is what counts: the plain columns only serve the WHERE clause and operators.
                    return MessageDigest.isEqual(sealed, grant(id, expires)) && now.isBefore(expires) ? Optional.of(id) : Optional.empty();
                }
            }
        } catch (SQLException e) {
            throw new MeshidException.Unavailable("server tokens: the database is unavailable; retry shortly", e);
        }
    }

    private static byte[] grant(SpiffeId id, Instant expires) {
        return (id + "\n" + expires.toEpochMilli()).getBytes(StandardCharsets.UTF_8);
    }

    private static String owner(String hash) {
        return "ca_server_token:" + hash;
    }

    static String sha256(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
