package io.meshid.common.audit;

import io.meshid.common.random.ThreadRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.UUID;

/**
 * One entry of the audit trail: who did what to which object, when, and how it ended. Every
 * issuance, exchange, revocation, policy change and admin call writes one.
 *
 * <p>Fields hold identifiers and short explanations, never secrets or token values: callers pass
 * a token's {@code jti} or a certificate's serial, not the token or key. Immutable.
 *
 * @param id         unique id of the event
 * @param occurredAt when it happened
 * @param trustDomain the trust domain it belongs to (audit reads are scoped by it)
 * @param actor      the caller's SPIFFE ID, OAuth client id, or {@code anonymous}
 * @param action     what was attempted, {@code <area>.<verb>} such as {@code ca.sign_x509_svid}
 * @param target     what it was done to: a SPIFFE ID, a serial, a policy version
 * @param outcome    how it ended
 * @param detail     a short explanation (the reason for a denial, say); at most 1024 characters
 * @param requestId  the request id of the call, to join with logs and traces
 */
public record AuditEvent(
        UUID id,
        Instant occurredAt,
        String trustDomain,
        String actor,
        String action,
        String target,
        Outcome outcome,
        String detail,
        String requestId) {

    /** Longest {@code detail} kept; longer text is cut, never refused, so auditing cannot fail on it. */
    public static final int MAX_DETAIL = 1024;

    /** How an audited operation ended. */
    public enum Outcome {
        /** It was done. */
        SUCCESS,
        /** The caller was not allowed, or its credentials did not hold. */
        DENIED,
        /** The input was bad or the operation failed; nothing changed. */
        FAILED
    }

    /**
     * Checks presence, keeps the microsecond precision both databases store, cuts text to its column
     * width and replaces U+0000 (which PostgreSQL refuses) with U+FFFD.
     */
    public AuditEvent {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(occurredAt, "occurredAt");
        Objects.requireNonNull(outcome, "outcome");
        occurredAt = occurredAt.truncatedTo(ChronoUnit.MICROS);
        trustDomain = cut(trustDomain, 255);
        actor = cut(actor, 2048);
        action = cut(action, 128);
        target = cut(target, 2048);
        detail = cut(detail, MAX_DETAIL);
        requestId = cut(requestId, 128);
    }

    /**
     * A new event with a fresh id: time-ordered (a version 7 UUID of {@code at}'s millisecond,
     * {@link ThreadRandom#timeOrderedUuid}), so that the primary key index takes new events on its
     * rightmost pages, not on a random page of an index of millions of rows.
     */
    public static AuditEvent of(Instant at, String trustDomain, String actor, String action, String target,
            Outcome outcome, String detail, String requestId) {
        return new AuditEvent(newId(at), at, trustDomain, actor, action, target, outcome, detail, requestId);
    }

    /** A fresh event id for an event that occurred at {@code at}: a version 7 UUID of its millisecond. */
    public static UUID newId(Instant at) {
        return ThreadRandom.timeOrderedUuid(Math.max(0, at.toEpochMilli()));
    }

    private static String cut(String value, int max) {
        if (value == null) {
            return "";
        }
        String kept = value.length() <= max ? value : value.substring(0, max);
        // PostgreSQL text cannot hold U+0000: one such value (a caller's input, say) would fail the
        // whole batch it is written in, on every retry. It is stored as U+FFFD instead.
        return kept.indexOf('\0') < 0 ? kept : kept.replace('\0', '\uFFFD');
    }
}
