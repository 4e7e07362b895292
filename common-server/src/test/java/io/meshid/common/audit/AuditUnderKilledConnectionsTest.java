package io.meshid.common.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.common.errors.MeshidException;
import io.meshid.common.testing.ExternalServices;
import io.meshid.common.testing.RequiresPostgres;
import io.meshid.common.testing.TestDatabase;
import io.micronaut.context.ApplicationContext;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The audit trail while PostgreSQL kills its connections ({@code pg_terminate_backend} on this
 * test's own connections only, told apart by their application name) under load from 8 threads.
 * Promises: no acknowledged event is lost ({@link AuditLog#record} returned, so its row is
 * there); nothing is stored twice and nothing stored is counted as lost; a refusal is
 * {@code UNAVAILABLE} (fail closed), and the writer serves again at once when the kills stop.
 */
@RequiresPostgres
@Timeout(60)
class AuditUnderKilledConnectionsTest {

    @Test
    void killedConnections_loseNoAcknowledgedEvent_andTheWriterDoesNotJam() throws Exception {
        try (TestDatabase database = TestDatabase.postgres()) {
            String appName = "audit-kill-" + UUID.randomUUID().toString().substring(0, 8);
            Map<String, Object> p = new HashMap<>(database.properties("common"));
            String url = database.url() + "&ApplicationName=" + appName;
            p.put("meshid.database.url", url);
            p.put("datasources.default.url", url);
            try (ApplicationContext context = ApplicationContext.run(p)) {
                AuditLog audit = context.getBean(AuditLog.class);
                Set<UUID> acknowledged = ConcurrentHashMap.newKeySet();
                AtomicInteger refused = new AtomicInteger();
                AtomicBoolean running = new AtomicBoolean(true);
                ExecutorService pool = Executors.newFixedThreadPool(9);
                List<Future<?>> writers = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    int thread = t;
                    writers.add(pool.submit(() -> {
                        for (int i = 0; running.get(); i++) {
                            AuditEvent e = AuditEvent.of(Instant.now(), "kill.example", "t" + thread, "x.do", "e" + i,
                                    AuditEvent.Outcome.SUCCESS, "", "r");
                            try {
                                audit.record(e);
                                acknowledged.add(e.id());
                            } catch (MeshidException.Unavailable refusal) {
                                refused.incrementAndGet();
                            }
                        }
                        return null;
                    }));
                }
                int kills = 0;
                try (Connection admin = DriverManager.getConnection(ExternalServices.postgresUrl(), ExternalServices.postgresUser(), "");
                        PreparedStatement kill = admin.prepareStatement(
                                "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = ?")) {
                    kill.setString(1, appName);
                    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
                    while (System.nanoTime() < until) {
                        try (ResultSet rs = kill.executeQuery()) {
                            rs.next();
                            kills += rs.getInt(1);
                        }
                        Thread.sleep(250);
                    }
                }
                running.set(false);
                for (Future<?> f : writers) {
                    f.get(30, TimeUnit.SECONDS);
                }
                pool.shutdown();
                assertThat(kills).as("connections killed").isPositive();

                AuditEvent after = AuditEvent.of(Instant.now(), "kill.example", "after", "x.do", "after", AuditEvent.Outcome.SUCCESS,
                        "", "r");
                audit.record(after);

                try (Connection c = DriverManager.getConnection(database.url(), ExternalServices.postgresUser(), "");
                        Statement s = c.createStatement()) {
                    s.execute("CREATE TEMPORARY TABLE acked (id UUID PRIMARY KEY)");
                    try (PreparedStatement insert = c.prepareStatement("INSERT INTO acked VALUES (?)")) {
                        for (UUID id : acknowledged) {
                            insert.setObject(1, id);
                            insert.addBatch();
                        }
                        insert.executeBatch();
                    }
                    try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM acked a LEFT JOIN audit_event e ON e.id = a.id "
                            + "WHERE e.id IS NULL")) {
                        rs.next();
                        assertThat(rs.getLong(1)).as("acknowledged events missing of " + acknowledged.size()).isZero();
                    }
                }
                assertThat(acknowledged).as("acknowledged under the kills (refused: " + refused + ")").hasSizeGreaterThan(8);
                assertThat(((JdbcAuditLog) audit).lostEvents()).isZero();
            }
        }
    }
}
