package io.meshid.identity.oauth;

import io.meshid.common.errors.MeshidException;
import io.meshid.common.jdbc.Statements;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import jakarta.inject.Singleton;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/**
 * The {@code id_oauth_client} table. Every query names the trust domain. Thread-safe.
 */
@Singleton
final class OAuthClientStore {

    /** A client with the hashes of its secrets. */
    record Row(OAuthClient client, Optional<String> secretSha256, Optional<String> previousSha256) {
    }

    private final Statements statements;

    OAuthClientStore(DataSource dataSource) {
        this.statements = new Statements(DelegatingDataSource.unwrapDataSource(dataSource), "oauth client database");
    }

    /** Inserts; false when the trust domain has a client with that id. */
    boolean insert(OAuthClient c, Optional<String> secretSha256) {
        try {
            statements.update("INSERT INTO id_oauth_client (trust_domain, client_id, auth_method, grant_types, scopes, audiences, jwks_json, "
                    + "tls_spiffe_id, token_ttl_ms, secret_sha256, created_at, created_by, updated_at) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    c.trustDomain().name(), c.clientId(), c.authMethod().name(), grants(c.grantTypes()), String.join(" ", c.scopes()),
                    String.join(" ", c.audiences()), c.jwksJson().orElse(null), c.tlsSpiffeId().map(SpiffeId::toString).orElse(null),
                    c.tokenTtl().toMillis(), secretSha256.orElse(null), Timestamp.from(c.createdAt()), c.createdBy(),
                    Timestamp.from(c.updatedAt()));
            return true;
        } catch (MeshidException.Unavailable e) {
            if (e.getCause() instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("23")) {
                return false;
            }
            throw e;
        }
    }

    Optional<Row> find(TrustDomain domain, String clientId) {
        return statements.query("SELECT * FROM id_oauth_client WHERE trust_domain = ? AND client_id = ?", OAuthClientStore::read,
                domain.name(), clientId).stream().findFirst();
    }

    List<OAuthClient> list(TrustDomain domain, Optional<String> after, int limit) {
        return after.isPresent()
                ? statements.query("SELECT * FROM id_oauth_client WHERE trust_domain = ? AND client_id > ? ORDER BY client_id LIMIT ?",
                        rs -> read(rs).client(), domain.name(), after.get(), limit)
                : statements.query("SELECT * FROM id_oauth_client WHERE trust_domain = ? ORDER BY client_id LIMIT ?",
                        rs -> read(rs).client(), domain.name(), limit);
    }

    /** Replaces the mutable fields; false when the client is gone. */
    boolean update(OAuthClient c) {
        return statements.update("UPDATE id_oauth_client SET grant_types = ?, scopes = ?, audiences = ?, jwks_json = ?, tls_spiffe_id = ?, "
                + "token_ttl_ms = ?, updated_at = ? WHERE trust_domain = ? AND client_id = ?",
                grants(c.grantTypes()), String.join(" ", c.scopes()), String.join(" ", c.audiences()), c.jwksJson().orElse(null),
                c.tlsSpiffeId().map(SpiffeId::toString).orElse(null), c.tokenTtl().toMillis(), Timestamp.from(c.updatedAt()),
                c.trustDomain().name(), c.clientId()) == 1;
    }

    /**
     * Replaces the secret; the current one becomes the previous one until {@code previousUntil}
     * (none when empty). False when the client is gone.
     */
    boolean rotate(TrustDomain domain, String clientId, String newSha256, Optional<Instant> previousUntil, Instant now) {
        if (previousUntil.isPresent()) {
            return statements.update("UPDATE id_oauth_client SET previous_sha256 = secret_sha256, previous_expires_at = ?, secret_sha256 = ?, "
                    + "updated_at = ? WHERE trust_domain = ? AND client_id = ?", Timestamp.from(previousUntil.get()), newSha256,
                    Timestamp.from(now), domain.name(), clientId) == 1;
        }
        return statements.update("UPDATE id_oauth_client SET previous_sha256 = NULL, previous_expires_at = NULL, secret_sha256 = ?, "
                + "updated_at = ? WHERE trust_domain = ? AND client_id = ?", newSha256, Timestamp.from(now), domain.name(), clientId) == 1;
    }

    boolean delete(TrustDomain domain, String clientId) {
        return statements.update("DELETE FROM id_oauth_client WHERE trust_domain = ? AND client_id = ?", domain.name(), clientId) == 1;
    }

    long count(TrustDomain domain) {
        return statements.query("SELECT COUNT(*) FROM id_oauth_client WHERE trust_domain = ?", rs -> rs.getLong(1), domain.name()).get(0);
    }

    private static String grants(List<GrantType> grants) {
        return grants.stream().map(Enum::name).collect(Collectors.joining(","));
    }

    private static Row read(ResultSet rs) throws SQLException {
        String scopes = rs.getString("scopes");
        String tls = rs.getString("tls_spiffe_id");
        Timestamp previousUntil = rs.getTimestamp("previous_expires_at");
        OAuthClient client = new OAuthClient(TrustDomain.of(rs.getString("trust_domain")), rs.getString("client_id"),
                AuthMethod.valueOf(rs.getString("auth_method")),
                Arrays.stream(rs.getString("grant_types").split(",")).map(GrantType::valueOf).toList(),
                scopes.isEmpty() ? List.of() : List.of(scopes.split(" ")), List.of(rs.getString("audiences").split(" ")),
                Optional.ofNullable(rs.getString("jwks_json")), Optional.ofNullable(tls).map(SpiffeId::parse),
                Duration.ofMillis(rs.getLong("token_ttl_ms")), rs.getTimestamp("created_at").toInstant(), rs.getString("created_by"),
                rs.getTimestamp("updated_at").toInstant(), Optional.ofNullable(previousUntil).map(Timestamp::toInstant));
        return new Row(client, Optional.ofNullable(rs.getString("secret_sha256")), Optional.ofNullable(rs.getString("previous_sha256")));
    }
}
