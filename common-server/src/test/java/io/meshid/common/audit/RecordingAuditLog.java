package io.meshid.common.audit;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An in-memory {@link AuditLog} for unit tests of one class: keeps every event, answers
 * {@link #find} as the real one does (trust domain, since, action, newest first). Shipped in the
 * test-jar. Thread-safe.
 */
public final class RecordingAuditLog implements AuditLog {

    private final List<AuditEvent> events = new CopyOnWriteArrayList<>();

    @Override
    public void record(AuditEvent event) {
        events.add(event);
    }

    @Override
    public List<AuditEvent> find(AuditQuery query) {
        List<AuditEvent> found = new ArrayList<>();
        for (AuditEvent e : events) {
            if (e.trustDomain().equals(query.trustDomain()) && !e.occurredAt().isBefore(query.since())
                    && query.action().map(e.action()::equals).orElse(true)) {
                found.add(e);
            }
        }
        found.sort(Comparator.comparing(AuditEvent::occurredAt).reversed());
        return found.size() > query.limit() ? found.subList(0, query.limit()) : found;
    }

    /** Every event recorded so far, oldest first. */
    public List<AuditEvent> all() {
        return List.copyOf(events);
    }
}
