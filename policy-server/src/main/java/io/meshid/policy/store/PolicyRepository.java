package io.meshid.policy.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.spiffe.TrustDomain;
import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The policy store's tables ({@code pol_head}, {@code pol_version}) through plain JDBC. A new
 * version is written in one transaction that first locks the trust domain's head row
 * ({@code SELECT ... FOR UPDATE}): concurrent writers, in this process or another replica on the
 * same database, queue on that lock, so numbers are gap-free and unique (the primary key on
 * (trust domain, version) backs this up). Thread-safe.
 */
@Singleton
final class PolicyRepository {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HEAD_COLUMNS = "trust_domain, latest_version, active_version, active_since, shadow_version, shadow_since";
    private static final String INFO_COLUMNS = "trust_domain, version, author, created_at, comment, shadow, copied_from, policy_count";

    private final DataSource dataSource;

    PolicyRepository(DataSource dataSource) {
        this.dataSource = DelegatingDataSource.unwrapDataSource(dataSource);
    }

    /** What a writer adds: everything but the number, which {@link #append} assigns. */
    record NewVersion(String author, Instant createdAt, String comment, boolean shadow, long copiedFrom, int policyCount,
            PolicySetSource source) {
    }

    /** Decides, under the head row's lock, whether the write goes ahead (throws to refuse). */
    interface Precondition {
        void check(Heads current);
    }

