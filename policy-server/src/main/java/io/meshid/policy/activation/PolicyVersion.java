package io.meshid.policy.activation;

import io.meshid.common.spiffe.TrustDomain;
import io.meshid.policy.cedar.CompiledPolicySet;
import io.meshid.policy.cedar.PolicyEngine;
import java.time.Instant;
import java.util.Objects;

/**
 * One version of a trust domain's policy set as it is evaluated: its number, when it became
 * active (or shadow), the compiled policies and the engine that decides with them (sliced
 * evaluation). Immutable and thread-safe.
 */
public record PolicyVersion(
        TrustDomain trustDomain, long version, Instant activatedAt, CompiledPolicySet policies, PolicyEngine engine) {

    public PolicyVersion {
        Objects.requireNonNull(trustDomain, "trustDomain");
        Objects.requireNonNull(activatedAt, "activatedAt");
        Objects.requireNonNull(policies, "policies");
        Objects.requireNonNull(engine, "engine");
        if (version < 1) {
            throw new IllegalArgumentException("version: " + version + " (expected: at least 1)");
        }
    }
}
