package io.meshid.policy.grpc;

import io.meshid.common.errors.MeshidException;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.tls.CallerIdentity;

/** The verified caller of a decision rpc; who may ask about what is the domain's rule. */
final class DecisionCallers {

    private DecisionCallers() {}

    static SpiffeId authenticated() {
        return CallerIdentity.current().orElseThrow(() -> new MeshidException.Unauthenticated(
                "no client X.509-SVID (expected: mutual TLS with the SVID of the resource's workload or of an admin)"));
    }
}
