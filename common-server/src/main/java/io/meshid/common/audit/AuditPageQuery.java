package io.meshid.common.audit;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.UUID;

/**
 * One page of a trust domain's audit events, newest first: the filters (combined with AND) and
 * where the previous page ended. Validated on construction; immutable.
 *
 * @param trustDomain the trust domain whose events to read
 * @param since       only events at or after this instant
 * @param until       only events before this instant
 * @param action      only events of this kind
 * @param actor       only events of this actor
 * @param outcome     only events with this outcome
 * @param pageSize    most events in the page, 1 to {@value #MAX_PAGE_SIZE}
 * @param after       the last event of the previous page, to continue after it (keyset paging)
 */
public record AuditPageQuery(String trustDomain, Optional<Instant> since, Optional<Instant> until, Optional<String> action,
        Optional<String> actor, Optional<AuditEvent.Outcome> outcome, int pageSize, Optional<Position> after) {

    /** Most events one page holds. */
    public static final int MAX_PAGE_SIZE = 1000;
    /** Events in a page when the caller names no size. */
    public static final int DEFAULT_PAGE_SIZE = 100;

    /** Where a page ended: the last event's time and id, in the order newest first, then highest id. */
    public record Position(Instant occurredAt, UUID id) {
    }

    /** Validates the bounds. */
    public AuditPageQuery {
        if (trustDomain == null || trustDomain.isBlank()) {
            throw new IllegalArgumentException("trust_domain: empty (expected: the trust domain whose events to read)");
        }
        if (pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
            throw new IllegalArgumentException("page_size: " + pageSize + " (expected: between 1 and " + MAX_PAGE_SIZE + ")");
        }
        since = since.map(i -> i.truncatedTo(ChronoUnit.MICROS));
        until = until.map(i -> i.truncatedTo(ChronoUnit.MICROS));
        if (since.isPresent() && until.isPresent() && since.get().isAfter(until.get())) {
            throw new IllegalArgumentException("since: " + since.get() + " is after until " + until.get()
                    + " (expected: since at or before until)");
        }
        if (action.isPresent() && action.get().length() > 128) {
            throw new IllegalArgumentException("action: " + action.get().length() + " characters (expected: at most 128)");
        }
        if (actor.isPresent() && actor.get().length() > 2048) {
            throw new IllegalArgumentException("actor: " + actor.get().length() + " characters (expected: at most 2048)");
        }
    }
}
