package io.meshid.common.audit;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * What to read back from the audit trail: one trust domain's events since a moment, newest first,
 * optionally only one action, at most {@code limit} of them (1 to {@value #MAX_LIMIT}).
 */
public record AuditQuery(String trustDomain, Instant since, Optional<String> action, int limit) {

    /** Most events one query returns. */
    public static final int MAX_LIMIT = 1000;

    /** Validates the bounds. */
    public AuditQuery {
        if (trustDomain == null || trustDomain.isBlank()) {
            throw new IllegalArgumentException("trust_domain: empty (expected: the trust domain whose events to read)");
        }
        if (since == null) {
            throw new IllegalArgumentException("since: missing (expected: an instant)");
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit: " + limit + " (expected: between 1 and " + MAX_LIMIT + ")");
        }
        since = since.truncatedTo(ChronoUnit.MICROS);
        action = action == null ? Optional.empty() : action;
    }
}
