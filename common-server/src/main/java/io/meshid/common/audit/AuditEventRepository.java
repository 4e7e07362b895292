package io.meshid.common.audit;

import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.Pageable;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** SQL access to {@code audit_event}; the same queries run on H2 (PostgreSQL mode) and PostgreSQL. */
@JdbcRepository(dialect = Dialect.POSTGRES)
interface AuditEventRepository extends GenericRepository<AuditEventRow, UUID> {

    AuditEventRow save(AuditEventRow row);

    List<AuditEventRow> findByTrustDomainAndOccurredAtGreaterThanEquals(String trustDomain, Instant since, Pageable page);

    List<AuditEventRow> findByTrustDomainAndActionAndOccurredAtGreaterThanEquals(
            String trustDomain, String action, Instant since, Pageable page);
}
