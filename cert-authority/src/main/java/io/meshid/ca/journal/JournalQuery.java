package io.meshid.ca.journal;

import java.util.Optional;

/**
 * A page of the journal of one trust domain, newest first, optionally for one SPIFFE ID or one
 * serial. {@code pageToken} is the opaque token of the previous page's end.
 */
public record JournalQuery(String trustDomain, Optional<String> spiffeId, Optional<String> serial, int pageSize,
        Optional<String> pageToken) {

    /** Most entries in one page. */
    public static final int MAX_PAGE_SIZE = 1000;

    /** Default page size. */
    public static final int DEFAULT_PAGE_SIZE = 100;
}
