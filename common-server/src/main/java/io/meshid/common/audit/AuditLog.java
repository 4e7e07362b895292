package io.meshid.common.audit;

import java.util.List;

/**
 * The audit trail. {@link #record} returns only once the event is stored, so an acknowledged
 * operation is never missing from it; it waits for the database, so calls that run on the event
 * loop ({@link io.meshid.common.server.InlineCalls}) never use it. {@link #recordSoon} is for hot
 * paths whose operation changes no stored state (minting and exchanging tokens): it queues the
 * event and returns at once, and the event is stored within a bounded delay. {@link #recordIfRoom}
 * is for events a caller can cause at will (denials of invalid tokens): it never waits either,
 * and drops (and counts) the event rather than take the room that {@link #recordSoon} needs.
 * Implementations are thread-safe.
 */
public interface AuditLog {

    /** Stores one event durably before returning. */
    void record(AuditEvent event);

    /**
     * Queues one event to be stored shortly (within about a second), without waiting for it or for
     * room: if the queue is full (the database is behind) the event is not taken and this throws
     * {@link io.meshid.common.errors.MeshidException.Unavailable} at once, so the caller can refuse
     * its operation rather than leave it unaudited. A queued event can be lost only if the process
     * dies before it is written, or if the database refuses it after retries; the latter is counted
     * and logged. {@link #find} on the same instance first waits for what was queued before it.
     * This default stores the event at once, as {@link #record} does.
     */
    default void recordSoon(AuditEvent event) {
        record(event);
    }

    /**
     * Queues one event as {@link #recordSoon} does, but never refuses: when the queue is more than
     * half full the event is dropped instead, counted ({@code meshid.audit.dropped}) and reported
     * in a warning at most once a minute. For events that a caller can produce at will (a flood of
     * invalid tokens), so that they can neither block the event loop nor crowd out the events of
     * operations that must be audited. This default stores the event at once and drops it if that
     * fails.
     *
     * @return whether the event was taken
     */
    default boolean recordIfRoom(AuditEvent event) {
        try {
            record(event);
            return true;
        } catch (io.meshid.common.errors.MeshidException.Unavailable e) {
            return false;
        }
    }

    /**
     * As {@link #recordIfRoom}, for a failure one caller may repeat at will with the same input (the
     * same invalid token presented again and again): the first of identical events (same trust
     * domain, actor, action, target, outcome and detail) is taken as usual, and its repeats within
     * a window are only counted, then stored as one more event whose detail says how many there
     * were. Callers make the target tell inputs apart (a token's fingerprint, never the token).
     * This default takes every event as {@link #recordIfRoom} does.
     *
     * @return whether the event was taken or counted
     */
    default boolean recordRepeatable(AuditEvent event) {
        return recordIfRoom(event);
    }

    /**
     * Whether the queue of {@link #recordSoon} is more than half full (the database is behind):
     * a server can then hold new audited work back for a moment (stop reading a connection)
     * rather than take it and see {@link #recordSoon} refuse it. Cheap and non-blocking. This
     * default, which stores at once, is never behind.
     */
    default boolean behind() {
        return false;
    }

    /** Events matching the query, newest first; includes every event queued here before the call. */
    List<AuditEvent> find(AuditQuery query);
}
