package io.meshid.identity.svid;

import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditInserts;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.jdbc.GroupCommit;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.identity.IdentityConfig;
import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What makes a signed X.509-SVID deliverable, written in one transaction per SVID and
 * group-committed across concurrent calls ({@link GroupCommit}): the join token it was attested
 * with is consumed (a conditional delete: unused and unexpired, so exactly one attestation wins a
 * token, across threads and replicas); for a renewal, the SVID it renews is claimed (a conditional
 * update: unrevoked and not renewed yet, or renewed once within {@code meshid.identity.renewal-grace}
 * of this renewal, so a serial renews once plus one retry, across replicas, and a parent revoked
 * before this commit cannot have had a child recorded after it); its row in {@code id_svid}
 * (SPIFFE ID, key, serial, expiry, parent serial; the primary key refuses a key already used for
 * that SPIFFE ID) and its audit event. {@link #commit} returns only once all of that is committed,
 * so an acknowledged issuance is durable and audited; an SVID whose transaction failed is never
 * handed out (the CA journaled it, nobody holds it).
 *
 * <p>One writer thread takes everything queued (up to {@value #MAX_BATCH} issuances) and writes it
 * with a few JDBC batches and one commit: thousands of issuances a second cost a few hundred
 * commits, not thousands, and no caller holds a connection while it waits. A batch that fails as
 * a whole (two replicas raced on one key) is written again one issuance per transaction, so only
 * the loser fails. Same SQL on H2 and PostgreSQL. Thread-safe.
 */
@Singleton
public final class IssuanceLedger {

    private static final Logger LOG = LoggerFactory.getLogger(IssuanceLedger.class);
    static final int MAX_BATCH = 512;
    private static final int QUEUE_BOUND = 8_192;

    /**
     * The same condition as the registry's own consumption ({@code RegistryStore.consumeToken}): a
     * used token is deleted, which costs PostgreSQL less than an update (no new row version, no
     * index entries) and keeps the table to the tokens that can still be used.
     */
    private static final String CONSUME_TOKEN = "DELETE FROM id_join_token WHERE token_sha256 = ? AND consumed_at IS NULL "
            + "AND expires_at > ?";
    /** Renewed once, or once more within the grace after the first renewal; never once revoked. */
    private static final String CLAIM_PARENT = "UPDATE id_svid SET renewals = renewals + 1, first_renewed_at = CASE WHEN "
            + "renewals = 0 THEN ? ELSE first_renewed_at END WHERE trust_domain = ? AND serial = ? AND revoked_at IS NULL "
            + "AND (renewals = 0 OR (renewals = 1 AND first_renewed_at >= ?))";
    private static final String INSERT_SVID = "INSERT INTO id_svid (trust_domain, spiffe_id, public_key_sha256, serial, not_after, "
            + "created_at, parent_serial) VALUES (?, ?, ?, ?, ?, ?, ?)";

    /**
     * One signed SVID to record.
     *
     * @param joinToken    the SHA-256 of the join token to consume with it (attestation), or empty (renewal)
     * @param parentSerial the serial it renews (claimed for renewal with it; its lineage, for revoking descendants), or empty
     * @param audit        its audit event, committed with it
     */
    public record Issuance(Optional<String> joinToken, SpiffeId spiffeId, String keySha256, String serial,
            Optional<String> parentSerial, java.time.Instant notAfter, java.time.Instant at, AuditEvent audit) {

        public Issuance {
            Objects.requireNonNull(joinToken, "joinToken");
            Objects.requireNonNull(spiffeId, "spiffeId");
            Objects.requireNonNull(parentSerial, "parentSerial");
            Objects.requireNonNull(audit, "audit");
        }

        /** An issuance that renews nothing. */
        public Issuance(Optional<String> joinToken, SpiffeId spiffeId, String keySha256, String serial, java.time.Instant notAfter,
                java.time.Instant at, AuditEvent audit) {
            this(joinToken, spiffeId, keySha256, serial, Optional.empty(), notAfter, at, audit);
        }
    }

    private final GroupCommit<Issuance> writes;
    private final Duration grace;

    IssuanceLedger(DataSource dataSource, IdentityConfig config) {
        this.grace = config.getRenewalGrace();
        this.writes = new GroupCommit<>("SVID records", DelegatingDataSource.unwrapDataSource(dataSource), MAX_BATCH, QUEUE_BOUND,
                this::write, IssuanceLedger::failure);
    }

    /**
     * Records {@code issuance} durably; returns once committed.
     *
     * @throws MeshidException.Unauthenticated if its join token is no longer unused and unexpired
     * @throws MeshidException.PermissionDenied if the SVID it renews was renewed (past its one retry) or revoked meanwhile
     * @throws MeshidException.InvalidArgument if its key was used for an SVID of that SPIFFE ID meanwhile
     * @throws MeshidException.Unavailable if the database did not take it
     */
    public void commit(Issuance issuance) {
        writes.commit(Objects.requireNonNull(issuance, "issuance"));
    }

    /** Writes {@code batch} within the group commit's transaction; claims that lose are refused. */
    private void write(Connection c, List<Issuance> batch, GroupCommit.Refusals<Issuance> refusals) throws SQLException {
        List<Issuance> won = claim(c, batch, CONSUME_TOKEN, i -> i.joinToken().isPresent(), (ps, i) -> {
            ps.setString(1, i.joinToken().get());
            ps.setTimestamp(2, Timestamp.from(i.at()));
        }, i -> new MeshidException.Unauthenticated("join token: unknown, expired or already used (expected: an unused token "
                + "from RegistryService.CreateJoinToken, within its TTL)"), refusals);
        won = claim(c, won, CLAIM_PARENT, i -> i.parentSerial().isPresent(), (ps, i) -> {
            ps.setTimestamp(1, Timestamp.from(i.at()));
            ps.setString(2, i.spiffeId().trustDomain().name());
            ps.setString(3, i.parentSerial().get());
            ps.setTimestamp(4, Timestamp.from(i.at().minus(grace)));
        }, i -> new MeshidException.PermissionDenied("the SVID you present (serial " + i.parentSerial().get() + ") was renewed or "
                + "revoked meanwhile (expected: renew with the newest unrevoked SVID; an SVID renews once, with one retry within "
                + grace + ")"), refusals);
        if (won.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(INSERT_SVID)) {
            for (Issuance i : won) {
                ps.setString(1, i.spiffeId().trustDomain().name());
                ps.setString(2, i.spiffeId().toString());
                ps.setString(3, i.keySha256());
                ps.setString(4, i.serial());
                ps.setTimestamp(5, Timestamp.from(i.notAfter()));
                ps.setTimestamp(6, Timestamp.from(i.at()));
                ps.setString(7, i.parentSerial().orElse(null));
                ps.addBatch();
            }
            ps.executeBatch();
        }
        AuditInserts.insertWithin(c, won.stream().map(Issuance::audit).toList());
    }

    @FunctionalInterface
    private interface Binder {
        void bind(PreparedStatement ps, Issuance i) throws SQLException;
    }

    /**
     * Runs the conditional update {@code sql} for every issuance that needs it (one JDBC batch);
     * those whose update changed no row are refused. Returns the issuances still in the running.
     */
    private static List<Issuance> claim(Connection c, List<Issuance> batch, String sql, java.util.function.Predicate<Issuance> needs,
            Binder binder, java.util.function.Function<Issuance, RuntimeException> refusal, GroupCommit.Refusals<Issuance> refusals)
            throws SQLException {
        List<Issuance> claiming = batch.stream().filter(needs).toList();
        if (claiming.isEmpty()) {
            return batch;
        }
        int[] counts;
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (Issuance i : claiming) {
                binder.bind(ps, i);
                ps.addBatch();
            }
            counts = ps.executeBatch();
        }
        java.util.Set<Issuance> lost = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (int n = 0; n < claiming.size(); n++) {
            // SUCCESS_NO_INFO (-2) would not tell who won; neither driver answers it for these statements.
            if (counts[n] != 1) {
                lost.add(claiming.get(n));
                refusals.refuse(claiming.get(n), refusal.apply(claiming.get(n)));
            }
        }
        return lost.isEmpty() ? batch : batch.stream().filter(i -> !lost.contains(i)).toList();
    }

    private static RuntimeException failure(Issuance i, Exception e) {
        SQLException sql = e instanceof SQLException s ? s : null;
        while (sql != null && sql.getNextException() != null && sql.getSQLState() == null) {
            sql = sql.getNextException();
        }
        if (sql != null && sql.getSQLState() != null && sql.getSQLState().startsWith("23")) {
            return new MeshidException.InvalidArgument("csr: its public key (SHA-256 " + i.keySha256()
                    + ") was already used for an SVID of " + i.spiffeId() + " (expected: a new key pair for every SVID)");
        }
        if (e instanceof MeshidException m) {
            return m;
        }
        LOG.error("SVID record for {} could not be written", i.spiffeId(), e);
        return new MeshidException.Unavailable("SVID records: the database did not take the issuance; retry shortly", e);
    }

    /** Writes what is queued, then stops the writer. */
    @PreDestroy
    void close() throws InterruptedException {
        writes.close();
    }
}
