package io.meshid.common.audit;

import io.meshid.common.errors.MeshidException;
import io.micronaut.context.annotation.Requires;
import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import io.micronaut.data.model.Pageable;
import io.micronaut.data.model.Sort;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
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
 * The audit trail in the server's database ({@code audit_event}). Writes are group-committed:
 * each caller queues its event and waits; one writer thread inserts everything queued (up to
 * {@value #MAX_BATCH} events) as one JDBC batch in one transaction and then releases every
 * waiter. {@link #record} still returns only once its event is committed, but thousands of
 * audited calls a second cost tens of commits, not thousands. Thread-safe.
 */
@Singleton
@Requires(beans = DataSource.class)
final class JdbcAuditLog implements AuditLog {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcAuditLog.class);
    private static final Sort NEWEST_FIRST = Sort.of(Sort.Order.desc("occurredAt"), Sort.Order.desc("id"));
    static final int MAX_BATCH = 512;
    private static final int QUEUE_BOUND = 16_384;
    private static final long WAIT_SECONDS = 10;

    private record Pending(AuditEvent event, CompletableFuture<Void> done) {
    }

    private final AuditEventRepository repository;
    private final DataSource dataSource;
    private final BlockingQueue<Pending> queue = new ArrayBlockingQueue<>(QUEUE_BOUND);
    private final Thread writer;
    private volatile boolean running = true;

    JdbcAuditLog(AuditEventRepository repository, DataSource dataSource) {
        this.repository = repository;
        this.dataSource = DelegatingDataSource.unwrapDataSource(dataSource);
        this.writer = Thread.ofPlatform().name("audit-writer").daemon().start(this::writeLoop);
    }

    @Override
    public void record(AuditEvent event) {
        Pending pending = new Pending(event, new CompletableFuture<>());
        if (!running || !queue.offer(pending)) {
            throw new MeshidException.Unavailable("audit trail: " + (running ? "backlog full" : "shutting down") + "; retry shortly", null);
        }
        try {
            pending.done().get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new MeshidException.Unavailable("audit trail: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new MeshidException.Unavailable("audit trail: no commit within " + WAIT_SECONDS + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MeshidException.Unavailable("audit trail: interrupted", e);
        }
    }

    @Override
    public List<AuditEvent> find(AuditQuery query) {
        Pageable page = Pageable.from(0, query.limit(), NEWEST_FIRST);
        List<AuditEventRow> rows = query.action().isPresent()
                ? repository.findByTrustDomainAndActionAndOccurredAtGreaterThanEquals(
                        query.trustDomain(), query.action().get(), query.since(), page)
                : repository.findByTrustDomainAndOccurredAtGreaterThanEquals(query.trustDomain(), query.since(), page);
        return rows.stream().map(AuditEventRow::toEvent).toList();
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
                insert(batch);
                batch.forEach(p -> p.done().complete(null));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (SQLException | RuntimeException e) {
                LOG.error("audit batch of {} events failed", batch.size(), e);
                batch.forEach(p -> p.done().completeExceptionally(e));
            } finally {
                batch.clear();
            }
        }
    }

    private void insert(List<Pending> batch) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO audit_event (id, occurred_at, trust_domain, actor, action, "
                    + "target, outcome, detail, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                for (Pending p : batch) {
                    AuditEvent e = p.event();
                    ps.setObject(1, e.id());
                    ps.setTimestamp(2, Timestamp.from(e.occurredAt()));
                    ps.setString(3, e.trustDomain());
                    ps.setString(4, e.actor());
                    ps.setString(5, e.action());
                    ps.setString(6, e.target());
                    ps.setString(7, e.outcome().name());
                    ps.setString(8, e.detail());
                    ps.setString(9, e.requestId());
                    ps.addBatch();
                }
                ps.executeBatch();
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(autoCommit);
            }
        }
    }

    /** Writes what is queued, then stops the writer. */
    @PreDestroy
    void close() throws InterruptedException {
        running = false;
        writer.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
    }
}
