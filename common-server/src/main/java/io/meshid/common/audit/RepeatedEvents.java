package io.meshid.common.audit;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Folds repeats of one denial into one counted event, so that a client retrying the same invalid
 * token thousands of times writes two rows, not thousands. Two events are the same when trust
 * domain, actor, action, target, outcome and detail match (the request id and time may differ).
 * The first occurrence in a window always passes ({@link #admit} answers {@code true}) and is
 * written at once, so nothing is hidden; later ones within {@code window} of it are only counted;
 * once the window has passed, {@link #due} yields one event whose detail ends in
 * {@code " [repeated N more times until <instant>]"}, with the time of the last repeat and the
 * request id of the first. At most {@code maxKeys} distinct events are tracked; past that, new
 * ones pass unfolded (the queue's own bound still applies to them). Thread-safe.
 */
final class RepeatedEvents {

    private static final class Tally {
        final AuditEvent first;
        final Instant windowEnd;
        long repeats;
        Instant last;

        Tally(AuditEvent first, Instant windowEnd) {
            this.first = first;
            this.windowEnd = windowEnd;
            this.last = first.occurredAt();
        }
    }

    private record Key(String trustDomain, String actor, String action, String target, AuditEvent.Outcome outcome,
            String detail) {

        static Key of(AuditEvent e) {
            return new Key(e.trustDomain(), e.actor(), e.action(), e.target(), e.outcome(), e.detail());
        }
    }

    /** Guarded by {@code this}; every section is a few map operations, so callers on event loops never wait long. */
    private final Map<Key, Tally> tallies = new HashMap<>();
    private final List<AuditEvent> closed = new ArrayList<>();
    private final Duration window;
    private final int maxKeys;

    RepeatedEvents(Duration window, int maxKeys) {
        if (window.isNegative()) {
            throw new IllegalArgumentException("window: " + window + " (expected: zero, to fold nothing, or positive)");
        }
        this.window = window;
        this.maxKeys = maxKeys;
    }

    /** Whether {@code event} is to be written now; {@code false} when it was counted as a repeat. */
    synchronized boolean admit(AuditEvent event) {
        if (window.isZero()) {
            return true;
        }
        Key key = Key.of(event);
        Tally tally = tallies.get(key);
        if (tally != null && event.occurredAt().isBefore(tally.windowEnd)) {
            tally.repeats++;
            if (event.occurredAt().isAfter(tally.last)) {
                tally.last = event.occurredAt();
            }
            return false;
        }
        if (tally != null) {
            // Its window ended and due() has not collected it yet: its count is reported all the same.
            addSummary(tally, closed);
        } else if (tallies.size() >= maxKeys) {
            return true;
        }
        tallies.put(key, new Tally(event, event.occurredAt().plus(window)));
        return true;
    }

    /** The counted events of every window that ended by {@code now} (of every window when {@code now} is null). */
    synchronized List<AuditEvent> due(Instant now) {
        List<AuditEvent> out = new ArrayList<>(closed);
        closed.clear();
        for (Iterator<Tally> it = tallies.values().iterator(); it.hasNext(); ) {
            Tally tally = it.next();
            if (now == null || !now.isBefore(tally.windowEnd)) {
                it.remove();
                addSummary(tally, out);
            }
        }
        return out;
    }

    /** Distinct events being counted now. */
    synchronized int tracked() {
        return tallies.size();
    }

    private static void addSummary(Tally tally, List<AuditEvent> out) {
        if (tally.repeats == 0) {
            return;
        }
        AuditEvent f = tally.first;
        String suffix = " [repeated " + tally.repeats + " more times until " + tally.last + "]";
        String detail = f.detail().length() + suffix.length() <= AuditEvent.MAX_DETAIL ? f.detail() + suffix
                : f.detail().substring(0, AuditEvent.MAX_DETAIL - suffix.length()) + suffix;
        out.add(AuditEvent.of(tally.last, f.trustDomain(), f.actor(), f.action(), f.target(), f.outcome(), detail, f.requestId()));
    }
}
