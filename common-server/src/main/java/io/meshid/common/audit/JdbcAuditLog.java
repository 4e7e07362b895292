package io.meshid.common.audit;

import com.zaxxer.hikari.HikariDataSource;
import io.meshid.common.errors.MeshidException;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import io.micronaut.data.model.Pageable;
import io.micronaut.data.model.Sort;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit trail in the server's database ({@code audit_event}). Writes are group-committed:
 * callers queue their events; one writer thread inserts everything queued (up to
 * {@value #MAX_BATCH} events) in one transaction ({@link AuditInserts}: multi-row inserts) and
 * then releases every waiter. {@link #record} returns only once its event is committed, but
 * thousands of audited calls a second cost tens of commits, not thousands. A batch that nobody
 * waits for is held up to {@value #LINGER_MILLIS} ms (or until {@value #LINGER_EVENTS} events) so
 * that it grows: a transaction per few events would cost the database more than the rows.
 * {@link #recordSoon} only queues, and never waits: when {@value #QUEUE_BOUND} events wait it refuses at once with
 * {@code UNAVAILABLE} (counted, {@code meshid.audit.refused}, and reported in a warning at most
 * once a minute). A first attempt at a batch is written with {@code COPY} on PostgreSQL
 * ({@link AuditInserts#insertNew}), a retry with idempotent inserts. {@link #recordIfRoom} takes an event only while the queue is less than half
 * full, and otherwise drops it, counted ({@code meshid.audit.dropped}, {@link #droppedEvents()})
 * and reported in a warning at most once a minute; the other half stays for {@link #recordSoon}
 * and {@link #record}. A batch
 * that fails is retried up to {@value #MAX_ATTEMPTS} times over a few seconds, and what still
 * fails is counted ({@code meshid.audit.lost}, {@link #lostEvents()}) and logged at ERROR, never
 * dropped silently; a {@link #record} waiter fails with its batch ({@code UNAVAILABLE}), except
 * when the batch's connection died (SQL state 08xxx, 57P0x), which earns it one retry on a fresh
 * connection. Inserts are idempotent ({@link AuditInserts}), so a retried batch never fails on rows
 * a lost acknowledgement already stored, and such rows are not counted as lost.
 *
 * <p>Failures a caller can repeat at will with the same input ({@link #recordRepeatable}) are folded ({@link RepeatedEvents}):
 * the first of a kind is written, identical ones within {@code meshid.audit.repeat-window} (default
 * {@code PT1M}) are counted into one more event written when the window ends. Rows older than
 * {@code meshid.audit.retention} (default {@code P90D}; {@code P0D} keeps everything) are deleted
 * every {@code meshid.audit.prune-interval} (default {@code PT1H}), in chunks of
 * {@value #PRUNE_CHUNK}. {@link #find} waits for what was queued before it. Thread-safe.
 */
@Singleton
@Requires(beans = DataSource.class)
final class JdbcAuditLog implements AuditLog {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcAuditLog.class);
    private static final Sort NEWEST_FIRST = Sort.of(Sort.Order.desc("occurredAt"), Sort.Order.desc("id"));
    static final int MAX_BATCH = 4_096;
    static final int QUEUE_BOUND = 16_384;
    static final int MAX_ATTEMPTS = 8;
    /**
     * How long the writer holds a batch that nobody waits for ({@link #recordSoon},
     * {@link #recordIfRoom} only) to let more events join it, and how many end that wait early.
     */
    static final long LINGER_MILLIS = 10;
    static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(LINGER_MILLIS);
    static final int LINGER_EVENTS = 512;
    private static final long WAIT_SECONDS = 10;
    private static final long FOLD_CHECK_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long DROP_WARNING_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final long MAX_BACKOFF_MS = 1_000;
    static final int PRUNE_CHUNK = 10_000;
    static final int MAX_FOLDED_KINDS = 10_000;
    static final String RETENTION = "meshid.audit.retention";
    static final String PRUNE_INTERVAL = "meshid.audit.prune-interval";
    static final String REPEAT_WINDOW = "meshid.audit.repeat-window";
    /**
     * The trust domains that have rows, read off {@code audit_event_domain_time} one step per domain
     * (a loose index scan: each step is the smallest name after the last), not by reading every row.
     */
    private static final String DOMAINS_SQL = "WITH RECURSIVE d (td) AS (SELECT MIN(trust_domain) FROM audit_event "
            + "UNION ALL SELECT (SELECT MIN(trust_domain) FROM audit_event WHERE trust_domain > d.td) FROM d WHERE d.td IS NOT NULL) "
            + "SELECT td FROM d WHERE td IS NOT NULL";
    /** One chunk of one trust domain's old rows, found through {@code audit_event_domain_time}. */
    private static final String PRUNE_SQL = "DELETE FROM audit_event WHERE id IN (SELECT id FROM audit_event WHERE trust_domain = ? "
            + "AND occurred_at < ? LIMIT " + PRUNE_CHUNK + ")";

    /**
     * How long rows are kept ({@link Duration#ZERO}: for ever), how often old ones are deleted, and
     * how long identical denials are folded into one counted event ({@link Duration#ZERO}: never).
     */
    record Settings(Duration retention, Duration pruneInterval, Duration repeatWindow) {

        static final Settings DEFAULTS = new Settings(Duration.ofDays(90), Duration.ofHours(1), Duration.ofMinutes(1));

        Settings {
            if (retention.isNegative() || (!retention.isZero() && retention.compareTo(Duration.ofHours(1)) < 0)) {
                throw new ConfigurationException(RETENTION + ": " + retention + " (expected: at least PT1H, or P0D to keep every row)");
            }
            if (pruneInterval.compareTo(Duration.ofSeconds(1)) < 0 || pruneInterval.compareTo(Duration.ofDays(1)) > 0) {
                throw new ConfigurationException(PRUNE_INTERVAL + ": " + pruneInterval + " (expected: between PT1S and P1D)");
            }
            if (repeatWindow.isNegative() || repeatWindow.compareTo(Duration.ofHours(1)) > 0) {
                throw new ConfigurationException(REPEAT_WINDOW + ": " + repeatWindow + " (expected: between PT0S, to fold "
                        + "nothing, and PT1H)");
            }
        }
    }

    /**
     * A queued item: an event someone waits for ({@code done} set), an event nobody waits for
     * ({@code done} null), or a barrier ({@code event} null) that completes once everything queued
     * before it was handled.
     */
    private record Pending(AuditEvent event, CompletableFuture<Void> done, int attempt) {

        boolean awaited() {
            return event != null && done != null;
        }

        Pending again() {
            return new Pending(event, done, attempt + 1);
        }
    }

    private final AuditEventRepository repository;
    private final DataSource dataSource;
    private final int queueBound;
    private final BlockingQueue<Pending> queue;
    private final AtomicLong lost = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    /** Drops not yet reported in a warning, and when the last warning was written ({@link System#nanoTime}). */
    private final AtomicLong droppedUnreported = new AtomicLong();
    private final AtomicLong lastDropWarning = new AtomicLong(System.nanoTime() - DROP_WARNING_INTERVAL_NANOS);
    /** Audited operations refused because the queue was full, those not yet in a warning, and the last warning's time. */
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong refusedUnreported = new AtomicLong();
    private final AtomicLong lastRefusalWarning = new AtomicLong(System.nanoTime() - DROP_WARNING_INTERVAL_NANOS);
    private final AtomicLong folded = new AtomicLong();
    private final AtomicLong pruned = new AtomicLong();
    /** Batches (transactions) that stored events; events per batch is what the writer's lingering buys. */
    private final AtomicLong batches = new AtomicLong();
    private final Thread writer;
    private final Settings settings;
    private final RepeatedEvents repeats;
    private final Clock clock;
    private final ScheduledExecutorService pruner;
    private volatile boolean running = true;

    @Inject
    JdbcAuditLog(AuditEventRepository repository, DataSource dataSource, @Nullable MeterRegistry meters,
            @Value("${" + RETENTION + ":P90D}") Duration retention, @Value("${" + PRUNE_INTERVAL + ":PT1H}") Duration pruneInterval,
            @Value("${" + REPEAT_WINDOW + ":PT1M}") Duration repeatWindow) {
        this(repository, dataSource, meters, QUEUE_BOUND, new Settings(retention, pruneInterval, repeatWindow), Clock.systemUTC());
    }

    JdbcAuditLog(AuditEventRepository repository, DataSource dataSource, @Nullable MeterRegistry meters) {
        this(repository, dataSource, meters, QUEUE_BOUND);
    }

    /** With a queue of {@code queueBound} events (tests use a small one). */
    JdbcAuditLog(AuditEventRepository repository, DataSource dataSource, @Nullable MeterRegistry meters, int queueBound) {
        this(repository, dataSource, meters, queueBound, Settings.DEFAULTS, Clock.systemUTC());
    }

    JdbcAuditLog(AuditEventRepository repository, DataSource dataSource, @Nullable MeterRegistry meters, int queueBound,
            Settings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        this.repeats = new RepeatedEvents(settings.repeatWindow(), MAX_FOLDED_KINDS);
        this.queueBound = queueBound;
        this.queue = new ArrayBlockingQueue<>(queueBound);
        this.repository = repository;
        this.dataSource = DelegatingDataSource.unwrapDataSource(dataSource);
        if (meters != null) {
            FunctionCounter.builder("meshid.audit.lost", lost, AtomicLong::get)
                    .description("Queued audit events that could not be stored after every retry").register(meters);
            FunctionCounter.builder("meshid.audit.dropped", dropped, AtomicLong::get)
                    .description("Audit events of denials dropped because the queue was more than half full").register(meters);
            Gauge.builder("meshid.audit.queued", queue, BlockingQueue::size)
                    .description("Audit events waiting to be written").register(meters);
            FunctionCounter.builder("meshid.audit.refused", refused, AtomicLong::get)
                    .description("Audited operations refused (UNAVAILABLE) because the audit queue was full").register(meters);
            FunctionCounter.builder("meshid.audit.folded", folded, AtomicLong::get)
                    .description("Repeated identical denials counted into one event instead of a row each").register(meters);
            FunctionCounter.builder("meshid.audit.pruned", pruned, AtomicLong::get)
                    .description("Audit rows deleted because they were older than the retention").register(meters);
            FunctionCounter.builder("meshid.audit.batches", batches, AtomicLong::get)
                    .description("Transactions that stored audit events (each holds one batch)").register(meters);
        }
        this.writer = Thread.ofPlatform().name("audit-writer").daemon().start(this::writeLoop);
        this.pruner = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("audit-prune").factory());
        if (!settings.retention().isZero()) {
            long every = settings.pruneInterval().toMillis();
            pruner.scheduleWithFixedDelay(this::pruneQuietly, Math.min(every, 60_000), every, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void record(AuditEvent event) {
        Pending pending = new Pending(Objects.requireNonNull(event, "event"), new CompletableFuture<>(), 0);
        offer(pending);
        LockSupport.unpark(writer);
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
    public void recordSoon(AuditEvent event) {
        offer(new Pending(Objects.requireNonNull(event, "event"), null, 0));
    }

    @Override
    public boolean recordRepeatable(AuditEvent event) {
        Objects.requireNonNull(event, "event");
        if (running && !repeats.admit(event)) {
            folded.incrementAndGet();
            return true;
        }
        return recordIfRoom(event);
    }

    @Override
    public boolean recordIfRoom(AuditEvent event) {
        Pending pending = new Pending(Objects.requireNonNull(event, "event"), null, 0);
        if (running && queue.size() < queueBound / 2 && queue.offer(pending)) {
            return true;
        }
        dropped.incrementAndGet();
        long unreported = droppedUnreported.incrementAndGet();
        long now = System.nanoTime();
        long last = lastDropWarning.get();
        if (now - last >= DROP_WARNING_INTERVAL_NANOS && lastDropWarning.compareAndSet(last, now)) {
            droppedUnreported.addAndGet(-unreported);
            LOG.warn("audit trail: dropped {} events of denials in the last minute ({} since start): the queue of {} is more "
                    + "than half full (the database is behind); the events of audited operations still have room", unreported,
                    dropped.get(), queueBound);
        }
        return false;
    }

    @Override
    public boolean behind() {
        return queue.size() >= queueBound / 2;
    }

    private void offer(Pending pending) {
        if (!running || !queue.offer(pending)) {
            refused.incrementAndGet();
            long unreported = refusedUnreported.incrementAndGet();
            long now = System.nanoTime();
            long last = lastRefusalWarning.get();
            if (running && now - last >= DROP_WARNING_INTERVAL_NANOS && lastRefusalWarning.compareAndSet(last, now)) {
                refusedUnreported.addAndGet(-unreported);
                LOG.warn("audit trail: refused {} audited operations in the last minute ({} since start): the queue of {} events "
                        + "is full (the database is behind); they were answered UNAVAILABLE", unreported, refused.get(), queueBound);
            }
            throw new MeshidException.Unavailable("audit trail: " + (running ? "backlog of " + queueBound + " events full"
                    : "shutting down") + "; retry shortly", null);
        }
    }

    @Override
    public List<AuditEvent> find(AuditQuery query) {
        awaitQueued();
        Pageable page = Pageable.from(0, query.limit(), NEWEST_FIRST);
        List<AuditEventRow> rows = query.action().isPresent()
                ? repository.findByTrustDomainAndActionAndOccurredAtGreaterThanEquals(
                        query.trustDomain(), query.action().get(), query.since(), page)
                : repository.findByTrustDomainAndOccurredAtGreaterThanEquals(query.trustDomain(), query.since(), page);
        return rows.stream().map(AuditEventRow::toEvent).toList();
    }

    /** Queued events that were given up after {@value #MAX_ATTEMPTS} failed attempts (also logged). */
    long lostEvents() {
        return lost.get();
    }

    /** Events waiting in the queue now (not those the writer took). */
    int queuedForTest() {
        return queue.size();
    }

    /** Events dropped by {@link #recordIfRoom} because the queue was more than half full (also a metric). */
    long droppedEvents() {
        return dropped.get();
    }

    /** Batches stored so far (for tests and {@code meshid.audit.batches}). */
    long batchesWritten() {
        return batches.get();
    }

    /** Audited operations refused because the queue was full (also a metric, and a warning at most once a minute). */
    long refusedEvents() {
        return refused.get();
    }

    /** Repeats of denials counted into summary events rather than written one by one. */
    long foldedEvents() {
        return folded.get();
    }

    /**
     * Deletes the rows older than the retention, trust domain by trust domain (through the index
     * every read uses, so that no index on the time alone has to be kept up on each insert),
     * {@value #PRUNE_CHUNK} at a time (short transactions that never hold many locks), and returns
     * how many went.
     */
    long prune() throws SQLException {
        if (settings.retention().isZero()) {
            return 0;
        }
        Timestamp before = Timestamp.from(clock.instant().minus(settings.retention()));
        long total = 0;
        try (Connection c = dataSource.getConnection()) {
            List<String> domains = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(DOMAINS_SQL); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    domains.add(rs.getString(1));
                }
            }
            try (PreparedStatement ps = c.prepareStatement(PRUNE_SQL)) {
                for (String domain : domains) {
                    int n;
                    do {
                        ps.setString(1, domain);
                        ps.setTimestamp(2, before);
                        n = ps.executeUpdate();
                        total += n;
                        pruned.addAndGet(n);
                    } while (n == PRUNE_CHUNK && running);
                }
            }
        }
        if (total > 0) {
            LOG.info("audit trail: deleted {} events older than {} (retention {})", total, before.toInstant(), settings.retention());
        }
        return total;
    }

    private void pruneQuietly() {
        try {
            prune();
        } catch (SQLException | RuntimeException e) {
            LOG.warn("audit trail: pruning events older than {} failed, next try in {}: {}", settings.retention(),
                    settings.pruneInterval(), e.toString());
        }
    }

    /** Queues the summaries of folded denials whose window has ended (all of them when closing). */
    private void queueFoldedSummaries(boolean all) {
        for (AuditEvent summary : repeats.due(all ? null : clock.instant())) {
            if (!queue.offer(new Pending(summary, null, 0))) {
                lost.incrementAndGet();
                LOG.error("audit trail: the queue is full; lost the count of repeated events: {} {} {}", summary.actor(),
                        summary.action(), summary.detail());
            }
        }
    }

    /** Waits (bounded) until everything queued so far was written or given up. */
    void awaitQueued() {
        if (Thread.currentThread() == writer || !running) {
            return;
        }
        Pending barrier = new Pending(null, new CompletableFuture<>(), 0);
        try {
            if (queue.offer(barrier, WAIT_SECONDS, TimeUnit.SECONDS)) {
                LockSupport.unpark(writer);
                barrier.done().get(WAIT_SECONDS, TimeUnit.SECONDS);
            }
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("audit trail: reading without waiting for queued events ({})", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void writeLoop() {
        List<Pending> batch = new ArrayList<>(MAX_BATCH);
        List<Pending> retry = new ArrayList<>();
        long nextFold = System.nanoTime();
        boolean finalFold = false;
        while (running || !queue.isEmpty() || !retry.isEmpty() || !finalFold) {
            try {
                if (!running && !finalFold) {
                    finalFold = true;
                    queueFoldedSummaries(true);
                } else if (System.nanoTime() - nextFold >= 0) {
                    nextFold = System.nanoTime() + FOLD_CHECK_NANOS;
                    queueFoldedSummaries(false);
                }
                if (retry.isEmpty()) {
                    Pending first = queue.poll(200, TimeUnit.MILLISECONDS);
                    if (first == null) {
                        continue;
                    }
                    batch.add(first);
                } else {
                    batch.addAll(retry);
                    retry.clear();
                }
                queue.drainTo(batch, Math.max(0, MAX_BATCH - batch.size()));
                if (batch.getFirst().attempt() == 0) {
                    linger(batch);
                }
                write(batch, retry);
                if (!retry.isEmpty()) {
                    Thread.sleep(Math.min(MAX_BACKOFF_MS, 100L << Math.min(10, retry.get(0).attempt())));
                }
            } catch (InterruptedException e) {
                queue.drainTo(retry);
                giveUp(retry, e);
                Thread.currentThread().interrupt();
                return;
            } finally {
                batch.clear();
            }
        }
    }

    /**
     * Lets more events join {@code batch} while nobody waits for any of it: for up to
     * {@link #LINGER_NANOS}, until it holds {@link #LINGER_EVENTS}, or until a {@link #record} or a
     * barrier arrives (they unpark this thread). Each batch costs the database a transaction, a
     * {@code COPY} and their round trips whatever its size; at thousands of events a second, batches
     * of a few events made that cost per event twice the rows' own (docs/benchmarks.md,
     * "The audit writer's batches", 2026-12-06). Events nobody waits for were already only in
     * memory; they now stay there up to 10 ms longer.
     */
    private void linger(List<Pending> batch) {
        long deadline = System.nanoTime() + LINGER_NANOS;
        int checked = 0;
        while (running && batch.size() < LINGER_EVENTS && !Thread.currentThread().isInterrupted()) {
            for (; checked < batch.size(); checked++) {
                if (batch.get(checked).done() != null) {
                    return;
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            LockSupport.parkNanos(this, left);
            queue.drainTo(batch, MAX_BATCH - batch.size());
        }
    }

    /** Writes one batch; on failure fails the waiters and keeps the rest for another attempt. */
    private void write(List<Pending> batch, List<Pending> retry) {
        List<AuditEvent> events = new ArrayList<>(batch.size());
        for (Pending p : batch) {
            if (p.event() != null) {
                events.add(p.event());
            }
        }
        try {
            if (!events.isEmpty()) {
                try (Connection c = dataSource.getConnection()) {
                    if (batch.stream().allMatch(p -> p.attempt() == 0)) {
                        copy(c, batch, events);
                    } else {
                        AuditInserts.insert(c, events);
                    }
                }
                batches.incrementAndGet();
            }
            batch.forEach(p -> {
                if (p.done() != null) {
                    p.done().complete(null);
                }
            });
        } catch (SQLException | RuntimeException e) {
            List<Pending> exhausted = new ArrayList<>();
            boolean lostConnection = lostConnection(e);
            for (Pending p : batch) {
                if (p.awaited() && lostConnection && p.attempt() == 0) {
                    // Inserts are idempotent: one more try on a fresh connection is safe, and spares the caller a refusal.
                    retry.add(p.again());
                } else if (p.awaited()) {
                    p.done().completeExceptionally(e);
                } else if (p.attempt() + 1 < MAX_ATTEMPTS) {
                    retry.add(p.again());
                } else {
                    exhausted.add(p);
                }
            }
            int attempt = batch.get(0).attempt() + 1;
            if (attempt == 1) {
                LOG.error("audit batch of {} events failed; {} will be retried", events.size(), retry.size(), e);
            } else {
                LOG.warn("audit batch of {} events failed again (attempt {} of {}): {}", events.size(), attempt, MAX_ATTEMPTS,
                        e.toString());
            }
            giveUp(exhausted, e);
        }
    }

    /**
     * A first attempt: {@link AuditInserts#insertNew}, without waiting for PostgreSQL's WAL flush
     * when no caller waits for the batch ({@code recordSoon} only). Its {@code COPY} runs on the driver's own
     * connection, past the pool's proxy, so the pool cannot see that the connection died: it is
     * evicted here, or the next borrower (this writer's retry, within the pool's validation
     * bypass window) would get the dead connection again.
     */
    private void copy(Connection c, List<Pending> batch, List<AuditEvent> events) throws SQLException {
        try {
            AuditInserts.insertNew(c, events, batch.stream().anyMatch(Pending::awaited));
        } catch (SQLException | RuntimeException e) {
            if (lostConnection(e) && dataSource.isWrapperFor(HikariDataSource.class)) {
                dataSource.unwrap(HikariDataSource.class).evictConnection(c);
            }
            throw e;
        }
    }

    /** Whether {@code e} says the connection died (SQL state class 08, or the server ending the session: 57P01 to 57P03). */
    static boolean lostConnection(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P0"))) {
                return true;
            }
        }
        return false;
    }

    private void giveUp(List<Pending> pending, Exception cause) {
        long events = pending.stream().filter(p -> p.event() != null).count();
        pending.forEach(p -> {
            if (p.done() != null) {
                p.done().completeExceptionally(cause);
            }
        });
        if (events > 0) {
            long total = lost.addAndGet(events);
            LOG.error("audit trail: {} queued events could not be stored and are lost ({} lost since start): {}", events, total,
                    cause.toString());
        }
        pending.clear();
    }

    /** Writes what is queued (retrying as usual), then stops the writer. */
    @PreDestroy
    void close() throws InterruptedException {
        running = false;
        LockSupport.unpark(writer);
        pruner.shutdownNow();
        writer.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        if (writer.isAlive()) {
            writer.interrupt();
            writer.join(TimeUnit.SECONDS.toMillis(1));
        }
    }
}
