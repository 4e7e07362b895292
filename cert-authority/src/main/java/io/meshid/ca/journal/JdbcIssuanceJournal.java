package io.meshid.ca.journal;

import io.meshid.common.errors.MeshidException;
import io.meshid.common.jdbc.GroupCommit;
import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The journal in {@code ca_issued}. Writes are group-committed ({@link GroupCommit}): callers queue
 * their line and wait; one writer thread takes everything queued (up to {@value #MAX_BATCH} lines),
 * inserts it as one JDBC batch in one transaction, and then releases every waiter. Each caller
 * still returns only after its line is committed (or, with {@link #append}, is told then), but
 * thousands of issuances a second cost tens of commits, not thousands; a batch that fails is
 * written again line by line, so only a bad line fails. Reads use keyset pagination on
 * (issued_at, serial). Thread-safe.
 */
@Singleton
final class JdbcIssuanceJournal implements IssuanceJournal {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcIssuanceJournal.class);
    private static final int MAX_BATCH = 512;
    private static final int QUEUE_BOUND = 20_000;
    private static final String INSERT = "INSERT INTO ca_issued (serial, trust_domain, spiffe_id, not_before, not_after, caller, "
            + "public_key_sha256, dns_names, entry_id, issuer_id, issued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

    private final DataSource dataSource;
    private final GroupCommit<IssuedCertificate> writes;

    JdbcIssuanceJournal(DataSource dataSource) {
        this.dataSource = DelegatingDataSource.unwrapDataSource(dataSource);
        this.writes = new GroupCommit<>("issuance journal", this.dataSource, MAX_BATCH, QUEUE_BOUND,
                (c, lines, refusals) -> insert(c, lines), JdbcIssuanceJournal::failure);
    }

    @Override
    public void record(IssuedCertificate certificate) {
        writes.commit(certificate);
    }

    @Override
    public CompletableFuture<Void> append(IssuedCertificate certificate) {
        return writes.submit(certificate);
    }

    private static RuntimeException failure(IssuedCertificate line, Exception e) {
        LOG.error("journal line of serial {} could not be written", line.serial(), e);
        return new MeshidException.Unavailable("issuance journal: the database did not take the line; retry shortly", e);
    }

    private static void insert(Connection c, List<IssuedCertificate> lines) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            for (IssuedCertificate l : lines) {
                ps.setString(1, l.serial());
                ps.setString(2, l.trustDomain());
                ps.setString(3, l.spiffeId());
                ps.setTimestamp(4, Timestamp.from(l.notBefore()));
                ps.setTimestamp(5, Timestamp.from(l.notAfter()));
                ps.setString(6, l.caller());
                ps.setString(7, l.publicKeySha256());
                ps.setString(8, String.join(",", l.dnsNames()));
                ps.setString(9, l.entryId());
                ps.setString(10, l.issuerId());
                ps.setTimestamp(11, Timestamp.from(l.issuedAt()));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    @Override
    public JournalPage list(JournalQuery q) {
        StringBuilder sql = new StringBuilder("SELECT serial, trust_domain, spiffe_id, not_before, not_after, caller, "
                + "public_key_sha256, dns_names, entry_id, issuer_id, issued_at, revoked_at, revocation_reason FROM ca_issued "
                + "WHERE trust_domain = ?");
        List<Object> args = new ArrayList<>(List.of(q.trustDomain()));
        q.spiffeId().ifPresent(id -> {
            sql.append(" AND spiffe_id = ?");
            args.add(id);
        });
        q.serial().ifPresent(s -> {
            sql.append(" AND serial = ?");
            args.add(s);
        });
        Optional<Cursor> after = q.pageToken().map(Cursor::decode);
        after.ifPresent(cursor -> {
            sql.append(" AND (issued_at < ? OR (issued_at = ? AND serial < ?))");
            args.add(Timestamp.from(cursor.issuedAt()));
            args.add(Timestamp.from(cursor.issuedAt()));
            args.add(cursor.serial());
        });
        sql.append(" ORDER BY issued_at DESC, serial DESC LIMIT ?");
        args.add(q.pageSize() + 1);
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql.toString())) {
            for (int i = 0; i < args.size(); i++) {
                ps.setObject(i + 1, args.get(i));
            }
            List<IssuedCertificate> lines = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    lines.add(read(rs));
                }
            }
            if (lines.size() <= q.pageSize()) {
                return new JournalPage(lines, Optional.empty());
            }
            List<IssuedCertificate> page = lines.subList(0, q.pageSize());
            IssuedCertificate last = page.get(page.size() - 1);
            return new JournalPage(List.copyOf(page), Optional.of(new Cursor(last.issuedAt(), last.serial()).encode()));
        } catch (SQLException e) {
            throw new MeshidException.Unavailable("issuance journal: " + e.getMessage(), e);
        }
    }

    private static IssuedCertificate read(ResultSet rs) throws SQLException {
        String dns = rs.getString("dns_names");
        return new IssuedCertificate(rs.getString("serial"), rs.getString("trust_domain"), rs.getString("spiffe_id"),
                rs.getTimestamp("not_before").toInstant(), rs.getTimestamp("not_after").toInstant(), rs.getString("caller"),
                rs.getString("public_key_sha256"), dns.isEmpty() ? List.of() : Arrays.asList(dns.split(",")),
                rs.getString("entry_id"), rs.getString("issuer_id"), rs.getTimestamp("issued_at").toInstant(),
                Optional.ofNullable(rs.getTimestamp("revoked_at")).map(Timestamp::toInstant),
                Optional.ofNullable(rs.getString("revocation_reason")));
    }

    @Override
    public List<IssuedCertificate> revokedUnexpired(String trustDomain, Instant now) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT serial, trust_domain, "
                + "spiffe_id, not_before, not_after, caller, public_key_sha256, dns_names, entry_id, issuer_id, issued_at, revoked_at, "
                + "revocation_reason FROM ca_issued WHERE trust_domain = ? AND revoked_at IS NOT NULL AND not_after > ? ORDER BY serial "
                + "LIMIT 100000")) {
            ps.setString(1, trustDomain);
            ps.setTimestamp(2, Timestamp.from(now));
            List<IssuedCertificate> lines = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    lines.add(read(rs));
                }
            }
            return lines;
        } catch (SQLException e) {
            throw new MeshidException.Unavailable("issuance journal: " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<IssuedCertificate> revoke(String trustDomain, String serial, String reason, Instant at) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("UPDATE ca_issued SET revoked_at = ?, revocation_reason = ? "
                        + "WHERE trust_domain = ? AND serial = ? AND revoked_at IS NULL");
                    PreparedStatement revoked = c.prepareStatement("INSERT INTO ca_revoked (serial, trust_domain, not_after, "
                        + "revoked_at) SELECT i.serial, i.trust_domain, i.not_after, i.revoked_at FROM ca_issued i WHERE "
                        + "i.trust_domain = ? AND i.serial = ? AND i.revoked_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
                        + "ca_revoked r WHERE r.serial = i.serial)")) {
                ps.setTimestamp(1, Timestamp.from(at));
                ps.setString(2, reason);
                ps.setString(3, trustDomain);
                ps.setString(4, serial);
                ps.executeUpdate();
                // Also on a repeated revocation, so that a retry completes one whose commit was lost.
                revoked.setString(1, trustDomain);
                revoked.setString(2, serial);
                revoked.executeUpdate();
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                if (e.getSQLState() == null || !e.getSQLState().startsWith("23")) {
                    throw e;
                }
                // A concurrent revocation of the same serial wrote both rows first.
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new MeshidException.Unavailable("issuance journal: " + e.getMessage(), e);
        }
        return list(new JournalQuery(trustDomain, Optional.empty(), Optional.of(serial), 1, Optional.empty()))
                .certificates().stream().findFirst();
    }

    /** Where a page ended; encoded as an opaque token. */
    private record Cursor(Instant issuedAt, String serial) {
        String encode() {
            return Base64.getUrlEncoder().withoutPadding()
                    .encodeToString((issuedAt.toString() + "|" + serial).getBytes(StandardCharsets.UTF_8));
        }

        static Cursor decode(String token) {
            try {
                String[] parts = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8).split("\\|", 2);
                return new Cursor(Instant.parse(parts[0]), parts[1]);
            } catch (RuntimeException e) {
                throw new MeshidException.InvalidArgument("page_token: not a token this server issued (expected: the "
                        + "next_page_token of a previous ListIssued reply)");
            }
        }
    }

    @PreDestroy
    void close() throws InterruptedException {
        writes.close();
    }
}
