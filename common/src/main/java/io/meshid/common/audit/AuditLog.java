package io.meshid.common.audit;

import java.util.List;

/**
 * The audit trail. {@link #record} returns only once the event is stored, so an acknowledged
 * operation is never missing from it. {@link #recordSoon} is for hot paths whose operation
 * changes no stored state (minting and exchanging tokens): it queues the event and returns, and
 * the event is stored within a bounded delay. Implementations are thread-safe.
 */
public interface AuditLog {

    /** Stores one event durably before returning. */
    void record(AuditEvent event);

    /**
     * Queues one event to be stored shortly (within about a second), without waiting for it. If the
     * queue stays full (the database is behind) it waits briefly for room, then the event is not
     * taken and this throws
     * {@link io.meshid.common.errors.MeshidException.Unavailable}, so the caller can refuse its
     * operation rather than leave it unaudited. A queued event can be lost only if the process dies
     * before it is written, or if the database refuses it after retries; the latter is counted
     * and logged. {@link #find} on the same instance first waits for what was queued before it.
     * This default stores the event at once, as {@link #record} does.
     */
    default void recordSoon(AuditEvent event) {
        record(event);
    }

    /** Events matching the query, newest first; includes every event queued here before the call. */
    List<AuditEvent> find(AuditQuery query);
}
