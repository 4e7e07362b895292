package io.meshid.common.audit;

import io.meshid.common.errors.MeshidException;
import io.micronaut.context.annotation.Requires;
import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Reads pages of the server's {@code audit_event} table for {@code AuditService.ListAuditEvents}:
 * keyset pages (newest first, by time then id, continuing strictly after the previous page's last
 * event), so a page costs the same however deep it is and events written meanwhile never shift
 * a page. Served by the {@code (trust_domain, occurred_at)} index. Waits for the events queued
 * before the call, as {@link AuditLog#find} does. Thread-safe.
 */
@Singleton
@Requires(beans = DataSource.class)
public final class AuditReader {

    private static final String COLUMNS = "id, occurred_at, trust_domain, actor, action, target, outcome, detail, request_id";

    private final DataSource dataSource;
    private final AuditLog log;

    AuditReader(DataSource dataSource, AuditLog log) {
        this.dataSource = DelegatingDataSource.unwrapDataSource(dataSource);
        this.log = log;
    }

    /**
     * One page matching {@code query}.
     *
     * @throws MeshidException.Unavailable when the database cannot be read
     */
    public AuditPage page(AuditPageQuery query) {
        if (log instanceof JdbcAuditLog jdbc) {
            jdbc.awaitQueued();
        }
        StringBuilder sql = new StringBuilder("SELECT ").append(COLUMNS).append(" FROM audit_event WHERE trust_domain = ?");
        List<Object> args = new ArrayList<>();
        args.add(query.trustDomain());
        query.since().ifPresent(s -> {
            sql.append(" AND occurred_at >= ?");
            args.add(Timestamp.from(s));
        });
        query.until().ifPresent(u -> {
            sql.append(" AND occurred_at < ?");
            args.add(Timestamp.from(u));
        });
        query.action().ifPresent(a -> {
            sql.append(" AND action = ?");
            args.add(a);
        });
        query.actor().ifPresent(a -> {
            sql.append(" AND actor = ?");
            args.add(a);
        });
        query.outcome().ifPresent(o -> {
            sql.append(" AND outcome = ?");
            args.add(o.name());
        });
        query.after().ifPresent(p -> {
            sql.append(" AND (occurred_at < ? OR (occurred_at = ? AND id < ?))");
            args.add(Timestamp.from(p.occurredAt()));
            args.add(Timestamp.from(p.occurredAt()));
            args.add(p.id());
        });
        // One more than asked for tells whether another page follows.
        sql.append(" ORDER BY occurred_at DESC, id DESC LIMIT ").append(query.pageSize() + 1);
        List<AuditEvent> events = new ArrayList<>(Math.min(query.pageSize() + 1, 128));
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql.toString())) {
            for (int i = 0; i < args.size(); i++) {
                ps.setObject(i + 1, args.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    events.add(new AuditEvent(rs.getObject(1, UUID.class), rs.getTimestamp(2).toInstant(), rs.getString(3),
                            rs.getString(4), rs.getString(5), rs.getString(6), AuditEvent.Outcome.valueOf(rs.getString(7)),
                            rs.getString(8), rs.getString(9)));
                }
            }
        } catch (SQLException e) {
            throw new MeshidException.Unavailable("audit trail: cannot be read now; retry shortly", e);
        }
        if (events.size() <= query.pageSize()) {
            return new AuditPage(events, Optional.empty());
        }
        List<AuditEvent> page = events.subList(0, query.pageSize());
        AuditEvent last = page.get(page.size() - 1);
        return new AuditPage(page, Optional.of(new AuditPageQuery.Position(last.occurredAt(), last.id())));
    }
}
