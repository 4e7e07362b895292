package io.meshid.common.audit;

import java.util.List;
import java.util.Optional;

/**
 * A page of audit events, newest first, and where the next page starts (empty on the last page).
 * Immutable.
 */
public record AuditPage(List<AuditEvent> events, Optional<AuditPageQuery.Position> next) {

    /** Copies the list. */
    public AuditPage {
        events = List.copyOf(events);
    }
}
