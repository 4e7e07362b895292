package io.meshid.policy.store;

import io.meshid.common.spiffe.TrustDomain;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a trust domain's versions stand: the latest number, the active one and the shadow one
 * (0 when none) and since when. Cheap to read for every trust domain at once, which is how
 * replicas notice a change they were not told about. Immutable.
 */
public record Heads(TrustDomain trustDomain, long latest, long active, Optional<Instant> activeSince, long shadow,
        Optional<Instant> shadowSince) {

    public Heads {
        Objects.requireNonNull(trustDomain, "trustDomain");
        Objects.requireNonNull(activeSince, "activeSince");
        Objects.requireNonNull(shadowSince, "shadowSince");
    }

    /** A trust domain with no versions. */
    public static Heads none(TrustDomain trustDomain) {
        return new Heads(trustDomain, 0, 0, Optional.empty(), 0, Optional.empty());
    }

    /** The state of {@code version} according to these heads. */
    public VersionState stateOf(long version) {
        if (version == active) {
            return VersionState.ACTIVE;
        }
        return version == shadow ? VersionState.SHADOW : VersionState.INACTIVE;
    }
}
