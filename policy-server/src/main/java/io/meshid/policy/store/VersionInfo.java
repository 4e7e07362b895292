package io.meshid.policy.store;

import io.meshid.common.spiffe.TrustDomain;
import java.time.Instant;
import java.util.Objects;

/**
 * The metadata of one stored version of a trust domain's policy set: its number (from 1, gap-free
 * per trust domain), who made it and when, the comment, whether it was put as a shadow, the
 * version it copies (rollback; 0 otherwise), the number of static policies plus links, and its
 * state at the time it was read. Immutable.
 */
public record VersionInfo(TrustDomain trustDomain, long version, String author, Instant createdAt, String comment,
        boolean shadow, long copiedFrom, int policyCount, VersionState state) {

    public VersionInfo {
        Objects.requireNonNull(trustDomain, "trustDomain");
        Objects.requireNonNull(author, "author");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(comment, "comment");
        Objects.requireNonNull(state, "state");
    }
}
