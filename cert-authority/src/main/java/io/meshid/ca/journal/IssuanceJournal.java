package io.meshid.ca.journal;

/**
 * Every certificate the CA issued. {@link #record} returns only when the line is durable in the
 * database, so a certificate a caller received is never missing from the journal. Thread-safe.
 */
public interface IssuanceJournal {

    /** Stores one line; blocks until it is committed. */
    void record(IssuedCertificate certificate);

    /** A page of lines matching {@code query}. */
    JournalPage list(JournalQuery query);
}
