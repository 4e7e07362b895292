package io.meshid.identity.registry;

import io.meshid.common.spiffe.SpiffeId;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A registration entry: workloads with all of {@code selectors} (or holding a join token bound to
 * this entry) may hold {@code spiffeId}, with these lifetimes and DNS names. Immutable.
 */
public record RegistrationEntry(String id, SpiffeId spiffeId, List<Selector> selectors, Duration x509SvidTtl,
        Duration jwtSvidTtl, List<String> dnsNames, boolean admin, Instant createdAt, String createdBy) {

    /** Copies the lists; selectors are kept sorted. */
    public RegistrationEntry {
        selectors = selectors.stream().sorted().toList();
        dnsNames = List.copyOf(dnsNames);
    }
}
