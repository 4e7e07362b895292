package io.meshid.policy.store;

import java.util.Objects;

/** One stored version: its metadata and its source, as put. Immutable. */
public record StoredPolicySet(VersionInfo info, PolicySetSource source) {

    public StoredPolicySet {
        Objects.requireNonNull(info, "info");
        Objects.requireNonNull(source, "source");
    }
}
