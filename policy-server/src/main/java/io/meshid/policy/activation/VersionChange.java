package io.meshid.policy.activation;

import io.meshid.common.spiffe.TrustDomain;
import java.time.Instant;
import java.util.Objects;

/**
 * A new active version of a trust domain's policy set, as told to {@link ActivePolicies#watch}
 * listeners. Immutable.
 */
public record VersionChange(TrustDomain trustDomain, long version, Instant activatedAt) {

    public VersionChange {
        Objects.requireNonNull(trustDomain, "trustDomain");
        Objects.requireNonNull(activatedAt, "activatedAt");
    }
}