    /**
     * Stores {@code v} as the next version of {@code domain} and moves the heads (active, or
     * shadow), committed before it returns.
     */
    VersionInfo append(TrustDomain domain, Precondition precondition, NewVersion v) {
        update("INSERT INTO pol_head (" + HEAD_COLUMNS + ") VALUES (?, 0, 0, NULL, 0, NULL) ON CONFLICT DO NOTHING", domain.name());
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                Heads heads;
                try (PreparedStatement ps = c.prepareStatement("SELECT " + HEAD_COLUMNS + " FROM pol_head WHERE trust_domain = ? FOR UPDATE")) {
                    ps.setString(1, domain.name());
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        heads = heads(rs);
                    }
                }
                precondition.check(heads);
                long number = heads.latest() + 1;
                Timestamp at = Timestamp.from(v.createdAt());
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO pol_version (" + INFO_COLUMNS
                        + ", schema_format, schema_text, policies_text, templates_json, links_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                    bind(ps, domain.name(), number, v.author(), at, v.comment(), v.shadow(), v.copiedFrom(), v.policyCount(),
                            v.source().schemaFormat().name(), v.source().schema(), v.source().policies(),
                            templatesJson(v.source().templates()), linksJson(v.source().links()));
                    ps.executeUpdate();
                }
                String move = v.shadow()
                        ? "UPDATE pol_head SET latest_version = ?, shadow_version = ?, shadow_since = ? WHERE trust_domain = ?"
                        : "UPDATE pol_head SET latest_version = ?, active_version = ?, active_since = ?, shadow_version = 0, "
                                + "shadow_since = NULL WHERE trust_domain = ?";
                try (PreparedStatement ps = c.prepareStatement(move)) {
                    bind(ps, number, number, at, domain.name());
                    ps.executeUpdate();
                }
                c.commit();
                VersionState state = v.shadow() ? VersionState.SHADOW : VersionState.ACTIVE;
                return new VersionInfo(domain, number, v.author(), v.createdAt(), v.comment(), v.shadow(), v.copiedFrom(),
                        v.policyCount(), state);
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new MeshidException.Unavailable("policy store: " + e.getMessage() + "; nothing was stored", e);
        }
    }

    Heads heads(TrustDomain domain) {
        return query("SELECT " + HEAD_COLUMNS + " FROM pol_head WHERE trust_domain = ?", PolicyRepository::heads, domain.name())
                .stream().findFirst().orElse(Heads.none(domain));
    }

    List<Heads> allHeads() {
        return query("SELECT " + HEAD_COLUMNS + " FROM pol_head ORDER BY trust_domain", PolicyRepository::heads);
    }

    Optional<StoredPolicySet> version(TrustDomain domain, long version, Heads heads) {
        return query("SELECT " + INFO_COLUMNS + ", schema_format, schema_text, policies_text, templates_json, links_json "
                + "FROM pol_version WHERE trust_domain = ? AND version = ?", rs -> new StoredPolicySet(info(rs, heads), source(rs)),
                domain.name(), version).stream().findFirst();
    }

    /** Metadata of versions below {@code before}, newest first, at most {@code limit}. */
    List<VersionInfo> list(TrustDomain domain, long before, int limit, Heads heads) {
        return query("SELECT " + INFO_COLUMNS + " FROM pol_version WHERE trust_domain = ? AND version < ? ORDER BY version DESC LIMIT ?",
                rs -> info(rs, heads), domain.name(), before, limit);
    }

    private static Heads heads(ResultSet rs) throws SQLException {
        return new Heads(TrustDomain.of(rs.getString("trust_domain")), rs.getLong("latest_version"), rs.getLong("active_version"),
                instant(rs.getTimestamp("active_since")), rs.getLong("shadow_version"), instant(rs.getTimestamp("shadow_since")));
    }

    private static Optional<Instant> instant(Timestamp t) {
        return Optional.ofNullable(t).map(Timestamp::toInstant);
    }

    private static VersionInfo info(ResultSet rs, Heads heads) throws SQLException {
        long version = rs.getLong("version");
        return new VersionInfo(TrustDomain.of(rs.getString("trust_domain")), version, rs.getString("author"),
                rs.getTimestamp("created_at").toInstant(), rs.getString("comment"), rs.getBoolean("shadow"),
                rs.getLong("copied_from"), rs.getInt("policy_count"), heads.stateOf(version));
    }

    private static PolicySetSource source(ResultSet rs) throws SQLException {
        try {
            List<Map<String, String>> templates = JSON.readValue(rs.getString("templates_json"), new TypeReference<>() {});
            List<LinkRow> links = JSON.readValue(rs.getString("links_json"), new TypeReference<>() {});
            return new PolicySetSource(PolicySetSource.SchemaFormat.valueOf(rs.getString("schema_format")),
                    rs.getString("schema_text"), rs.getString("policies_text"),
                    templates.stream().map(t -> new PolicySetSource.Template(t.get("id"), t.get("body"))).toList(),
                    links.stream().map(l -> new PolicySetSource.Link(l.templateId, l.linkId, l.slots)).toList());
        } catch (JsonProcessingException e) {
            throw new SQLException("stored version is not readable: " + e.getOriginalMessage(), e);
        }
    }

    /** A link as stored in {@code links_json}. */
    static final class LinkRow {
        public String templateId;
        public String linkId;
        public Map<String, String> slots = new LinkedHashMap<>();
    }

    private static String templatesJson(List<PolicySetSource.Template> templates) throws SQLException {
        List<Map<String, String>> rows = new ArrayList<>();
        templates.forEach(t -> rows.add(Map.of("id", t.id(), "body", t.body())));
        return json(rows);
    }

    private static String linksJson(List<PolicySetSource.Link> links) throws SQLException {
        List<LinkRow> rows = new ArrayList<>();
        for (PolicySetSource.Link l : links) {
            LinkRow row = new LinkRow();
            row.templateId = l.templateId();
            row.linkId = l.linkId();
            row.slots = new java.util.TreeMap<>(l.slots());
            rows.add(row);
        }
        return json(rows);
    }

    private static String json(Object value) throws SQLException {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new SQLException("cannot write JSON: " + e.getOriginalMessage(), e);
        }
    }

    private interface Row<T> {
        T read(ResultSet rs) throws SQLException;
    }

    private <T> List<T> query(String sql, Row<T> row, Object... args) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            List<T> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(row.read(rs));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new MeshidException.Unavailable("policy store: " + e.getMessage(), e);
        }
    }

    private void update(String sql, Object... args) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new MeshidException.Unavailable("policy store: " + e.getMessage() + "; nothing was stored", e);
        }
    }

    private static void bind(PreparedStatement ps, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            ps.setObject(i + 1, args[i]);
        }
    }
}
