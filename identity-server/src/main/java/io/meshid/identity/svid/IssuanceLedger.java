package io.meshid.identity.svid;

import io.meshid.common.audit.AuditEvent;
import io.meshid.common.audit.AuditInserts;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.spiffe.SpiffeId;
import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What makes a signed X.509-SVID deliverable, written in one transaction per SVID and
 * group-committed across concurrent calls: the join token it was attested with is consumed (a
 * conditional update: unused and unexpired, so exactly one attestation wins a token, across
 * threads and replicas), its row in {@code id_svid} (SPIFFE ID, key, serial, expiry; the primary
 * key refuses a key already used for that SPIFFE ID) and its audit event. {@link #commit} returns
 * only once all of that is committed, so an acknowledged issuance is durable and audited; an
 * SVID whose transaction failed is never handed out (the CA journaled it, nobody holds it).
 *
 * <p>One writer thread takes everything queued (up to {@value #MAX_BATCH} issuances) and writes it
 * with three JDBC batches and one commit: thousands of issuances a second cost a few hundred
 * commits, not thousands, and no caller holds a connection while it waits. A batch that fails as
 * a whole (two replicas raced on one key) is written again one issuance per transaction, so only
 * the loser fails. Same SQL on H2 and PostgreSQL. Thread-safe.
 */
@Singleton
public final class IssuanceLedger {

    private static final Logger LOG = LoggerFactory.getLogger(IssuanceLedger.class);
    static final int MAX_BATCH = 512;
    private static final int QUEUE_BOUND = 8_192;
    private static final long WAIT_SECONDS = 10;

    /** The same condition as the registry's own consumption ({@code RegistryStore.consumeToken}). */
    private static final String CONSUME_TOKEN = "UPDATE id_join_token SET consumed_at = ? WHERE token_sha256 = ? "
            + "AND consumed_at IS NULL AND expires_at > ?";
    private static final String INSERT_SVID = "INSERT INTO id_svid (trust_domain, spiffe_id, public_key_sha256, serial, not_after, "
            + "created_at, parent_serial) VALUES (?, ?, ?, ?, ?, ?, ?)";

    /**
     * One signed SVID to record.
     *
     * @param joinToken    the SHA-256 of the join token to consume with it (attestation), or empty (renewal)
     * @param parentSerial the serial it renews (its lineage, for revoking descendants), or empty (attestation)
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

    private record Pending(Issuance issuance, CompletableFuture<Void> done) {
    }

    private final DataSource dataSource;
    private final BlockingQueue<Pending> queue = new ArrayBlockingQueue<>(QUEUE_BOUND);
    private final Thread writer;
    private volatile boolean running = true;

    IssuanceLedger(DataSource dataSource) {
        this.dataSource = DelegatingDataSource.unwrapDataSource(dataSource);
        this.writer = Thread.ofPlatform().name("svid-ledger-writer").daemon().start(this::writeLoop);
    }

    /**
     * Records {@code issuance} durably; returns once committed.
     *
     * @throws MeshidException.Unauthenticated if its join token is no longer unused and unexpired
     * @throws MeshidException.InvalidArgument if its key was used for an SVID of that SPIFFE ID meanwhile
     * @throws MeshidException.Unavailable if the database did not take it
     */
    public void commit(Issuance issuance) {
        Pending pending = new Pending(Objects.requireNonNull(issuance, "issuance"), new CompletableFuture<>());
        if (!running || !queue.offer(pending)) {
            throw new MeshidException.Unavailable("SVID records: " + (running ? "backlog of " + QUEUE_BOUND + " issuances full"
                    : "shutting down") + "; retry shortly", null);
        }
        try {
            pending.done().get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof MeshidException m) {
                throw m;
            }
            throw new MeshidException.Unavailable("SVID records: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new MeshidException.Unavailable("SVID records: no commit within " + WAIT_SECONDS + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MeshidException.Unavailable("SVID records: interrupted", e);
        }
    }

    private void writeLoop() {
        List<Pending> batch = new ArrayList<>(MAX_BATCH);
        while (running || !queue.isEmpty()) {
            try {
                Pending first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                try {
                    write(batch);
                } catch (SQLException | RuntimeException whole) {
                    // One issuance spoiled the batch (a key raced in by another replica, say): each on its own.
                    for (Pending p : batch) {
                        try {
                            write(List.of(p));
                        } catch (SQLException | RuntimeException e) {
                            p.done().completeExceptionally(failure(p, e));
                        }
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                batch.clear();
            }
        }
    }

    /** Writes {@code batch} in one transaction and completes each issuance; throws (rolled back) if the transaction fails. */
    private void write(List<Pending> batch) throws SQLException {
        List<Pending> won = new ArrayList<>(batch.size());
        List<Pending> lost = new ArrayList<>();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                consumeTokens(c, batch, won, lost);
                if (!won.isEmpty()) {
                    try (PreparedStatement ps = c.prepareStatement(INSERT_SVID)) {
                        for (Pending p : won) {
                            Issuance i = p.issuance();
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
                    AuditInserts.insertWithin(c, won.stream().map(p -> p.issuance().audit()).toList());
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
        won.forEach(p -> p.done().complete(null));
        lost.forEach(p -> p.done().completeExceptionally(new MeshidException.Unauthenticated("join token: unknown, expired or "
                + "already used (expected: an unused token from RegistryService.CreateJoinToken, within its TTL)")));
    }

    private static void consumeTokens(Connection c, List<Pending> batch, List<Pending> won, List<Pending> lost) throws SQLException {
        List<Pending> withToken = new ArrayList<>();
        for (Pending p : batch) {
            if (p.issuance().joinToken().isPresent()) {
                withToken.add(p);
            } else {
                won.add(p);
            }
        }
        if (withToken.isEmpty()) {
            return;
        }
        int[] counts;
        try (PreparedStatement ps = c.prepareStatement(CONSUME_TOKEN)) {
            for (Pending p : withToken) {
                Timestamp at = Timestamp.from(p.issuance().at());
                ps.setTimestamp(1, at);
                ps.setString(2, p.issuance().joinToken().get());
                ps.setTimestamp(3, at);
                ps.addBatch();
            }
            counts = ps.executeBatch();
        }
        for (int i = 0; i < withToken.size(); i++) {
            // SUCCESS_NO_INFO (-2) would not tell who won; neither driver answers it for these statements.
            if (counts[i] == 1) {
                won.add(withToken.get(i));
            } else {
                lost.add(withToken.get(i));
            }
        }
    }

    private static MeshidException failure(Pending p, Exception e) {
        SQLException sql = e instanceof SQLException s ? s : null;
        while (sql != null && sql.getNextException() != null && sql.getSQLState() == null) {
            sql = sql.getNextException();
        }
        if (sql != null && sql.getSQLState() != null && sql.getSQLState().startsWith("23")) {
            return new MeshidException.InvalidArgument("csr: its public key (SHA-256 " + p.issuance().keySha256()
                    + ") was already used for an SVID of " + p.issuance().spiffeId() + " (expected: a new key pair for every SVID)");
        }
        LOG.error("SVID record for {} could not be written", p.issuance().spiffeId(), e);
        return new MeshidException.Unavailable("SVID records: the database did not take the issuance; retry shortly", e);
    }

    /** Writes what is queued, then stops the writer. */
    @PreDestroy
    void close() throws InterruptedException {
        running = false;
        writer.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        if (writer.isAlive()) {
            writer.interrupt();
            writer.join(TimeUnit.SECONDS.toMillis(1));
        }
    }
}
