package io.meshid.identity.registry;

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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/**
 * The registry's tables ({@code id_trust_domain}, {@code id_entry}, {@code id_join_token}) in
 * the server's database. Every query names the trust domain it reads or writes. Join tokens are
 * consumed with one conditional DELETE, so exactly one caller wins across threads and replicas,
 * and the table holds only tokens that can still be used, or have just expired.
 * Thread-safe.
 */
@Singleton
final class RegistryStore {

    private final Statements statements;

    RegistryStore(DataSource dataSource) {
        this.statements = new Statements(DelegatingDataSource.unwrapDataSource(dataSource), "registry database");
    }

    void ensureTrustDomain(TrustDomain domain, String description, String by, Instant now) {
        statements.update("INSERT INTO id_trust_domain (name, description, created_at, created_by) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                domain.name(), description, Timestamp.from(now), by);
    }

    /** Inserts a trust domain; false when it exists. */
    boolean insertTrustDomain(TrustDomain domain, String description, String by, Instant now) {
        return statements.update("INSERT INTO id_trust_domain (name, description, created_at, created_by) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                domain.name(), description, Timestamp.from(now), by) == 1;
    }

    Optional<Registry.TrustDomainRecord> trustDomain(TrustDomain domain) {
        return statements.query("SELECT * FROM id_trust_domain WHERE name = ?", RegistryStore::readTrustDomain, domain.name())
                .stream().findFirst();
    }

    /** Up to {@code limit} trust domains named after {@code after} (all when empty), by name; {@code only} that one when given. */
    List<Registry.TrustDomainRecord> trustDomains(Optional<TrustDomain> only, Optional<String> after, int limit) {
        return statements.query("SELECT * FROM id_trust_domain WHERE name > ? AND (? OR name = ?) ORDER BY name LIMIT ?",
                RegistryStore::readTrustDomain, after.orElse(""), only.isEmpty(), only.map(TrustDomain::name).orElse(""), limit);
    }

    private static Registry.TrustDomainRecord readTrustDomain(java.sql.ResultSet rs) throws java.sql.SQLException {
        return new Registry.TrustDomainRecord(TrustDomain.of(rs.getString("name")), rs.getString("description"),
                rs.getTimestamp("created_at").toInstant(), rs.getString("created_by"));
    }

    /** Entries of {@code domain} whose selector set is exactly one of {@code keys}. */
    List<RegistrationEntry> withSelectorKeys(TrustDomain domain, List<String> keys, int limit) {
        String marks = String.join(", ", java.util.Collections.nCopies(keys.size(), "?"));
        List<Object> args = new ArrayList<>();
        args.add(domain.name());
        args.addAll(keys);
        args.add(limit);
        return statements.query("SELECT * FROM id_entry WHERE trust_domain = ? AND selectors IN (" + marks + ") ORDER BY spiffe_id, id LIMIT ?",
                RegistryStore::read, args.toArray());
    }

    boolean trustDomainExists(TrustDomain domain) {
        return !statements.query("SELECT name FROM id_trust_domain WHERE name = ?", rs -> rs.getString(1), domain.name()).isEmpty();
    }

    /** Inserts the entry; false when the same SPIFFE ID and selectors exist in its trust domain. */
    boolean insert(RegistrationEntry e) {
        try {
            statements.update("INSERT INTO id_entry (id, trust_domain, spiffe_id, selectors, x509_ttl_ms, jwt_ttl_ms, dns_names, admin, "
                    + "created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    e.id(), e.spiffeId().trustDomain().name(), e.spiffeId().toString(), selectorKey(e.selectors()),
                    e.x509SvidTtl().toMillis(), e.jwtSvidTtl().toMillis(), String.join(",", e.dnsNames()), e.admin(),
                    Timestamp.from(e.createdAt()), e.createdBy());
            return true;
        } catch (MeshidException.Unavailable ex) {
            if (ex.getCause() instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("23")) {
                return false;
            }
            throw ex;
        }
    }

    Optional<RegistrationEntry> entry(TrustDomain domain, String id) {
        return statements.query("SELECT * FROM id_entry WHERE trust_domain = ? AND id = ?", RegistryStore::read, domain.name(), id)
                .stream().findFirst();
    }

    Optional<RegistrationEntry> entryFor(SpiffeId id) {
        return statements.query("SELECT * FROM id_entry WHERE trust_domain = ? AND spiffe_id = ? ORDER BY created_at DESC, id LIMIT 1",
                RegistryStore::read, id.trustDomain().name(), id.toString()).stream().findFirst();
    }

    Optional<TrustDomain> domainOfEntry(String id) {
        return statements.query("SELECT trust_domain FROM id_entry WHERE id = ?", rs -> TrustDomain.of(rs.getString(1)), id).stream().findFirst();
    }

    long countEntries(TrustDomain domain) {
        return statements.query("SELECT COUNT(*) FROM id_entry WHERE trust_domain = ?", rs -> rs.getLong(1), domain.name()).get(0);
    }

    /** Entries after the cursor (SPIFFE ID, id), at most {@code limit}. */
    List<RegistrationEntry> list(EntryQuery q, Optional<String[]> after, int limit) {
        StringBuilder sql = new StringBuilder("SELECT * FROM id_entry WHERE trust_domain = ?");
        List<Object> args = new ArrayList<>(List.of(q.trustDomain().name()));
        q.spiffeId().ifPresent(id -> {
            sql.append(" AND spiffe_id = ?");
            args.add(id);
        });
        q.pathPrefix().ifPresent(prefix -> {
            sql.append(" AND spiffe_id LIKE ? ESCAPE '!'");
            args.add((q.trustDomain().idString() + prefix).replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%");
        });
        for (Selector s : q.selectors()) {
            sql.append(" AND ('|' || selectors || '|') LIKE ? ESCAPE '!'");
            args.add("%|" + s.toString().replace("!", "!!").replace("%", "!%").replace("_", "!_") + "|%");
        }
        q.admin().ifPresent(admin -> {
            sql.append(" AND admin = ?");
            args.add(admin);
        });
        after.ifPresent(cursor -> {
            sql.append(" AND (spiffe_id > ? OR (spiffe_id = ? AND id > ?))");
            args.add(cursor[0]);
            args.add(cursor[0]);
            args.add(cursor[1]);
        });
        sql.append(" ORDER BY spiffe_id, id LIMIT ?");
        args.add(limit);
        return statements.query(sql.toString(), RegistryStore::read, args.toArray());
    }

    boolean delete(TrustDomain domain, String id) {
        return statements.update("DELETE FROM id_entry WHERE trust_domain = ? AND id = ?", domain.name(), id) == 1;
    }

    long unusedTokens(String entryId, Instant now) {
        return statements.query("SELECT COUNT(*) FROM id_join_token WHERE entry_id = ? AND consumed_at IS NULL AND expires_at > ?",
                rs -> rs.getLong(1), entryId, Timestamp.from(now)).get(0);
    }

    void insertToken(String sha256, String entryId, Instant expiresAt, Instant now) {
        statements.update("INSERT INTO id_join_token (token_sha256, entry_id, expires_at, created_at) VALUES (?, ?, ?, ?)",
                sha256, entryId, Timestamp.from(expiresAt), Timestamp.from(now));
    }

    /** The entry of a token that is unused and unexpired at {@code now}, in one read; the token stays unused. */
    Optional<RegistrationEntry> unusedTokenEntry(String sha256, Instant now) {
        return statements.query("SELECT e.* FROM id_join_token t JOIN id_entry e ON e.id = t.entry_id WHERE t.token_sha256 = ? "
                + "AND t.consumed_at IS NULL AND t.expires_at > ?", RegistryStore::read, sha256, Timestamp.from(now)).stream().findFirst();
    }

    /** As {@link #unusedTokenEntry(String, Instant)}, with whether {@code keySha256} served an SVID of the entry's ID, in one read. */
    Optional<Registry.TokenEntry> unusedTokenEntry(String sha256, String keySha256, Instant now) {
        return statements.query("SELECT e.*, (SELECT COUNT(*) FROM id_svid k WHERE k.trust_domain = e.trust_domain AND k.spiffe_id = "
                + "e.spiffe_id AND k.public_key_sha256 = ?) AS key_used FROM id_join_token t JOIN id_entry e ON e.id = t.entry_id "
                + "WHERE t.token_sha256 = ? AND t.consumed_at IS NULL AND t.expires_at > ?",
                rs -> new Registry.TokenEntry(read(rs), rs.getLong("key_used") > 0), keySha256, sha256, Timestamp.from(now))
                .stream().findFirst();
    }

    /**
     * Consumes the token if it is unused and unexpired, by deleting it (a used token is of no
     * further use: a replay finds nothing, which is the same answer as for an unknown token); the
     * entry id when this call won. {@code IssuanceLedger} consumes with the same condition.
     */
    Optional<String> consumeToken(String sha256, Instant now) {
        Optional<String> entry = statements.query("SELECT entry_id FROM id_join_token WHERE token_sha256 = ?", rs -> rs.getString(1), sha256)
                .stream().findFirst();
        if (entry.isEmpty()) {
            return entry;
        }
        int won = statements.update("DELETE FROM id_join_token WHERE token_sha256 = ? AND consumed_at IS NULL AND expires_at > ?",
                sha256, Timestamp.from(now));
        return won == 1 ? entry : Optional.empty();
    }

    /**
     * Deletes up to {@code limit} tokens nobody can use: expired at {@code now}, or marked used by a
     * version that kept used tokens. The number deleted.
     */
    int pruneTokens(Instant now, int limit) {
        return statements.update("DELETE FROM id_join_token WHERE token_sha256 IN (SELECT token_sha256 FROM id_join_token "
                + "WHERE expires_at <= ? OR consumed_at IS NOT NULL LIMIT " + limit + ")", Timestamp.from(now));
    }

    static String selectorKey(List<Selector> selectors) {
        return selectors.stream().sorted().map(Selector::toString).collect(Collectors.joining("|"));
    }

    private static RegistrationEntry read(ResultSet rs) throws SQLException {
        String selectors = rs.getString("selectors");
        String dns = rs.getString("dns_names");
        return new RegistrationEntry(rs.getString("id"), SpiffeId.parse(rs.getString("spiffe_id")),
                selectors.isEmpty() ? List.of() : Arrays.stream(selectors.split("\\|")).map(Selector::parse).toList(),
                Duration.ofMillis(rs.getLong("x509_ttl_ms")), Duration.ofMillis(rs.getLong("jwt_ttl_ms")),
                dns.isEmpty() ? List.of() : List.of(dns.split(",")), rs.getBoolean("admin"),
                rs.getTimestamp("created_at").toInstant(), rs.getString("created_by"));
    }
}
