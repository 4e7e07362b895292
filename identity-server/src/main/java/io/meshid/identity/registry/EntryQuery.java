package io.meshid.identity.registry;

import io.meshid.common.spiffe.TrustDomain;
import java.util.List;
import java.util.Optional;

/**
 * A page of one trust domain's entries, ordered by SPIFFE ID then id. Filters combine with AND:
 * an exact SPIFFE ID, a path prefix, selectors the entry must all have, the admin flag.
 */
public record EntryQuery(TrustDomain trustDomain, Optional<String> spiffeId, Optional<String> pathPrefix,
        List<Selector> selectors, Optional<Boolean> admin, int pageSize, Optional<String> pageToken) {

    /** Most entries in one page. */
    public static final int MAX_PAGE_SIZE = 1000;

    /** Copies the list. */
    public EntryQuery {
        selectors = List.copyOf(selectors);
    }
}
