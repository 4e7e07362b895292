package io.meshid.policy.decision;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The answer to one check: allow or deny, the determining policy ids, the policies that failed to
 * evaluate, the policy version that decided (0: the trust domain has none), and how long the
 * caller may reuse the answer for an identical check (zero: not at all). Immutable.
 */
public record CheckOutcome(boolean allowed, List<String> determiningPolicies, List<PolicyError> errors, long policyVersion,
        Duration cacheTtl) {

    public CheckOutcome {
        determiningPolicies = List.copyOf(determiningPolicies);
        errors = List.copyOf(errors);
        Objects.requireNonNull(cacheTtl, "cacheTtl");
    }

    /** A Cedar error in one policy (empty id when the error is not a policy's). */
    public record PolicyError(String policyId, String message) {}

    /** Why the check was denied, in one line for a 403 body or header; empty for an allow. */
    public String reason() {
        if (allowed) {
            return "";
        }
        if (policyVersion == 0) {
            return "no policy set for this trust domain (version 0)";
        }
        if (!determiningPolicies.isEmpty()) {
            return "forbidden by " + String.join(", ", determiningPolicies) + " (version " + policyVersion + ")";
        }
        if (!errors.isEmpty()) {
            return "evaluation error in " + errors.stream().map(e -> e.policyId().isEmpty() ? "the request" : e.policyId())
                    .distinct().toList() + " (version " + policyVersion + ")";
        }
        return "no policy permits it (version " + policyVersion + ")";
    }
}
