package io.meshid.ca.journal;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Every certificate the CA issued. {@link #record} returns only when the line is durable in the
 * database, so a certificate a caller received is never missing from the journal. Thread-safe.
 */
public interface IssuanceJournal {

    /** Stores one line; blocks until it is committed. */
    void record(IssuedCertificate certificate);

    /**
     * Queues one line; the future completes once it is committed, or fails with a
     * {@link io.meshid.common.errors.MeshidException.Unavailable}. Lets a server answer when the
     * line is durable without holding a thread while it waits.
     */
    CompletableFuture<Void> append(IssuedCertificate certificate);

    /** A page of lines matching {@code query}. */
    JournalPage list(JournalQuery query);

    /**
     * Marks the certificate {@code serial} of {@code trustDomain} revoked at {@code at} for
     * {@code reason}, committed before it returns. A certificate revoked before keeps its first
     * revocation.
     *
     * @return the line as it now stands, or empty when no such certificate was issued there
     */
    Optional<IssuedCertificate> revoke(String trustDomain, String serial, String reason, Instant at);

    /** The revoked certificates of {@code trustDomain} that have not expired at {@code now}, by serial. */
    java.util.List<IssuedCertificate> revokedUnexpired(String trustDomain, Instant now);
}
