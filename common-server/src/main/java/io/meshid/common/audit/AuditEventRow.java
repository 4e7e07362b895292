package io.meshid.common.audit;

import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import java.time.Instant;
import java.util.UUID;

/** The {@code audit_event} table's row; see {@code db/migration/common/R__audit_event.sql}. */
@MappedEntity("audit_event")
record AuditEventRow(
        @Id UUID id,
        Instant occurredAt,
        String trustDomain,
        String actor,
        String action,
        String target,
        String outcome,
        String detail,
        String requestId) {

    static AuditEventRow from(AuditEvent e) {
        return new AuditEventRow(e.id(), e.occurredAt(), e.trustDomain(), e.actor(), e.action(), e.target(),
                e.outcome().name(), e.detail(), e.requestId());
    }

    AuditEvent toEvent() {
        return new AuditEvent(id, occurredAt, trustDomain, actor, action, target,
                AuditEvent.Outcome.valueOf(outcome), detail, requestId);
    }
}
