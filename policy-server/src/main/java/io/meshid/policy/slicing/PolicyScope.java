package io.meshid.policy.slicing;

import java.util.Objects;

/**
 * The principal and resource constraints of one static policy. Immutable and thread-safe.
 *
 * @param policyId the policy's id in its policy set
 * @param principal what the scope says about the principal
 * @param resource what the scope says about the resource
 */
public record PolicyScope(String policyId, ScopeConstraint principal, ScopeConstraint resource) {

    public PolicyScope {
        Objects.requireNonNull(policyId, "policyId");
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(resource, "resource");
    }

    /** A scope that the index never excludes: the safe reading of a policy it cannot read. */
    public static PolicyScope unconstrained(String policyId) {
        return new PolicyScope(policyId, ScopeConstraint.ANY, ScopeConstraint.ANY);
    }
}
