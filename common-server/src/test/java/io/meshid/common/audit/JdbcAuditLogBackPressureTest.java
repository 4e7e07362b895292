package io.meshid.common.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshid.common.errors.MeshidException;
import java.io.PrintWriter;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The audit queue when the database does not answer: a data source whose connections never come
 * (as when a lock or a full pool holds every writer). Nothing that queues waits, denials are
 * dropped and counted past half the queue, and the other half stays for events that must be kept.
 */
class JdbcAuditLogBackPressureTest {

    private static final int BOUND = 8;

    private final CountDownLatch writerStuck = new CountDownLatch(1);
    private final CountDownLatch never = new CountDownLatch(1);
    private final JdbcAuditLog audit = new JdbcAuditLog(null, blockingDataSource(), null, BOUND);

    @AfterEach
    void close() throws InterruptedException {
        never.countDown();
        audit.close();
    }

    private DataSource blockingDataSource() {
        return (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {DataSource.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getConnection" -> {
                        writerStuck.countDown();
                        never.await();
                        throw new java.sql.SQLTransientConnectionException("released at the end of the test");
                    }
                    case "getLogWriter" -> (PrintWriter) null;
                    case "getParentLogger" -> Logger.getGlobal();
                    case "isWrapperFor" -> false;
                    case "unwrap" -> throw new java.sql.SQLException("not a wrapper");
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    private static AuditEvent event(String target) {
        return AuditEvent.of(Instant.parse("2026-12-04T10:00:00Z"), "stuck.example", "actor", "x.do", target,
                AuditEvent.Outcome.DENIED, "", "r");
    }

    /** Lets the writer take its first batch and hang in the database, so the queue itself is empty. */
    private void jamTheWriter() throws InterruptedException {
        audit.recordSoon(event("first"));
        assertThat(writerStuck.await(10, TimeUnit.SECONDS)).isTrue();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (audit.queuedForTest() > 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(audit.queuedForTest()).isZero();
    }

    @Test
    void recordIfRoom_pastHalfTheQueue_dropsAndCounts_withoutRefusing() throws Exception {
        jamTheWriter();

        int taken = 0;
        for (int i = 0; i < 100; i++) {
            taken += audit.recordIfRoom(event("denial-" + i)) ? 1 : 0;
        }

        assertThat(taken).isEqualTo(BOUND / 2);
        assertThat(audit.droppedEvents()).isEqualTo(100 - BOUND / 2);
    }

    @Test
    void aFloodOfDenials_leavesRoomForEventsThatMustBeKept_thenRecordSoonRefusesAtOnce() throws Exception {
        jamTheWriter();
        for (int i = 0; i < 1_000; i++) {
            audit.recordIfRoom(event("flood-" + i));
        }

        for (int i = 0; i < BOUND / 2; i++) {
            audit.recordSoon(event("issued-" + i));
        }

        assertThatThrownBy(() -> audit.recordSoon(event("one too many"))).isInstanceOf(MeshidException.Unavailable.class)
                .hasMessageContaining("backlog of " + BOUND + " events full");
        assertThat(audit.recordIfRoom(event("late denial"))).isFalse();
    }

    @Test
    void behind_fromHalfTheQueue() throws Exception {
        jamTheWriter();
        assertThat(audit.behind()).isFalse();
        for (int i = 0; i < BOUND / 2 - 1; i++) {
            audit.recordSoon(event("issued-" + i));
        }
        assertThat(audit.behind()).isFalse();

        audit.recordSoon(event("the half"));

        assertThat(audit.behind()).isTrue();
        assertThat(audit.recordIfRoom(event("denial"))).isFalse();
    }
}
