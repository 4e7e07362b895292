package io.meshid.common.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshid.common.errors.MeshidException;
import java.time.Instant;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

/**
 * What the audit trail does when its database refuses the writes: a real H2 database without the
 * {@code audit_event} table, so every insert fails with a real SQL error.
 */
class JdbcAuditLogFailureTest {

    private static final Instant T0 = Instant.parse("2026-12-02T00:00:00Z");

    private static JdbcDataSource emptyDatabase(String name) {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1");
        return ds;
    }

    private static AuditEvent event(String target) {
        return AuditEvent.of(T0, "fail.example", "actor", "x.do", target, AuditEvent.Outcome.SUCCESS, "", "r");
    }

    @Test
    void record_whenTheInsertFails_throwsUnavailable_andLosesNothingSilently() throws Exception {
        JdbcAuditLog audit = new JdbcAuditLog(null, emptyDatabase("audit-fail-sync"), null);
        try {
            assertThatThrownBy(() -> audit.record(event("sync"))).isInstanceOf(MeshidException.Unavailable.class)
                    .hasMessageContaining("audit trail:").hasMessageContaining("AUDIT_EVENT");
            assertThat(audit.lostEvents()).isZero();
        } finally {
            audit.close();
        }
    }

    @Test
    void recordSoon_whenEveryAttemptFails_countsTheEventsAsLost() throws Exception {
        JdbcAuditLog audit = new JdbcAuditLog(null, emptyDatabase("audit-fail-async"), null);
        try {
            audit.recordSoon(event("a"));
            audit.recordSoon(event("b"));
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (audit.lostEvents() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(audit.lostEvents()).isEqualTo(2);
        } finally {
            audit.close();
        }
    }

    @Test
    void recordSoon_afterClose_isRefused_notDropped() throws Exception {
        JdbcAuditLog audit = new JdbcAuditLog(null, emptyDatabase("audit-closed"), null);
        audit.close();

        assertThatThrownBy(() -> audit.recordSoon(event("late"))).isInstanceOf(MeshidException.Unavailable.class)
                .hasMessageContaining("shutting down");
    }
}
