package io.meshid.policy.decisionlog;

import java.time.Instant;
import java.util.List;

/**
 * One decision as the decision log keeps it: a summary of the request (never its headers or
 * attributes, which may carry secrets), the decision, the determining policies, errors, the
 * version, the latency, and the shadow version's verdict when one was evaluated. Immutable.
 *
 * @param shadowVersion the shadow version evaluated beside the active one, 0 for none
 * @param shadowAllowed what the shadow version decided (meaningful when {@code shadowVersion > 0})
 */
public record DecisionRecord(
        Instant at,
        String requestId,
        String caller,
        String principal,
        String action,
        String resource,
        String trustDomain,
        String path,
        String sourceAddress,
        boolean allowed,
        List<String> determiningPolicies,
        List<String> errors,
        long version,
        long latencyMicros,
        boolean cached,
        long shadowVersion,
        boolean shadowAllowed) {

    /** True when a shadow version was evaluated and decided otherwise. */
    public boolean shadowDisagrees() {
        return shadowVersion > 0 && shadowAllowed != allowed;
    }
}
