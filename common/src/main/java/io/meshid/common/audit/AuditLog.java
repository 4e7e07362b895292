package io.meshid.common.audit;

import java.util.List;

/**
 * The audit trail. {@link #record} returns only once the event is stored, so an acknowledged
 * operation is never missing from it. Implementations are thread-safe.
 */
public interface AuditLog {

    /** Stores one event durably before returning. */
    void record(AuditEvent event);

    /** Events matching the query, newest first. */
    List<AuditEvent> find(AuditQuery query);
}
