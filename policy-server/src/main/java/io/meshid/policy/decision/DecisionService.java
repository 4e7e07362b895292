package io.meshid.policy.decision;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.policy.mapping.MeshRequest;

/**
 * Decides mesh requests with the active policy set of the resource's trust domain: the one domain
 * method behind PolicyService's Check and BatchCheck and Envoy's ext_authz Check.
 *
 * <p>Deny by default: a trust domain without a policy set denies (version 0) and an evaluation
 * error denies with the error; nothing but a permit policy that applies, with no forbid and no
 * error, allows. A shadow version, when there is one, is evaluated too and never enforced. Every
 * deny and a sample of allows reach the decision log, without blocking. This interface is
 * thread-safe; {@link #check} does no blocking I/O.
 */
public interface DecisionService {

    /**
     * The decision on {@code request}, asked by {@code caller}.
     *
     * @throws io.meshid.common.errors.MeshidException.PermissionDenied when {@code caller} is
     *     neither the resource nor an admin of the resource's trust domain
     * @throws io.meshid.common.errors.MeshidException.Unavailable when the policy store could not
     *     be read yet: nothing is known, the caller must deny
     */
    CheckOutcome check(SpiffeId caller, MeshRequest request);
}
