package io.meshid.common.audit;

import io.micronaut.context.annotation.Requires;
import io.micronaut.data.model.Pageable;
import io.micronaut.data.model.Sort;
import jakarta.inject.Singleton;
import java.util.List;
import javax.sql.DataSource;

/** The audit trail in the server's database ({@code audit_event}). Thread-safe. */
@Singleton
@Requires(beans = DataSource.class)
final class JdbcAuditLog implements AuditLog {

    private static final Sort NEWEST_FIRST = Sort.of(Sort.Order.desc("occurredAt"), Sort.Order.desc("id"));

    private final AuditEventRepository repository;

    JdbcAuditLog(AuditEventRepository repository) {
        this.repository = repository;
    }

    @Override
    public void record(AuditEvent event) {
        repository.save(AuditEventRow.from(event));
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
}
