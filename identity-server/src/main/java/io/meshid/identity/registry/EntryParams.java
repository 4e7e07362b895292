package io.meshid.identity.registry;

import io.meshid.common.spiffe.SpiffeId;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** What an admin asks for when creating an entry; checked by {@link Registry#createEntry}. */
public record EntryParams(SpiffeId spiffeId, List<Selector> selectors, Optional<Duration> x509SvidTtl,
        Optional<Duration> jwtSvidTtl, List<String> dnsNames, boolean admin, String createdBy) {

    /** Copies the lists. */
    public EntryParams {
        selectors = List.copyOf(selectors);
        dnsNames = List.copyOf(dnsNames);
    }
}
