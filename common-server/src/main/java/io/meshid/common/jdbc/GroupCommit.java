package io.meshid.common.jdbc;

import io.meshid.common.errors.MeshidException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit of acknowledged writes: callers hand in an item and are answered only once the
 * transaction that wrote it has committed, while one writer thread takes everything queued (up to
 * a bound) and writes it in <em>one</em> transaction. Thousands of writes a second cost a few
 * hundred commits (WAL flushes), not thousands, and no caller holds a pooled connection while the
 * flush is waited for. Nothing about durability changes: an item is acknowledged after its commit,
 * never before.
 *
 * <p>The {@link Writer} writes a batch on a connection with auto-commit off and may
 * {@linkplain Refusals#refuse refuse} single items (a conditional claim another caller won):
 * those fail with the exception given, the others commit. When the writer throws (one item spoiled
 * the transaction, say a key two replicas raced on), the batch is rolled back and every item is
 * written again in a transaction of its own, so only the culprit fails, with the exception that
 * {@code failure} maps its error to. A full queue refuses at once ({@code UNAVAILABLE}), and a
 * caller waits at most a bounded time.
 *
 * <p>Used by identity-server's issuance ledger and cert-authority's journal. Thread-safe.
 *
 * @param <T> what one caller writes
 */
public final class GroupCommit<T> implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(GroupCommit.class);
    /** How long a caller waits for its commit, and {@link #close} for the queue to drain. */
    public static final long WAIT_SECONDS = 10;

    /** Writes a batch within the transaction on {@code c}; must not commit or roll back. */
    @FunctionalInterface
    public interface Writer<T> {
        void write(Connection c, List<T> batch, Refusals<T> refusals) throws SQLException;
    }

    /** Items of a batch that did not win (their transaction still commits the others). */
    public interface Refusals<T> {
        /** Fails {@code item} with {@code why} once the batch is committed (or rolled back). */
        void refuse(T item, RuntimeException why);
    }

    private record Pending<T>(T item, CompletableFuture<Void> done) {
    }

    private final String name;
    private final DataSource dataSource;
    private final int maxBatch;
    private final int queueBound;
    private final Writer<T> writer;
    private final BiFunction<T, Exception, RuntimeException> failure;
    private final BlockingQueue<Pending<T>> queue;
    private final Thread thread;
    private volatile boolean running = true;

    /**
     * @param name       what errors and the writer thread are named after, e.g. {@code "SVID records"}
     * @param maxBatch   most items in one transaction
     * @param queueBound most items waiting; past it {@link #submit} refuses
     * @param failure    the exception an item fails with when it failed in a transaction of its own
     */
    public GroupCommit(String name, DataSource dataSource, int maxBatch, int queueBound, Writer<T> writer,
            BiFunction<T, Exception, RuntimeException> failure) {
        this.name = Objects.requireNonNull(name, "name");
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.maxBatch = maxBatch;
        this.queueBound = queueBound;
        this.writer = Objects.requireNonNull(writer, "writer");
        this.failure = Objects.requireNonNull(failure, "failure");
        this.queue = new ArrayBlockingQueue<>(queueBound);
        this.thread = Thread.ofPlatform().name(name.replace(' ', '-') + "-writer").daemon().start(this::writeLoop);
    }

    /**
     * Queues {@code item}; the future completes once it is committed, or fails with the refusal,
     * the mapped failure, or {@link MeshidException.Unavailable} (queue full, shutting down, no
     * commit within {@value #WAIT_SECONDS} s).
     */
    public CompletableFuture<Void> submit(T item) {
        Pending<T> pending = new Pending<>(Objects.requireNonNull(item, "item"), new CompletableFuture<>());
        if (!running || !queue.offer(pending)) {
            return CompletableFuture.failedFuture(new MeshidException.Unavailable(name + ": " + (running ? "backlog of "
                    + queueBound + " full" : "shutting down") + "; retry shortly", null));
        }
        return pending.done().orTimeout(WAIT_SECONDS, TimeUnit.SECONDS).exceptionallyCompose(e -> CompletableFuture.failedFuture(
                unwrap(e)));
    }

    /** Writes {@code item} and returns once it is committed; throws what {@link #submit}'s future fails with. */
    public void commit(T item) {
        try {
            submit(item).get();
        } catch (ExecutionException e) {
            throw unwrap(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MeshidException.Unavailable(name + ": interrupted", e);
        }
    }

    private RuntimeException unwrap(Throwable e) {
        Throwable cause = (e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null
                ? e.getCause() : e;
        if (cause instanceof TimeoutException) {
            return new MeshidException.Unavailable(name + ": no commit within " + WAIT_SECONDS + " s", cause);
        }
        if (cause instanceof RuntimeException r) {
            return r;
        }
        return new MeshidException.Unavailable(name + ": " + cause.getMessage(), cause);
    }

    private void writeLoop() {
        List<Pending<T>> batch = new ArrayList<>(maxBatch);
        while (running || !queue.isEmpty()) {
            try {
                Pending<T> first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, maxBatch - 1);
                try {
                    write(batch);
                } catch (SQLException | RuntimeException whole) {
                    if (batch.size() > 1) {
                        LOG.debug("{}: a batch of {} failed ({}); writing each on its own", name, batch.size(), whole.toString());
                    }
                    for (Pending<T> p : batch) {
                        try {
                            write(List.of(p));
                        } catch (SQLException | RuntimeException e) {
                            p.done().completeExceptionally(failure.apply(p.item(), e));
                        }
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                List<Pending<T>> left = new ArrayList<>();
                queue.drainTo(left);
                left.forEach(p -> p.done().completeExceptionally(new MeshidException.Unavailable(name + ": shutting down", e)));
                return;
            } finally {
                batch.clear();
            }
        }
    }

    /** Writes {@code batch} in one transaction and completes each item; throws (rolled back, nothing completed) if it fails. */
    private void write(List<Pending<T>> batch) throws SQLException {
        List<T> items = new ArrayList<>(batch.size());
        batch.forEach(p -> items.add(p.item()));
        Map<T, RuntimeException> refused = new IdentityHashMap<>();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                writer.write(c, items, refused::put);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
        for (Pending<T> p : batch) {
            RuntimeException why = refused.get(p.item());
            if (why == null) {
                p.done().complete(null);
            } else {
                p.done().completeExceptionally(why);
            }
        }
    }

    /** Writes what is queued (bounded by {@value #WAIT_SECONDS} s), then stops the writer. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        if (thread.isAlive()) {
            thread.interrupt();
            thread.join(TimeUnit.SECONDS.toMillis(1));
        }
    }
}
